#include "core/config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace vigil {
namespace {

constexpr const char* kDefaultYaml = R"YAML(# Vigil server configuration. See the README's configuration reference.
listen: 127.0.0.1:8080
io_threads: 2
limits:
  max_body_bytes: 1048576
  max_batch_body_bytes: 33554432
  max_batch_lines: 10000
rate_limits:
  token_rate_per_s: 200000
  token_burst: 400000
  reporter_rate_per_min: 60
  reporter_burst: 30
sessions:
  ttl_hours: 12
  cookie_secure: false
storage:
  max_group_commit: 4096
  # Backlog work (automation catching up, SLA breach records) waits while requests keep the
  # server busy; at most this long before one small batch rides along with them.
  background_max_wait_ms: 5000
claims:
  lease_seconds: 900
sla:
  sweep_seconds: 30
appeals:
  window_days: 183
strikes:
  warn_at: 1
  suspend_at: 3
  expiry_days: 90
# Reporters who keep sending manifestly unfounded notices (DSA Art. 23(2)): counted over a
# window; a warning first, then their notices are deprioritized for a period.
misuse:
  window_days: 180
  warn_at: 3
  deprioritize_at: 5
  deprioritize_days: 30
# Queues, routing, SLAs and escalation tiers live in queues.yaml beside this file.
)YAML";

Status CheckKeys(const YAML::Node& n, const std::string& where, std::set<std::string> allowed) {
  if (!n.IsMap()) return Error::Invalid(where, "expected a mapping");
  for (const auto& kv : n) {
    auto key = kv.first.as<std::string>();
    if (!allowed.count(key))
      return Error::Invalid(where.empty() ? key : where + "." + key, "unknown setting");
  }
  return OkStatus();
}

template <typename T>
void Read(const YAML::Node& n, const char* key, T* out) {
  if (n[key]) *out = n[key].as<T>();
}

}  // namespace

const char* Config::DefaultYaml() { return kDefaultYaml; }

Result<Config> Config::FromYaml(const std::string& text) {
  Config c;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root || root.IsNull()) return c;
    if (auto s = CheckKeys(root, "",
                           {"listen", "io_threads", "limits", "rate_limits", "sessions", "storage",
                            "claims", "sla", "appeals", "strikes", "misuse", "automation"});
        !s)
      return s.error();
    Read(root, "listen", &c.listen);
    Read(root, "io_threads", &c.io_threads);
    if (auto n = root["limits"]) {
      if (auto s = CheckKeys(n, "limits", {"max_body_bytes", "max_batch_body_bytes",
                                           "max_batch_lines"});
          !s)
        return s.error();
      Read(n, "max_body_bytes", &c.max_body_bytes);
      Read(n, "max_batch_body_bytes", &c.max_batch_body_bytes);
      Read(n, "max_batch_lines", &c.max_batch_lines);
    }
    if (auto n = root["rate_limits"]) {
      if (auto s = CheckKeys(n, "rate_limits", {"token_rate_per_s", "token_burst",
                                                "reporter_rate_per_min", "reporter_burst"});
          !s)
        return s.error();
      Read(n, "token_rate_per_s", &c.token_rate_per_s);
      Read(n, "token_burst", &c.token_burst);
      Read(n, "reporter_rate_per_min", &c.reporter_rate_per_min);
      Read(n, "reporter_burst", &c.reporter_burst);
    }
    if (auto n = root["sessions"]) {
      if (auto s = CheckKeys(n, "sessions", {"ttl_hours", "cookie_secure"}); !s) return s.error();
      Read(n, "ttl_hours", &c.session_ttl_hours);
      Read(n, "cookie_secure", &c.cookie_secure);
    }
    if (auto n = root["storage"]) {
      if (auto s = CheckKeys(n, "storage", {"max_group_commit", "background_max_wait_ms"}); !s)
        return s.error();
      Read(n, "max_group_commit", &c.max_group_commit);
      if (n["background_max_wait_ms"]) {
        double ms = n["background_max_wait_ms"].as<double>();
        if (ms < 10 || ms > 600'000)
          return Error::Invalid("storage.background_max_wait_ms", "must be between 10 and 600000");
        c.background_max_wait_ms = static_cast<Millis>(ms);
      }
    }
    if (auto n = root["strikes"]) {
      if (auto s = CheckKeys(n, "strikes", {"warn_at", "suspend_at", "expiry_days"}); !s)
        return s.error();
      Read(n, "warn_at", &c.strike_warn_at);
      Read(n, "suspend_at", &c.strike_suspend_at);
      if (n["expiry_days"]) c.strike_expiry_ms = static_cast<Millis>(n["expiry_days"].as<double>() * 86'400'000);
      if (c.strike_warn_at <= 0 || c.strike_suspend_at < c.strike_warn_at)
        return Error::Invalid("strikes.suspend_at", "needs 0 < warn_at <= suspend_at");
    }
    if (auto n = root["misuse"]) {
      if (auto s = CheckKeys(n, "misuse",
                             {"window_days", "warn_at", "deprioritize_at", "deprioritize_days"});
          !s)
        return s.error();
      if (n["window_days"]) c.misuse_window_ms = static_cast<Millis>(n["window_days"].as<double>() * 86'400'000);
      Read(n, "warn_at", &c.misuse_warn_at);
      Read(n, "deprioritize_at", &c.misuse_deprioritize_at);
      if (n["deprioritize_days"])
        c.misuse_deprioritize_ms = static_cast<Millis>(n["deprioritize_days"].as<double>() * 86'400'000);
      if (c.misuse_warn_at < 1 || c.misuse_deprioritize_at <= c.misuse_warn_at)
        return Error::Invalid("misuse.deprioritize_at",
                              "needs 1 <= warn_at < deprioritize_at (a warning comes first)");
      if (c.misuse_window_ms <= 0 || c.misuse_deprioritize_ms <= 0)
        return Error::Invalid("misuse.window_days", "window_days and deprioritize_days must be positive");
    }
    if (auto n = root["appeals"]) {
      if (auto s = CheckKeys(n, "appeals", {"window_days"}); !s) return s.error();
      if (n["window_days"]) {
        double days = n["window_days"].as<double>();
        if (days < 183)
          return Error::Invalid("appeals.window_days",
                                "must be at least 183 (DSA Art. 20: six months)");
        c.appeal_window_ms = static_cast<Millis>(days * 86'400'000);
      }
    }
    if (auto n = root["sla"]) {
      if (auto s = CheckKeys(n, "sla", {"sweep_seconds"}); !s) return s.error();
      if (n["sweep_seconds"]) {
        double secs = n["sweep_seconds"].as<double>();
        if (secs < 1 || secs > 3600)
          return Error::Invalid("sla.sweep_seconds", "must be between 1 and 3600");
        c.sla_sweep_ms = static_cast<Millis>(secs * 1000);
      }
    }
    if (auto n = root["automation"]) {
      if (auto s = CheckKeys(n, "automation", {"enabled"}); !s) return s.error();
      Read(n, "enabled", &c.automation_enabled);
    }
    if (auto n = root["claims"]) {
      if (auto s = CheckKeys(n, "claims", {"lease_seconds"}); !s) return s.error();
      if (n["lease_seconds"]) {
        double secs = n["lease_seconds"].as<double>();
        if (secs <= 0 || secs > 86400)
          return Error::Invalid("claims.lease_seconds", "must be between 0 and 86400");
        c.claim_lease_ms = static_cast<Millis>(secs * 1000);
      }
    }
  } catch (const YAML::Exception& e) {
    return Error::Invalid("vigil.yaml", std::string("YAML: ") + e.what());
  }
  if (c.io_threads < 1 || c.io_threads > 64) return Error::Invalid("io_threads", "must be 1..64");
  if (c.max_body_bytes < 1024) return Error::Invalid("limits.max_body_bytes", "must be >= 1024");
  return c;
}

Result<Config> Config::Load(const std::string& data_dir) {
  std::ifstream in(data_dir + "/vigil.yaml");
  if (!in) return Config{};
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = FromYaml(ss.str());
  if (!r) {
    Error e = r.error();
    e.message = data_dir + "/vigil.yaml: " + e.field + ": " + e.message;
    return e;
  }
  return r;
}

}  // namespace vigil
