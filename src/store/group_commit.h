// Group commit: one writer thread owns the Store's write side. Callers submit jobs; the writer
// takes every job waiting, runs them in one transaction (each inside its own savepoint, so one
// job's failure leaves the others intact), commits once (one fsync for the whole group) and only
// then reports each job's outcome. A job's success is therefore a durability promise. Outcomes
// are reported, and finished jobs destroyed, on a second thread, so the writer is already
// running the next group while the previous one's answers are built and sent.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.h"
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

  explicit GroupCommitter(Store& store, size_t max_group = 4096);
  ~GroupCommitter();  // drains pending jobs and their outcomes, then stops
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  void Submit(Job job, Done done, bool isolated = true);
  // Convenience for callers that may block (CLI, tests): submits and waits.
  Status Run(Job job, bool isolated = true);

  uint64_t commits() const { return commits_; }

 private:
  struct Pending {
    Job job;
    Done done;
    bool isolated;
  };
  struct Finished {
    std::vector<Pending> group;
    std::vector<Status> results;
  };
  void Loop();
  void Complete();
  void Finish(std::vector<Pending>& group, std::vector<Status>& results);

  Store& store_;
  size_t max_group_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> commits_{0};

  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::deque<Finished> finished_;
  bool writer_stopped_ = false;

  std::thread completer_;  // started before and joined after the writer
  std::thread thread_;
};

}  // namespace vigil::store
