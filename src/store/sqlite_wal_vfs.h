// The writer connection's VFS: the default one, except that a WAL's writes between two syncs go to
// the file as one write (see sqlite_wal_vfs.cc).
#pragma once

namespace vigil::store {

// Registers the VFS on first use and returns its name, for sqlite3_open_v2.
const char* CoalescingWalVfs();

}  // namespace vigil::store
