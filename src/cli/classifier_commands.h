// `vigil classifier train/list/eval/predict`: fastText text classifiers trained from labeled
// NDJSON examples and kept versioned in DIR/models (see docs/analysis.md). Bad examples are
// refused naming the line and field, and nothing is written.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void RegisterClassifier(CLI::App& app);

}  // namespace vigil::cli
