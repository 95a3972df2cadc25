// Token-bucket rate limits keyed by string (an API token, a reporter). Thread-safe and sharded so
// concurrent requests rarely contend. A refusal says how long to wait (for Retry-After).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace vigil::intake {

class RateLimiter {
 public:
  // `rate_per_ms` tokens are added per millisecond up to `burst`.
  // Returns nullopt when allowed (and takes `cost` tokens), else seconds to wait.
  std::optional<int> Take(const std::string& key, double rate_per_ms, double burst, double cost,
                          Millis now);

  // For tests: the buckets held, and how many sweeps have looked for full ones.
  size_t Keys() {
    return SumOverShards([](const Shard& s) { return s.buckets.size(); });
  }
  uint64_t Sweeps() {
    return SumOverShards([](const Shard& s) { return s.sweeps; });
  }

  // A shard is swept for buckets that have refilled once it holds this many, and after a sweep
  // once it has doubled what the sweep left: a sweep visits every bucket of its shard, so each
  // Take pays for a bounded number of visits however many buckets stay partly used.
  static constexpr size_t kMinSweep = 4096;

 private:
  struct Bucket {
    double tokens;
    Millis at;
    Millis full_at;  // when it holds `burst` again at its own rate: it can be forgotten then
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
    size_t sweep_at = kMinSweep;
    uint64_t sweeps = 0;
  };
  template <typename F>
  uint64_t SumOverShards(F f) {
    uint64_t n = 0;
    for (Shard& s : shards_) {
      std::lock_guard lock(s.mu);
      n += f(s);
    }
    return n;
  }

  static constexpr size_t kShards = 16;
  std::array<Shard, kShards> shards_;
};

}  // namespace vigil::intake
