// The writer's two lanes: background work (a backlog being caught up) waits while requests
// someone waits for keep coming, runs once the writer is idle, never starves, and is never lost
// at shutdown.
#include "store/group_commit.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <future>
#include <sstream>
#include <thread>

#include "store/sqlite_db.h"
#include "store/store.h"
#include "support/test_support.h"

namespace vigil::store {
namespace {

using namespace std::chrono_literals;
using Lane = GroupCommitter::Lane;

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenSqliteStore(tmp_.path()); }

  static GroupCommitter::Options Lanes(std::chrono::milliseconds idle_gap,
                                       std::chrono::milliseconds max_wait) {
    GroupCommitter::Options o;
    o.idle_gap = idle_gap;
    o.max_wait = max_wait;
    return o;
  }

  // Submits a background job that records when it ran; the future is set after its commit.
  std::future<void> SubmitBackground(GroupCommitter& w, std::atomic<bool>* ran) {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    w.Submit(
        [ran](WriteTx&) {
          ran->store(true);
          return OkStatus();
        },
        [done](const Status& s) {
          EXPECT_TRUE(s.ok());
          done->set_value();
        },
        true, Lane::kBackground);
    return f;
  }

  testing::TempDir tmp_;
  std::unique_ptr<Store> store_;
};

TEST_F(GroupCommitTest, BackgroundWaitsWhileInteractiveJobsKeepComingThenRuns) {
  GroupCommitter w(*store_, Lanes(500ms, 60s));
  ASSERT_TRUE(w.Run([](WriteTx&) { return OkStatus(); }).ok());  // the writer has seen requests
  std::atomic<bool> ran{false};
  auto bg = SubmitBackground(w, &ran);
  int interactive_ok = 0;
  for (int i = 0; i < 100; ++i) {
    if (w.Run([](WriteTx&) { return OkStatus(); }).ok()) ++interactive_ok;
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(interactive_ok, 100);
  EXPECT_FALSE(ran.load()) << "background work ran while requests kept the writer busy";
  ASSERT_EQ(bg.wait_for(10s), std::future_status::ready) << "not run once the writer was idle";
  EXPECT_TRUE(ran.load());
  EXPECT_EQ(w.background_jobs(), 1u);
  EXPECT_EQ(w.background_overdue(), 0u);
}

TEST_F(GroupCommitTest, BackgroundWaitsWhileTheServerReportsActivity) {
  GroupCommitter w(*store_, Lanes(500ms, 60s));
  w.NoteActivity();  // e.g. reviewers reading case pages: no writes, but the same cores
  std::atomic<bool> ran{false};
  auto bg = SubmitBackground(w, &ran);
  for (int i = 0; i < 100; ++i) {
    w.NoteActivity();
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_FALSE(ran.load()) << "background work ran while the server was in use";
  ASSERT_EQ(bg.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(ran.load());
}

TEST_F(GroupCommitTest, AnIdleWriterRunsBackgroundWorkAtOnce) {
  GroupCommitter w(*store_, Lanes(50ms, 60s));
  std::atomic<bool> ran{false};
  auto bg = SubmitBackground(w, &ran);
  ASSERT_EQ(bg.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(ran.load());
}

TEST_F(GroupCommitTest, BackgroundWorkThatWaitedMaxWaitRidesAlongWithRequests) {
  GroupCommitter w(*store_, Lanes(1h, 50ms));  // the writer never counts as idle here
  // One interactive job first, so the writer has seen requests.
  ASSERT_TRUE(w.Run([](WriteTx&) { return OkStatus(); }).ok());
  std::atomic<bool> ran{false};
  auto bg = SubmitBackground(w, &ran);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (bg.wait_for(0ms) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(w.Run([](WriteTx&) { return OkStatus(); }).ok());
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(bg.wait_for(0ms), std::future_status::ready) << "background work starved";
  EXPECT_EQ(w.background_overdue(), 1u);
}

TEST_F(GroupCommitTest, BackgroundWorkDoesNotStarveUnderReadsAlone) {
  GroupCommitter w(*store_, Lanes(1h, 50ms));
  w.NoteActivity();
  std::atomic<bool> ran{false};
  auto bg = SubmitBackground(w, &ran);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (bg.wait_for(1ms) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline)
    w.NoteActivity();
  ASSERT_EQ(bg.wait_for(0ms), std::future_status::ready) << "background work starved";
  EXPECT_EQ(w.background_overdue(), 1u);
}

TEST_F(GroupCommitTest, ShutdownRunsBackgroundWorkStillQueued) {
  std::atomic<bool> ran{false};
  std::future<void> bg;
  {
    GroupCommitter w(*store_, Lanes(1h, 1h));
    ASSERT_TRUE(w.Run([](WriteTx&) { return OkStatus(); }).ok());
    bg = SubmitBackground(w, &ran);
  }
  EXPECT_EQ(bg.wait_for(0ms), std::future_status::ready);
  EXPECT_TRUE(ran.load());
}

// A failing disk fails every group. Each is answered with an error and counted, but the log says
// so at the first, then at most once a second, and once groups commit again: not a line a group,
// thousands a second, on a disk that may be full already.
TEST_F(GroupCommitTest, FailingGroupsAreLoggedOnceASecondAndTheRecoveryOnce) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  struct Restore {
    std::shared_ptr<spdlog::logger> logger;
    ~Restore() { spdlog::set_default_logger(logger); }
  } restore{previous};

  int failed = 0;
  {
    GroupCommitter w(*store_, Lanes(1h, 1h));
    for (int i = 0; i < 200; ++i)
      if (!w.Run([](WriteTx&) -> Status { throw StoreError("disk I/O error"); }).ok()) ++failed;
    ASSERT_TRUE(w.Run([](WriteTx&) { return OkStatus(); }).ok());
    EXPECT_EQ(w.failed_groups(), 200u);
  }
  EXPECT_EQ(failed, 200);
  const std::string text = log.str();
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("write transaction failed, 1 requests not acknowledged: disk I/O error"), 1u)
      << text;
  EXPECT_LE(count("write transactions still failing"), 2u) << text;  // 200 groups: well under 2 s
  EXPECT_EQ(count("write transactions commit again after 200 failed in a row"), 1u) << text;
}

}  // namespace
}  // namespace vigil::store
