// `vigil lists check/import/export/normalize`: term and domain lists of the analysis step
// (DIR/lists/*.list, format in docs/analysis.md). Bad lists are refused naming the line.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void RegisterLists(CLI::App& app);

}  // namespace vigil::cli
