// The page cache wrapper (sqlite_pcache.cc) hands SQLite's temporary page number for page swaps
// to the default cache as page 0. What must hold: B-tree rebalancing, which swaps pages through
// that number, goes through the wrapper and leaves a database whose every row, index entry and
// page is where SQLite expects it, in the writing connection, in another one and after reopening.
#include "store/sqlite_pcache.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>
#include <string>

#include "store/sqlite_db.h"
#include "support/sqlite_queries.h"
#include "support/test_support.h"

namespace vigil::store {
namespace {

using vigil::testing::IntegrityCheck;

int64_t Count(SqliteConn& c, const char* sql) { return vigil::testing::QueryCount(c, sql); }

TEST(PageCacheWrapper, PagesSwappedThroughTheTemporaryNumberLeaveAConsistentDatabase) {
  vigil::testing::TempDir tmp;
  const std::string path = tmp.Join("t.db");
  const unsigned long long moves_before = PageCacheTemporaryMoves();
  std::mt19937_64 rng(7);
  {
    SqliteConn db(path);
    db.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, v TEXT)");
    db.Exec("CREATE INDEX t_v ON t(v)");
    // Random keys in both indexes: leaves split and rebalance all over both trees.
    for (int txn = 0; txn < 20; ++txn) {
      db.Exec("BEGIN IMMEDIATE");
      for (int i = 0; i < 1000; ++i) {
        int64_t id = txn * 1000 + i + 1;
        db.Prepare("INSERT INTO t(id, k, v) VALUES (?1, ?2, ?3)")
            .Bind(1, id)
            .Bind(2, "key-" + std::to_string(rng()))
            .Bind(3, std::string(20 + rng() % 200, static_cast<char>('a' + rng() % 26)))
            .Exec();
      }
      db.Exec("COMMIT");
    }
    // Deletes and shrinking updates merge pages back together.
    db.Exec("BEGIN IMMEDIATE");
    db.Exec("DELETE FROM t WHERE id % 3 = 0");
    db.Exec("UPDATE t SET v = substr(v, 1, 5) WHERE id % 3 = 1");
    db.Exec("COMMIT");
    EXPECT_EQ(Count(db, "SELECT count(*) FROM t"), 13334);
    EXPECT_EQ(Count(db, "SELECT count(DISTINCT k) FROM t"), 13334);
    EXPECT_EQ(IntegrityCheck(db), "ok");
    SqliteConn other(path, /*readonly=*/true);
    EXPECT_EQ(Count(other, "SELECT count(*) FROM t WHERE length(v) <= 5"), 6667);
    EXPECT_EQ(IntegrityCheck(other), "ok");
  }
  // The swaps went through the wrapper (else this test would not exercise it).
  EXPECT_GT(PageCacheTemporaryMoves(), moves_before);
  SqliteConn reopened(path, /*readonly=*/true);
  EXPECT_EQ(Count(reopened, "SELECT count(*) FROM t"), 13334);
  EXPECT_EQ(IntegrityCheck(reopened), "ok");
}

}  // namespace
}  // namespace vigil::store
