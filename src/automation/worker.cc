#include "automation/worker.h"

#include <spdlog/spdlog.h>
#include <future>
#include <map>

#include "automation/case_facts.h"
#include "automation/evaluation.h"
#include "core/thread_name.h"

namespace vigil::automation {
namespace {

using nlohmann::json;

constexpr size_t kBatch = 32;  // small writes: each rides along a group commit of intake
// Backlog batches are smaller: when requests never leave the writer idle, one rides along with
// them every GroupCommitter::Options::max_wait, and it must not hold their commit up for long.
constexpr size_t kBacklogBatch = 8;
// Changes beyond this many waiting (a burst of flags faster than automation keeps up with) join
// the backlog: the writer then serves intake first and automation catches up in the lull.
constexpr size_t kFreshLimit = 1024;

// One content item analysed in this batch.
struct Analysed {
  int64_t pk = 0;
  int64_t revision = 0;
  std::string content_id;
  analysis::AnalysisResult result;
};

// One case evaluated in this batch, with what automation will record and do.
struct Evaluated {
  LoadedCase loaded;
  std::vector<Evaluation> evaluations;
  std::vector<json> payloads;  // EvaluationJson of each
  std::vector<std::string> digests;
  std::vector<bool> changed;  // differs from the state recorded for the policy
  Plan plan;
  double previous_priority = 0;  // the adjustment recorded at the last evaluation
};

json StoredAnalysis(const analysis::AnalysisResult& r) {
  json j = r.ToJson();
  j.erase("normalized");  // derived from the text; not needed to explain or replay
  return j;
}

// What the plan does with one evaluation, for its policy.evaluated record.
std::string Applied(const Plan& plan, const Evaluation* e) {
  if (e->mode != policy::Mode::kActive) return "shadow: recorded only";
  if (plan.decide == e) return "decided the case";
  if (plan.escalate == e) return "escalated to " + e->walk.outcome.escalate;
  if (plan.route == e) return "routed to " + e->walk.outcome.queue;
  if (auto it = plan.held.find(e); it != plan.held.end()) return "held: " + it->second;
  if (e->walk.status == policy::WalkResult::Status::kQuestion) return "waiting for a reviewer";
  if (e->walk.outcome.needs_human_review) return "left for human review";
  return "nothing to do";
}

}  // namespace

Worker::Worker(Deps deps, bool run_thread) : d_(std::move(deps)) {
  if (run_thread)
    thread_ = std::thread([this] {
      NameThisThread("vigil-automate");  // 15 characters at most
      // Intake's acknowledgements come first: under load this thread gets the CPU left over
      // and catches up after the burst (Linux nice values are per thread).
      if (!LowerThisThreadPriority())
        spdlog::warn("automation: could not lower the thread's priority");
      Loop();
    });
}

Worker::~Worker() { Stop(); }

void Worker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Worker::ContentChanged(int64_t content_pk) {
  {
    std::lock_guard lock(mu_);
    if (content_.size() >= kFreshLimit) overflow_ = true;
    if (overflow_) {
      backlog_content_.insert(content_pk);  // a burst: intake's acknowledgements come first
    } else {
      content_.insert(content_pk);
      backlog_content_.erase(content_pk);
    }
  }
  cv_.notify_one();
}

void Worker::CaseChanged(int64_t case_id) {
  {
    std::lock_guard lock(mu_);
    if (cases_.size() >= kFreshLimit) overflow_ = true;
    if (overflow_) {
      backlog_cases_.insert(case_id);
    } else {
      cases_.insert(case_id);
      backlog_cases_.erase(case_id);
    }
  }
  cv_.notify_one();
}

void Worker::Recover() {
  std::vector<int64_t> content, cases;
  // A read transaction per page: one held over a scan of millions of rows would keep every
  // checkpoint from finishing meanwhile, and the WAL (and each request's reads) growing.
  for (int64_t after = 0;;) {
    auto ids = d_.store->BeginRead()->UnanalysedContent(after, 1000);
    if (ids.empty()) break;
    content.insert(content.end(), ids.begin(), ids.end());
    after = ids.back();
  }
  for (int64_t after = 0;;) {
    auto ids = d_.store->BeginRead()->UnevaluatedCases(after, 1000);
    if (ids.empty()) break;
    cases.insert(cases.end(), ids.begin(), ids.end());
    after = ids.back();
  }
  if (!content.empty() || !cases.empty())
    spdlog::info("automation: {} content items to analyse and {} cases to evaluate from before",
                 content.size(), cases.size());
  {
    std::lock_guard lock(mu_);
    for (int64_t pk : content)
      if (!content_.count(pk)) backlog_content_.insert(backlog_content_.end(), pk);
    for (int64_t id : cases)
      if (!cases_.count(id)) backlog_cases_.insert(backlog_cases_.end(), id);
  }
  cv_.notify_one();
}

bool Worker::HasWork() const {
  return !content_.empty() || !cases_.empty() || !backlog_content_.empty() ||
         !backlog_cases_.empty();
}

bool Worker::TakeBatch(Batch* b) {
  // Called with mu_ held. What changed since the start goes first.
  b->content.clear();
  b->cases.clear();
  auto take = [](std::set<int64_t>& from, std::vector<int64_t>& to, size_t most = kBatch) {
    while (!from.empty() && to.size() < most) {
      to.push_back(*from.begin());
      from.erase(from.begin());
    }
  };
  take(content_, b->content);
  take(cases_, b->cases);
  b->backlog = b->content.empty() && b->cases.empty();
  if (backlog_content_.empty() && backlog_cases_.empty()) overflow_ = false;  // caught up
  if (b->backlog) {
    take(backlog_content_, b->content, kBacklogBatch);
    take(backlog_cases_, b->cases, kBacklogBatch);
  }
  return !b->content.empty() || !b->cases.empty();
}

size_t Worker::RunPending() {
  size_t done = 0;
  Batch b;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (!TakeBatch(&b)) break;
      busy_ = true;
    }
    Process(b);
    done += b.content.size() + b.cases.size();
    std::lock_guard lock(mu_);
    busy_ = false;
  }
  WaitInFlight();
  idle_cv_.notify_all();
  // A case that changed while it was evaluated was queued again.
  bool more = false;
  {
    std::lock_guard lock(mu_);
    more = HasWork();
  }
  return more ? done + RunPending() : done;
}

void Worker::Loop() {
  try {
    Recover();
  } catch (const std::exception& e) {
    spdlog::error("automation: finding unfinished work failed: {}", e.what());
  }
  Batch b;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (!TakeBatch(&b)) {
      lock.unlock();
      WaitInFlight();  // its retries may queue more
      lock.lock();
      if (HasWork()) continue;
      busy_ = false;
      idle_cv_.notify_all();
      cv_.wait(lock, [&] { return stopping_ || HasWork(); });
      continue;
    }
    busy_ = true;
    lock.unlock();
    try {
      Process(b);
    } catch (const std::exception& e) {
      // Left in the store as not done: found again at the next start.
      spdlog::error("automation: a batch failed: {}", e.what());
    }
    lock.lock();
  }
  lock.unlock();
  WaitInFlight();
}

bool Worker::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [&] { return !busy_ && !HasWork(); });
}

Worker::Stats Worker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

namespace {

// Analyses the content item unless its current revision already has an analysis.
void AnalyseIfStale(store::ReadTx& rtx, const analysis::Analyzer& analyzer, int64_t pk,
                    std::map<int64_t, Analysed>& fresh) {
  if (fresh.count(pk)) return;
  int64_t revision = rtx.ContentRevision(pk);
  if (revision == 0) return;
  auto stored = rtx.GetContentAnalysis(pk);
  if (stored && stored->revision >= revision) return;
  if (auto content = rtx.GetContentByPk(pk))
    fresh[pk] = {pk, revision, content->item.id,
                 analyzer.Analyze(content->item.text, content->item.language)};
}

void WriteAnalyses(store::WriteTx& tx, const std::map<int64_t, Analysed>& fresh, Millis now) {
  for (const auto& [pk, a] : fresh) {
    json stored = StoredAnalysis(a.result);
    events::Event e;
    e.type = "content.analysed";
    e.subject = "content:" + std::to_string(pk);
    e.actor = kActor;
    e.ts = now;
    e.payload =
        json{{"content_id", a.content_id}, {"revision", a.revision}, {"analysis", stored}}.dump();
    int64_t seq = tx.AppendEvent(e);
    tx.PutContentAnalysis({pk, a.revision, 0, now, seq, ""});
  }
}

// Drops what cannot be applied to the case as it is in the transaction, saying why.
void Constrain(Plan& plan, const store::CaseRow& c, const cases::QueueConfig* queues, Millis now,
               const cases::Tier** tier) {
  std::string hold;
  if (c.claimed_by && c.lease_until && *c.lease_until >= now) {
    hold = "a reviewer holds the case";
  } else if (!c.tier.empty()) {
    // A person escalated it (or an SLA breach did): the tier decides, automation does not move
    // it back or decide over it.
    hold = "escalated to the " + c.tier + " tier: the tier decides";
  }
  if (!hold.empty()) {
    for (const Evaluation* e : {plan.decide, plan.escalate, plan.route})
      if (e) plan.held[e] = hold;
    plan.decide = plan.escalate = plan.route = nullptr;
  }
  if (plan.escalate) {
    const std::string& name = plan.escalate->walk.outcome.escalate;
    *tier = queues ? queues->FindTier(name) : nullptr;
    if (!*tier) {
      plan.held[plan.escalate] = "no escalation tier '" + name + "' in queues.yaml";
      plan.escalate = nullptr;
    }
  }
  if (plan.route && (!queues || !queues->FindQueue(plan.route->walk.outcome.queue))) {
    plan.held[plan.route] = "no queue '" + plan.route->walk.outcome.queue + "' in queues.yaml";
    plan.route = nullptr;
  }
}

// Analyses what needs it and evaluates the policies on every open case concerned, on one read
// snapshot; nothing is written.
std::vector<Evaluated> ReadBatch(const Worker::Deps& deps, const std::vector<int64_t>& content,
                                 const std::vector<int64_t>& cases, Millis now,
                                 std::map<int64_t, Analysed>* fresh) {
  std::set<int64_t> case_ids(cases.begin(), cases.end());
  std::vector<Evaluated> out;
  auto running = deps.policies->Running();
  auto rtx = deps.store->BeginRead();
  for (int64_t pk : content) {
    AnalyseIfStale(*rtx, *deps.analyzer, pk, *fresh);
    for (int64_t id : rtx->OpenCasesOfContent(pk)) case_ids.insert(id);
  }
  for (int64_t id : case_ids) {
    auto row = rtx->GetCase(id);
    if (!row || row->status != "open") continue;
    // Content flagged before this process started, or whose ContentChanged is still queued,
    // is analysed here with its case.
    AnalyseIfStale(*rtx, *deps.analyzer, row->content_pk, *fresh);
    auto it = fresh->find(row->content_pk);
    auto loaded =
        LoadCase(*rtx, id, *deps.taxonomy, now, it == fresh->end() ? nullptr : &it->second.result);
    if (!loaded) continue;
    Evaluated ev;
    ev.loaded = std::move(*loaded);
    if (auto before = rtx->GetCaseAutomation(id)) ev.previous_priority = before->priority_adjust;
    auto states = rtx->PolicyStatesOfCase(id);
    policy::Snapshot snap = policy::ToSnapshot(ev.loaded.facts, now);
    ev.evaluations =
        EvaluateCase(*running, ev.loaded.dsa_categories, snap,
                     [&](const std::string& p, int v) { return RecordedAnswers(states, p, v); });
    ev.plan = PlanActions(ev.evaluations, ev.loaded.row);
    // Outcomes reached through a reviewer's answers are the reviewer's to decide.
    if (ev.plan.decide && !ev.plan.decide->answers.empty()) {
      ev.plan.held[ev.plan.decide] = "reached through a reviewer's answers: the reviewer decides";
      ev.plan.decide = nullptr;
    }
    for (const Evaluation& e : ev.evaluations) {
      json payload = EvaluationJson(e);
      std::string digest = Digest(payload);
      bool changed = true;
      for (const auto& st : states)
        if (st.policy_id == e.policy->id && st.version == e.version && st.digest == digest)
          changed = false;
      ev.payloads.push_back(std::move(payload));
      ev.digests.push_back(std::move(digest));
      ev.changed.push_back(changed);
    }
    out.push_back(std::move(ev));
  }
  return out;
}

// The plan's one action on the case, through CaseService in the caller's transaction.
Status Act(const Worker::Deps& deps, store::WriteTx& tx, Evaluated& ev, const store::CaseRow& c,
           const cases::QueueConfig* queues, const cases::Tier* tier, Worker::Stats* add) {
  const Plan& plan = ev.plan;
  json out;
  if (plan.decide) {
    const Evaluation& e = *plan.decide;
    cases::DecisionInput d;
    d.actions = plan.actions;
    d.policy_id = e.policy->id;
    d.policy_version = std::to_string(e.version);
    d.clause = e.walk.outcome.clause;
    d.policy_leaf = e.policy->nodes[e.walk.leaf].id;
    d.policy_trace = ev.payloads[static_cast<size_t>(&e - ev.evaluations.data())]["trace"];
    d.explanation = Explain(e);
    d.automated_detection = true;
    d.automated_decision = "fully";
    d.case_version = c.version;
    d.strike_weight = e.walk.outcome.strike;
    Status st = deps.cases->DecideInTx(tx, kActor, 0, c.id, d, &out);
    if (st) ++add->decisions;
    return st;
  }
  if (plan.escalate) {
    // The policy's `fields:` as the hand-off; what it lacks is listed for the tier to complete
    // rather than holding the escalation back (child safety cannot wait for paperwork).
    auto handoff = queues->HandoffFromText(tier->name, plan.escalate->walk.outcome.fields);
    json gaps = json::array();
    for (const auto& g : handoff.gaps) gaps.push_back({{"field", g.field}, {"reason", g.message}});
    Status st = deps.cases->EscalateInTx(tx, kActor, c.id, c.version, tier->name, tier->queue,
                                         Explain(*plan.escalate), handoff.fields, &out, gaps);
    if (st) ++add->escalations;
    return st;
  }
  if (plan.route) {
    Status st = deps.cases->RouteInTx(tx, kActor, c.id, c.version, plan.route->walk.outcome.queue,
                                      Explain(*plan.route));
    if (st) ++add->routed;
    return st;
  }
  return OkStatus();
}

}  // namespace

// One batch between its read and its commit.
struct Worker::Write {
  Millis now = 0;
  std::map<int64_t, Analysed> fresh;  // by content pk
  std::vector<Evaluated> evaluated;
  std::shared_ptr<const cases::QueueConfig> queues;
  std::vector<int64_t> retry, touched;
  Stats add;
};

void Worker::Process(const Batch& b) {
  auto w = std::make_shared<Write>();
  w->now = d_.clock->Now();
  w->evaluated = ReadBatch(d_, b.content, b.cases, w->now, &w->fresh);
  w->queues = d_.queues ? d_.queues() : nullptr;
  // One batch in the writer at a time: this one was read while the previous one was written.
  WaitInFlight();
  auto done = std::make_shared<std::promise<void>>();
  in_flight_ = done->get_future();
  d_.writer->Submit([this, w](store::WriteTx& tx) { return WriteBatch(tx, *w); },
                    [this, w, done](const Status& st) {
                      Finish(*w, st);
                      done->set_value();
                    },
                    /*isolated=*/true,
                    b.backlog ? store::GroupCommitter::Lane::kBackground
                              : store::GroupCommitter::Lane::kInteractive);
}

void Worker::WaitInFlight() {
  if (in_flight_.valid()) in_flight_.get();
}

Status Worker::WriteBatch(store::WriteTx& tx, Write& w) {
  WriteAnalyses(tx, w.fresh, w.now);
  w.add.analysed = w.fresh.size();
  for (Evaluated& ev : w.evaluated) {
    const store::CaseRow& seen = ev.loaded.row;
    auto c = tx.GetCase(seen.id);
    if (!c || c->status != "open") continue;
    if (c->version != seen.version) {  // changed under us: evaluate what it is now
      w.retry.push_back(seen.id);
      continue;
    }
    const cases::Tier* tier = nullptr;
    Constrain(ev.plan, *c, w.queues.get(), w.now, &tier);
    tx.Savepoint();
    for (size_t i = 0; i < ev.evaluations.size(); ++i) {
      if (!ev.changed[i]) continue;  // the same walk is already in the timeline
      const Evaluation& e = ev.evaluations[i];
      json payload = ev.payloads[i];
      payload["automation"] = Applied(ev.plan, &e);
      int64_t seq =
          tx.AppendEvent(cases::CaseEvent("policy.evaluated", seen.id, kActor, w.now, payload));
      tx.PutPolicyState({seen.id, e.policy->id, e.version, policy::ModeName(e.mode),
                         StatusName(e.walk.status),
                         e.walk.status == policy::WalkResult::Status::kQuestion
                             ? e.policy->nodes[e.walk.question].name
                             : "",
                         ev.digests[i], ev.payloads[i]["answers"].dump(), seq, w.now});
      ++w.add.evaluations_recorded;
    }
    if (Status acted = Act(d_, tx, ev, *c, w.queues.get(), tier, &w.add); !acted) {
      // Unexpected (the checks above passed): the case stays as it was, for the next start.
      spdlog::warn("automation: case {}: {}", seen.id, acted.error().message);
      tx.RollbackToSavepoint();
      continue;
    }
    tx.PutCaseAutomation({seen.id, ev.loaded.last_flag_id, ev.loaded.content_revision,
                          ev.plan.priority, ev.plan.priority_why, w.now});
    tx.ReleaseSavepoint();
    if (ev.plan.priority != ev.previous_priority) w.touched.push_back(seen.id);
    ++w.add.cases_evaluated;
  }
  return OkStatus();
}

void Worker::Finish(const Write& w, const Status& st) {
  if (!st) {  // left in the store as not done: found again at the next start
    spdlog::error("automation: storing a batch failed: {}", st.error().message);
    return;
  }
  if (w.add.decisions) d_.cases->WakeOutbox();
  for (int64_t id : w.touched) d_.cases->MarkDirty(id);  // its policy term changed
  {
    std::lock_guard lock(mu_);
    stats_.analysed += w.add.analysed;
    stats_.cases_evaluated += w.add.cases_evaluated;
    stats_.evaluations_recorded += w.add.evaluations_recorded;
    stats_.decisions += w.add.decisions;
    stats_.escalations += w.add.escalations;
    stats_.routed += w.add.routed;
    cases_.insert(w.retry.begin(), w.retry.end());
  }
  if (!w.retry.empty()) cv_.notify_one();
}

}  // namespace vigil::automation
