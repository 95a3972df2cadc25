// SQLite's B-tree, when it rebalances pages (balance_nonroot), swaps two pages' numbers through a
// temporary number: the page of the lock byte, 1 GiB / page size + 1 (262,145 with 4 KiB pages),
// which no database page ever uses. The default page cache (pcache1) remembers the largest page
// number it has seen, and that number never comes back down until a truncation. At the end of
// every write transaction the pager truncates its cache to the database's size; because the
// remembered largest number is then far above it (262,145 against ~12,000 pages), pcache1 does
// not visit the few hash buckets above the size but every bucket of its hash table (16,384 and
// more for the writer's cache), with a division per bucket. A perf profile of the writer under
// bench_ingest put 11% of its CPU there, all of it inside COMMIT.
//
// The wrapper passes every call to the default page cache unchanged, except that the temporary
// number is handed to it as page number 0, which SQLite never uses for a page: a page parked
// there during a swap lives in hash bucket 0 and never raises pcache1's largest number, so the
// commit's truncation is back to looking at pages above the database's size only.
#include "store/sqlite_pcache.h"

#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace vigil::store {
namespace {

sqlite3_pcache_methods2 g_default;
std::atomic<unsigned long long> g_temporary_moves{0};

// SQLite's PENDING_BYTE (its default; Debian's build does not change it).
constexpr unsigned long kPendingByte = 0x40000000;

struct Cache {
  sqlite3_pcache* inner;
  unsigned temporary;  // the page number balance_nonroot parks pages on
};

Cache* C(sqlite3_pcache* p) { return reinterpret_cast<Cache*>(p); }
unsigned Key(const Cache* c, unsigned key) { return key == c->temporary ? 0 : key; }

int Init(void*) { return g_default.xInit(g_default.pArg); }
void Shutdown(void*) {
  if (g_default.xShutdown) g_default.xShutdown(g_default.pArg);
}

sqlite3_pcache* Create(int page_size, int extra, int purgeable) {
  sqlite3_pcache* inner = g_default.xCreate(page_size, extra, purgeable);
  if (!inner) return nullptr;
  auto* c = new (std::nothrow) Cache{inner, static_cast<unsigned>(kPendingByte / page_size) + 1};
  if (!c) {
    g_default.xDestroy(inner);
    return nullptr;
  }
  return reinterpret_cast<sqlite3_pcache*>(c);
}

void Cachesize(sqlite3_pcache* p, int n) { g_default.xCachesize(C(p)->inner, n); }
int Pagecount(sqlite3_pcache* p) { return g_default.xPagecount(C(p)->inner); }

sqlite3_pcache_page* Fetch(sqlite3_pcache* p, unsigned key, int create) {
  return g_default.xFetch(C(p)->inner, Key(C(p), key), create);
}

void Unpin(sqlite3_pcache* p, sqlite3_pcache_page* page, int discard) {
  g_default.xUnpin(C(p)->inner, page, discard);
}

void Rekey(sqlite3_pcache* p, sqlite3_pcache_page* page, unsigned old_key, unsigned new_key) {
  if (new_key == C(p)->temporary) g_temporary_moves.fetch_add(1, std::memory_order_relaxed);
  g_default.xRekey(C(p)->inner, page, Key(C(p), old_key), Key(C(p), new_key));
}

void Truncate(sqlite3_pcache* p, unsigned limit) {
  // A page is parked on the temporary number only between two of balance_nonroot's consecutive
  // renumberings, never across a truncation; a full reset (limit 1) still drops page 0 too.
  g_default.xTruncate(C(p)->inner, limit <= 1 ? 0 : limit);
}

void Destroy(sqlite3_pcache* p) {
  g_default.xDestroy(C(p)->inner);
  delete C(p);
}

void Shrink(sqlite3_pcache* p) { g_default.xShrink(C(p)->inner); }

}  // namespace

bool InstallPageCacheWrapper() {
  // Returns the default page cache (installing it first if nothing was configured).
  if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &g_default) != SQLITE_OK) return false;
  if (g_default.iVersion < 1 || !g_default.xRekey || !g_default.xTruncate) return false;
  static sqlite3_pcache_methods2 wrapper = {
      1,     nullptr, Init,  Shutdown, Create,  Cachesize, Pagecount,
      Fetch, Unpin,   Rekey, Truncate, Destroy, Shrink};  // version 1: with xShrink
  return sqlite3_config(SQLITE_CONFIG_PCACHE2, &wrapper) == SQLITE_OK;
}

unsigned long long PageCacheTemporaryMoves() {
  return g_temporary_moves.load(std::memory_order_relaxed);
}

}  // namespace vigil::store
