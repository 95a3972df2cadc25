#include "core/clock.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(Iso8601, RoundTripsMilliseconds) {
  Millis t = 1795617235123;  // 2026-11-25T...
  auto s = FormatIso8601(t);
  EXPECT_EQ(s.back(), 'Z');
  EXPECT_EQ(ParseIso8601(s), t);
}

TEST(Iso8601, AcceptsDatesOffsetsAndRejectsGarbage) {
  EXPECT_EQ(ParseIso8601("1970-01-01"), 0);
  EXPECT_EQ(ParseIso8601("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(ParseIso8601("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_FALSE(ParseIso8601("1970-01-01T00:00:00"));  // no zone
  EXPECT_FALSE(ParseIso8601("2026-13-01"));
  EXPECT_FALSE(ParseIso8601("yesterday"));
  EXPECT_FALSE(ParseIso8601("2026-01-01T00:00:00Zjunk"));
}

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(ParseDuration("30d"), 30LL * 86400000);
  EXPECT_EQ(ParseDuration("15m"), 900000);
  EXPECT_EQ(ParseDuration("500ms"), 500);
  EXPECT_FALSE(ParseDuration("d"));
  EXPECT_FALSE(ParseDuration("3 weeks"));
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock c(1000);
  EXPECT_EQ(c.Now(), 1000);
  c.Advance(500);
  EXPECT_EQ(c.Now(), 1500);
}

}  // namespace
}  // namespace vigil
