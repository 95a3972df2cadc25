#include "store/sqlite_db.h"

namespace vigil::store {
namespace {

[[noreturn]] void Fail(sqlite3* db, const char* what) {
  throw StoreError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

Stmt& Stmt::Bind(int i, int64_t v) {
  if (sqlite3_bind_int64(s_, i, v) != SQLITE_OK) Fail(sqlite3_db_handle(s_), "bind");
  return *this;
}
Stmt& Stmt::Bind(int i, double v) {
  if (sqlite3_bind_double(s_, i, v) != SQLITE_OK) Fail(sqlite3_db_handle(s_), "bind");
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view v) {
  if (sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK)
    Fail(sqlite3_db_handle(s_), "bind");
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view v) {
  if (sqlite3_bind_blob64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT) != SQLITE_OK)
    Fail(sqlite3_db_handle(s_), "bind");
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  if (sqlite3_bind_null(s_, i) != SQLITE_OK) Fail(sqlite3_db_handle(s_), "bind");
  return *this;
}

bool Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Fail(sqlite3_db_handle(s_), "step");
}

std::string Stmt::Text(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

SqliteConn::SqliteConn(const std::string& path, bool readonly) {
  int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 10'000);
  sqlite3_extended_result_codes(db_, 1);
  // synchronous=FULL: a commit is on disk before it returns (the acknowledgement promise).
  // A larger page cache keeps the indexes the writer touches in memory.
  Exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY; "
       "PRAGMA cache_size=-131072;");
  if (!readonly) Exec("PRAGMA journal_mode=WAL;");
}

SqliteConn::~SqliteConn() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Stmt SqliteConn::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(it->second);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
    Fail(db_, sql);
  cache_.emplace(sql, s);
  return Stmt(s);
}

void SqliteConn::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "exec failed";
    sqlite3_free(err);
    throw StoreError(msg + " in: " + sql);
  }
}

}  // namespace vigil::store
