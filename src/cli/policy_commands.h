// `vigil policy check/render/eval` and the version commands: the policy library (docs/policy-language.md) from the
// command line. `check` exits 1 when any file has a problem, naming file:line:column.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/error.h"
#include "policy/backtest.h"

namespace vigil {
struct Services;
}

namespace vigil::cli {

void RegisterPolicy(CLI::App& app);
// versions|diff|activate|rollback|shadow on a data directory (policy_version_commands.cc).
void RegisterPolicyVersions(CLI::App& policy);

// What `vigil policy backtest` and POST /v1/policies/{id}/backtest run.
struct BacktestRequest {
  std::string policy_id;
  std::optional<int> version;  // default: the version in force
  std::string yaml;            // a draft to replay instead of a stored version
  Millis since = 30LL * 86'400'000;
  size_t sample = 20;
  int threads = 2;
  bool analyse = true;  // re-analyse the stored text with DATA/lists and DATA/models
};
// Errors name the field (policy, version, yaml).
Result<policy::BacktestReport> RunPolicyBacktest(Services& s, const BacktestRequest& req);
void RegisterBacktest(CLI::App& policy);

}  // namespace vigil::cli
