// The writer's and the background checkpointer's VFSs: the default one, except for their WAL files
// (see sqlite_wal_vfs.cc).
#pragma once

namespace vigil::store {

// Registers the VFS on first use and returns its name, for sqlite3_open_v2.
const char* CoalescingWalVfs();

// The background checkpointer's VFS: the default one, except that syncing a WAL does nothing.
// Before it copies frames into the database, a checkpoint fsyncs the WAL so that what it copies
// is durable; every commit here already did that (synchronous=FULL on every connection that
// writes), so the checkpointer's own WAL fsync only competed with the writer's commits for the
// disk. The database file's fsync after the copy, which the WAL's reuse depends on, is kept.
const char* CheckpointerVfs();

}  // namespace vigil::store
