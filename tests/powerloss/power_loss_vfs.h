// A VFS for tests that can tell, at any instant, what a power loss would leave on disk.
//
// A process killed with SIGKILL loses nothing the kernel holds: every write it made is in the page
// cache, synced or not. A power loss keeps only what was synced, plus any part of what was written
// since, in any order a disk may persist it. The store leans on that difference in two places that
// a SIGKILL test cannot check: the writer's WAL writes are held back and gathered until the commit
// syncs (CoalescingWalVfs), and the background checkpointer copies WAL frames into the database
// without syncing the WAL first, because each commit synced its own frames (CheckpointerVfs).
//
// Registered as the default VFS before the store opens, this one sits under both (they wrap the
// default VFS). For every database and WAL file it remembers, per 512-byte sector, what the sector
// held at the file's last sync. PowerLoss() copies the files as they are at that instant and puts
// back the synced content of a random part of the sectors written since: a disk that persisted
// each unsynced sector, or not, independently (a sector is written whole or not at all). Writes and
// syncs wait while it copies, so the copy is one instant.
#pragma once

#include <cstddef>
#include <functional>
#include <random>
#include <string>

namespace vigil::testing {

// Makes the power-loss VFS the default. Call before the first store opens (the store's own VFSs
// wrap whatever is the default when the first one is used). Idempotent.
void RegisterPowerLossVfs();

// How many times the file at `path` was synced through this VFS (every handle on it counted).
size_t Syncs(const std::string& path);

// Failing disks: while on, every write to a database or WAL file fails as on a full disk
// (SQLITE_FULL), or every sync of one fails as after an I/O error (SQLITE_IOERR_FSYNC), the data
// staying unsynced. Off again, the files work as before.
enum class DiskFault { kNone, kFull, kSyncFails };
void SetDiskFault(DiskFault fault);
// Writes and syncs failed by SetDiskFault so far.
size_t FailedCalls();

struct PowerLossImage {
  size_t unsynced_sectors = 0;  // written since their file's last sync
  size_t lost_sectors = 0;      // of those, put back to their synced content (or zeros)
};

// Writes into `dest_dir` (existing, empty) what a power loss now could leave of `source_dir`:
// every regular file copied, the shared-memory index (-shm) left out as a reboot would, and each
// unsynced sector of a database or WAL file kept with probability `keep`. `at_instant` runs while
// no write or sync can proceed: what it records is what was durable before the copy.
PowerLossImage PowerLoss(const std::string& source_dir, const std::string& dest_dir,
                         std::mt19937_64& rng, double keep,
                         const std::function<void()>& at_instant);

}  // namespace vigil::testing
