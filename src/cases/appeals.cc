#include "cases/appeals.h"

#include "cases/misuse.h"

namespace vigil::cases {
namespace {

using nlohmann::json;

// "user:3/token:9" and "user:3" are the same person.
std::string PersonOf(const std::string& actor) { return actor.substr(0, actor.find('/')); }

// The event and, for the platform to notify both parties, the same payload to the outbox.
void Emit(store::WriteTx& tx, const char* type, int64_t case_id, const std::string& actor,
          Millis now, const json& payload) {
  auto e = CaseEvent(type, case_id, actor, now, payload);
  tx.AppendEvent(e);
  tx.EnqueueOutbox(type, payload.dump(), now);
}

// The outcome of an appeal goes to the appellant; when the decision is overturned, also to the
// other side (the notifiers when the affected user appealed, the affected user when a notifier
// did), as both are concerned by the new decision.
void QueueAppealNotices(store::WriteTx& tx, const notify::NoticeTemplates& templates,
                        const store::AppealRow& a, const std::string& content_id, bool overturned,
                        const std::string& actions, const std::string& explanation, Millis now) {
  auto signals = tx.LoadCaseSignals(a.case_id, now, /*track_record=*/false);
  std::vector<std::string> to = {a.appellant_role + ":" + a.appellant_id};
  if (overturned && a.appellant_role == "affected_user") {
    for (const auto& r : signals.reporters)
      if (!r.id.empty() && r.source != FlagSource::kAutomated && r.source != FlagSource::kInternal)
        to.push_back("notifier:" + r.id);
  } else if (overturned && !signals.author_id.empty()) {
    to.push_back("affected_user:" + signals.author_id);
  }
  std::string lang = signals.language.empty() ? "en" : signals.language;
  auto n = templates.Render("appeal_outcome", lang,
                            {{"content_id", content_id},
                             {"appeal_outcome", overturned ? "overturned" : "upheld"},
                             {"actions", actions},
                             {"explanation", explanation},
                             {"decision_date", FormatIso8601(now)}});
  if (!n) return;
  for (const auto& recipient : to) {
    json nj = {{"kind", n->kind},       {"to", recipient},  {"language", n->language},
               {"subject", n->subject}, {"body", n->body},  {"case_id", a.case_id},
               {"appeal_id", a.id}};
    tx.EnqueueOutbox("notice.appeal_outcome", nj.dump(), now);
  }
}

}  // namespace

Result<AppealInput> ParseAppeal(const json& j) {
  if (!j.is_object()) return Error::Invalid("body", "must be a JSON object");
  for (const auto& [k, v] : j.items())
    if (k != "decision_id" && k != "appellant" && k != "grounds")
      return Error::Invalid(k, "unknown field");
  AppealInput in;
  if (j.contains("decision_id")) {
    if (!j["decision_id"].is_number_integer()) return Error::Invalid("decision_id", "must be an integer");
    in.decision_id = j["decision_id"];
  }
  if (!j.contains("appellant") || !j["appellant"].is_object())
    return Error::Invalid("appellant", "is required: {role, id}");
  const json& a = j["appellant"];
  for (const auto& [k, v] : a.items())
    if (k != "role" && k != "id") return Error::Invalid("appellant." + k, "unknown field");
  if (!a.contains("role") || !a["role"].is_string() ||
      (a["role"] != "affected_user" && a["role"] != "notifier"))
    return Error::Invalid("appellant.role", "must be affected_user or notifier");
  if (!a.contains("id") || !a["id"].is_string() || a["id"].get_ref<const std::string&>().empty() ||
      a["id"].get_ref<const std::string&>().size() > 256)
    return Error::Invalid("appellant.id", "is required (the platform account id, <= 256 bytes)");
  in.appellant_role = a["role"];
  in.appellant_id = a["id"];
  if (!j.contains("grounds") || !j["grounds"].is_string() ||
      j["grounds"].get_ref<const std::string&>().empty())
    return Error::Invalid("grounds", "is required: why the decision is wrong");
  if (j["grounds"].get_ref<const std::string&>().size() > 5000)
    return Error::Invalid("grounds", "is longer than 5000 bytes");
  in.grounds = j["grounds"];
  return in;
}

Result<AppealDecisionInput> ParseAppealDecision(const json& j) {
  if (!j.is_object()) return Error::Invalid("body", "must be a JSON object");
  for (const auto& [k, v] : j.items())
    if (k != "outcome" && k != "explanation" && k != "actions" && k != "case_version")
      return Error::Invalid(k, "unknown field");
  AppealDecisionInput in;
  if (!j.contains("outcome") || !j["outcome"].is_string() ||
      (j["outcome"] != "upheld" && j["outcome"] != "overturned"))
    return Error::Invalid("outcome", "must be upheld or overturned");
  in.overturn = j["outcome"] == "overturned";
  if (!j.contains("explanation") || !j["explanation"].is_string() ||
      j["explanation"].get_ref<const std::string&>().empty())
    return Error::Invalid("explanation", "is required: the appellant is told why");
  in.explanation = j["explanation"];
  if (!j.contains("case_version")) return Error::Invalid("case_version", "is required");
  if (!j["case_version"].is_number_integer())
    return Error::Invalid("case_version", "must be an integer");
  in.case_version = j["case_version"];
  if (j.contains("actions")) {
    // Reuse the decision parser for the action list.
    auto d = ParseDecision({{"case_version", 0}, {"actions", j["actions"]}});
    if (!d) return d.error();
    in.actions = d->actions;
  }
  return in;
}

void Appeals::File(const auth::Principal& p, int64_t case_id, AppealInput in, JsonFn done) {
  auto out = std::make_shared<json>();
  writer_.Submit(
      [this, out, actor = p.Actor(), case_id, in = std::move(in)](store::WriteTx& tx) -> Status {
        auto c = tx.GetCase(case_id);
        if (!c) return Error::NotFound("no case " + std::to_string(case_id));
        if (c->status != "decided")
          return Error::Conflict("case", "only decided cases can be appealed");
        auto decisions = tx.DecisionsOfCase(case_id);
        if (decisions.empty()) return Error::Conflict("case", "the case has no decision");
        const store::DecisionRow* d = &decisions.back();
        if (in.decision_id) {
          d = nullptr;
          for (const auto& x : decisions)
            if (x.id == in.decision_id) d = &x;
          if (!d) return Error::Invalid("decision_id", "not a decision of this case");
        }
        Millis now = clock_.Now();
        if (now - d->created_at > config_.appeal_window_ms)
          return Error::Invalid("decision_id", "the appeal window of this decision has closed");
        if (in.appellant_role == "notifier" && d->outcome != "no_violation")
          return Error::Invalid("appellant.role",
                                "a notifier may appeal only a decision not to act");
        if (in.appellant_role == "affected_user" && d->outcome == "no_violation")
          return Error::Invalid("appellant.role",
                                "the decision restricted nothing the affected user could appeal");
        store::AppealRow a{0, case_id, d->id, in.appellant_role, in.appellant_id, in.grounds,
                           "open", now, std::nullopt, "", ""};
        a.id = tx.InsertAppeal(a);
        if (!tx.ReopenForAppeal(case_id, c->version, "appeals", now))
          return Error::Conflict("case_version", "the case changed");
        json payload = {{"appeal_id", a.id}, {"case_id", case_id}, {"content_id", c->content_id},
                        {"decision_id", d->id}, {"appellant", {{"role", a.appellant_role}, {"id", a.appellant_id}}},
                        {"grounds", a.grounds}};
        Emit(tx, "appeal.received", case_id, actor, now, payload);
        *out = {{"id", a.id}, {"case_id", case_id}, {"decision_id", d->id}, {"status", "open"},
                {"queue", "appeals"}};
        return OkStatus();
      },
      [this, out, done = std::move(done)](const Status& s) {
        if (!s) return done(s.error());
        if (outbox_written_) outbox_written_();
        done(std::move(*out));
      });
}

void Appeals::Decide(const auth::Principal& p, int64_t appeal_id, AppealDecisionInput in,
                     JsonFn done) {
  auto out = std::make_shared<json>();
  writer_.Submit(
      [this, out, actor = p.Actor(), appeal_id, in = std::move(in)](store::WriteTx& tx) -> Status {
        auto a = tx.GetAppeal(appeal_id);
        if (!a) return Error::NotFound("no appeal " + std::to_string(appeal_id));
        if (a->status != "open") return Error::Conflict("appeal", "the appeal is already decided");
        auto c = tx.GetCase(a->case_id);
        if (!c || c->version != in.case_version)
          return Error::Conflict("case_version", "the case changed since you loaded it");
        const store::DecisionRow* original = nullptr;
        auto decisions = tx.DecisionsOfCase(a->case_id);
        for (const auto& d : decisions)
          if (d.id == a->decision_id) original = &d;
        if (!original) return Error::Internal("appeal without its decision");
        if (PersonOf(original->decided_by) == PersonOf(actor))
          return Error::Forbidden("the original decider may not decide the appeal");
        Millis now = clock_.Now();
        int64_t version = c->version;
        std::string new_actions;  // in force after the appeal, for the notices
        if (!in.overturn)
          for (const auto& act : json::parse(original->actions_json, nullptr, false))
            if (act.is_object() && act.contains("type"))
              new_actions += (new_actions.empty() ? "" : ", ") + act["type"].get<std::string>();
        json payload = {{"appeal_id", appeal_id}, {"case_id", a->case_id},
                        {"content_id", c->content_id}, {"decision_id", a->decision_id},
                        {"appellant", {{"role", a->appellant_role}, {"id", a->appellant_id}}},
                        {"outcome", in.overturn ? "overturned" : "upheld"},
                        {"explanation", in.explanation}};
        if (in.overturn) {
          std::vector<Action> actions = in.actions;
          if (original->outcome == "actioned") {
            if (actions.empty()) actions = {{"no_violation", std::nullopt, {}}};
          } else if (actions.empty() || actions[0].type == "no_violation") {
            return Error::Invalid("actions", "overturning a decision not to act needs the actions to take");
          }
          json acts = json::array();
          for (const auto& x : actions) acts.push_back({{"type", x.type}});
          std::string outcome = actions[0].type == "no_violation" ? "no_violation" : "actioned";
          events::Event e;
          e.type = "decision.reversed";
          e.subject = "case:" + std::to_string(a->case_id);
          e.actor = actor;
          e.ts = now;
          e.payload = json{{"actions", acts}, {"outcome", outcome}, {"reverses", original->id},
                           {"appeal_id", appeal_id}, {"explanation", in.explanation},
                           {"automated_decision", "not_automated"}, {"case_version", version}}
                          .dump();
          int64_t seq = tx.AppendEvent(e);
          store::DecisionRow row;
          row.case_id = a->case_id;
          row.decided_by = actor;
          row.actions_json = acts.dump();
          row.outcome = outcome;
          row.explanation = in.explanation;
          row.reverses = original->id;
          row.case_version = version;
          row.created_at = now;
          auto id = tx.InsertDecision(row, seq);
          if (!id) return Error::Conflict("case_version", "the case changed");
          payload["reversal_decision_id"] = *id;
          if (tx.ReverseStrikes(original->id) > 0)
            tx.AppendEvent(CaseEvent("strike.reversed", a->case_id, actor, now,
                                     {{"decision_id", original->id}}));
          ReverseUnfoundedNotices(tx, config_, a->case_id, original->id, actor, now);
          // The platform enforces the reversal (restores the content) like any decision.
          json hook = json::parse(e.payload);
          hook["decision_id"] = *id;
          hook["case_id"] = a->case_id;
          hook["content_id"] = c->content_id;
          hook["decided_at"] = FormatIso8601(now);
          tx.EnqueueOutbox("decision.reversed", hook.dump(), now);
          for (const auto& x : actions) new_actions += (new_actions.empty() ? "" : ", ") + x.type;
          ++version;
        }
        if (!tx.CloseReopenedCase(a->case_id, version, now))
          return Error::Conflict("case_version", "the case changed");
        tx.CloseAppeal(appeal_id, in.overturn ? "overturned" : "upheld", actor, in.explanation, now);
        QueueAppealNotices(tx, *notices_.Get(), *a, c->content_id, in.overturn, new_actions,
                           in.explanation, now);
        Emit(tx, "appeal.decided", a->case_id, actor, now, payload);
        *out = payload;
        return OkStatus();
      },
      [this, out, done = std::move(done)](const Status& s) {
        if (!s) return done(s.error());
        if (outbox_written_) outbox_written_();
        done(std::move(*out));
      });
}

}  // namespace vigil::cases
