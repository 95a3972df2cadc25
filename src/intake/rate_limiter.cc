#include "intake/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace vigil::intake {

std::optional<int> RateLimiter::Take(const std::string& key, double rate_per_ms, double burst,
                                     double cost, Millis now) {
  Shard& shard = shards_[std::hash<std::string>{}(key) % kShards];
  std::lock_guard lock(shard.mu);
  if (shard.buckets.size() >= shard.sweep_at) {
    // A bucket that has refilled holds no state worth keeping: forgetting it is the same as a
    // fresh one. Each bucket is judged at its own rate (a token's and a reporter's share shards).
    std::erase_if(shard.buckets, [&](const auto& kv) { return kv.second.full_at <= now; });
    shard.sweep_at = std::max(kMinSweep, 2 * shard.buckets.size());
    ++shard.sweeps;
  }
  auto [it, fresh] = shard.buckets.try_emplace(key, Bucket{burst, now, now});
  Bucket& b = it->second;
  const double rate = std::max(rate_per_ms, 1e-9);
  if (!fresh && now > b.at) b.tokens = std::min(burst, b.tokens + (now - b.at) * rate_per_ms);
  b.at = std::max(b.at, now);
  std::optional<int> wait;
  if (b.tokens >= cost) {
    b.tokens -= cost;
  } else {
    wait = std::max(1, static_cast<int>(std::ceil((cost - b.tokens) / rate / 1000.0)));
  }
  // Capped far out (a rate near 0 would overflow): such a bucket is simply never forgotten.
  double to_full = std::min(1e15, std::ceil((burst - b.tokens) / rate));
  b.full_at = b.at + static_cast<Millis>(std::max(0.0, to_full));
  return wait;
}

}  // namespace vigil::intake
