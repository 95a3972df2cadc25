// `vigil policy check/render/eval` and the version commands: the policy library (docs/policy-language.md) from the
// command line. `check` exits 1 when any file has a problem, naming file:line:column.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void RegisterPolicy(CLI::App& app);
// versions|diff|activate|rollback|shadow on a data directory (policy_version_commands.cc).
void RegisterPolicyVersions(CLI::App& policy);

}  // namespace vigil::cli
