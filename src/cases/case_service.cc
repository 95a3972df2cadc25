#include "cases/case_service.h"

#include <spdlog/spdlog.h>

#include <memory>

#include "core/thread_name.h"
#include "cases/decision_notices.h"
#include "cases/misuse.h"

namespace vigil::cases {
namespace {

using nlohmann::json;

constexpr Millis kDebounce = 200;
constexpr size_t kUpdatesPerJob = 128;

bool KnownAction(const std::string& t) {
  for (const char* a : kActionTypes)
    if (t == a) return true;
  return false;
}

// The policy a decision cites: id, version, clause, and for a decision reached through the
// tree, the leaf and the reviewer's answers on the way.
json PolicyCitation(const DecisionInput& d) {
  json p = {{"id", d.policy_id}, {"version", d.policy_version}, {"clause", d.clause}};
  if (!d.policy_leaf.empty()) p["leaf"] = d.policy_leaf;
  if (!d.policy_answers.empty()) p["answers"] = d.policy_answers;
  return p;
}

json DecisionPayload(const DecisionInput& d, const std::string& outcome) {
  json actions = json::array();
  for (const auto& a : d.actions) {
    json aj = {{"type", a.type}};
    if (a.duration) aj["duration_ms"] = *a.duration;
    if (!a.territorial_scope.empty()) aj["territorial_scope"] = a.territorial_scope;
    actions.push_back(aj);
  }
  json p = {{"actions", actions},
            {"outcome", outcome},
            {"case_version", d.case_version},
            {"automated_detection", d.automated_detection},
            {"automated_decision", d.automated_decision}};
  if (!d.policy_id.empty()) {
    p["policy"] = PolicyCitation(d);
    if (!d.policy_trace.is_null()) p["policy"]["trace"] = d.policy_trace;
  }
  if (!d.facts.empty()) p["facts"] = d.facts;
  if (!d.explanation.empty()) p["explanation"] = d.explanation;
  if (d.reverses) p["reverses"] = d.reverses;
  if (d.notices_unfounded) p["notices_unfounded"] = true;
  return p;
}

Error Problem(ErrorCode code, std::string field, std::string msg) {
  return Error{code, std::move(field), std::move(msg)};
}

}  // namespace

Result<DecisionInput> ParseDecision(const json& j) {
  if (!j.is_object()) return Error::Invalid("body", "must be a JSON object");
  static const std::set<std::string> kKeys = {"actions", "policy", "facts", "explanation",
                                              "automated_detection", "automated_decision",
                                              "reverses", "case_version", "strike",
                                              "notices_unfounded"};
  for (const auto& [k, v] : j.items())
    if (!kKeys.count(k)) return Error::Invalid(k, "unknown field");
  DecisionInput d;
  if (!j.contains("case_version"))
    return Error::Invalid("case_version", "is required: the version of the case you decided on");
  if (!j["case_version"].is_number_integer())
    return Error::Invalid("case_version", "must be an integer: the case's version you decided on");
  d.case_version = j["case_version"].get<int64_t>();
  if (!j.contains("actions") || !j["actions"].is_array() || j["actions"].empty())
    return Error::Invalid("actions", "is required: a non-empty list of actions");
  for (size_t i = 0; i < j["actions"].size(); ++i) {
    const json& a = j["actions"][i];
    std::string where = "actions[" + std::to_string(i) + "]";
    if (a.is_string()) {
      if (!KnownAction(a.get<std::string>()))
        return Error::Invalid(where, "unknown action '" + a.get<std::string>().substr(0, 40) + "'");
      d.actions.push_back({a.get<std::string>(), std::nullopt, {}});
      continue;
    }
    if (!a.is_object()) return Error::Invalid(where, "must be an action name or object");
    for (const auto& [k, v] : a.items())
      if (k != "type" && k != "duration" && k != "territorial_scope")
        return Error::Invalid(where + "." + k, "unknown field");
    Action act;
    if (!a.contains("type") || !a["type"].is_string() || !KnownAction(a["type"].get<std::string>()))
      return Error::Invalid(where + ".type", "must be one of no_violation, remove, disable, demote, "
                                             "age_restrict, label, interaction_restrict, "
                                             "suspend_account, terminate_account, "
                                             "monetisation_restrict");
    act.type = a["type"].get<std::string>();
    if (a.contains("duration")) {
      auto dur = a["duration"].is_string() ? ParseDuration(a["duration"].get<std::string>())
                                           : std::nullopt;
      if (!dur) return Error::Invalid(where + ".duration", "must be a duration such as 7d or 12h");
      act.duration = dur;
    }
    if (a.contains("territorial_scope")) {
      if (!a["territorial_scope"].is_array())
        return Error::Invalid(where + ".territorial_scope", "must be a list of country codes");
      for (const auto& c : a["territorial_scope"]) {
        if (!c.is_string() || c.get<std::string>().size() != 2)
          return Error::Invalid(where + ".territorial_scope", "must be a list of country codes");
        act.territorial_scope.push_back(c.get<std::string>());
      }
    }
    d.actions.push_back(std::move(act));
  }
  bool no_violation = false;
  for (const auto& a : d.actions) no_violation = no_violation || a.type == "no_violation";
  if (no_violation && d.actions.size() > 1)
    return Error::Invalid("actions", "no_violation cannot be combined with other actions");
  if (j.contains("policy")) {
    const json& p = j["policy"];
    if (!p.is_object() || !p.contains("id") || !p["id"].is_string())
      return Error::Invalid("policy.id", "is required when a policy is cited");
    for (const auto& [k, v] : p.items()) {
      if (k == "answers") {
        if (!v.is_object())
          return Error::Invalid("policy.answers", "must map question names to answers");
        for (const auto& [q, a] : v.items()) {
          if (!a.is_string() || q.size() > 200 || a.get_ref<const std::string&>().size() > 200)
            return Error::Invalid("policy.answers." + q.substr(0, 60), "must be an answer (text)");
          d.policy_answers[q] = a.get<std::string>();
        }
        continue;
      }
      if (k != "id" && k != "version" && k != "clause" && k != "leaf")
        return Error::Invalid("policy." + k, "unknown field");
      // A version is text ("1") in older clients and a number in the policy API.
      if (k == "version" && v.is_number_integer()) continue;
      if (!v.is_string()) return Error::Invalid("policy." + k, "must be a string");
    }
    d.policy_id = p["id"];
    if (p.contains("version"))
      d.policy_version = p["version"].is_string() ? p["version"].get<std::string>()
                                                  : std::to_string(p["version"].get<int64_t>());
    d.clause = p.value("clause", "");
    d.policy_leaf = p.value("leaf", "");
  }
  for (const char* key : {"facts", "explanation"}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_string()) return Error::Invalid(key, "must be a string");
    if (j[key].get_ref<const std::string&>().size() > 5000)
      return Error::Invalid(key, "is longer than 5000 bytes");
    (std::string(key) == "facts" ? d.facts : d.explanation) = j[key].get<std::string>();
  }
  if (j.contains("automated_detection")) {
    if (!j["automated_detection"].is_boolean())
      return Error::Invalid("automated_detection", "must be true or false");
    d.automated_detection = j["automated_detection"];
  }
  if (j.contains("automated_decision")) {
    const json& a = j["automated_decision"];
    if (!a.is_string() || (a != "fully" && a != "partially" && a != "not_automated"))
      return Error::Invalid("automated_decision", "must be fully, partially or not_automated");
    d.automated_decision = a;
  }
  if (j.contains("strike")) {
    const json& st = j["strike"];
    if (!st.is_object()) return Error::Invalid("strike", "must be {weight, expires_in}");
    for (const auto& [k, v] : st.items())
      if (k != "weight" && k != "expires_in") return Error::Invalid("strike." + k, "unknown field");
    if (st.contains("weight")) {
      if (!st["weight"].is_number() || st["weight"].get<double>() < 0 || st["weight"].get<double>() > 100)
        return Error::Invalid("strike.weight", "must be a number from 0 to 100");
      d.strike_weight = st["weight"];
    }
    if (st.contains("expires_in")) {
      auto e = st["expires_in"].is_string() ? ParseDuration(st["expires_in"].get<std::string>())
                                            : std::nullopt;
      if (!e || *e <= 0) return Error::Invalid("strike.expires_in", "must be a duration such as 90d");
      d.strike_expires_in = e;
    }
  }
  if (j.contains("notices_unfounded")) {
    if (!j["notices_unfounded"].is_boolean())
      return Error::Invalid("notices_unfounded", "must be true or false");
    d.notices_unfounded = j["notices_unfounded"];
    if (d.notices_unfounded && !no_violation)
      return Error::Invalid("notices_unfounded",
                            "only a no_violation decision can find the notices unfounded");
  }
  if (j.contains("reverses")) {
    if (!j["reverses"].is_number_integer() || j["reverses"].get<int64_t>() <= 0)
      return Error::Invalid("reverses", "must be the id of the decision this one reverses");
    d.reverses = j["reverses"];
  }
  return d;
}

namespace {

PriorityInputs CaseInputs(const store::CaseSignals& s, const Taxonomy& taxonomy, Millis now) {
  PriorityInputs in;
  const Reason* r = taxonomy.Find(s.reason);
  in.severity = r ? r->severity : 1;
  for (const auto& rep : s.reporters) {
    ReporterSignal sig;
    sig.reporter_id = rep.id;
    sig.source = rep.source;
    sig.past_flags = rep.past_decided;
    sig.past_actioned = rep.past_actioned;
    sig.account_created_at = rep.account_created_at;
    sig.flags_on_this_case = static_cast<int>(rep.flags_on_case);
    sig.deprioritized = rep.deprioritized_until && *rep.deprioritized_until > now;
    in.reporters.push_back(std::move(sig));
  }
  in.views = s.views;
  in.followers = s.followers;
  in.shares = s.shares;
  in.flags_last_hour = static_cast<int>(s.flags_last_hour);
  in.flags_total = static_cast<int>(s.flags_total);
  in.opened_at = s.opened_at;
  in.now = now;
  in.policy_adjustment = s.policy_priority;
  in.policy_why = s.policy_priority_why;
  for (const auto& lo : s.legal_orders) {
    auto j = json::parse(lo, nullptr, false);
    if (j.is_object() && j.contains("deadline") && j["deadline"].is_string())
      if (auto t = ParseIso8601(j["deadline"].get<std::string>()))
        in.legal_deadline = in.legal_deadline ? std::min(*in.legal_deadline, *t) : *t;
  }
  return in;
}

}  // namespace

PriorityScore ScoreCase(const store::CaseSignals& s, const Taxonomy& taxonomy, Millis now) {
  return ComputePriority(CaseInputs(s, taxonomy, now));
}

double ScoreCaseTotal(const store::CaseSignals& s, const Taxonomy& taxonomy, Millis now) {
  return PriorityTotal(CaseInputs(s, taxonomy, now));
}

double CaseService::ScoreNewCase(const Flag& f, const Reason& reason, Millis received,
                                 Millis now) const {
  store::CaseSignals s;
  s.reason = reason.code;
  s.opened_at = received;
  s.flags_total = 1;
  s.flags_last_hour = received >= now - 3'600'000 ? 1 : 0;
  if (f.content) {
    s.views = f.content->reach.views;
    s.followers = f.content->reach.followers;
    s.shares = f.content->reach.shares;
  }
  store::CaseSignals::Reporter r;
  r.source = f.source;
  r.flags_on_case = 1;
  if (f.reporter) {
    r.id = f.reporter->id;
    r.account_created_at = f.reporter->created_at;
  }
  s.reporters.push_back(std::move(r));
  if (f.legal_order && f.legal_order->deadline) {
    // The same form the store keeps, so both paths read it alike.
    s.legal_orders.push_back(
        nlohmann::json{{"deadline", FormatIso8601(*f.legal_order->deadline)}}.dump());
  }
  return ScoreCaseTotal(s, taxonomy_, now);
}

CaseService::CaseService(store::Store& store, store::GroupCommitter& writer,
                         const Taxonomy& taxonomy, const Config& config, const Clock& clock)
    : store_(store),
      writer_(writer), taxonomy_(taxonomy), config_(config), clock_(clock),
      thread_([this] {
        NameThisThread("vigil-scorer");
        Loop();
      }) {}

CaseService::~CaseService() { Stop(); }

void CaseService::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CaseService::MarkDirty(int64_t case_id) {
  std::lock_guard lock(mu_);
  dirty_.insert(case_id);
}

std::vector<std::pair<int64_t, double>> CaseService::Score(const std::vector<int64_t>& ids) {
  std::vector<std::pair<int64_t, double>> out;
  out.reserve(ids.size());
  Millis now = clock_.Now();
  auto rtx = store_.BeginRead();
  for (int64_t id : ids) out.emplace_back(id, ScoreCaseTotal(rtx->LoadCaseSignals(id, now, /*track_record=*/true), taxonomy_, now));
  return out;
}

Status CaseService::RecomputeNow(const std::vector<int64_t>& case_ids) {
  auto scores = Score(case_ids);
  return writer_.Run([&](store::WriteTx& tx) -> Status {
    for (const auto& [id, score] : scores) tx.SetCasePriority(id, score);
    return OkStatus();
  });
}

void CaseService::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(kDebounce), [&] { return stopping_; });
    if (dirty_.empty()) continue;
    std::vector<int64_t> ids(dirty_.begin(), dirty_.end());
    dirty_.clear();
    lock.unlock();
    std::vector<std::pair<int64_t, double>> scores;
    try {
      scores = Score(ids);
    } catch (const std::exception& e) {
      spdlog::warn("priority recomputation failed: {}", e.what());
    }
    // Small jobs, one commit at a time, so the updates interleave with intake instead of
    // stalling it with one large write.
    for (size_t i = 0; i < scores.size(); i += kUpdatesPerJob) {
      size_t end = std::min(scores.size(), i + kUpdatesPerJob);
      Status st = writer_.Run(
          [&](store::WriteTx& tx) -> Status {
            for (size_t k = i; k < end; ++k) tx.SetCasePriority(scores[k].first, scores[k].second);
            return OkStatus();
          },
          /*isolated=*/false);  // plain updates: nothing to fail half-way
      if (!st) spdlog::warn("storing priorities failed: {}", st.error().message);
    }
    lock.lock();
  }
}

void CaseService::Next(const auth::Principal& p, const std::string& queue, JsonFn done) {
  auto out = std::make_shared<json>();
  std::string actor = p.Actor();
  int64_t user_id = p.user_id;
  Millis lease_ms = config_.claim_lease_ms;
  writer_.Submit(
      [this, out, actor, user_id, queue, lease_ms](store::WriteTx& tx) -> Status {
        Millis now = clock_.Now();
        auto id = tx.ClaimNext(queue, user_id, now, now + lease_ms);
        if (!id) {
          *out = json{{"case", nullptr}, {"queue", queue}};
          return OkStatus();
        }
        auto c = tx.GetCase(*id);
        events::Event e;
        e.type = "case.claimed";
        e.subject = "case:" + std::to_string(*id);
        e.actor = actor;
        e.ts = now;
        e.payload = json{{"queue", queue}, {"lease_until", FormatIso8601(now + lease_ms)},
                         {"case_version", c->version}}
                        .dump();
        tx.AppendEvent(e);
        *out = json{{"case", {{"id", *id}, {"version", c->version}, {"priority", c->priority},
                              {"content_id", c->content_id}, {"reason", c->reason}}},
                    {"queue", queue},
                    {"lease_until", FormatIso8601(now + lease_ms)}};
        return OkStatus();
      },
      [out, done = std::move(done)](const Status& s) {
        if (!s) return done(s.error());
        done(std::move(*out));
      });
}

void CaseService::Release(const auth::Principal& p, int64_t case_id, JsonFn done) {
  std::string actor = p.Actor();
  // Seniors and admins may release anyone's claim; others only their own.
  int64_t holder = (p.role == Role::kSenior || p.role == Role::kAdmin) ? 0 : p.user_id;
  writer_.Submit(
      [this, actor, holder, case_id](store::WriteTx& tx) -> Status {
        if (!tx.GetCase(case_id)) return Error::NotFound("no case " + std::to_string(case_id));
        if (!tx.ReleaseClaim(case_id, holder))
          return Problem(ErrorCode::kConflict, "case", "you do not hold a claim on this case");
        events::Event e;
        e.type = "case.released";
        e.subject = "case:" + std::to_string(case_id);
        e.actor = actor;
        e.ts = clock_.Now();
        e.payload = "{}";
        tx.AppendEvent(e);
        return OkStatus();
      },
      [case_id, done = std::move(done)](const Status& s) {
        if (!s) return done(s.error());
        done(json{{"id", case_id}, {"released", true}});
      });
}

void CaseService::Decide(const auth::Principal& p, int64_t case_id, DecisionInput d,
                         JsonFn done) {
  auto out = std::make_shared<json>();
  std::string actor = p.Actor();
  int64_t user_id = p.user_id;
  // Whether the decision queued webhooks or notices: only then is the delivery worker woken
  // (at a reviewer's pace of thousands of decisions a second, waking it for nothing cost CPU).
  auto queued = std::make_shared<bool>(false);
  writer_.Submit(
      [this, out, queued, actor, user_id, case_id, d = std::move(d)](store::WriteTx& tx) -> Status {
        int64_t before = tx.OutboxRowsQueued();
        Status s = DecideInTx(tx, actor, user_id, case_id, d, out.get());
        *queued = tx.OutboxRowsQueued() > before;
        return s;
      },
      [this, out, queued, done = std::move(done)](const Status& s) {
        if (!s) return done(s.error());
        if (*queued && on_outbox_) on_outbox_();
        done(std::move(*out));
      });
}

Status CaseService::DecideInTx(store::WriteTx& tx, const std::string& actor, int64_t user_id,
                               int64_t case_id, const DecisionInput& d, json* out) {
  auto c = tx.GetCase(case_id);
  if (!c) return Error::NotFound("no case " + std::to_string(case_id));
  if (c->version != d.case_version)
    return Problem(ErrorCode::kConflict, "case_version",
                   "the case changed since you loaded it (now version " +
                       std::to_string(c->version) + "); reload and decide again");
  if (c->claimed_by && c->claimed_by != user_id && c->lease_until &&
      *c->lease_until >= clock_.Now())
    return Problem(ErrorCode::kConflict, "case", "another reviewer holds this case");
  if (c->status != "open" && !d.reverses)
    return Problem(ErrorCode::kConflict, "case",
                   "the case is already decided; a reversal must cite the decision it "
                   "reverses in 'reverses'");
  if (d.reverses) {
    bool found = false;
    for (const auto& prior : tx.DecisionsOfCase(case_id)) found = found || prior.id == d.reverses;
    if (!found)
      return Error::Invalid(
          "reverses", "decision " + std::to_string(d.reverses) + " is not a decision of this case");
  }
  std::string outcome = d.actions[0].type == "no_violation" ? "no_violation" : "actioned";
  Millis now = clock_.Now();
  events::Event e;
  e.type = d.reverses ? "decision.reversed" : "decision.made";
  e.subject = "case:" + std::to_string(case_id);
  e.actor = actor;
  e.ts = now;
  json payload = DecisionPayload(d, outcome);  // kept: the decision row and the webhook reuse it
  e.payload = payload.dump();
  int64_t seq = tx.AppendEvent(e);
  store::DecisionRow row;
  row.case_id = case_id;
  row.decided_by = actor;
  row.actions_json = payload["actions"].dump();
  row.outcome = outcome;
  if (!d.policy_id.empty()) row.policy_json = PolicyCitation(d).dump();
  row.facts = d.facts;
  row.explanation = d.explanation;
  row.automated_detection = d.automated_detection;
  row.automated_decision = d.automated_decision;
  row.reverses = d.reverses;
  row.case_version = d.case_version;
  row.created_at = now;
  auto id = tx.InsertDecision(row, seq);
  if (!id) return Problem(ErrorCode::kConflict, "case_version", "the case changed");
  // Enforcement leaves through the outbox, in this same transaction: a crash can neither
  // lose the webhook nor send one for a decision that was not committed.
  json hook = std::move(payload);
  hook["decision_id"] = *id;
  hook["case_id"] = case_id;
  hook["content_id"] = c->content_id;
  hook["decided_at"] = FormatIso8601(now);
  tx.EnqueueOutbox(e.type, hook.dump(), now);
  // Notices to the notifiers and the affected user leave with the decision.
  auto signals = tx.LoadCaseSignals(case_id, now, /*track_record=*/false);
  auto templates = notices_.Get();
  for (const auto& n : DecisionNotices(*templates, signals, taxonomy_, c->content_id, d, now)) {
    json nj = {{"kind", n.kind},       {"to", n.to},     {"language", n.language},
               {"subject", n.subject}, {"body", n.body}, {"case_id", case_id},
               {"decision_id", *id}};
    tx.EnqueueOutbox("notice." + n.kind, nj.dump(), now);
  }
  if (d.reverses && tx.ReverseStrikes(d.reverses) > 0)
    tx.AppendEvent(
        CaseEvent("strike.reversed", case_id, actor, now, {{"decision_id", d.reverses}}));
  if (d.reverses) ReverseUnfoundedNotices(tx, config_, case_id, d.reverses, actor, now);
  if (d.notices_unfounded) {
    auto marked = RecordUnfoundedNotices(tx, config_, *templates, case_id, *id, actor, now);
    if (!marked.empty()) (*out)["reporters_marked_unfounded"] = marked;
  }
  if (outcome == "actioned" && d.strike_weight > 0) {
    double active =
        AddStrike(tx, config_, case_id, *id, d.strike_weight, d.strike_expires_in, actor, now);
    (*out)["author_strike_weight"] = active;
  }
  out->update(json{{"id", *id},
                   {"case_id", case_id},
                   {"outcome", outcome},
                   {"case_version", d.case_version + 1},
                   {"event_seq", seq}});
  return OkStatus();
}

events::Event CaseEvent(const char* type, int64_t case_id, const std::string& actor, Millis now,
                        const json& payload) {
  events::Event e;
  e.type = type;
  e.subject = "case:" + std::to_string(case_id);
  e.actor = actor;
  e.ts = now;
  e.payload = payload.dump();
  return e;
}

void CaseService::Escalate(const auth::Principal& p, int64_t case_id, int64_t version,
                           std::string tier, std::string queue, std::string note, json fields,
                           JsonFn done) {
  auto out = std::make_shared<json>();
  writer_.Submit(
      [this, out, actor = p.Actor(), case_id, version, tier = std::move(tier),
       queue = std::move(queue), note = std::move(note),
       fields = std::move(fields)](store::WriteTx& tx) -> Status {
        return EscalateInTx(tx, actor, case_id, version, tier, queue, note, fields, out.get());
      },
      [out, done = std::move(done)](const Status& s) {
        if (!s) return done(s.error());
        done(std::move(*out));
      });
}

Status CaseService::EscalateInTx(store::WriteTx& tx, const std::string& actor, int64_t case_id,
                                 int64_t version, const std::string& tier, const std::string& queue,
                                 const std::string& note, const json& fields, json* out,
                                 const json& gaps) {
  auto c = tx.GetCase(case_id);
  if (!c) return Error::NotFound("no case " + std::to_string(case_id));
  if (c->status != "open")
    return Problem(ErrorCode::kConflict, "case", "only open cases can be escalated");
  if (c->version != version)
    return Problem(
        ErrorCode::kConflict, "case_version",
        "the case changed since you loaded it (now version " + std::to_string(c->version) + ")");
  Millis now = clock_.Now();
  // Escalating further keeps the original queue to hand back to.
  std::string from = c->escalated_from.empty() ? c->queue : c->escalated_from;
  json payload = {{"tier", tier},         {"from_queue", c->queue}, {"to_queue", queue},
                  {"note", note},         {"fields", fields},       {"case_version", version}};
  // An automatic escalation's hand-off the tier has to complete (see HandoffFromText).
  if (gaps.is_array() && !gaps.empty()) payload["incomplete"] = gaps;
  auto e = CaseEvent("case.escalated", case_id, actor, now, payload);
  tx.AppendEvent(e);
  if (!tx.MoveCase(case_id, version, queue, tier, from, now))
    return Problem(ErrorCode::kConflict, "case_version", "the case changed");
  *out = {{"id", case_id}, {"tier", tier}, {"queue", queue}, {"case_version", version + 1}};
  return OkStatus();
}

Status CaseService::RouteInTx(store::WriteTx& tx, const std::string& actor, int64_t case_id,
                              int64_t version, const std::string& queue, const std::string& note) {
  auto c = tx.GetCase(case_id);
  if (!c) return Error::NotFound("no case " + std::to_string(case_id));
  if (c->status != "open" || c->version != version)
    return Problem(ErrorCode::kConflict, "case_version", "the case changed");
  Millis now = clock_.Now();
  tx.AppendEvent(CaseEvent(
      "case.routed", case_id, actor, now,
      {{"from_queue", c->queue}, {"to_queue", queue}, {"note", note}, {"case_version", version}}));
  if (!tx.MoveCase(case_id, version, queue, c->tier, c->escalated_from, now))
    return Problem(ErrorCode::kConflict, "case_version", "the case changed");
  return OkStatus();
}

void CaseService::HandBack(const auth::Principal& p, int64_t case_id, int64_t version,
                           std::string note, JsonFn done) {
  auto out = std::make_shared<json>();
  writer_.Submit(
      [this, out, actor = p.Actor(), case_id, version,
       note = std::move(note)](store::WriteTx& tx) -> Status {
        auto c = tx.GetCase(case_id);
        if (!c) return Error::NotFound("no case " + std::to_string(case_id));
        if (c->escalated_from.empty())
          return Problem(ErrorCode::kConflict, "case", "the case is not escalated");
        if (c->version != version)
          return Problem(ErrorCode::kConflict, "case_version",
                         "the case changed since you loaded it (now version " +
                             std::to_string(c->version) + ")");
        Millis now = clock_.Now();
        auto e = CaseEvent("case.handed_back", case_id, actor, now,
                           {{"tier", c->tier}, {"from_queue", c->queue},
                            {"to_queue", c->escalated_from}, {"note", note},
                            {"case_version", version}});
        tx.AppendEvent(e);
        if (!tx.MoveCase(case_id, version, c->escalated_from, "", "", now))
          return Problem(ErrorCode::kConflict, "case_version", "the case changed");
        *out = {{"id", case_id}, {"queue", c->escalated_from}, {"case_version", version + 1}};
        return OkStatus();
      },
      [out, done = std::move(done)](const Status& s) {
        if (!s) return done(s.error());
        done(std::move(*out));
      });
}

void CaseService::Comment(const auth::Principal& p, int64_t case_id, std::string text,
                          std::vector<std::string> mentions, JsonFn done) {
  auto out = std::make_shared<json>();
  writer_.Submit(
      [this, out, actor = p.Actor(), author = p.user_name, case_id, text = std::move(text),
       mentions = std::move(mentions)](store::WriteTx& tx) -> Status {
        if (!tx.GetCase(case_id)) return Error::NotFound("no case " + std::to_string(case_id));
        auto e = CaseEvent("case.comment", case_id, actor, clock_.Now(),
                           {{"author", author}, {"text", text}, {"mentions", mentions}});
        int64_t seq = tx.AppendEvent(e);
        *out = {{"case_id", case_id}, {"event_seq", seq}, {"mentions", mentions}};
        return OkStatus();
      },
      [out, done = std::move(done)](const Status& s) {
        if (!s) return done(s.error());
        done(std::move(*out));
      });
}

double AddStrike(store::WriteTx& tx, const Config& config, int64_t case_id, int64_t decision_id,
                 double weight, std::optional<Millis> expires_in, const std::string& actor,
                 Millis now) {
  int64_t author = tx.CaseAuthor(case_id);
  if (!author) return 0;
  double before = tx.ActiveStrikeWeight(author, now);
  store::StrikeRow row;
  row.case_id = case_id;
  row.decision_id = decision_id;
  row.weight = weight;
  row.created_at = now;
  row.expires_at = now + expires_in.value_or(config.strike_expiry_ms);
  tx.InsertStrike(author, row);
  double after = before + weight;
  json payload = {{"account_pk", author},       {"case_id", case_id},
                  {"decision_id", decision_id}, {"weight", weight},
                  {"active_weight", after},     {"expires_at", FormatIso8601(row.expires_at)}};
  tx.AppendEvent(CaseEvent("strike.added", case_id, actor, now, payload));
  auto crossed = [&](double threshold) { return before < threshold && after >= threshold; };
  // Art. 23: a warning comes first; a suspension is proposed for a person to decide.
  if (crossed(config.strike_warn_at)) {
    tx.AppendEvent(CaseEvent("account.warned", case_id, "system", now, payload));
    tx.EnqueueOutbox("account.warned", payload.dump(), now);
  }
  if (crossed(config.strike_suspend_at)) {
    tx.ProposeSuspension(author, now);
    tx.AppendEvent(CaseEvent("account.suspension_proposed", case_id, "system", now, payload));
    tx.EnqueueOutbox("account.suspension_proposed", payload.dump(), now);
  }
  return after;
}

}  // namespace vigil::cases
