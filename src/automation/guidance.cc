#include "automation/guidance.h"

#include "automation/case_facts.h"
#include "automation/evaluation.h"

namespace vigil::automation {
namespace {

using nlohmann::json;

Answers AnswersOfCase(store::ReadTx& rtx, int64_t case_id, const std::string& policy,
                      int version) {
  return RecordedAnswers(rtx.PolicyStatesOfCase(case_id), policy, version);
}

// The decision a leaf proposes, in the form POST /v1/cases/{id}/decisions accepts.
json ProposedDecision(const Evaluation& e, int64_t case_version) {
  const policy::Outcome& o = e.walk.outcome;
  auto actions = DecisionActions(o.actions);
  if (!actions) return nullptr;
  json arr = json::array();
  for (const auto& a : actions.value()) {
    json aj = {{"type", a.type}};
    if (a.duration) aj["duration"] = policy::FormatDuration(static_cast<double>(*a.duration));
    arr.push_back(std::move(aj));
  }
  json citation = {{"id", e.policy->id},
                   {"version", std::to_string(e.version)},
                   {"clause", o.clause},
                   {"leaf", e.policy->nodes[e.walk.leaf].id},
                   {"answers", e.answers}};
  json d = {{"actions", arr}, {"policy", citation}, {"case_version", case_version}};
  if (o.strike) d["strike"] = {{"weight", o.strike}};
  return d;
}

json WalkView(const Evaluation& e, int64_t case_version) {
  json j = EvaluationJson(e);
  if (e.walk.status == policy::WalkResult::Status::kOutcome) {
    json proposed = ProposedDecision(e, case_version);
    if (!proposed.is_null()) j["proposed_decision"] = std::move(proposed);
  }
  return j;
}

struct Walked {
  LoadedCase loaded;
  Evaluation evaluation;
};

// The running policy walked on the case as it is now, with `answers`.
Result<Walked> WalkPolicy(store::ReadTx& rtx, const policy::PolicyLibrary& policies,
                          const Taxonomy& taxonomy, int64_t case_id, const std::string& id,
                          const Answers& answers, Millis now, int* version_out) {
  int version = 0;
  auto p = policies.Find(id, &version);
  if (!p) return Error::Invalid("policy", "no running policy '" + id.substr(0, 80) + "'");
  auto loaded = LoadCase(rtx, case_id, taxonomy, now);
  if (!loaded) return Error::NotFound("no case " + std::to_string(case_id));
  Walked w{std::move(*loaded), {}};
  w.evaluation.policy = p;
  w.evaluation.version = version;
  w.evaluation.answers = answers;
  for (const auto& r : *policies.Running())
    if (r.policy == p) w.evaluation.mode = r.mode;
  w.evaluation.walk = policy::Walk(*p, policy::ToSnapshot(w.loaded.facts, now), answers);
  *version_out = version;
  return w;
}

}  // namespace

json CaseAutomationJson(store::ReadTx& rtx, const store::CaseRow& c) {
  json out = json::object();
  if (auto a = rtx.GetContentAnalysis(c.content_pk)) {
    json analysis = json::parse(a->analysis_json, nullptr, false);
    if (analysis.is_object()) {
      analysis["revision"] = a->revision;
      analysis["current"] = a->revision >= a->content_revision;
      analysis["analysed_at"] = FormatIso8601(a->analysed_at);
      out["analysis"] = std::move(analysis);
    }
  }
  json policies = json::array();
  for (const auto& s : rtx.PolicyStatesOfCase(c.id)) {
    json j = {{"policy", s.policy_id},    {"version", s.version},
              {"mode", s.mode},           {"status", s.status},
              {"event_seq", s.event_seq}, {"updated_at", FormatIso8601(s.updated_at)}};
    if (!s.question.empty()) j["question"] = s.question;
    policies.push_back(std::move(j));
  }
  out["policies"] = std::move(policies);
  return out;
}

Result<json> Guidance(store::ReadTx& rtx, const policy::PolicyLibrary& policies,
                      const Taxonomy& taxonomy, int64_t case_id, Millis now) {
  auto loaded = LoadCase(rtx, case_id, taxonomy, now);
  if (!loaded) return Error::NotFound("no case " + std::to_string(case_id));
  policy::Snapshot snap = policy::ToSnapshot(loaded->facts, now);
  auto evaluations = EvaluateCase(
      *policies.Running(), loaded->dsa_categories, snap,
      [&](const std::string& p, int v) { return AnswersOfCase(rtx, case_id, p, v); });
  json arr = json::array();
  for (const Evaluation& e : evaluations) arr.push_back(WalkView(e, loaded->row.version));
  return json{{"case_id", case_id},
              {"case_version", loaded->row.version},
              {"status", loaded->row.status},
              {"policies", arr}};
}

Result<AnswerInput> ParseAnswer(const json& b) {
  if (!b.is_object()) return Error::Invalid("body", "must be a JSON object");
  AnswerInput in;
  for (const auto& [k, v] : b.items()) {
    if (k == "version") {
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 1'000'000)
        return Error::Invalid("version", "must be a policy version number");
      in.version = v.get<int>();
      continue;
    }
    if (k != "policy" && k != "question" && k != "answer")
      return Error::Invalid(k, "unknown field");
    if (!v.is_string() || v.get_ref<const std::string&>().empty() ||
        v.get_ref<const std::string&>().size() > 200)
      return Error::Invalid(k, "must be non-empty text of at most 200 bytes");
  }
  for (const char* key : {"policy", "question", "answer"})
    if (!b.contains(key)) return Error::Invalid(key, "is required");
  in.policy = b["policy"];
  in.question = b["question"];
  in.answer = b["answer"];
  return in;
}

Result<PreparedAnswer> PrepareAnswer(store::ReadTx& rtx, const policy::PolicyLibrary& policies,
                                     const Taxonomy& taxonomy, int64_t case_id, AnswerInput in,
                                     Millis now) {
  int version = 0;
  int running = 0;
  if (!policies.Find(in.policy, &running))
    return Error::Invalid("policy", "no running policy '" + in.policy.substr(0, 80) + "'");
  if (in.version && in.version != running)
    return Error::Invalid("version", "policy " + in.policy + " runs version " +
                                         std::to_string(running) + ", not " +
                                         std::to_string(in.version));
  Answers answers = AnswersOfCase(rtx, case_id, in.policy, running);
  auto before = WalkPolicy(rtx, policies, taxonomy, case_id, in.policy, answers, now, &version);
  if (!before) return before.error();
  if (before->loaded.row.status != "open")
    return Error::Conflict("case", "the case is " + before->loaded.row.status + ", not open");
  const policy::WalkResult& w = before->evaluation.walk;
  if (w.status != policy::WalkResult::Status::kQuestion)
    return Error::Invalid("question", "policy " + in.policy + " is not waiting for an answer (" +
                                          StatusName(w.status) + ")");
  const policy::TreeNode& q = before->evaluation.policy->nodes[w.question];
  if (q.name != in.question)
    return Error::Invalid("question", "the case waits on question '" + q.name + "', not '" +
                                          in.question.substr(0, 80) + "'");
  bool known = false;
  std::string choices;
  for (const auto& [answer, node] : q.answers) {
    known = known || answer == in.answer;
    choices += (choices.empty() ? "" : ", ") + answer;
  }
  if (!known) return Error::Invalid("answer", "must be one of " + choices);
  answers[in.question] = in.answer;
  auto after = WalkPolicy(rtx, policies, taxonomy, case_id, in.policy, answers, now, &version);
  if (!after) return after.error();
  PreparedAnswer out;
  out.case_id = case_id;
  out.input = std::move(in);
  out.version = version;
  out.evaluation = EvaluationJson(after->evaluation);
  out.response = WalkView(after->evaluation, after->loaded.row.version);
  out.status = StatusName(after->evaluation.walk.status);
  if (after->evaluation.walk.status == policy::WalkResult::Status::kQuestion)
    out.next_question = after->evaluation.policy->nodes[after->evaluation.walk.question].name;
  return out;
}

void RecordAnswer(store::WriteTx& tx, const PreparedAnswer& a, const std::string& actor,
                  Millis now) {
  json payload = {{"policy", a.input.policy},           {"version", a.version},
                  {"question", a.input.question},       {"answer", a.input.answer},
                  {"answers", a.evaluation["answers"]}, {"status", a.status}};
  if (!a.next_question.empty()) payload["next_question"] = a.next_question;
  if (a.evaluation.contains("leaf")) payload["leaf"] = a.evaluation["leaf"];
  int64_t seq = tx.AppendEvent(cases::CaseEvent("policy.answered", a.case_id, actor, now, payload));
  tx.PutPolicyState({a.case_id, a.input.policy, a.version, a.evaluation.value("mode", "active"),
                     a.status, a.next_question, Digest(a.evaluation),
                     a.evaluation["answers"].dump(), seq, now});
}

Status CheckCitation(store::ReadTx& rtx, const policy::PolicyLibrary& policies,
                     const Taxonomy& taxonomy, int64_t case_id, cases::DecisionInput* d,
                     Millis now) {
  if (d->policy_leaf.empty() && d->policy_answers.empty()) return OkStatus();
  int version = 0;
  auto walked =
      WalkPolicy(rtx, policies, taxonomy, case_id, d->policy_id, d->policy_answers, now, &version);
  if (!walked) {
    Error e = walked.error();
    if (e.field == "policy") e.field = "policy.id";
    return e;
  }
  if (d->policy_version != std::to_string(version))
    return Error::Invalid("policy.version", "policy " + d->policy_id + " runs version " +
                                                std::to_string(version) +
                                                "; cite it to cite a leaf");
  const Evaluation& e = walked->evaluation;
  if (e.walk.status == policy::WalkResult::Status::kQuestion)
    return Error::Invalid("policy.answers", "the answers stop at question '" +
                                                e.policy->nodes[e.walk.question].name +
                                                "'; answer it to reach a leaf");
  if (e.walk.status != policy::WalkResult::Status::kOutcome)
    return Error::Invalid("policy.leaf", "the tree reaches no leaf on this case");
  const std::string& leaf = e.policy->nodes[e.walk.leaf].id;
  if (d->policy_leaf != leaf)
    return Error::Invalid("policy.leaf", "the answers lead to leaf '" + leaf + "', not '" +
                                             d->policy_leaf.substr(0, 80) + "'");
  if (d->clause.empty()) d->clause = e.walk.outcome.clause;
  if (d->clause != e.walk.outcome.clause)
    return Error::Invalid("policy.clause", "leaf '" + leaf + "' cites clause '" +
                                               e.walk.outcome.clause + "', not '" +
                                               d->clause.substr(0, 80) + "'");
  d->policy_trace = EvaluationJson(e)["trace"];
  return OkStatus();
}

}  // namespace vigil::automation
