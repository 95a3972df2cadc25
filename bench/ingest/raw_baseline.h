#pragma once

#include <cstddef>
#include <string>

// Inserts `rows` flag-shaped rows straight into a fresh SQLite database under `dir` and returns
// rows/s.
double RawSqliteBaselineFlagsPerSecond(const std::string& dir, size_t rows);
