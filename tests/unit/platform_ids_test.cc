// Platform ids mapped in the background (src/store/sqlite_platform_ids.h): content and accounts
// are found by platform id before and after the writer maps them, never inserted twice (across
// rollbacks, restarts, an unfinished indexer run and another process writing), and migration 16
// carries an existing database over.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "store/sqlite_db.h"
#include "store/sqlite_platform_ids.h"
#include "store/sqlite_schema.h"
#include "store/store.h"
#include "support/sqlite_queries.h"
#include "support/test_support.h"

namespace vigil::store {
namespace {

using vigil::testing::IntegrityCheck;
using vigil::testing::QueryCount;

ContentItem Item(const std::string& id, const std::string& author) {
  ContentItem c;
  c.id = id;
  c.text = "text of " + id;
  c.author = Account{author, std::nullopt, ""};
  c.metadata_json = "{}";
  return c;
}

// Inserts content c-<from>..c-<to - 1>, each by author a-<i % 50>, in one transaction, held
// open at least `hold` before its commit (a long group).
void InsertContent(Store& store, int from, int to,
                   std::chrono::milliseconds hold = std::chrono::milliseconds(0)) {
  auto tx = store.BeginWrite();
  for (int i = from; i < to; ++i) {
    auto c = Item("c-" + std::to_string(i), "a-" + std::to_string(i % 50));
    int64_t author = tx->UpsertAccount(*c.author, 1000);
    auto [pk, created] = tx->UpsertContent(c, author, 1000);
    EXPECT_TRUE(created) << c.id;
  }
  std::this_thread::sleep_for(hold);
  store.Commit(*tx);
}

constexpr std::chrono::milliseconds kLongGroup{20};  // over the 5 ms after which upkeep rides

int64_t Watermark(SqliteConn& db, const char* kind) {
  auto s = db.Prepare("SELECT indexed_upto FROM platform_id_index WHERE kind = ?1");
  s.Bind(1, std::string(kind));
  EXPECT_TRUE(s.Step());
  return s.Int(0);
}

// Every row is mapped, by its own platform id, exactly once.
void ExpectAllMapped(SqliteConn& db) {
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_ids"),
            QueryCount(db, "SELECT COUNT(*) FROM content"));
  EXPECT_EQ(QueryCount(db,
                       "SELECT COUNT(*) FROM content c JOIN content_ids m "
                       "ON m.content_id = c.id AND m.platform_id = c.platform_id"),
            QueryCount(db, "SELECT COUNT(*) FROM content"));
  EXPECT_EQ(QueryCount(db,
                       "SELECT COUNT(*) FROM accounts a JOIN account_ids m "
                       "ON m.account_id = a.id AND m.platform_id = a.platform_id"),
            QueryCount(db, "SELECT COUNT(*) FROM accounts"));
  EXPECT_EQ(Watermark(db, "content"), QueryCount(db, "SELECT MAX(id) FROM content"));
  EXPECT_EQ(Watermark(db, "account"), QueryCount(db, "SELECT MAX(id) FROM accounts"));
}

TEST(PlatformIds, FoundBeforeAndAfterTheWriterMapsThem) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  InsertContent(*store, 0, 3000);  // below kRunAt: stays in the tail while the writer is busy
  SqliteConn db(tmp.Join("vigil.db"));
  store->Maintain(/*idle=*/false);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_ids"), 0);

  auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    for (int i : {0, 1234, 2999}) {
      std::string id = "c-" + std::to_string(i);
      auto read = store->BeginRead();
      auto row = read->GetContent(id);
      ASSERT_TRUE(row) << id;
      EXPECT_EQ(row->item.id, id);
      EXPECT_EQ(row->item.author->id, "a-" + std::to_string(i % 50));
      auto profile = read->GetAccountProfile("a-" + std::to_string(i % 50), 0);
      ASSERT_TRUE(profile);
      EXPECT_EQ(profile->account.id, "a-" + std::to_string(i % 50));
      CaseFilter f;
      f.author = "a-7";
      f.limit = 10;
      EXPECT_TRUE(read->ListCases(f).empty());  // no cases, but the author lookup runs
      auto tx = store->BeginWrite();
      EXPECT_EQ(tx->FindContentPk(id), row->pk);
      EXPECT_EQ(tx->FindAccountPk("a-" + std::to_string(i % 50)), profile->pk);
      // Sent again: the same row, updated, not a second one.
      auto [pk, created] = tx->UpsertContent(Item(id, "a-1"), profile->pk, 2000);
      EXPECT_EQ(pk, row->pk);
      EXPECT_FALSE(created);
      store->Commit(*tx);
    }
    auto read = store->BeginRead();
    EXPECT_FALSE(read->GetContent("c-none"));
    EXPECT_FALSE(read->GetAccountProfile("a-none", 0));
    auto tx = store->BeginWrite();
    EXPECT_FALSE(tx->FindContentPk("c-none"));
    EXPECT_FALSE(tx->FindAccountPk("a-none"));
  };
  check("in the tail");
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content"), 3000);

  store->Maintain(/*idle=*/true);  // idle, but the tail is younger than kIdleRunMs
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_ids"), 0);
  // A tail of kRunAt rows is mapped within kRunSteps transactions, busy or not: kRunSteps
  // turns, each other Maintain (the content author index takes the others).
  InsertContent(*store, 3000, 3000 + static_cast<int>(PlatformIdTail::kRunAt));
  for (size_t i = 0; i < 2 * PlatformIdTail::kRunSteps; ++i) store->Maintain(/*idle=*/false);
  ExpectAllMapped(db);
  check("mapped");
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content"),
            3000 + static_cast<int64_t>(PlatformIdTail::kRunAt));
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM accounts"), 50);
  EXPECT_EQ(IntegrityCheck(db), "ok");
}

TEST(PlatformIdFilter, NeverMissesAnAddedIdAndRarelyClaimsAnother) {
  PlatformIdFilter f;
  f.Reset(1000);  // sized for far fewer: it grows by segments
  constexpr int kKeys = 300000;
  for (int i = 0; i < kKeys; ++i) f.Add("post-" + std::to_string(i));
  EXPECT_EQ(f.keys(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(f.MayContain("post-" + std::to_string(i))) << i;
  int claimed = 0;
  for (int i = 0; i < 100000; ++i) claimed += f.MayContain("other-" + std::to_string(i));
  EXPECT_LT(claimed, 2000);  // under 2% (each segment ~0.3%; 542 when written)
  f.Reset(0);
  EXPECT_FALSE(f.MayContain("post-1"));
}

TEST(PlatformIds, ReadersScanOnlyTheTail) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  SqliteConn db(tmp.Join("vigil.db"));
  auto plan = db.Prepare(
      "EXPLAIN QUERY PLAN SELECT id FROM content WHERE id = " VIGIL_CONTENT_PK_SQL("?1"));
  std::string all;
  while (plan.Step()) all += plan.Text(3) + "\n";
  EXPECT_NE(all.find("SEARCH content_ids USING PRIMARY KEY (platform_id=?)"), std::string::npos)
      << all;
  EXPECT_NE(all.find("SEARCH content USING INTEGER PRIMARY KEY (rowid>?)"), std::string::npos)
      << all;
  EXPECT_EQ(all.find("SCAN content"), std::string::npos) << all;
}

TEST(PlatformIds, ARolledBackInsertIsForgotten) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  {
    auto tx = store->BeginWrite();
    tx->Savepoint();
    tx->UpsertContent(Item("x", "ax"), tx->UpsertAccount(Account{"ax", {}, ""}, 1), 1);
    tx->RollbackToSavepoint();
    tx->Savepoint();
    bool created = false;
    int64_t author = tx->UpsertAccount(Account{"ax", {}, ""}, 1, &created);
    EXPECT_TRUE(created);
    EXPECT_TRUE(tx->UpsertContent(Item("x", "ax"), author, 1).second);
    tx->ReleaseSavepoint();
    tx->UpsertContent(Item("y", "ay"), 0, 1);
    store->Commit(*tx);
  }
  {
    auto tx = store->BeginWrite();
    tx->UpsertContent(Item("z", "az"), tx->UpsertAccount(Account{"az", {}, ""}, 1), 1);
    EXPECT_FALSE(tx->UpsertContent(Item("y", "ay"), 0, 1).second);
  }  // not committed: rolled back
  auto tx = store->BeginWrite();
  bool created = false;
  tx->UpsertAccount(Account{"az", {}, ""}, 1, &created);
  EXPECT_TRUE(created);
  EXPECT_TRUE(tx->UpsertContent(Item("z", "az"), 0, 1).second);
  EXPECT_FALSE(tx->UpsertContent(Item("x", "ax"), 0, 1).second);
  store->Commit(*tx);
  SqliteConn db(tmp.Join("vigil.db"));
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content"), 3);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(DISTINCT platform_id) FROM content"), 3);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM accounts"), 2);
}

TEST(PlatformIds, AnotherWritersRowsAreNotInsertedAgain) {
  vigil::testing::TempDir tmp;
  auto a = OpenSqliteStore(tmp.path());
  auto b = OpenSqliteStore(tmp.path());  // its own connections and tail: another process
  InsertContent(*a, 0, 10);
  InsertContent(*b, 10, 20);
  {
    auto tx = a->BeginWrite();
    auto [pk, created] = tx->UpsertContent(Item("c-15", "a-15"), 0, 1);
    EXPECT_FALSE(created);
    bool account_created = true;
    tx->UpsertAccount(Account{"a-12", {}, ""}, 1, &account_created);
    EXPECT_FALSE(account_created);
    a->Commit(*tx);
  }
  // b maps everything (its own rows and a's), then a writes again: it notices the moved watermark.
  InsertContent(*b, 20, 20 + static_cast<int>(PlatformIdTail::kRunAt));
  for (size_t i = 0; i < PlatformIdTail::kRunSteps; ++i) b->Maintain(false);
  {
    auto tx = a->BeginWrite();
    EXPECT_FALSE(tx->UpsertContent(Item("c-3", "a-3"), 0, 1).second);
    EXPECT_FALSE(tx->UpsertContent(Item("c-4000", "a-0"), 0, 1).second);
    EXPECT_TRUE(tx->UpsertContent(Item("new", "a-0"), 0, 1).second);
    a->Commit(*tx);
  }
  SqliteConn db(tmp.Join("vigil.db"));
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content"),
            21 + static_cast<int64_t>(PlatformIdTail::kRunAt));
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(DISTINCT platform_id) FROM content"),
            21 + static_cast<int64_t>(PlatformIdTail::kRunAt));
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM accounts"), 50);
}

TEST(PlatformIds, WhatAProcessLeftUnmappedIsMappedAtTheNextOpen) {
  vigil::testing::TempDir tmp;
  {
    auto store = OpenSqliteStore(tmp.path());
    InsertContent(*store, 0, 2000);
  }
  {
    // A run that mapped part of the tail and stopped before moving the watermark.
    SqliteConn db(tmp.Join("vigil.db"));
    db.Exec("INSERT INTO content_ids SELECT platform_id, id FROM content WHERE id % 3 = 0");
    db.Exec("INSERT INTO account_ids SELECT platform_id, id FROM accounts WHERE id < 10");
  }
  auto store = OpenSqliteStore(tmp.path());
  {
    // Opening the store mapped what the last process left.
    SqliteConn db(tmp.Join("vigil.db"));
    ExpectAllMapped(db);
  }
  {
    auto tx = store->BeginWrite();
    EXPECT_FALSE(tx->UpsertContent(Item("c-5", "a-5"), 0, 1).second);
    EXPECT_FALSE(tx->UpsertContent(Item("c-6", "a-6"), 0, 1).second);
    store->Commit(*tx);
  }
  InsertContent(*store, 2000, 2000 + static_cast<int>(PlatformIdTail::kRunAt));
  for (size_t i = 0; i < PlatformIdTail::kRunSteps; ++i) store->Maintain(false);
  SqliteConn db(tmp.Join("vigil.db"));
  ExpectAllMapped(db);
  EXPECT_EQ(IntegrityCheck(db), "ok");
}

TEST(PlatformIds, MigrationMapsAnExistingDatabase) {
  vigil::testing::TempDir tmp;
  {
    // A database at schema 15 with content, accounts and rows that refer to them.
    SqliteConn db(tmp.Join("vigil.db"));
    vigil::testing::MigrateUpTo(db, 15);
    db.Exec(
        "INSERT INTO accounts(id, platform_id, first_seen, suspended_until) VALUES "
        "(1, 'acct-1', 5, 99), (2, 'acct-2', 6, NULL);"
        "INSERT INTO content(id, platform_id, type, author_id, received_at, revision) VALUES "
        "(1, 'post-1', 'text', 1, 7, 3), (2, 'post-2', 'text', 2, 8, 1);"
        "INSERT INTO cases(id, content_id, status, queue, reason, opened_at, updated_at) VALUES "
        "(1, 2, 'open', 'general', 'spam', 9, 9);"
        "INSERT INTO case_reporters VALUES (1, 1);");
  }
  auto store = OpenSqliteStore(tmp.path());
  EXPECT_EQ(store->SchemaVersion(), SqliteMigrations().back().version);
  SqliteConn db(tmp.Join("vigil.db"));
  ExpectAllMapped(db);
  EXPECT_EQ(QueryCount(db, "SELECT suspended_until FROM accounts WHERE platform_id = 'acct-1'"),
            99);
  EXPECT_EQ(QueryCount(db, "SELECT revision FROM content WHERE platform_id = 'post-1'"), 3);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_EQ(QueryCount(db,
                       "SELECT COUNT(*) FROM sqlite_master WHERE name IN "
                       "('content_authors', 'accounts_suspension_proposed')"),
            2);
  EXPECT_EQ(IntegrityCheck(db), "ok");
  // Foreign keys to the rebuilt tables are still enforced.
  EXPECT_THROW(db.Exec("INSERT INTO cases(content_id, status, queue, reason, opened_at, "
                       "updated_at) VALUES (42, 'open', 'general', 'spam', 1, 1)"),
               StoreError);
  auto tx = store->BeginWrite();
  EXPECT_FALSE(tx->UpsertContent(Item("post-1", "acct-1"), 1, 10).second);
  EXPECT_EQ(tx->FindAccountPk("acct-2"), 2);
}

}  // namespace
}  // namespace vigil::store

namespace vigil::store {
namespace {

// A busy writer maps inside its long groups' own commits: a due step rides in the group's
// transaction (no transaction of its own between groups, so no second fsync), and Maintain
// between groups then writes nothing.
TEST(PlatformIds, ABusyWritersStepsRideInItsLongGroupsCommits) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  SqliteConn db(tmp.Join("vigil.db"));
  const int run = static_cast<int>(PlatformIdTail::kRunAt);
  InsertContent(*store, 0, run, kLongGroup);  // its commit finds the tail due: the first step
  EXPECT_GT(QueryCount(db, "SELECT COUNT(*) FROM content_ids"), 0);
  EXPECT_LT(QueryCount(db, "SELECT COUNT(*) FROM content_ids"), run);
  int64_t mapped = QueryCount(db, "SELECT COUNT(*) FROM content_ids");
  store->Maintain(/*idle=*/false);  // the group carried a step: none of its own
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_ids"), mapped);
  // The rest of the run with the next groups, no Maintain in between.
  for (int i = 0; i < static_cast<int>(PlatformIdTail::kRunSteps); ++i)
    InsertContent(*store, run + i, run + i + 1, kLongGroup);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_ids"), run);  // the run's rows
  EXPECT_EQ(Watermark(db, "content"), run);
  for (int i = 0; i < 3; ++i) store->Maintain(/*idle=*/true);  // young tail: no run yet
  auto read = store->BeginRead();
  for (int i : {0, run - 1, run + 3}) EXPECT_TRUE(read->GetContent("c-" + std::to_string(i)));
  EXPECT_EQ(IntegrityCheck(db), "ok");
}

// A step that fails inside a group (here a trigger refuses the mapping's and the author index's
// inserts) is rolled back alone: the group's rows are committed, readers find them in the tail,
// and once the cause is gone the indexers finish their work.
TEST(PlatformIds, AFailedStepInAGroupLeavesTheGroupCommitted) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  SqliteConn db(tmp.Join("vigil.db"));
  db.Exec(
      "CREATE TRIGGER no_ids BEFORE INSERT ON content_ids BEGIN SELECT RAISE(ABORT, 'refused'); "
      "END; CREATE TRIGGER no_authors BEFORE INSERT ON content_authors BEGIN "
      "SELECT RAISE(ABORT, 'refused'); END;");
  const int rows = static_cast<int>(kAuthorIndexRunAt);
  for (int from = 0; from < rows; from += 4096)
    InsertContent(*store, from, from + 4096, kLongGroup);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content"), rows);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_ids"), 0);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_authors"), 0);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM account_ids"), 0);  // one step maps both kinds
  {
    auto read = store->BeginRead();
    EXPECT_TRUE(read->GetContent("c-0"));
    EXPECT_TRUE(read->GetContent("c-" + std::to_string(rows - 1)));
  }
  db.Exec("DROP TRIGGER no_ids; DROP TRIGGER no_authors;");
  InsertContent(*store, rows, rows + 4096, kLongGroup);
  for (int i = 0; i < 40; ++i) store->Maintain(/*idle=*/false);
  ExpectAllMapped(db);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_authors"),
            QueryCount(db, "SELECT COUNT(*) FROM content WHERE author_id IS NOT NULL"));
  EXPECT_EQ(IntegrityCheck(db), "ok");
}

}  // namespace
}  // namespace vigil::store
