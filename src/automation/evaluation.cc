#include "automation/evaluation.h"

#include <algorithm>

#include "intake/intake.h"

namespace vigil::automation {
namespace {

using nlohmann::json;

bool IsActionType(std::string_view t) {
  for (const char* a : kActionTypes)
    if (t == a) return true;
  return false;
}

}  // namespace

bool PolicyApplies(const policy::Policy& p, const std::vector<std::string>& dsa_categories) {
  return std::find(dsa_categories.begin(), dsa_categories.end(), p.dsa_category) !=
         dsa_categories.end();
}

Answers RecordedAnswers(const std::vector<store::CasePolicyStateRow>& states,
                        const std::string& policy, int version) {
  Answers out;
  for (const auto& s : states) {
    if (s.policy_id != policy || s.version != version) continue;
    auto j = json::parse(s.answers_json, nullptr, false);
    if (j.is_object())
      for (const auto& [q, a] : j.items())
        if (a.is_string()) out[q] = a.get<std::string>();
  }
  return out;
}

std::vector<Evaluation> EvaluateCase(
    const policy::RunningSet& running, const std::vector<std::string>& dsa_categories,
    const policy::Snapshot& snap,
    const std::function<Answers(const std::string&, int)>& answers_of) {
  std::vector<Evaluation> out;
  for (const auto& r : running) {
    if (!r.policy || !PolicyApplies(*r.policy, dsa_categories)) continue;
    Evaluation e;
    e.policy = r.policy;
    e.version = r.version;
    e.mode = r.mode;
    if (answers_of) e.answers = answers_of(r.policy->id, r.version);
    e.walk = policy::Walk(*r.policy, snap, e.answers);
    out.push_back(std::move(e));
  }
  return out;
}

const char* StatusName(policy::WalkResult::Status s) {
  switch (s) {
    case policy::WalkResult::Status::kOutcome:
      return "outcome";
    case policy::WalkResult::Status::kQuestion:
      return "question";
    case policy::WalkResult::Status::kNoMatch:
      break;
  }
  return "no_match";
}

json OutcomeJson(const policy::Outcome& o) {
  json j = json::object();
  if (!o.actions.empty()) j["actions"] = o.actions;
  if (!o.severity.empty()) j["severity"] = o.severity;
  if (!o.clause.empty()) j["clause"] = o.clause;
  if (!o.queue.empty()) j["queue"] = o.queue;
  if (o.priority) j["priority"] = o.priority;
  if (!o.escalate.empty()) j["escalate"] = o.escalate;
  if (!o.notice.empty()) j["notice"] = o.notice;
  if (o.strike) j["strike"] = o.strike;
  if (!o.note.empty()) j["note"] = o.note;
  if (o.needs_human_review) j["needs_human_review"] = true;
  return j;
}

json QuestionJson(const policy::TreeNode& q) {
  json choices = json::array();
  for (const auto& [answer, node] : q.answers) choices.push_back(answer);
  return {{"name", q.name},
          {"ask", q.ask},
          {"guidance", q.guidance},
          {"choices", choices},
          {"node", q.id}};
}

json EvaluationJson(const Evaluation& e) {
  json trace = json::array();
  for (const auto& t : e.walk.trace) {
    json values = json::object();
    for (const auto& [signal, value] : t.values) values[signal] = value;
    trace.push_back({{"node", t.node}, {"what", t.what}, {"result", t.result}, {"values", values}});
  }
  json j = {{"policy", e.policy->id},
            {"title", e.policy->title},
            {"version", e.version},
            {"mode", policy::ModeName(e.mode)},
            {"status", StatusName(e.walk.status)},
            {"trace", trace},
            {"outcome", OutcomeJson(e.walk.outcome)},
            {"answers", e.answers}};
  if (e.policy->human_decision_only) j["automation"] = "never";
  if (e.walk.status == policy::WalkResult::Status::kOutcome)
    j["leaf"] = e.policy->nodes[e.walk.leaf].id;
  if (e.walk.status == policy::WalkResult::Status::kQuestion)
    j["question"] = QuestionJson(e.policy->nodes[e.walk.question]);
  return j;
}

std::string Digest(const json& evaluation) { return intake::HashRequest(evaluation.dump()); }

Result<std::vector<cases::Action>> DecisionActions(const std::vector<std::string>& names) {
  std::vector<cases::Action> out;
  for (const std::string& name : names) {
    if (IsActionType(name)) {
      out.push_back({name, std::nullopt, {}});
      continue;
    }
    size_t cut = name.rfind('_');
    std::string type = cut == std::string::npos ? name : name.substr(0, cut);
    std::string rest = cut == std::string::npos ? "" : name.substr(cut + 1);
    if (!IsActionType(type))
      return Error::Invalid("action", "'" + name + "' is not a decision action");
    if (rest == "permanent") {
      out.push_back({type, std::nullopt, {}});
      continue;
    }
    auto duration = ParseDuration(rest);
    if (!duration || *duration <= 0)
      return Error::Invalid("action", "'" + name + "': '" + rest + "' is not a duration");
    out.push_back({type, duration, {}});
  }
  if (out.empty()) return Error::Invalid("action", "no actions");
  bool no_violation = false;
  for (const auto& a : out) no_violation = no_violation || a.type == "no_violation";
  if (no_violation && out.size() > 1)
    return Error::Invalid("action", "no_violation cannot be combined with other actions");
  return out;
}

Plan PlanActions(const std::vector<Evaluation>& evaluations, const store::CaseRow& c) {
  Plan plan;
  for (const Evaluation& e : evaluations) {
    if (e.mode != policy::Mode::kActive) continue;
    const policy::Outcome& o = e.walk.outcome;
    if (e.walk.status == policy::WalkResult::Status::kNoMatch) continue;
    if (o.priority) {
      plan.priority += o.priority;
      plan.priority_why += (plan.priority_why.empty() ? "" : "; ") + e.policy->id + " v" +
                           std::to_string(e.version) + ": " + (o.priority > 0 ? "+" : "") +
                           std::to_string(o.priority);
    }
    bool leaf = e.walk.status == policy::WalkResult::Status::kOutcome;
    if (leaf && !o.actions.empty()) {
      if (e.policy->human_decision_only) {
        plan.held[&e] = "automation: never: a person takes this policy's actions";
      } else if (plan.decide) {
        plan.held[&e] = "the case is decided by policy " + plan.decide->policy->id;
      } else if (auto actions = DecisionActions(o.actions); !actions) {
        plan.held[&e] = actions.error().message;
      } else {
        plan.decide = &e;
        plan.actions = std::move(actions.value());
      }
      continue;
    }
    if (!o.escalate.empty() && !plan.escalate && c.tier != o.escalate) plan.escalate = &e;
    if (!o.queue.empty() && !plan.route && c.queue != o.queue) plan.route = &e;
  }
  if (plan.decide) plan.escalate = plan.route = nullptr;  // the decision closes the case
  if (plan.escalate) plan.route = nullptr;                // the tier's queue wins
  return plan;
}

std::string Explain(const Evaluation& e) {
  const policy::Outcome& o = e.walk.outcome;
  std::string s = "Policy " + e.policy->id + " v" + std::to_string(e.version);
  if (!o.clause.empty()) s += " (clause " + o.clause + ")";
  s += ", automatically: ";
  std::string path;
  for (const auto& t : e.walk.trace) {
    if (t.result == "true") path += (path.empty() ? "" : "; ") + t.what;
  }
  s += path.empty() ? "no condition held" : path;
  if (!o.note.empty()) s += ". " + o.note;
  return s.substr(0, 4900);
}

}  // namespace vigil::automation
