#include "intake/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace vigil::intake {

std::optional<int> RateLimiter::Take(const std::string& key, double rate_per_ms, double burst,
                                     double cost, Millis now) {
  Shard& shard = shards_[std::hash<std::string>{}(key) % kShards];
  std::lock_guard lock(shard.mu);
  if (shard.buckets.size() > kMaxKeysPerShard) {
    // Forget buckets that have refilled completely: they hold no state worth keeping.
    std::erase_if(shard.buckets, [&](const auto& kv) {
      return kv.second.tokens + (now - kv.second.at) * rate_per_ms >= burst;
    });
  }
  auto [it, fresh] = shard.buckets.try_emplace(key, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh && now > b.at) b.tokens = std::min(burst, b.tokens + (now - b.at) * rate_per_ms);
  b.at = std::max(b.at, now);
  if (b.tokens >= cost) {
    b.tokens -= cost;
    return std::nullopt;
  }
  double wait_ms = (cost - b.tokens) / std::max(rate_per_ms, 1e-9);
  return std::max(1, static_cast<int>(std::ceil(wait_ms / 1000.0)));
}

}  // namespace vigil::intake
