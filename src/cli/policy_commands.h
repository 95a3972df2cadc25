// `vigil policy check/render/eval`: the policy library (docs/policy-language.md) from the
// command line. `check` exits 1 when any file has a problem, naming file:line:column.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void RegisterPolicy(CLI::App& app);

}  // namespace vigil::cli
