// A VFS that gathers the writer's WAL writes into few large writes per commit. SQLite writes every
// WAL frame as two pwrite calls (its 24-byte header, then the page), so a commit that dirtied 125
// pages costs 250 system calls before its fsync. Here consecutive writes collect in a buffer that
// goes to the file in one call before anything that needs the file to hold them: a sync (every
// commit under synchronous=FULL, before SQLite publishes the frames to other connections in the
// wal-index), a read, a write elsewhere, a truncation, a size query or closing. Nothing that was
// synced is therefore ever only in the buffer, and what another connection can see was written.
// Every file other than a WAL is opened by the default VFS itself, untouched.
//
// A second VFS serves the background checkpointer: the same, except that syncing its WAL does
// nothing (see CheckpointerVfs in the header). A checkpoint syncs the WAL before copying frames
// into the database; here each of those frames was synced by the commit that wrote it, so that
// fsync only queued in front of the writer's next commit. Measured with the workflow benchmark
// (strace): it was over a quarter of all fdatasync calls, and without it claims answered over
// 5 ms fell from about 1% to 0.2%.
#include "store/sqlite_wal_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <vector>

namespace vigil::store {
namespace {

constexpr size_t kMaxPending = 4 << 20;  // the buffer is written out when it would grow past this

struct WalFile {
  sqlite3_file base;  // pMethods: kWalMethods
  sqlite3_file* real;  // the default VFS's file object, in the same allocation after this one
  sqlite3_int64 start;  // file offset of pending->front()
  std::vector<char>* pending;
};

constexpr size_t kRealOffset = (sizeof(WalFile) + 15) & ~size_t{15};

sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs, g_ckpt_vfs;

WalFile* W(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }

// The default VFS writes at most 128 KiB - 1 bytes a call (it masks the length with 0x1ffff: SQLite
// itself never writes more than a page at once), so the buffer goes out in pieces below that.
constexpr size_t kMaxWrite = 120 << 10;

int Flush(WalFile* w) {
  int rc = SQLITE_OK;
  for (size_t done = 0; done < w->pending->size() && rc == SQLITE_OK; done += kMaxWrite) {
    size_t n = std::min(kMaxWrite, w->pending->size() - done);
    rc = w->real->pMethods->xWrite(w->real, w->pending->data() + done, static_cast<int>(n),
                                   w->start + static_cast<sqlite3_int64>(done));
  }
  w->pending->clear();
  return rc;
}

int Close(sqlite3_file* f) {
  WalFile* w = W(f);
  int rc = Flush(w);
  int rc2 = w->real->pMethods->xClose(w->real);
  delete w->pending;
  w->pending = nullptr;
  return rc != SQLITE_OK ? rc : rc2;
}

int Read(sqlite3_file* f, void* buf, int amt, sqlite3_int64 off) {
  WalFile* w = W(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xRead(w->real, buf, amt, off);
}

int Write(sqlite3_file* f, const void* buf, int amt, sqlite3_int64 off) {
  WalFile* w = W(f);
  auto n = static_cast<size_t>(amt);
  bool follows = !w->pending->empty() &&
                 off == w->start + static_cast<sqlite3_int64>(w->pending->size());
  if (!follows || w->pending->size() + n > kMaxPending) {
    if (int rc = Flush(w); rc != SQLITE_OK) return rc;
    if (n >= kMaxWrite) return w->real->pMethods->xWrite(w->real, buf, amt, off);
    w->start = off;
  }
  const char* p = static_cast<const char*>(buf);
  w->pending->insert(w->pending->end(), p, p + n);
  return SQLITE_OK;
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  WalFile* w = W(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xTruncate(w->real, size);
}

int Sync(sqlite3_file* f, int flags) {
  WalFile* w = W(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xSync(w->real, flags);
}

// The checkpointer's: what it would sync, the commit that wrote it synced (CheckpointerVfs).
int SyncNothing(sqlite3_file* f, int) { return Flush(W(f)); }

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  WalFile* w = W(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xFileSize(w->real, size);
}

int Lock(sqlite3_file* f, int level) { return W(f)->real->pMethods->xLock(W(f)->real, level); }
int Unlock(sqlite3_file* f, int level) { return W(f)->real->pMethods->xUnlock(W(f)->real, level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return W(f)->real->pMethods->xCheckReservedLock(W(f)->real, out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  WalFile* w = W(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xFileControl(w->real, op, arg);
}
int SectorSize(sqlite3_file* f) { return W(f)->real->pMethods->xSectorSize(W(f)->real); }
int DeviceCharacteristics(sqlite3_file* f) {
  return W(f)->real->pMethods->xDeviceCharacteristics(W(f)->real);
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return W(f)->real->pMethods->xShmMap(W(f)->real, region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return W(f)->real->pMethods->xShmLock(W(f)->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { W(f)->real->pMethods->xShmBarrier(W(f)->real); }
int ShmUnmap(sqlite3_file* f, int del) { return W(f)->real->pMethods->xShmUnmap(W(f)->real, del); }
int Fetch(sqlite3_file* f, sqlite3_int64 off, int amt, void** out) {
  WalFile* w = W(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xFetch(w->real, off, amt, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return W(f)->real->pMethods->xUnfetch(W(f)->real, off, p);
}

const sqlite3_io_methods kWalMethods = {
    3,         Close,      Read,     Write,    Truncate,   Sync,       FileSize,
    Lock,      Unlock,     CheckReservedLock,  FileControl, SectorSize, DeviceCharacteristics,
    ShmMap,    ShmLock,    ShmBarrier,         ShmUnmap,   Fetch,      Unfetch,
};

// clang-format off
const sqlite3_io_methods kCheckpointerWalMethods = {
    3,         Close,      Read,     Write,    Truncate,   SyncNothing, FileSize,
    Lock,      Unlock,     CheckReservedLock,  FileControl, SectorSize, DeviceCharacteristics,
    ShmMap,    ShmLock,    ShmBarrier,         ShmUnmap,   Fetch,      Unfetch,
};
// clang-format on

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  // Not a WAL: the default VFS's own file object, in the memory SQLite gave us (szOsFile is
  // larger than it needs), with its own methods.
  if (!(flags & SQLITE_OPEN_WAL)) return g_real->xOpen(g_real, name, f, flags, out_flags);
  WalFile* w = W(f);
  std::memset(w, 0, sizeof(WalFile));
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealOffset);
  int rc = g_real->xOpen(g_real, name, w->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    w->base.pMethods = nullptr;  // SQLite does not close a file whose open failed
    return rc;
  }
  w->pending = new std::vector<char>();
  w->pending->reserve(1 << 20);
  w->base.pMethods = vfs == &g_ckpt_vfs ? &kCheckpointerWalMethods : &kWalMethods;
  return SQLITE_OK;
}

void RegisterOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_real = sqlite3_vfs_find(nullptr);
    // Every other call goes to the default VFS's functions, which read only the fields copied here.
    g_vfs = *g_real;
    g_vfs.zName = "vigil-coalescing-wal";
    g_vfs.szOsFile = static_cast<int>(kRealOffset) + g_real->szOsFile;
    g_vfs.pNext = nullptr;
    g_vfs.xOpen = Open;
    g_ckpt_vfs = g_vfs;
    g_ckpt_vfs.zName = "vigil-checkpointer";
    sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0);
    sqlite3_vfs_register(&g_ckpt_vfs, /*makeDflt=*/0);
  });
}

}  // namespace

const char* CoalescingWalVfs() {
  RegisterOnce();
  return g_vfs.zName;
}

const char* CheckpointerVfs() {
  RegisterOnce();
  return g_ckpt_vfs.zName;
}

}  // namespace vigil::store
