// Server configuration, read from vigil.yaml in the data directory (written with defaults by
// `vigil init`). Every field has a default; unknown keys are rejected so typos are caught.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace vigil {

struct Config {
  std::string listen = "127.0.0.1:8080";
  int io_threads = 2;

  // Request limits.
  size_t max_body_bytes = 1 << 20;         // single JSON requests
  size_t max_batch_body_bytes = 32 << 20;  // flags:batch
  size_t max_batch_lines = 10000;

  // Rate limits (token buckets). Integration tokens by default never throttle below the
  // benchmark rates; end-user reporters are limited to stop floods from one account.
  double token_rate_per_s = 200000;
  double token_burst = 400000;
  double reporter_rate_per_min = 60;
  double reporter_burst = 30;

  Millis claim_lease_ms = 15 * 60 * 1000;  // how long a claimed case stays with its reviewer
  Millis sla_sweep_ms = 30 * 1000;         // how often SLA states are evaluated
  Millis appeal_window_ms = 183LL * 86'400'000;  // DSA Art. 20: at least six months
  // Repeat infringers (DSA Art. 23): active strike weight at which the author is warned, and at
  // which a suspension is proposed to a senior reviewer; strikes expire.
  double strike_warn_at = 1;
  double strike_suspend_at = 3;
  Millis strike_expiry_ms = 90LL * 86'400'000;
  // Misuse by notifiers (DSA Art. 23(2)): manifestly unfounded notices counted over a window;
  // a warning at warn_at, then the reporter's notices are deprioritized for a period.
  Millis misuse_window_ms = 180LL * 86'400'000;
  int misuse_warn_at = 3;
  int misuse_deprioritize_at = 5;
  Millis misuse_deprioritize_ms = 30LL * 86'400'000;

  int session_ttl_hours = 12;
  bool cookie_secure = false;  // set true behind TLS
  size_t max_group_commit = 4096;
  Millis background_max_wait_ms = 5000;  // how long backlog writes wait behind requests
  // Analysis and policies on every flag and content item (`vigil serve`); off only to measure
  // intake without them.
  bool automation_enabled = true;

  static Result<Config> FromYaml(const std::string& text);
  static Result<Config> Load(const std::string& data_dir);  // defaults when the file is absent
  static const char* DefaultYaml();
};

}  // namespace vigil
