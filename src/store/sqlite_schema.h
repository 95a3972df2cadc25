// Versioned schema migrations of the SQLite driver. Each entry is applied once, in order, inside
// a transaction that also records it in schema_migrations.
#pragma once

#include <vector>

namespace vigil::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

const std::vector<Migration>& SqliteMigrations();

}  // namespace vigil::store
