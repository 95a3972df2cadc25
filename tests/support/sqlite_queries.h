// One-value queries for tests of the SQLite layer.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "store/sqlite_db.h"

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

}  // namespace vigil::testing
