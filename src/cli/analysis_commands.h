// `vigil analysis report`: replays the content of decided cases through the analysis in force
// (DATA/lists, DATA/models) and compares every signal with the human decisions
// (src/analysis/analysis_report.h, docs/analysis.md).
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void RegisterAnalysis(CLI::App& app);

}  // namespace vigil::cli
