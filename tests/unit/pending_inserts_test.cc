// The writer's inserts that wait to be written many a statement (sqlite_pending.h): every value
// kind survives the chunked statements; a statement of any kind in the transaction sees the rows
// that wait; a rolled-back savepoint drops them and the ids it handed out are handed out again.
#include <gtest/gtest.h>

#include <string>

#include "events/audit.h"
#include "store/sqlite_db.h"
#include "store/sqlite_pending.h"
#include "store/store.h"
#include "support/sqlite_queries.h"
#include "support/test_support.h"

namespace vigil::store {
namespace {

using vigil::testing::IntegrityCheck;
using vigil::testing::QueryCount;

TEST(PendingInserts, RowsOfEveryKindGoInThroughEveryChunkSize) {
  vigil::testing::TempDir tmp;
  SqliteConn db(tmp.Join("t.db"));
  db.Exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)");
  PendingTable t("INSERT INTO t(i, r, s, b, n)", 5);
  // Two statements of the largest size, then 23 rows: one of each smaller size (16, 4) and 1-row
  // ones.
  const int kRows = 2 * static_cast<int>(PendingTable::MaxRowsAStatement()) + 23;
  for (int i = 0; i < kRows; ++i)
    t.Int(i).Real(i + 0.5).Text("row " + std::to_string(i)).Blob(std::string("\0x", 2)).Null();
  EXPECT_EQ(t.rows(), static_cast<size_t>(kRows));
  db.Exec("BEGIN");
  EXPECT_EQ(t.Flush(db), kRows);
  db.Exec("COMMIT");
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM t"), kRows);
  auto s = db.Prepare("SELECT i, r, s, b, typeof(n) FROM t ORDER BY rowid");
  for (int i = 0; i < kRows; ++i) {
    ASSERT_TRUE(s.Step());
    EXPECT_EQ(s.Int(0), i);
    EXPECT_EQ(s.Double(1), i + 0.5);
    EXPECT_EQ(s.Text(2), "row " + std::to_string(i));
    EXPECT_EQ(s.Text(3), std::string("\0x", 2));
    EXPECT_EQ(s.Text(4), "null");
  }
  EXPECT_FALSE(s.Step());
}

TEST(PendingInserts, ARowWithTheWrongNumberOfValuesIsRefused) {
  vigil::testing::TempDir tmp;
  SqliteConn db(tmp.Join("t.db"));
  db.Exec("CREATE TABLE t (a, b)");
  PendingTable t("INSERT INTO t(a, b)", 2);
  t.Int(1).Int(2).Int(3);
  EXPECT_THROW(t.Flush(db), StoreError);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM t"), 0);
  EXPECT_TRUE(t.empty());  // nothing left to go in with the next rows
  t.Int(4).Int(5);
  EXPECT_EQ(t.Flush(db), 1);
}

ContentItem Item(const std::string& id) {
  ContentItem c;
  c.id = id;
  c.text = "text of " + id;
  c.author = Account{"author-1", std::nullopt, ""};
  c.metadata_json = "{}";
  return c;
}

// New content with its open case and a flag with its event, as intake writes them.
int64_t FlagNewContent(WriteTx& tx, const std::string& id) {
  auto c = Item(id);
  int64_t author = tx.UpsertAccount(*c.author, 1000);
  bool created_reporter = false;
  int64_t reporter =
      tx.UpsertAccount(Account{"rep-" + id, std::nullopt, ""}, 1000, &created_reporter);
  EXPECT_TRUE(created_reporter);
  auto [pk, created] = tx.UpsertContent(c, author, 1000);
  EXPECT_TRUE(created);
  int64_t case_id = tx.OpenCase(pk, "general", "spam", reporter, 1000, 0.5);
  FlagRow f;
  f.id = tx.NextFlagId();
  f.case_id = case_id;
  f.content_pk = pk;
  f.reason = "spam";
  f.received_at = 1000;
  f.principal = "token:1";
  f.metadata_json = "{}";
  events::Event e;
  e.type = "flag.received";
  e.subject = "flag:" + std::to_string(f.id);
  e.actor = "token:1";
  e.ts = 1000;
  e.payload = "{}";
  tx.InsertFlag(f, reporter, tx.AppendEvent(e));
  return case_id;
}

TEST(PendingInserts, ReadsInTheTransactionSeeTheRowsThatWait) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  auto tx = store->BeginWrite();
  int64_t case_id = FlagNewContent(*tx, "post-1");
  auto pk = tx->FindContentPk("post-1");
  ASSERT_TRUE(pk);
  EXPECT_EQ(tx->FindOpenCase(*pk), case_id);  // a SELECT: the waiting rows went in first
  auto c = tx->GetCase(case_id);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reporter_count, 1);
  EXPECT_EQ(c->priority, 0.5);
  // An UPDATE between two new cases: the second still gets the next id.
  tx->BumpCase(case_id, /*new_reporter=*/false, 2000);
  int64_t second = FlagNewContent(*tx, "post-2");
  EXPECT_EQ(second, case_id + 1);
  EXPECT_EQ(tx->GetCase(case_id)->flag_count, 2);
  store->Commit(*tx);

  SqliteConn db(tmp.Join("vigil.db"));
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM flags"), 2);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM case_reporters"), 2);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM accounts"), 3);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_EQ(IntegrityCheck(db), "ok");
  EXPECT_TRUE(events::VerifyStore(*store->BeginRead()).ok());
}

TEST(PendingInserts, ARolledBackSavepointDropsItsRowsAndHandsTheirIdsOutAgain) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  int64_t first = 0, kept = 0;
  {
    auto tx = store->BeginWrite();
    first = FlagNewContent(*tx, "post-1");
    tx->Savepoint();
    EXPECT_EQ(FlagNewContent(*tx, "post-2"), first + 1);
    tx->RollbackToSavepoint();
    EXPECT_FALSE(tx->FindContentPk("post-2"));
    kept = FlagNewContent(*tx, "post-3");
    store->Commit(*tx);
  }
  EXPECT_EQ(kept, first + 1);
  SqliteConn db(tmp.Join("vigil.db"));
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM cases"), 2);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content WHERE platform_id = 'post-2'"), 0);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM events"), 2);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_TRUE(events::VerifyStore(*store->BeginRead()).ok());

  // A transaction that never commits leaves nothing behind.
  {
    auto tx = store->BeginWrite();
    FlagNewContent(*tx, "post-4");
  }
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM cases"), 2);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM accounts WHERE platform_id = 'rep-post-4'"), 0);
}

// A content item's row written new (an insert that waits) and then sent again with every value
// changed (the update): both lists of values land in the right columns.
TEST(PendingInserts, ContentWrittenNewThenUpdatedHoldsEachValue) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  auto write = [&](const ContentItem& c) {
    auto tx = store->BeginWrite();
    int64_t author = c.author ? tx->UpsertAccount(*c.author, 1000) : 0;
    auto [pk, created] = tx->UpsertContent(c, author, 1000);
    store->Commit(*tx);
    return std::pair{pk, created};
  };
  auto expect_row = [&](int64_t pk, const ContentItem& c) {
    auto row = store->BeginRead()->GetContentByPk(pk);
    ASSERT_TRUE(row);
    const ContentItem& got = row->item;
    EXPECT_EQ(got.id, c.id);
    EXPECT_EQ(got.type, c.type);
    EXPECT_EQ(got.text, c.text);
    EXPECT_EQ(got.url, c.url);
    ASSERT_EQ(got.media.size(), c.media.size());
    for (size_t i = 0; i < c.media.size(); ++i) EXPECT_EQ(got.media[i].url, c.media[i].url);
    EXPECT_EQ(got.author.has_value(), c.author.has_value());
    if (got.author && c.author) {
      EXPECT_EQ(got.author->id, c.author->id);
    }
    EXPECT_EQ(got.created_at, c.created_at);
    EXPECT_EQ(got.reach.views, c.reach.views);
    EXPECT_EQ(got.reach.followers, c.reach.followers);
    EXPECT_EQ(got.reach.shares, c.reach.shares);
    EXPECT_EQ(got.language, c.language);
    EXPECT_EQ(got.metadata_json, c.metadata_json);
  };
  ContentItem c = Item("post-9");
  c.type = ContentType::kImage;
  c.url = "https://example.test/p/9";
  c.media = {MediaItem{"https://cdn.example.test/9.jpg", {}}};
  c.created_at = 500;
  c.reach = Reach{10, 20, 30};
  c.language = "de";
  c.metadata_json = R"({"k":"v"})";
  auto [pk, created] = write(c);
  ASSERT_TRUE(created);
  expect_row(pk, c);

  ContentItem d = c;
  d.type = ContentType::kVideo;
  d.text = "edited";
  d.url = "https://example.test/p/9b";
  d.media = {MediaItem{"https://cdn.example.test/9b.mp4", {}}};
  d.author = Account{"author-2", std::nullopt, ""};
  d.created_at = 600;
  d.reach = Reach{11, 21, 31};
  d.language = "fr";
  d.metadata_json = R"({"k":"w"})";
  auto [pk2, created2] = write(d);
  EXPECT_EQ(pk2, pk);
  EXPECT_FALSE(created2);
  expect_row(pk, d);
  SqliteConn db(tmp.Join("vigil.db"));
  EXPECT_EQ(QueryCount(db, "SELECT revision FROM content WHERE platform_id = 'post-9'"), 2);
}

}  // namespace
}  // namespace vigil::store
