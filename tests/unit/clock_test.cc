#include "core/clock.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

namespace vigil {
namespace {

TEST(Iso8601, RoundTripsMilliseconds) {
  Millis t = 1795617235123;  // 2026-11-25T...
  auto s = FormatIso8601(t);
  EXPECT_EQ(s.back(), 'Z');
  EXPECT_EQ(ParseIso8601(s), t);
}

// The hand-written formatter agrees with gmtime_r on every day from 1600 to 2400 (leap years,
// century rules) at varied times of day, and on instants before 1970.
TEST(Iso8601, FormatsLikeGmtimeOverFourCenturies) {
  const int64_t first_day = -135140, last_day = 157054;  // 1600-01-01 .. 2400-01-01
  for (int64_t day = first_day; day <= last_day; ++day) {
    Millis t = day * 86400000 + (day * 7919 % 86400) * 1000 + (day % 1000 + 1000) % 1000;
    int64_t secs = t >= 0 ? t / 1000 : (t - 999) / 1000;
    std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char want[64];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(t - secs * 1000));
    ASSERT_EQ(FormatIso8601(t), want) << "t = " << t;
    ASSERT_EQ(ParseIso8601(want), t) << want;
  }
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatIso8601(951782400000), "2000-02-29T00:00:00.000Z");
}

// The formatting without gmtime_r agrees with it on every day from 1970 to 9999.
TEST(Iso8601, FormatsAsGmtimeDoes) {
  auto reference = [](Millis t) {
    std::time_t secs = static_cast<std::time_t>(t / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(t % 1000));
    return std::string(buf);
  };
  const Millis kDay = 86'400'000, kEnd = 253'402'300'800'000;  // 10000-01-01
  for (Millis t = 0; t < kEnd; t += kDay + 3'723'456) ASSERT_EQ(FormatIso8601(t), reference(t));
  for (Millis t : {Millis{0}, Millis{951'782'400'000}, Millis{951'868'799'999}, kEnd - 1})
    EXPECT_EQ(FormatIso8601(t), reference(t));
  EXPECT_EQ(FormatIso8601(951'825'600'000), "2000-02-29T12:00:00.000Z");
  EXPECT_EQ(FormatIso8601(kEnd - 1), "9999-12-31T23:59:59.999Z");
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
