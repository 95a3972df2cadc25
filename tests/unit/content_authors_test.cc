// Content by author indexed in the background (migration 17, SqliteStore::IndexContentAuthors):
// cases listed by their content's author are the same before and after the writer indexes the
// content, after an author changes on either side of the watermark, and after migrating a
// database that had the old index.
#include <gtest/gtest.h>

#include <set>
#include <string>

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

constexpr int kAuthors = 40;

ContentItem Item(int i, const std::string& author) {
  ContentItem c;
  c.id = "c-" + std::to_string(i);
  c.text = "text " + std::to_string(i);
  c.author = Account{author, std::nullopt, ""};
  c.metadata_json = "{}";
  return c;
}

// Content c-<from>..c-<to - 1> by author a-<i % kAuthors>, each with an open case, in one
// transaction. Returns nothing; the case of c-i is the (i + 1)-th case.
void InsertWithCases(Store& store, int from, int to) {
  auto tx = store.BeginWrite();
  for (int i = from; i < to; ++i) {
    auto c = Item(i, "a-" + std::to_string(i % kAuthors));
    int64_t author = tx->UpsertAccount(*c.author, 1000);
    auto [pk, created] = tx->UpsertContent(c, author, 1000);
    ASSERT_TRUE(created);
    tx->OpenCase(pk, "general", "spam", 0, 1000, 0);
  }
  store.Commit(*tx);
}

// The content platform ids of the cases listed for `author`, every page of them.
std::set<std::string> ContentOf(Store& store, const std::string& author) {
  std::set<std::string> out;
  CaseFilter f;
  f.author = author;
  f.limit = 7;  // several pages
  for (;;) {
    auto read = store.BeginRead();
    auto page = read->ListCases(f);
    for (const auto& c : page) {
      auto content = read->GetContentByPk(c.content_pk);
      EXPECT_TRUE(content);
      if (content) {
        EXPECT_TRUE(out.insert(content->item.id).second) << "listed twice";
      }
    }
    if (page.size() < static_cast<size_t>(f.limit)) return out;
    f.after_id = page.back().id;
  }
}

std::set<std::string> Expected(int n, int author, const std::set<int>& moved_out = {},
                               const std::set<int>& moved_in = {}) {
  std::set<std::string> out;
  for (int i = 0; i < n; ++i)
    if ((i % kAuthors == author && !moved_out.count(i)) || moved_in.count(i))
      out.insert("c-" + std::to_string(i));
  return out;
}

int64_t Watermark(SqliteConn& db) {
  return QueryCount(db, "SELECT indexed_upto FROM platform_id_index WHERE kind = 'content_author'");
}

// An idle writer between groups: the platform ids mapped and the authors indexed, a transaction
// a call, within a bounded number of calls.
void MaintainUntilIndexed(Store& store, SqliteConn& db, int64_t upto, bool idle) {
  for (int i = 0; i < 40 && Watermark(db) < upto; ++i) store.Maintain(idle);
  EXPECT_EQ(Watermark(db), upto);
}

TEST(ContentAuthors, CasesByAuthorAreFoundBeforeAndAfterIndexing) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  SqliteConn db(tmp.Join("vigil.db"));
  InsertWithCases(*store, 0, 500);
  store->Maintain(/*idle=*/false);  // busy, and far below kAuthorIndexRunAt: nothing indexed
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_authors"), 0);
  EXPECT_EQ(ContentOf(*store, "a-7"), Expected(500, 7));
  EXPECT_TRUE(ContentOf(*store, "a-none").empty());

  // Idle: the platform ids are mapped and the authors indexed, one transaction a call.
  MaintainUntilIndexed(*store, db, 500, /*idle=*/true);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_authors"), 500);
  EXPECT_EQ(ContentOf(*store, "a-7"), Expected(500, 7));

  // Half indexed, half in the tail: each listed once.
  InsertWithCases(*store, 500, 1000);
  EXPECT_EQ(ContentOf(*store, "a-7"), Expected(1000, 7));
  EXPECT_EQ(ContentOf(*store, "a-39"), Expected(1000, 39));

  // A busy writer indexes once kAuthorIndexRunAt items wait, in one transaction, once the
  // platform ids of those items are mapped (a few transactions of their own).
  InsertWithCases(*store, 1000, 1000 + static_cast<int>(kAuthorIndexRunAt));
  const int n = 1000 + static_cast<int>(kAuthorIndexRunAt);
  MaintainUntilIndexed(*store, db, n, /*idle=*/false);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_authors"), n);
  EXPECT_EQ(QueryCount(db,
                       "SELECT COUNT(*) FROM content_authors m JOIN content c "
                       "ON c.id = m.content_id AND c.author_id = m.author_id"),
            n);
  EXPECT_EQ(ContentOf(*store, "a-7"), Expected(n, 7));
  EXPECT_EQ(IntegrityCheck(db), "ok");
}

TEST(ContentAuthors, AChangedAuthorIsFollowedOnEitherSideOfTheWatermark) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  SqliteConn db(tmp.Join("vigil.db"));
  InsertWithCases(*store, 0, 200);
  MaintainUntilIndexed(*store, db, 200, /*idle=*/true);
  InsertWithCases(*store, 200, 400);  // in the tail

  // c-7 (indexed) and c-207 (in the tail) move from a-7 to a-8; c-47 loses its author.
  {
    auto tx = store->BeginWrite();
    int64_t a8 = *tx->FindAccountPk("a-8");
    EXPECT_FALSE(tx->UpsertContent(Item(7, "a-8"), a8, 2000).second);
    EXPECT_FALSE(tx->UpsertContent(Item(207, "a-8"), a8, 2000).second);
    ContentItem orphan = Item(47, "");
    orphan.author.reset();
    EXPECT_FALSE(tx->UpsertContent(orphan, 0, 2000).second);
    store->Commit(*tx);
  }
  auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    EXPECT_EQ(ContentOf(*store, "a-7"), Expected(400, 7, {7, 47, 207}));
    EXPECT_EQ(ContentOf(*store, "a-8"), Expected(400, 8, {}, {7, 207}));
  };
  check("c-207 in the tail");
  store.reset();
  store = OpenSqliteStore(tmp.path());  // opening indexes whatever waits
  EXPECT_EQ(Watermark(db), 400);
  check("all indexed");
  EXPECT_EQ(QueryCount(db,
                       "SELECT COUNT(*) FROM content_authors m JOIN content c "
                       "ON c.id = m.content_id WHERE c.platform_id = 'c-47'"),
            0);
  EXPECT_EQ(QueryCount(db,
                       "SELECT COUNT(*) FROM content_authors m JOIN content c "
                       "ON c.id = m.content_id AND c.author_id = m.author_id"),
            QueryCount(db, "SELECT COUNT(*) FROM content_authors"));
}

TEST(ContentAuthors, AnAuthorChangedDuringARunIsNotPutBackUnderTheOldOne) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  SqliteConn db(tmp.Join("vigil.db"));
  const int n = static_cast<int>(kAuthorIndexRunAt) + 100;
  InsertWithCases(*store, 0, n);
  // Busy: platform id steps first, then the author run's first slices.
  auto in_run = [&] {
    return QueryCount(db,
                      "SELECT COUNT(*) FROM content_authors WHERE content_id > (SELECT "
                      "indexed_upto FROM platform_id_index WHERE kind = 'content_author')");
  };
  for (int i = 0; i < 20 && in_run() == 0; ++i) store->Maintain(/*idle=*/false);
  ASSERT_GT(in_run(), 0);
  ASSERT_EQ(Watermark(db), 0);
  // Every author's items are in the run; those of a-0 sort first, so they are in already.
  EXPECT_EQ(QueryCount(db,
                       "SELECT COUNT(*) FROM content_authors m JOIN content c ON c.id = "
                       "m.content_id WHERE c.platform_id IN ('c-0', 'c-39')"),
            1);
  {
    auto tx = store->BeginWrite();
    int64_t a1 = *tx->FindAccountPk("a-1");
    EXPECT_FALSE(tx->UpsertContent(Item(0, "a-1"), a1, 2000).second);   // put in already
    EXPECT_FALSE(tx->UpsertContent(Item(39, "a-1"), a1, 2000).second);  // not yet
    store->Commit(*tx);
  }
  MaintainUntilIndexed(*store, db, n, /*idle=*/false);
  EXPECT_EQ(ContentOf(*store, "a-0"), Expected(n, 0, {0}));
  EXPECT_EQ(ContentOf(*store, "a-39"), Expected(n, 39, {39}));
  EXPECT_EQ(ContentOf(*store, "a-1"), Expected(n, 1, {}, {0, 39}));
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_authors"), n);
  EXPECT_EQ(QueryCount(db,
                       "SELECT COUNT(*) FROM content_authors m JOIN content c "
                       "ON c.id = m.content_id AND c.author_id = m.author_id"),
            n);
}

TEST(ContentAuthors, ReadersSearchTheIndexAndScanOnlyTheTail) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  SqliteConn db(tmp.Join("vigil.db"));
  auto plan = db.Prepare("EXPLAIN QUERY PLAN " VIGIL_AUTHOR_CONTENT_SQL("?1"));
  std::string all;
  while (plan.Step()) all += plan.Text(3) + "\n";
  EXPECT_NE(all.find("SEARCH content_authors USING PRIMARY KEY (author_id=? AND content_id<?)"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("SEARCH content USING INTEGER PRIMARY KEY (rowid>?)"), std::string::npos)
      << all;
  EXPECT_EQ(all.find("SCAN content"), std::string::npos) << all;
}

TEST(ContentAuthors, MigrationIndexesAnExistingDatabase) {
  vigil::testing::TempDir tmp;
  {
    SqliteConn db(tmp.Join("vigil.db"));
    vigil::testing::MigrateUpTo(db, 16);
    db.Exec(
        "INSERT INTO accounts(id, platform_id, first_seen) VALUES (1, 'a-1', 5), (2, 'a-2', 6);"
        "INSERT INTO content(id, platform_id, type, author_id, received_at) VALUES "
        "(1, 'c-1', 'text', 1, 7), (2, 'c-2', 'text', 2, 8), (3, 'c-3', 'text', NULL, 8),"
        "(4, 'c-4', 'text', 1, 9);"
        "INSERT INTO cases(id, content_id, status, queue, reason, opened_at, updated_at) VALUES "
        "(1, 1, 'open', 'general', 'spam', 9, 9), (2, 4, 'open', 'general', 'spam', 9, 9);");
  }
  auto store = OpenSqliteStore(tmp.path());
  SqliteConn db(tmp.Join("vigil.db"));
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM content_authors"), 3);
  EXPECT_EQ(Watermark(db), 4);
  EXPECT_EQ(QueryCount(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'content_author'"), 0);
  EXPECT_EQ(ContentOf(*store, "a-1"), (std::set<std::string>{"c-1", "c-4"}));
  EXPECT_EQ(IntegrityCheck(db), "ok");
}

}  // namespace
}  // namespace vigil::store
