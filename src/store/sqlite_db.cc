#include "store/sqlite_db.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/thread_name.h"
#include "store/sqlite_pcache.h"
#include "store/sqlite_wal_vfs.h"

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
// SQLITE_TRANSIENT: SQLite copies the bytes; SQLITE_STATIC: it reads them where they are.
Stmt& Stmt::BindBytes(int i, std::string_view v, bool text, bool copy) {
  auto lifetime = copy ? SQLITE_TRANSIENT : SQLITE_STATIC;
  int rc = text ? sqlite3_bind_text64(s_, i, v.data(), v.size(), lifetime, SQLITE_UTF8)
                : sqlite3_bind_blob64(s_, i, v.data(), v.size(), lifetime);
  if (rc != SQLITE_OK) Fail(sqlite3_db_handle(s_), "bind");
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

SqliteConn::SqliteConn(const std::string& path, bool readonly, Wal wal) {
  // Allocation statistics take a global mutex on every SQLite malloc and free; nothing reads
  // them. This must happen before SQLite initializes, so the first connection does it (a later
  // call would fail harmlessly).
  static const bool kConfigured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    InstallPageCacheWrapper();  // see sqlite_pcache.cc; without it SQLite only runs slower
    return true;
  }();
  (void)kConfigured;
  int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  const char* vfs = nullptr;
  if (!readonly && wal == Wal::kCoalescing) vfs = CoalescingWalVfs();
  if (!readonly && wal == Wal::kCheckpointer) vfs = CheckpointerVfs();
  if (sqlite3_open_v2(path.c_str(), &db_, flags, vfs) != SQLITE_OK) {
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

void SqliteConn::Before(sqlite3_stmt* s) {
  in_before_ = true;
  try {
    before_(s);
  } catch (...) {
    in_before_ = false;
    throw;
  }
  in_before_ = false;
}

sqlite3_stmt* SqliteConn::Cached(const char* sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
    Fail(db_, sql);
  cache_.emplace(sql, s);
  return s;
}

Stmt SqliteConn::Prepare(const char* sql) {
  sqlite3_stmt* s = Cached(sql);
  if (before_ && !in_before_) Before(s);
  return Stmt(s);
}

Stmt SqliteConn::PrepareUnhooked(const char* sql) { return Stmt(Cached(sql)); }

void SqliteConn::Exec(const char* sql) {
  if (before_ && !in_before_) Before(nullptr);
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "exec failed";
    sqlite3_free(err);
    throw StoreError(msg + " in: " + sql);
  }
}

WalCheckpointer::WalCheckpointer(const std::string& path, SqliteConn& writer)
    : writer_(writer),
      conn_(path, /*readonly=*/false, SqliteConn::Wal::kCheckpointer),
      thread_([this] {
        NameThisThread("vigil-ckpt");
        LowerThisThreadPriority(5);
        Loop();
      }) {
  sqlite3_wal_hook(writer_.raw(), &WalCheckpointer::OnCommit, this);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_.raw(), nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

// Runs on the writer's thread right after each commit.
int WalCheckpointer::OnCommit(void* self, sqlite3* db, const char* schema, int frames) {
  auto* c = static_cast<WalCheckpointer*>(self);
  c->wal_frames_ = frames;
  if (frames >= kCommitFrames) {
    // Errors are left for the next attempt, as SQLite's automatic checkpoint does.
    auto start = std::chrono::steady_clock::now();
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    // Something kept the WAL from starting over (a long read, or checkpoints falling behind),
    // and this commit's callers waited for the copy: worth knowing when it was long.
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (ms >= 5)
      spdlog::warn("WAL at {} frames: checkpointed inside a commit in {:.1f} ms", frames, ms);
  } else if (frames >= kBackgroundFrames) {
    {
      std::lock_guard lock(c->mu_);
      c->wanted_ = true;
    }
    c->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Maintain(bool idle) {
  if (wal_frames_ < kWriterFrames || (!idle && wal_frames_ < 2 * kWriterFrames)) return;
  wal_frames_ = 0;  // the next commit reports the new size
  sqlite3_wal_checkpoint_v2(writer_.raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

void WalCheckpointer::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || wanted_; });
    if (stopping_) return;
    wanted_ = false;
    lock.unlock();
    // PASSIVE never blocks the writer or readers; what it cannot copy now, a later run copies.
    sqlite3_wal_checkpoint_v2(conn_.raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace vigil::store
