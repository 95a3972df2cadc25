// One-value queries for tests of the SQLite layer.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "store/sqlite_db.h"
#include "store/sqlite_schema.h"

namespace vigil::testing {

// The first column of the first row, as an integer (a count).
inline int64_t QueryCount(store::SqliteConn& c, const char* sql) {
  auto s = c.Prepare(sql);
  EXPECT_TRUE(s.Step()) << sql;
  return s.Int(0);
}

// PRAGMA integrity_check's first line: "ok" for a sound database.
inline std::string IntegrityCheck(store::SqliteConn& c) {
  auto s = c.Prepare("PRAGMA integrity_check");
  EXPECT_TRUE(s.Step());
  return s.Text(0);
}

// A database as Vigil left it at schema `version`: the migrations up to it, recorded as applied,
// for tests of the migrations after it.
inline void MigrateUpTo(store::SqliteConn& c, int version) {
  c.Exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at INTEGER NOT NULL)");
  for (const auto& m : store::SqliteMigrations()) {
    if (m.version > version) break;
    c.Exec(m.sql);
    c.Prepare("INSERT INTO schema_migrations VALUES (?1, ?2, 0)")
        .Bind(1, m.version)
        .Bind(2, std::string(m.name))
        .Exec();
  }
}

}  // namespace vigil::testing
