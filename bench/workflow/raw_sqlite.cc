#include "raw_sqlite.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace vigil::bench {

ReadOnlyDb::ReadOnlyDb(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("sqlite3_open_v2 " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
}

ReadOnlyDb::~ReadOnlyDb() { sqlite3_close(db_); }

sqlite3_stmt* ReadOnlyDb::Prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
    throw std::runtime_error("prepare: " + std::string(sqlite3_errmsg(db_)) + ": " + sql);
  return s;
}

int64_t ReadOnlyDb::QueryInt(const std::string& sql, int64_t param) {
  sqlite3_stmt* s = Prepare(sql);
  if (sqlite3_bind_parameter_count(s) >= 1) sqlite3_bind_int64(s, 1, param);
  int64_t v = -1;
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW)
    v = sqlite3_column_int64(s, 0);
  else if (rc != SQLITE_DONE) {
    std::string msg = sqlite3_errmsg(db_);
    sqlite3_finalize(s);
    throw std::runtime_error("step: " + msg + ": " + sql);
  }
  sqlite3_finalize(s);
  return v;
}

std::string ReadOnlyDb::Plan(const std::string& sql) {
  sqlite3_stmt* s = Prepare("EXPLAIN QUERY PLAN " + sql);
  std::string out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    if (!out.empty()) out += "; ";
    out += reinterpret_cast<const char*>(sqlite3_column_text(s, 3));
  }
  sqlite3_finalize(s);
  return out;
}

std::vector<double> ReadOnlyDb::Time(const std::string& sql, int runs, int64_t param,
                                     double max_seconds) {
  sqlite3_stmt* s = Prepare(sql);
  bool has_param = sqlite3_bind_parameter_count(s) >= 1;
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(runs));
  size_t sink = 0;
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(max_seconds));
  for (int i = 0; i < runs; ++i) {
    if (i >= 5 && std::chrono::steady_clock::now() > deadline) break;
    auto t0 = std::chrono::steady_clock::now();
    if (has_param) sqlite3_bind_int64(s, 1, param);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      int n = sqlite3_column_count(s);
      for (int c = 0; c < n; ++c) {
        if (sqlite3_column_type(s, c) == SQLITE_INTEGER)
          sink += static_cast<size_t>(sqlite3_column_int64(s, c));
        else
          sink += static_cast<size_t>(sqlite3_column_bytes(s, c));
      }
    }
    if (rc != SQLITE_DONE) {
      std::string msg = sqlite3_errmsg(db_);
      sqlite3_finalize(s);
      throw std::runtime_error("step: " + msg + ": " + sql);
    }
    sqlite3_reset(s);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  sqlite3_finalize(s);
  if (sink == static_cast<size_t>(-1)) ms.push_back(0);  // keeps the reads observable
  std::sort(ms.begin(), ms.end());
  return ms;
}

}  // namespace vigil::bench
