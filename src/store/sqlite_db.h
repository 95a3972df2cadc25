// A thin RAII layer over the SQLite C API: connections with a per-connection cache of prepared
// statements, and a statement cursor with typed bind/column helpers. SQL failures throw
// StoreError: they mean a broken disk or a programming error, never bad user input.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace vigil::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() { sqlite3_reset(s_); sqlite3_clear_bindings(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, bool v) { return Bind(i, static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view v) { return BindBytes(i, v, true, true); }
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& BindBlob(int i, std::string_view v) { return BindBytes(i, v, false, true); }
  Stmt& BindNull(int i);
  Stmt& BindOpt(int i, const std::optional<int64_t>& v) { return v ? Bind(i, *v) : BindNull(i); }
  // Binds NULL for an empty string.
  Stmt& BindText(int i, std::string_view v) { return v.empty() ? BindNull(i) : Bind(i, v); }
  // Bind without SQLite's copy of the bytes, for the writer's hot inserts: `v` must stay alive
  // and unchanged until the statement has run to its end (Exec) in the same expression or scope.
  Stmt& BindRef(int i, std::string_view v) { return BindBytes(i, v, true, false); }
  Stmt& BindRefText(int i, std::string_view v) { return v.empty() ? BindNull(i) : BindRef(i, v); }
  Stmt& BindRefBlob(int i, std::string_view v) { return BindBytes(i, v, false, false); }

  bool Step();  // true while a row is available
  void Exec() { while (Step()) {} }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  double Double(int col) const { return sqlite3_column_double(s_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string Text(int col) const;
  // The column's bytes, valid until the next Step or the statement's end.
  std::string_view TextView(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    return p ? std::string_view(static_cast<const char*>(p),
                                static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string_view();
  }
  std::optional<int64_t> OptInt(int col) const {
    return IsNull(col) ? std::nullopt : std::optional<int64_t>(Int(col));
  }

 private:
  Stmt& BindBytes(int i, std::string_view v, bool text, bool copy);

  sqlite3_stmt* s_;
};

class SqliteConn {
 public:
  // Which VFS the connection uses for its WAL (see sqlite_wal_vfs.h).
  enum class Wal {
    kDefault,
    kCoalescing,    // the store's writer: its WAL writes gathered per commit
    kCheckpointer,  // the background checkpointer: no WAL fsync of its own
  };
  // Opens (creating if needed) the database file; applies WAL and synchronous=FULL.
  explicit SqliteConn(const std::string& path, bool readonly = false, Wal wal = Wal::kDefault);
  ~SqliteConn();
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  // Prepared statements are cached by the address of the SQL text: pass string literals.
  Stmt Prepare(const char* sql);
  // For a statement that only reads tables the before-statement hook never has rows for (the
  // writer's platform id mappings): the hook does not run.
  Stmt PrepareUnhooked(const char* sql);
  void Exec(const char* sql);  // one or more statements, no results
  // Runs before every statement Prepare or Exec hands out (its statement; null for Exec), unless
  // it is itself running: the writer's pending inserts are written there (sqlite_pending.h).
  void SetBeforeStatement(std::function<void(sqlite3_stmt*)> hook) { before_ = std::move(hook); }
  int64_t Changes() const { return sqlite3_changes64(db_); }
  // Whether a transaction is open (a failed statement may have rolled it back).
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* raw() { return db_; }

 private:
  void Before(sqlite3_stmt* s);
  sqlite3_stmt* Cached(const char* sql);

  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
  std::function<void(sqlite3_stmt*)> before_;
  bool in_before_ = false;
};

// Moves committed WAL frames into the database file on a thread of its own, so the writer's
// commits do not wait for that copy and its fsync. Its connection skips the WAL fsync a
// checkpoint starts with (CheckpointerVfs): the commits synced those frames already. Installed on
// the writer connection, it replaces SQLite's automatic checkpoint: past kBackgroundFrames a commit
// wakes its thread. The WAL only starts over from its beginning once a checkpoint has copied every
// frame before the next write, which a checkpoint racing a busy writer never does; so past
// kWriterFrames the writer itself checkpoints (little is left to copy by then, but it waits for the
// database file's fsync), in Maintain: between transactions, when nothing waits for it, or at the
// latest at twice that size. A writer that never calls Maintain checkpoints in its commit at
// kCommitFrames.
class WalCheckpointer {
 public:
  static constexpr int kBackgroundFrames = 1000;  // SQLite's own autocheckpoint default
  static constexpr int kWriterFrames = 8000;      // about 32 MB of WAL with 4 KiB pages
  static constexpr int kCommitFrames = 4 * kWriterFrames;

  WalCheckpointer(const std::string& path, SqliteConn& writer);
  ~WalCheckpointer();  // uninstalls itself from the writer, then stops its thread
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;
  // On the writer's thread, outside a transaction.
  void Maintain(bool idle);

 private:
  static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
  void Loop();

  SqliteConn& writer_;
  SqliteConn conn_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stopping_ = false;
  int wal_frames_ = 0;  // the WAL's size in frames after the last commit (writer thread only)
  std::thread thread_;
};

}  // namespace vigil::store
