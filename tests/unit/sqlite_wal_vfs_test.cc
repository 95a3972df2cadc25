// The writer's WAL goes through CoalescingWalVfs, which holds consecutive WAL writes back until a
// sync, a read or a write elsewhere. What must hold: a committed transaction of any size is whole
// for another connection and after reopening; the writer reads back its own frames (a transaction
// larger than its page cache spills them mid-transaction); a rolled-back transaction leaves
// nothing. The background checkpointer's connection goes through CheckpointerVfs, which skips its
// WAL fsync.
#include "store/sqlite_wal_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "store/sqlite_db.h"
#include "support/sqlite_queries.h"
#include "support/test_support.h"

namespace vigil::store {
namespace {

using vigil::testing::IntegrityCheck;

int64_t Count(SqliteConn& c, const char* sql) { return vigil::testing::QueryCount(c, sql); }

// Rows of ~1 KiB: `rows` of them fill rows/4 pages of the table plus its index.
void Insert(SqliteConn& c, int from, int rows) {
  const std::string pad(1000, 'x');
  for (int i = from; i < from + rows; ++i)
    c.Prepare("INSERT INTO t(id, k, pad) VALUES (?1, ?2, ?3)")
        .Bind(1, int64_t{i})
        .Bind(2, "key-" + std::to_string(i * 7919 % 100003))
        .Bind(3, pad)
        .Exec();
}

TEST(CoalescingWalVfs, CommittedTransactionsOfAnySizeAreWholeForOtherConnectionsAndAfterReopening) {
  vigil::testing::TempDir tmp;
  const std::string path = tmp.Join("t.db");
  {
    SqliteConn writer(path, /*readonly=*/false, SqliteConn::Wal::kCoalescing);
    writer.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, pad BLOB)");
    SqliteConn reader(path, /*readonly=*/true);
    int total = 0;
    // One row, a few pages, and ~20 MB (far past the 4 MiB buffer and one write call's limit).
    for (int rows : {1, 40, 20000}) {
      writer.Exec("BEGIN IMMEDIATE");
      Insert(writer, total, rows);
      writer.Exec("COMMIT");
      total += rows;
      EXPECT_EQ(Count(reader, "SELECT count(*) FROM t"), total) << "after " << rows << " rows";
    }
    EXPECT_EQ(IntegrityCheck(reader), "ok");
  }
  SqliteConn reopened(path, /*readonly=*/true);
  EXPECT_EQ(Count(reopened, "SELECT count(*) FROM t"), 20041);
  EXPECT_EQ(Count(reopened, "SELECT count(DISTINCT k) FROM t"), 20041);
  EXPECT_EQ(IntegrityCheck(reopened), "ok");
}

TEST(CoalescingWalVfs, TheWriterReadsBackFramesItSpilledAndARollbackLeavesNothing) {
  vigil::testing::TempDir tmp;
  const std::string path = tmp.Join("t.db");
  SqliteConn writer(path, /*readonly=*/false, SqliteConn::Wal::kCoalescing);
  // A 50-page cache: a transaction of thousands of pages spills frames to the WAL before its
  // commit and reads them back through the VFS while it continues.
  writer.Exec("PRAGMA cache_size=50");
  writer.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, pad BLOB)");
  writer.Exec("BEGIN IMMEDIATE");
  Insert(writer, 0, 5000);
  EXPECT_EQ(Count(writer, "SELECT count(*) FROM t WHERE k LIKE 'key-%'"), 5000);
  writer.Exec("UPDATE t SET pad = zeroblob(900) WHERE id % 3 = 0");  // rewrites spilled pages
  writer.Exec("COMMIT");
  writer.Exec("BEGIN IMMEDIATE");
  Insert(writer, 5000, 3000);
  writer.Exec("ROLLBACK");
  SqliteConn reader(path, /*readonly=*/true);
  EXPECT_EQ(Count(reader, "SELECT count(*) FROM t"), 5000);
  EXPECT_EQ(Count(reader, "SELECT count(*) FROM t WHERE length(pad) = 900"), 1667);
  EXPECT_EQ(IntegrityCheck(reader), "ok");
  writer.Exec("BEGIN IMMEDIATE");
  Insert(writer, 5000, 10);
  writer.Exec("COMMIT");
  EXPECT_EQ(Count(reader, "SELECT count(*) FROM t"), 5010);
}

// The background checkpointer's connection skips only its own WAL fsync: a checkpoint through it
// still copies every committed frame into the database file (which then holds them without the
// WAL), and the writer then starts the WAL over from its beginning instead of growing it.
TEST(CheckpointerVfs, ACheckpointCopiesEveryCommittedFrameIntoTheDatabaseFile) {
  vigil::testing::TempDir tmp;
  const std::string path = tmp.Join("t.db");
  SqliteConn writer(path, /*readonly=*/false, SqliteConn::Wal::kCoalescing);
  SqliteConn checkpointer(path, /*readonly=*/false, SqliteConn::Wal::kCheckpointer);
  writer.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, pad BLOB)");
  writer.Exec("BEGIN IMMEDIATE");
  Insert(writer, 0, 3000);
  writer.Exec("COMMIT");
  int log = -1, copied = -1;
  ASSERT_EQ(sqlite3_wal_checkpoint_v2(checkpointer.raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log,
                                      &copied),
            SQLITE_OK);
  EXPECT_GT(log, 700);  // 3000 rows of ~1 KiB: at least 750 pages
  EXPECT_EQ(copied, log);
  const auto wal_size = std::filesystem::file_size(path + "-wal");
  // The database file alone, without its WAL, holds every row.
  std::filesystem::copy_file(path, tmp.Join("copy.db"));
  {
    SqliteConn copy(tmp.Join("copy.db"), /*readonly=*/true);
    EXPECT_EQ(Count(copy, "SELECT count(*) FROM t"), 3000);
    EXPECT_EQ(IntegrityCheck(copy), "ok");
  }
  // Everything was copied, so the next transaction writes the WAL from its start again.
  writer.Exec("BEGIN IMMEDIATE");
  Insert(writer, 3000, 100);
  writer.Exec("COMMIT");
  EXPECT_EQ(std::filesystem::file_size(path + "-wal"), wal_size);
  SqliteConn reader(path, /*readonly=*/true);
  EXPECT_EQ(Count(reader, "SELECT count(*) FROM t"), 3100);
  EXPECT_EQ(IntegrityCheck(reader), "ok");
}

}  // namespace
}  // namespace vigil::store
