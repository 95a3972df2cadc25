// The case workflow on top of the store: priority kept current as flags arrive, claiming the
// next case of a queue with a lease, releasing it, and deciding it. A decision carries the case
// version it was made on; a stale one is refused (409) and changes nothing. Every change is an
// event (case.claimed, case.released, decision.made) in the same transaction.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "auth/auth.h"
#include "cases/priority.h"
#include "core/config.h"
#include "core/taxonomy.h"
#include "notify/notices.h"
#include "store/group_commit.h"

namespace vigil::cases {


struct Action {
  std::string type;
  std::optional<Millis> duration;  // none: indefinite
  std::vector<std::string> territorial_scope;
};

struct DecisionInput {
  std::vector<Action> actions;
  std::string policy_id, policy_version, clause;
  std::string policy_leaf;                            // the tree's leaf (node id) decided on
  std::map<std::string, std::string> policy_answers;  // question -> answer on the way there
  nlohmann::json policy_trace;  // automation: the walk that reached the leaf (null: none)
  std::string facts, explanation;
  bool automated_detection = false;
  std::string automated_decision = "not_automated";
  int64_t reverses = 0;
  int64_t case_version = 0;
  double strike_weight = 1;                 // against the author when the decision acts
  std::optional<Millis> strike_expires_in;  // default: the configured strike expiry
  // With no_violation: the notices were manifestly unfounded; counts against their user
  // reporters (DSA Art. 23(2): warning, then deprioritization).
  bool notices_unfounded = false;
};

// Records a strike against the author of an actioned case and the Art. 23 consequences: a
// warning when the active weight first reaches warn_at, a suspension proposal at suspend_at
// (events and outbox messages; a senior decides the suspension). Returns the new active weight.
double AddStrike(store::WriteTx& tx, const Config& config, int64_t case_id, int64_t decision_id,
                 double weight, std::optional<Millis> expires_in, const std::string& actor,
                 Millis now);

// An event about a case ("case:<id>") with a JSON payload.
events::Event CaseEvent(const char* type, int64_t case_id, const std::string& actor, Millis now,
                        const nlohmann::json& payload);

// Strict parsing of a decision body; errors name the field.
Result<DecisionInput> ParseDecision(const nlohmann::json& j);

// The priority of a case from what the store knows about it.
PriorityScore ScoreCase(const store::CaseSignals& s, const Taxonomy& taxonomy, Millis now);
double ScoreCaseTotal(const store::CaseSignals& s, const Taxonomy& taxonomy, Millis now);

using JsonFn = std::function<void(Result<nlohmann::json>)>;

class CaseService {
 public:
  CaseService(store::Store& store, store::GroupCommitter& writer, const Taxonomy& taxonomy,
              const Config& config, const Clock& clock);
  ~CaseService();
  // Stops the background thread (idempotent); pending writes keep their callbacks valid.
  void Stop();

  // Schedules a priority recomputation (debounced, on the writer) for a case that changed.
  void MarkDirty(int64_t case_id);
  // Called after a commit that wrote outbox messages (wakes the delivery worker).
  void SetOutboxHook(std::function<void()> hook) { on_outbox_ = std::move(hook); }
  // Notice templates in force (the built-in ones by default); replaceable at run time.
  notify::NoticeStore& notices() { return notices_; }
  // The priority of a case that `flag` opens, from the flag alone (its reporter has no history).
  double ScoreNewCase(const Flag& flag, const Reason& reason, Millis received, Millis now) const;
  // Recomputes every listed case now, waiting for the commit (CLI import and demo).
  Status RecomputeNow(const std::vector<int64_t>& case_ids);

  void Next(const auth::Principal& p, const std::string& queue, JsonFn done);
  void Release(const auth::Principal& p, int64_t case_id, JsonFn done);
  void Decide(const auth::Principal& p, int64_t case_id, DecisionInput d, JsonFn done);
  // Decide, Escalate and a plain move to another queue inside a transaction the caller owns
  // (automation acts in the job that records the policy evaluation). `out` gets what the
  // asynchronous form answers; errors roll nothing back by themselves. Call WakeOutbox after
  // the commit of a decision.
  Status DecideInTx(store::WriteTx& tx, const std::string& actor, int64_t user_id, int64_t case_id,
                    const DecisionInput& d, nlohmann::json* out);
  Status EscalateInTx(store::WriteTx& tx, const std::string& actor, int64_t case_id,
                      int64_t version, const std::string& tier, const std::string& queue,
                      const std::string& note, const nlohmann::json& fields, nlohmann::json* out,
                      const nlohmann::json& gaps = nlohmann::json());
  Status RouteInTx(store::WriteTx& tx, const std::string& actor, int64_t case_id, int64_t version,
                   const std::string& queue, const std::string& note);
  void WakeOutbox() const {
    if (on_outbox_) on_outbox_();
  }
  // Moves the case to an escalation tier's queue with a hand-off note and the tier's structured
  // fields (validated by the caller against the queue configuration), or hands it back to the
  // queue it came from (empty tier).
  void Escalate(const auth::Principal& p, int64_t case_id, int64_t version, std::string tier,
                std::string queue, std::string note, nlohmann::json fields, JsonFn done);
  void HandBack(const auth::Principal& p, int64_t case_id, int64_t version, std::string note,
                JsonFn done);
  // An internal comment; `mentions` are user names already checked to exist.
  void Comment(const auth::Principal& p, int64_t case_id, std::string text,
               std::vector<std::string> mentions, JsonFn done);

 private:
  // Scores are computed on a read snapshot off the writer thread; the writer only stores them.
  std::vector<std::pair<int64_t, double>> Score(const std::vector<int64_t>& ids);
  void Loop();

  store::Store& store_;
  store::GroupCommitter& writer_;
  const Taxonomy& taxonomy_;
  const Config& config_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<int64_t> dirty_;
  std::function<void()> on_outbox_;
  notify::NoticeStore notices_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vigil::cases
