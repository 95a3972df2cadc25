#include "intake/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil::intake {
namespace {

constexpr double kPerMinute = 1.0 / 60000.0;  // tokens a millisecond at one a minute

TEST(RateLimiter, AllowsTheBurstThenSaysHowLongToWait) {
  RateLimiter limiter;
  const double rate = 60 * kPerMinute;  // one a second
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.Take("reporter:a", rate, 3, 1, 1000)) << i;
  auto wait = limiter.Take("reporter:a", rate, 3, 1, 1000);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1);
  EXPECT_TRUE(limiter.Take("reporter:a", rate, 3, 1, 1999));
  EXPECT_FALSE(limiter.Take("reporter:a", rate, 3, 1, 2000));  // a token is back
  EXPECT_FALSE(limiter.Take("reporter:b", rate, 3, 1, 2000));  // keys are apart
}

// Sweeps judge each bucket at its own rate: a token's fast buckets in the same shards must not
// make a slow reporter's empty bucket look full (which would forget what it used).
TEST(RateLimiter, SweepsForgetOnlyBucketsThatRefilledAtTheirOwnRate) {
  RateLimiter limiter;
  for (int i = 0; i < 30; ++i) ASSERT_FALSE(limiter.Take("reporter:slow", kPerMinute, 30, 1, 0));
  ASSERT_TRUE(limiter.Take("reporter:slow", kPerMinute, 30, 1, 0));
  // Many keys at a fast rate, all full again a millisecond later: several sweeps run.
  for (int i = 0; i < 200000; ++i)
    ASSERT_FALSE(limiter.Take("token:" + std::to_string(i), 1000, 1, 1, 10 + i / 1000));
  EXPECT_GT(limiter.Sweeps(), 16u);
  EXPECT_LT(limiter.Keys(), 200000u);  // the refilled ones went
  auto wait = limiter.Take("reporter:slow", kPerMinute, 30, 1, 1000);
  ASSERT_TRUE(wait) << "the slow bucket was forgotten by a sweep";
  EXPECT_GE(*wait, 59);
}

TEST(RateLimiter, BucketsThatRefillDoNotPileUp) {
  RateLimiter limiter;
  // A new reporter every 10 us for 10 s, each using one token of a burst of 30 at one a second:
  // each is full again a second later, so ~100,000 are ever worth keeping.
  const double rate = 60 * kPerMinute;
  for (int i = 0; i < 1'000'000; ++i)
    ASSERT_FALSE(limiter.Take("reporter:" + std::to_string(i), rate, 30, 1, i / 100));
  EXPECT_LE(limiter.Keys(), 2 * 100'000u + 16 * RateLimiter::kMinSweep);
}

// Buckets that never refill are never forgotten (their limits hold), and the sweeps that find
// nothing to forget stay few: each comes only once its shard has doubled.
TEST(RateLimiter, SweepsStayFewWhenNothingRefills) {
  RateLimiter limiter;
  const int n = 300000;
  for (int i = 0; i < n; ++i)
    ASSERT_FALSE(limiter.Take("reporter:" + std::to_string(i), 1e-12, 1, 1, 0));
  EXPECT_EQ(limiter.Keys(), static_cast<size_t>(n));
  EXPECT_LE(limiter.Sweeps(), 16u * 4);  // per shard: at 4096, 8192, ~16k (~19k keys each)
  for (int i = 0; i < n; i += 9973)
    EXPECT_TRUE(limiter.Take("reporter:" + std::to_string(i), 1e-12, 1, 1, 5)) << i;
}

}  // namespace
}  // namespace vigil::intake
