// `vigil case list|show|next|release|decide|escalate|handback|comment`: the review workflow from
// a terminal, through a running server's HTTP API with a reviewer's token.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void RegisterCase(CLI::App& app);

}  // namespace vigil::cli
