// Versioned schema migrations of the SQLite driver. Each entry is applied once, in order, inside
// a transaction that also records it in schema_migrations. One that rebuilds a table others refer
// to runs with foreign key enforcement off and a foreign_key_check before it commits (SQLite's
// documented procedure for changes ALTER TABLE cannot make).
#pragma once

#include <vector>

namespace vigil::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;
  bool rebuilds_referenced_tables = false;
};

const std::vector<Migration>& SqliteMigrations();

}  // namespace vigil::store
