// The SLA sweep: periodically evaluates every open case against its queue's SLA, keeps the
// per-queue counts of cases on time, near breach and breached (for dashboards), records each
// breach once as a case.sla_breached event, and escalates breached cases of queues configured
// with auto_escalate_on_breach to that tier's queue (actor "system").
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "cases/queues.h"
#include "core/taxonomy.h"
#include "store/group_commit.h"

namespace vigil::cases {

struct SlaCounts {
  int64_t ok = 0;
  int64_t near_breach = 0;
  int64_t breached = 0;
};

// The counts of the last finished sweep by queue, and the time they were evaluated at; no time
// before the first sweep has finished (the counts are then unknown, not zero).
struct SlaSnapshot {
  std::map<std::string, SlaCounts> queues;
  std::optional<Millis> as_of;
};

class SlaSweeper {
 public:
  using QueuesFn = std::function<std::shared_ptr<const QueueConfig>()>;
  // Sweeps on its own thread at once and then every `interval` (0: only when Sweep is called).
  SlaSweeper(store::Store& store, store::GroupCommitter& writer, const Taxonomy& taxonomy,
             QueuesFn queues, const Clock& clock, Millis interval);
  ~SlaSweeper();

  // One sweep now; waits until its escalations are committed. Returns breaches recorded. The
  // periodic sweep writes in the writer's background lane (a first sweep over a large imported
  // backlog can record a breach on every case); an explicit one, in the interactive lane. A
  // sweep under way when the sweeper is destroyed stops after its current page or job: what it
  // did not record yet, the next sweep (after the next start) finds again.
  Result<int64_t> Sweep(
      store::GroupCommitter::Lane lane = store::GroupCommitter::Lane::kInteractive);
  // The counts are published once a sweep's breaches are recorded, cases it escalated counted in
  // the queue they moved to.
  SlaSnapshot Counts() const;

 private:
  void Loop();
  bool Stopping() const;

  store::Store& store_;
  store::GroupCommitter& writer_;
  const Taxonomy& taxonomy_;
  QueuesFn queues_;
  const Clock& clock_;
  Millis interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  SlaSnapshot counts_;
  bool stopping_ = false;
  std::mutex sweep_mu_;  // one sweep at a time
  std::thread thread_;
};

}  // namespace vigil::cases
