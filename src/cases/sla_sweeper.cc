#include "cases/sla_sweeper.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "cases/case_service.h"  // CaseEvent
#include "core/thread_name.h"

namespace vigil::cases {

SlaSweeper::SlaSweeper(store::Store& store, store::GroupCommitter& writer, const Taxonomy& taxonomy,
                       QueuesFn queues, const Clock& clock, Millis interval)
    : store_(store),
      writer_(writer),
      taxonomy_(taxonomy),
      queues_(std::move(queues)),
      clock_(clock),
      interval_(interval) {
  if (interval_ > 0)
    thread_ = std::thread([this] {
      NameThisThread("vigil-sla");
      // Scanning every open case is background work: requests come first.
      if (!LowerThisThreadPriority())
        spdlog::warn("SLA sweep: could not lower the thread's priority");
      Loop();
    });
}

SlaSweeper::~SlaSweeper() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SlaSweeper::Stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

SlaSnapshot SlaSweeper::Counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void SlaSweeper::Loop() {
  // The first sweep at once: until one finishes, nobody can be shown how the queues stand.
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    if (auto r = Sweep(store::GroupCommitter::Lane::kBackground); !r)
      spdlog::warn("SLA sweep failed: {}", r.error().message);
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(interval_), [&] { return stopping_; });
  }
}

namespace {
void Count(SlaCounts& n, SlaState st) {
  if (st == SlaState::kBreached)
    ++n.breached;
  else if (st == SlaState::kNearBreach)
    ++n.near_breach;
  else
    ++n.ok;
}
}  // namespace

Result<int64_t> SlaSweeper::Sweep(store::GroupCommitter::Lane lane) {
  std::lock_guard sweep_lock(sweep_mu_);
  auto queues = queues_();
  Millis now = clock_.Now();
  std::map<std::string, SlaCounts> counts;
  struct Breach {
    store::OpenCaseSla c;
    int severity;
    std::string tier, tier_queue;
  };
  std::vector<Breach> breaches;
  // A read transaction per page of cases: one held over millions of rows would keep the
  // checkpoints from finishing meanwhile.
  constexpr size_t kPage = 4096;
  for (int64_t after = 0;;) {
    size_t seen = store_.BeginRead()->ScanOpenCases(after, kPage, [&](const store::OpenCaseSla& c) {
      after = c.id;
      const Reason* r = taxonomy_.Find(c.reason);
      int severity = r ? r->severity : 1;
      SlaState st =
          queues->State(c.queue, severity, c.opened_at, c.first_action_at, std::nullopt, now);
      Count(counts[c.queue], st);
      if (st == SlaState::kBreached) {
        if (c.breach_recorded) return;
        Breach b{c, severity, "", ""};
        if (auto tier = queues->AutoEscalation(c.queue); tier && !c.escalated)
          if (const Tier* t = queues->FindTier(*tier)) {
            b.tier = *tier;
            b.tier_queue = t->queue;
          }
        breaches.push_back(std::move(b));
      }
    });
    if (seen < kPage) break;
    if (Stopping()) return int64_t{0};  // counts of a part would mislead: keep the last ones
  }
  // A case escalated below leaves its queue's count for the one it moved to.
  auto moved = [&](const Breach& b) {
    --counts[b.c.queue].breached;
    Count(counts[b.tier_queue], queues->State(b.tier_queue, b.severity, b.c.opened_at,
                                              b.c.first_action_at, std::nullopt, now));
  };
  auto publish = [&] {
    std::lock_guard lock(mu_);
    counts_ = {std::move(counts), now};
  };
  int64_t recorded = 0;
  // In small transactions: no single one holds the writer for long.
  constexpr size_t kBreachesPerJob = 256;
  for (size_t from = 0; from < breaches.size(); from += kBreachesPerJob) {
    // Shutting down: a first sweep over a large backlog would hold the stop up for minutes.
    if (Stopping()) return recorded;
    size_t to = std::min(breaches.size(), from + kBreachesPerJob);
    std::vector<size_t> escalated;  // of this job, once committed
    int64_t job_recorded = 0;
    Status s = writer_.Run(
        [&](store::WriteTx& tx) -> Status {
          escalated.clear();
          job_recorded = 0;
          for (size_t i = from; i < to; ++i) {
            const Breach& b = breaches[i];
            if (!tx.RecordSlaBreach(b.c.id, now)) continue;  // recorded meanwhile
            ++job_recorded;
            tx.AppendEvent(CaseEvent("case.sla_breached", b.c.id, "system", now,
                                     {{"queue", b.c.queue},
                                      {"opened_at", FormatIso8601(b.c.opened_at)},
                                      {"first_action", b.c.first_action_at.has_value()}}));
            if (b.tier.empty()) continue;
            // Escalate only if nobody changed the case since the scan.
            auto cur = tx.GetCase(b.c.id);
            if (!cur || cur->version != b.c.version || cur->status != "open") continue;
            tx.AppendEvent(CaseEvent("case.escalated", b.c.id, "system", now,
                                     {{"tier", b.tier},
                                      {"from_queue", b.c.queue},
                                      {"to_queue", b.tier_queue},
                                      {"note", "Automatic escalation: SLA breached"},
                                      {"fields", nlohmann::json::object()},
                                      {"case_version", b.c.version}}));
            tx.MoveCase(b.c.id, b.c.version, b.tier_queue, b.tier, b.c.queue, now);
            escalated.push_back(i);
          }
          return OkStatus();
        },
        /*isolated=*/true, lane);
    if (!s) {
      publish();  // the states are right; only the recording of some breaches waits
      return s.error();
    }
    recorded += job_recorded;
    for (size_t i : escalated) moved(breaches[i]);
  }
  publish();
  return recorded;
}

}  // namespace vigil::cases
