#include "powerloss/power_loss_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

namespace vigil::testing {
namespace {

constexpr int64_t kSector = 512;

// A tracked file's sectors written since its last sync: what each held then (nullopt: it lay past
// the end of the file). Shared by every handle on the path, as the kernel's page cache is.
struct Unsynced {
  std::map<int64_t, std::optional<std::string>> before;
  size_t syncs = 0;
};

std::mutex g_mu;  // every write and sync of a tracked file, and PowerLoss, one at a time
std::map<std::string, Unsynced>* g_files = nullptr;
std::atomic<DiskFault> g_fault{DiskFault::kNone};
std::atomic<size_t> g_failed{0};
sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs;

struct File {
  sqlite3_file base;
  sqlite3_file* real;  // the default VFS's file object, in the same allocation after this one
  std::string* path;
};

constexpr size_t kRealOffset = (sizeof(File) + 15) & ~size_t{15};

File* F(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
sqlite3_file* R(sqlite3_file* f) { return F(f)->real; }

int Close(sqlite3_file* f) {
  int rc = R(f)->pMethods->xClose(R(f));
  delete F(f)->path;
  F(f)->path = nullptr;
  return rc;
}

int Read(sqlite3_file* f, void* buf, int amt, sqlite3_int64 off) {
  return R(f)->pMethods->xRead(R(f), buf, amt, off);
}

int Write(sqlite3_file* f, const void* buf, int amt, sqlite3_int64 off) {
  std::lock_guard lock(g_mu);
  if (g_fault.load() == DiskFault::kFull) {
    ++g_failed;
    return SQLITE_FULL;
  }
  sqlite3_int64 size = 0;
  if (int rc = R(f)->pMethods->xFileSize(R(f), &size); rc != SQLITE_OK) return rc;
  Unsynced& u = (*g_files)[*F(f)->path];
  for (int64_t s = off / kSector; s <= (off + amt - 1) / kSector; ++s) {
    if (u.before.contains(s)) continue;  // its synced content is already remembered
    const int64_t at = s * kSector;
    if (at >= size) {
      u.before.emplace(s, std::nullopt);
      continue;
    }
    std::string old(static_cast<size_t>(std::min<int64_t>(kSector, size - at)), '\0');
    int rc = R(f)->pMethods->xRead(R(f), old.data(), static_cast<int>(old.size()), at);
    if (rc != SQLITE_OK) return rc;
    u.before.emplace(s, std::move(old));
  }
  return R(f)->pMethods->xWrite(R(f), buf, amt, off);
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  std::lock_guard lock(g_mu);
  // Taken as durable at once: the store truncates no database or WAL file while it runs.
  Unsynced& u = (*g_files)[*F(f)->path];
  u.before.erase(u.before.lower_bound((size + kSector - 1) / kSector), u.before.end());
  return R(f)->pMethods->xTruncate(R(f), size);
}

int Sync(sqlite3_file* f, int flags) {
  std::lock_guard lock(g_mu);  // held across the sync: a copy sees a file synced or not, whole
  if (g_fault.load() == DiskFault::kSyncFails) {
    ++g_failed;
    return SQLITE_IOERR_FSYNC;
  }
  int rc = R(f)->pMethods->xSync(R(f), flags);
  if (rc == SQLITE_OK) {
    Unsynced& u = (*g_files)[*F(f)->path];
    u.before.clear();
    ++u.syncs;
  }
  return rc;
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) { return R(f)->pMethods->xFileSize(R(f), size); }
int Lock(sqlite3_file* f, int level) { return R(f)->pMethods->xLock(R(f), level); }
int Unlock(sqlite3_file* f, int level) { return R(f)->pMethods->xUnlock(R(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return R(f)->pMethods->xCheckReservedLock(R(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return R(f)->pMethods->xFileControl(R(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return R(f)->pMethods->xSectorSize(R(f)); }
int DeviceCharacteristics(sqlite3_file* f) { return R(f)->pMethods->xDeviceCharacteristics(R(f)); }
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return R(f)->pMethods->xShmMap(R(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return R(f)->pMethods->xShmLock(R(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { R(f)->pMethods->xShmBarrier(R(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return R(f)->pMethods->xShmUnmap(R(f), del); }
int Fetch(sqlite3_file* f, sqlite3_int64 off, int amt, void** out) {
  return R(f)->pMethods->xFetch(R(f), off, amt, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return R(f)->pMethods->xUnfetch(R(f), off, p);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  // Only database and WAL files are tracked; the default VFS opens anything else in place.
  if (name == nullptr || !(flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)))
    return g_real->xOpen(g_real, name, f, flags, out_flags);
  File* w = F(f);
  std::memset(w, 0, sizeof(File));
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealOffset);
  int rc = g_real->xOpen(g_real, name, w->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;  // pMethods stays null: SQLite does not close it
  w->path = new std::string(name);
  w->base.pMethods = &kMethods;
  return SQLITE_OK;
}

// pwrite of `data` at `off` into the file at `path`.
void WriteAt(const std::string& path, const std::string& data, int64_t off) {
  int fd = ::open(path.c_str(), O_WRONLY);
  if (fd < 0) throw std::runtime_error("open " + path);
  ssize_t n = ::pwrite(fd, data.data(), data.size(), off);
  ::close(fd);
  if (n != static_cast<ssize_t>(data.size())) throw std::runtime_error("pwrite " + path);
}

}  // namespace

void RegisterPowerLossVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_files = new std::map<std::string, Unsynced>();
    g_real = sqlite3_vfs_find(nullptr);
    g_vfs = *g_real;
    g_vfs.zName = "vigil-power-loss";
    g_vfs.szOsFile = static_cast<int>(kRealOffset) + g_real->szOsFile;
    g_vfs.pNext = nullptr;
    g_vfs.xOpen = Open;
    if (sqlite3_vfs_register(&g_vfs, /*makeDflt=*/1) != SQLITE_OK)
      throw std::runtime_error("registering the power-loss VFS failed");
  });
}

void SetDiskFault(DiskFault fault) { g_fault.store(fault); }
size_t FailedCalls() { return g_failed.load(); }

size_t Syncs(const std::string& path) {
  std::lock_guard lock(g_mu);
  auto it = g_files->find(path);
  return it == g_files->end() ? 0 : it->second.syncs;
}

PowerLossImage PowerLoss(const std::string& source_dir, const std::string& dest_dir,
                         std::mt19937_64& rng, double keep,
                         const std::function<void()>& at_instant) {
  namespace fs = std::filesystem;
  std::bernoulli_distribution kept(keep);
  PowerLossImage image;
  std::lock_guard lock(g_mu);
  at_instant();
  for (const auto& entry : fs::directory_iterator(source_dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name.ends_with("-shm")) continue;  // memory the next open rebuilds from the WAL
    const std::string dest = (fs::path(dest_dir) / name).string();
    fs::copy_file(entry.path(), dest);
    auto it = g_files->find(entry.path().string());
    if (it == g_files->end()) continue;
    const auto size = static_cast<int64_t>(fs::file_size(dest));
    for (const auto& [sector, before] : it->second.before) {
      ++image.unsynced_sectors;
      if (kept(rng)) continue;
      ++image.lost_sectors;
      const int64_t at = sector * kSector;
      if (at >= size) continue;
      // A sector past the synced end of the file held nothing: the disk may return zeros.
      WriteAt(dest,
              before
                  ? *before
                  : std::string(static_cast<size_t>(std::min<int64_t>(kSector, size - at)), '\0'),
              at);
    }
  }
  return image;
}

}  // namespace vigil::testing
