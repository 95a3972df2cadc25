// The subcommands of `vigil`. Each reports bad input with a message naming the option and a
// non-zero exit code, and changes nothing in that case.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void Register(CLI::App& app);
int ExitCode();  // the exit code the subcommand that ran asked for

}  // namespace vigil::cli
