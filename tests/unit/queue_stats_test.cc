// Queue depth (GET /v1/queues, /metrics) through indexes: per queue the open cases, the claims
// whose lease is live, and the oldest open case, which a decided older case does not count for.
#include <gtest/gtest.h>

#include <map>

#include "store/sqlite_db.h"
#include "store/store.h"
#include "support/test_support.h"

namespace vigil::store {
namespace {

TEST(OpenQueueStats, CountsOpenAndLiveClaimsAndFindsTheOldestOpenCasePerQueue) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());  // creates the schema
  {
    SqliteConn db(tmp.Join("vigil.db"));
    db.Exec("INSERT INTO content(id, platform_id, type, received_at) VALUES (1, 'c', 'text', 0)");
    db.Exec(
        "INSERT INTO users(id, name, role, created_at) VALUES (7, 'a', 'agent', 0), "
        "(8, 'b', 'agent', 0)");
    // id, queue, status, opened_at, claimed_by, lease_until
    db.Exec(
        "INSERT INTO cases(id, content_id, status, queue, reason, opened_at, updated_at, "
        "claimed_by, lease_until) VALUES "
        "(1, 1, 'decided', 'general', 'spam', 100, 100, NULL, NULL),"
        "(2, 1, 'open', 'general', 'spam', 300, 300, 7, 5000),"  // claim live at 1000
        "(3, 1, 'open', 'general', 'spam', 200, 200, 8, 900),"   // lease expired at 1000
        "(4, 1, 'open', 'general', 'spam', 400, 400, NULL, NULL),"
        "(5, 1, 'open', 'legal', 'spam', 150, 150, 7, 2000),"
        "(6, 1, 'decided', 'senior', 'spam', 50, 50, NULL, NULL)");
  }
  std::map<std::string, QueueStats> by_queue;
  for (const auto& q : store->BeginRead()->OpenQueueStats(1000)) by_queue[q.queue] = q;
  ASSERT_EQ(by_queue.size(), 2u);  // "senior" has no open case
  EXPECT_EQ(by_queue["general"].open, 3);
  EXPECT_EQ(by_queue["general"].claimed, 1);
  EXPECT_EQ(by_queue["general"].oldest_opened_at, 200);  // case 1 is older but decided
  EXPECT_EQ(by_queue["legal"].open, 1);
  EXPECT_EQ(by_queue["legal"].claimed, 1);
  EXPECT_EQ(by_queue["legal"].oldest_opened_at, 150);
}

}  // namespace
}  // namespace vigil::store
