// Analysis and policies in the flow, off the request path. Intake tells the worker which cases
// and content items changed; one thread (vigil-automate) analyses new or changed content,
// stores the signals with their spans (content.analysed), walks the policies that apply to each
// open case of it (policy.evaluated, never twice the same), and lets active policies act
// through CaseService in the same transaction: a decision citing policy, version, clause and
// the trace; an escalation with a hand-off note; a move to a queue; a priority adjustment.
// What it has done is stored with it, so work left when the process stopped is found again at
// start (content without an analysis of its current revision, open cases with a flag or content
// revision not yet evaluated).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "analysis/analyzer.h"
#include "cases/case_service.h"
#include "cases/queues.h"
#include "policy/library.h"
#include "store/group_commit.h"

namespace vigil::automation {

inline constexpr const char* kActor = "automation";

class Worker {
 public:
  struct Deps {
    store::Store* store = nullptr;
    store::GroupCommitter* writer = nullptr;
    const Taxonomy* taxonomy = nullptr;
    const Clock* clock = nullptr;
    const analysis::Analyzer* analyzer = nullptr;
    const policy::PolicyLibrary* policies = nullptr;
    cases::CaseService* cases = nullptr;
    std::function<std::shared_ptr<const cases::QueueConfig>()> queues;
  };
  struct Stats {
    uint64_t analysed = 0, cases_evaluated = 0, evaluations_recorded = 0, decisions = 0,
             escalations = 0, routed = 0;
  };

  // With `run_thread` false nothing happens until RunPending (CLI processes, tests).
  Worker(Deps deps, bool run_thread);
  ~Worker();
  void Stop();  // idempotent; pending work stays in the store for the next start

  void ContentChanged(int64_t content_pk);
  void CaseChanged(int64_t case_id);
  // Finds the work the store says is left (what a crash or a stop left behind). That backlog
  // is worked through in the writer's background lane: after what intake just sent, and only
  // while no reviewer's request is waiting for the writer.
  void Recover();
  // Processes everything pending on the calling thread; returns the items processed.
  size_t RunPending();
  // True once nothing is pending or in progress (tests and benchmarks), false on timeout.
  bool WaitIdle(std::chrono::milliseconds timeout);
  Stats stats() const;

 private:
  struct Batch {
    std::vector<int64_t> content, cases;
    bool backlog = false;  // taken from the recovered backlog: written in the background lane
  };
  struct Write;
  bool TakeBatch(Batch* b);
  bool HasWork() const;  // with mu_ held
  // Reads and evaluates a batch, then hands its writes to the writer while the next is read.
  void Process(const Batch& b);
  Status WriteBatch(store::WriteTx& tx, Write& w);
  void Finish(const Write& w, const Status& st);  // after the commit, on the writer's side
  void WaitInFlight();
  void Loop();

  Deps d_;
  mutable std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::set<int64_t> content_, cases_;                  // changed since this process started
  // Left from before (Recover), and changes beyond kFreshLimit during a burst: worked through
  // in the writer's background lane.
  std::set<int64_t> backlog_content_, backlog_cases_;
  // A burst overflowed the fresh sets: changes join the backlog until it is worked off, so
  // automation yields to intake for the whole burst rather than refilling the fresh sets.
  bool overflow_ = false;
  bool busy_ = false;
  bool stopping_ = false;
  Stats stats_;
  std::future<void> in_flight_;  // the batch in the writer (touched by the working thread only)
  std::thread thread_;
};

}  // namespace vigil::automation
