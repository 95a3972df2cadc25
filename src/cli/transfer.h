// `vigil import`, `vigil export` and `vigil demo`: moving NDJSON in and out of a data directory
// through the same intake path as the HTTP API, with a progress bar on a terminal.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void RegisterTransfer(CLI::App& app);
int SetExit(int code);

}  // namespace vigil::cli
