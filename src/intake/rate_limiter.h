// Token-bucket rate limits keyed by string (an API token, a reporter). Thread-safe and sharded so
// concurrent requests rarely contend. A refusal says how long to wait (for Retry-After).
#pragma once

#include <array>
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

 private:
  struct Bucket {
    double tokens;
    Millis at;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxKeysPerShard = 200000;
  std::array<Shard, kShards> shards_;
};

}  // namespace vigil::intake
