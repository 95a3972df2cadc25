#pragma once

#include <cstddef>
#include <string>

// Inserts `rows` flag-shaped rows straight into a fresh SQLite database under `dir` and returns
// rows/s. `with_reporter`: also the rows a flag from a new reporter adds (the reporter's account
// and its platform id mapping, the case's reporter row), i.e. every row Vigil writes for one
// flag of bench_ingest: the "same rows", bench_ingest's baseline. Without: an anonymous
// flag's rows (content and its mapping, case, flag, event), kept for comparison.
double RawSqliteBaselineFlagsPerSecond(const std::string& dir, size_t rows,
                                       bool with_reporter = false);

// Every row of the with-reporter baseline, many rows a statement through the store's own
// PendingTable (store/sqlite_pending.h), in 10,000-flag transactions: the best this connection
// can do with the rows of these flags, without anything else Vigil does.
double RawSqliteManyAStatementFlagsPerSecond(const std::string& dir, size_t rows);
