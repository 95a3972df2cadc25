#include "store/sqlite_backup.h"

#include <filesystem>

#include "core/fsync.h"
#include "store/sqlite_db.h"

namespace vigil::store {

BackupReport BackupSqliteDatabase(const std::string& data_dir, const std::string& dest_file) {
  namespace fs = std::filesystem;
  const std::string source = data_dir + "/vigil.db";
  if (!fs::exists(source)) throw StoreError(source + " does not exist");
  if (fs::exists(dest_file)) throw StoreError(dest_file + " exists already");
  const std::string partial = dest_file + ".partial";
  fs::remove(partial);  // what an interrupted backup left

  BackupReport report;
  SqliteConn src(source, /*readonly=*/true);
  sqlite3* dest = nullptr;
  // A plain rollback-journal file, synchronous=FULL by default: the copy's commit syncs it.
  if (sqlite3_open_v2(partial.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    std::string msg = dest ? sqlite3_errmsg(dest) : "out of memory";
    sqlite3_close(dest);
    throw StoreError("open " + partial + ": " + msg);
  }
  // All pages in one step: one read transaction on the source, so one committed state.
  sqlite3_backup* b = sqlite3_backup_init(dest, "main", src.raw(), "main");
  int rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(dest);
  if (b) sqlite3_backup_finish(b);
  // The copy says WAL in its header, as the source does; a rollback-journal file instead, so
  // that reading it (the verification) leaves no -wal and -shm beside it. `vigil serve` puts it
  // back in WAL mode when it opens it.
  if (rc == SQLITE_DONE &&
      sqlite3_exec(dest, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr) != SQLITE_OK)
    rc = sqlite3_errcode(dest);
  // What the copy holds, read from the copy itself.
  auto one = [&](const char* sql, auto&& row) {
    sqlite3_stmt* st = nullptr;
    if (rc == SQLITE_DONE && sqlite3_prepare_v2(dest, sql, -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      row(st);
    else if (rc == SQLITE_DONE)
      rc = sqlite3_errcode(dest);
    sqlite3_finalize(st);
  };
  one("SELECT COUNT(*), (SELECT COUNT(*) FROM flags) FROM events", [&](sqlite3_stmt* st) {
    report.events = sqlite3_column_int64(st, 0);
    report.flags = sqlite3_column_int64(st, 1);
  });
  if (report.events > 0)
    one("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [&](sqlite3_stmt* st) {
      report.head_seq = sqlite3_column_int64(st, 0);
      report.head_hash.assign(static_cast<const char*>(sqlite3_column_blob(st, 1)),
                              static_cast<size_t>(sqlite3_column_bytes(st, 1)));
    });
  std::string msg = sqlite3_errmsg(dest);
  sqlite3_close(dest);
  if (rc != SQLITE_DONE) {
    fs::remove(partial);
    throw StoreError("copying " + source + " failed: " + msg);
  }
  FsyncPath(partial);
  fs::rename(partial, dest_file);
  FsyncPath(fs::path(dest_file).parent_path().string(), /*directory=*/true);
  report.bytes = static_cast<int64_t>(fs::file_size(dest_file));
  return report;
}

}  // namespace vigil::store
