// Time in Vigil is UTC milliseconds since the epoch. Everything that reads "now" takes a Clock so
// tests can move time (SLAs, appeal windows, rate limits) without sleeping.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

using Millis = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Millis Now() const override;
  static const SystemClock& Instance();
};

// A clock tests set and advance by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start) : now_(start) {}
  Millis Now() const override { return now_.load(); }
  void Set(Millis t) { now_.store(t); }
  void Advance(Millis d) { now_.fetch_add(d); }

 private:
  std::atomic<Millis> now_;
};

// "2026-11-25T14:33:55.123Z" (always UTC, millisecond precision).
std::string FormatIso8601(Millis t);
// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm|-hh:mm)". nullopt when malformed.
std::optional<Millis> ParseIso8601(std::string_view s);
// "30d", "12h", "15m", "45s", "500ms" -> milliseconds. nullopt when malformed.
std::optional<Millis> ParseDuration(std::string_view s);

}  // namespace vigil
