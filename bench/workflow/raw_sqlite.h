// The raw-SQLite side of the workflow benchmark: the same database file opened read-only with the
// sqlite3 C API, for the baseline query timings and a few look-ups (counts, the 100-flag case).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::bench {

class ReadOnlyDb {
 public:
  explicit ReadOnlyDb(const std::string& path);  // throws std::runtime_error
  ~ReadOnlyDb();
  ReadOnlyDb(const ReadOnlyDb&) = delete;
  ReadOnlyDb& operator=(const ReadOnlyDb&) = delete;

  // First column of the first row as an integer (-1 when there is no row). ?1 = param.
  int64_t QueryInt(const std::string& sql, int64_t param = 0);
  // EXPLAIN QUERY PLAN details, joined with "; ".
  std::string Plan(const std::string& sql);
  // Runs `sql` `runs` times with ?1 bound to param, stepping every row and reading every column
  // (as an application would); returns each run's latency in ms, sorted. Stops early (after at
  // least 5 runs) once `max_seconds` have passed, for queries that turn out slow.
  std::vector<double> Time(const std::string& sql, int runs, int64_t param,
                           double max_seconds = 60);

 private:
  sqlite3_stmt* Prepare(const std::string& sql);
  sqlite3* db_ = nullptr;
};

}  // namespace vigil::bench
