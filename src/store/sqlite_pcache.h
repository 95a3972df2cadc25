// SQLite's default page cache behind a thin wrapper that keeps one temporary page number out of
// it (see sqlite_pcache.cc). Installed once, before SQLite initializes.
#pragma once

namespace vigil::store {

// Installs the wrapper; false if SQLite was already initialized (then nothing changed).
bool InstallPageCacheWrapper();

// What the wrapper changed, for tests: how many times a page was moved to the temporary number.
unsigned long long PageCacheTemporaryMoves();

}  // namespace vigil::store
