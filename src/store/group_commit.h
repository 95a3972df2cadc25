// Group commit: one writer thread owns the Store's write side. Callers submit jobs; the writer
// takes every job waiting, runs them in one transaction (each inside its own savepoint, so one
// job's failure leaves the others intact), commits once (one fsync for the whole group) and only
// then reports each job's outcome. A job's success is therefore a durability promise. Outcomes
// are reported, and finished jobs destroyed, on a second thread, so the writer is already
// running the next group while the previous one's answers are built and sent.
//
// Two lanes. Interactive jobs (requests someone waits for) always go first. Background jobs
// (catching up on a backlog) run when neither an interactive job nor any other activity the
// server reports (NoteActivity: a request being read, which competes for the same two cores)
// came for `idle_gap`, so a reviewer never waits behind a backlog's batch; to never starve
// them, a background job that has waited `max_wait` rides along with the next interactive group.
#pragma once

#include <chrono>

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <string>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/metrics.h"
#include "store/store.h"

namespace vigil::store {

class GroupCommitter {
 public:
  // Runs inside the shared transaction. An isolated job (the default) runs in its own savepoint:
  // returning an error rolls back just this job. A non-isolated job skips the savepoint, which
  // is much cheaper for large jobs, and promises to return errors only before its first write;
  // if one fails anyway, the whole group is rolled back and every job in it fails (retryable).
  using Job = std::function<Status(WriteTx&)>;
  // Called after the commit (or failure) on the completion thread, in submission order; must
  // not block (and so must not call Run).
  using Done = std::function<void(const Status&)>;

  enum class Lane { kInteractive, kBackground };
  struct Options {
    size_t max_group = 4096;
    std::chrono::milliseconds idle_gap{20};
    std::chrono::milliseconds max_wait{5000};
  };

  explicit GroupCommitter(Store& store, Options options);
  explicit GroupCommitter(Store& store) : GroupCommitter(store, Options{}) {}
  ~GroupCommitter();  // drains pending jobs and their outcomes, then stops
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  void Submit(Job job, Done done, bool isolated = true, Lane lane = Lane::kInteractive);
  // Convenience for callers that may block (CLI, tests): submits and waits.
  Status Run(Job job, bool isolated = true, Lane lane = Lane::kInteractive);

  // Someone is using the server (any thread, cheap): background work waits idle_gap from now.
  void NoteActivity() {
    last_activity_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                         std::memory_order_relaxed);
  }

  uint64_t commits() const { return commits_; }
  uint64_t failed_groups() const { return failed_groups_; }
  // Background jobs committed, and how many of those had to ride along with interactive work.
  uint64_t background_jobs() const { return background_jobs_; }
  uint64_t background_overdue() const { return background_overdue_; }
  // Commits, jobs waiting per lane and commit latency (the fsync included), in the Prometheus
  // text format.
  void WriteMetrics(std::string& out);

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Pending {
    Job job;
    Done done;
    bool isolated;
    SteadyTime since;  // when submitted (background jobs only)
  };
  struct Finished {
    std::vector<Pending> group;
    std::vector<Status> results;
  };
  void Loop();
  // Waits for work and moves the next group into `group`; false once stopping and drained.
  bool TakeGroup(std::vector<Pending>& group);
  void Complete();
  void Finish(std::vector<Pending>& group, std::vector<Status>& results);

  Store& store_;
  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;       // interactive
  std::deque<Pending> background_;  // background
  // When the writer last took interactive jobs or NoteActivity was called (steady ticks).
  std::atomic<SteadyTime::rep> last_activity_{0};
  bool stopping_ = false;
  std::atomic<uint64_t> commits_{0}, background_jobs_{0}, background_overdue_{0};
  std::atomic<uint64_t> jobs_{0}, failed_groups_{0};
  // A failing disk fails every group, thousands a second: the log says so at the first failure,
  // then once a second at most, and when groups commit again (writer thread only).
  void LogFailure(size_t requests, const char* what);
  void LogRecovery();
  SteadyTime last_failure_logged_{};
  uint64_t failures_unlogged_ = 0, failures_in_a_row_ = 0;
  SteadyTime last_upkeep_failure_logged_{};
  uint64_t upkeep_failures_unlogged_ = 0;
  metrics::Histogram group_latency_;   // from taking the group to its commit
  metrics::Histogram commit_latency_;  // the COMMIT itself

  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::deque<Finished> finished_;
  bool writer_stopped_ = false;

  std::thread completer_;  // started before and joined after the writer
  std::thread thread_;
};

}  // namespace vigil::store
