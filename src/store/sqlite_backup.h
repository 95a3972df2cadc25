// An online backup of a SQLite data directory's database: one committed state, copied while the
// server goes on writing.
#pragma once

#include <cstdint>
#include <string>

namespace vigil::store {

// What a copy holds.
struct BackupReport {
  int64_t bytes = 0;      // its size
  int64_t events = 0;     // rows of its event log
  int64_t head_seq = 0;   // its last event (0: none) ...
  std::string head_hash;  // ... and that event's hash (raw bytes): the log's head at the instant
  int64_t flags = 0;
};

// Copies `data_dir/vigil.db` as of one instant into `dest_file` (which must not exist) through a
// temporary file that is synced, then renamed, then its directory synced: a crash leaves either
// no file or the whole copy. The copy is taken in one read transaction, so writers are never
// blocked (the WAL only grows until it ends). The source is opened read-only and never migrated.
// The report describes the copy, read from it. Throws StoreError, or std::runtime_error when
// a sync fails.
BackupReport BackupSqliteDatabase(const std::string& data_dir, const std::string& dest_file);

}  // namespace vigil::store
