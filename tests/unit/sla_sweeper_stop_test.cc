// A server stopping during a long SLA sweep stops promptly (SlaSweeper::Stopping). The first
// sweep over a large imported backlog records a breach on every case, in background-lane jobs of
// 256 that each wait for a quiet writer; `vigil serve` once went past its 10 s stop deadline
// waiting for a sweep over a million backdated cases (bench_workflow).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cases/sla_sweeper.h"
#include "core/clock.h"
#include "store/sqlite_db.h"
#include "store/store.h"
#include "support/sqlite_queries.h"
#include "support/test_support.h"

namespace vigil::cases {
namespace {

TEST(SlaSweeperStop, AStopDuringASweepDoesNotWaitForItsEnd) {
  vigil::testing::TempDir tmp;
  auto store = store::OpenSqliteStore(tmp.path());
  constexpr int kCases = 20000;  // 79 jobs of breaches
  {
    auto tx = store->BeginWrite();
    for (int i = 0; i < kCases; ++i) {
      ContentItem c;
      c.id = "post-" + std::to_string(i);
      c.metadata_json = "{}";
      auto [pk, created] = tx->UpsertContent(c, 0, 1000);
      tx->OpenCase(pk, "general", "spam", 0, /*now=*/1000, 0);  // 1970: long breached
    }
    store->Commit(*tx);
  }
  // Background jobs wait max_wait while someone keeps using the server: a full sweep would take
  // 79 x 100 ms.
  store::GroupCommitter::Options opts;
  opts.idle_gap = std::chrono::milliseconds(100);
  opts.max_wait = std::chrono::milliseconds(100);
  store::GroupCommitter writer(*store, opts);
  std::atomic<bool> busy{true};
  std::thread user([&] {
    while (busy) {
      writer.NoteActivity();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  auto queues = std::make_shared<const QueueConfig>(
      QueueConfig::FromYaml(QueueConfig::DefaultYaml(), &Taxonomy::Default()).value());
  ManualClock clock(2'000'000'000'000);
  auto sweeper = std::make_unique<SlaSweeper>(
      *store, writer, Taxonomy::Default(), [&] { return queues; }, clock, /*interval=*/1);
  store::SqliteConn db(tmp.Join("vigil.db"));
  auto breaches = [&] {
    return vigil::testing::QueryCount(
        db, "SELECT COUNT(*) FROM events WHERE type = 'case.sla_breached'");
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (breaches() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_GT(breaches(), 0) << "the sweep never wrote";

  auto start = std::chrono::steady_clock::now();
  sweeper.reset();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_LT(breaches(), kCases);  // stopped part way; the next sweep records the rest
  busy = false;
  user.join();

  // The next sweep (after a restart) records the rest, each breach once.
  SlaSweeper again(
      *store, writer, Taxonomy::Default(), [&] { return queues; }, clock, 0);
  auto r = again.Sweep(store::GroupCommitter::Lane::kInteractive);
  ASSERT_TRUE(r);
  EXPECT_EQ(breaches(), kCases);
}

}  // namespace
}  // namespace vigil::cases
