// Policies on one case: which policies apply, walking each over the case's snapshot, the
// policy.evaluated record of a walk (nodes visited with the values seen, the outcome or the
// question waiting), and the plan of what automation does about it. Pure: no store, no clock.
//
// A policy applies to a case when its dsa_category is the DSA category of one of the reasons
// the case was flagged for (taxonomy.yaml maps reasons to categories). Only active policies act;
// shadow policies are evaluated and recorded. A policy with `automation: never` may adjust
// priority, route and escalate, but its actions are only ever taken by a person.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cases/case_service.h"
#include "policy/library.h"
#include "policy/policy.h"
#include "store/store.h"

namespace vigil::automation {

using Answers = std::map<std::string, std::string>;

bool PolicyApplies(const policy::Policy& p, const std::vector<std::string>& dsa_categories);

struct Evaluation {
  std::shared_ptr<const policy::Policy> policy;
  int version = 0;
  policy::Mode mode = policy::Mode::kActive;
  Answers answers;  // a reviewer's answers carried into the walk
  policy::WalkResult walk;
};

// The answers recorded for a policy version among a case's policy states.
Answers RecordedAnswers(const std::vector<store::CasePolicyStateRow>& states,
                        const std::string& policy, int version);

// Walks every running policy that applies. `answers_of(policy_id, version)` gives the answers
// recorded for the case (empty when none).
std::vector<Evaluation> EvaluateCase(
    const policy::RunningSet& running, const std::vector<std::string>& dsa_categories,
    const policy::Snapshot& snap,
    const std::function<Answers(const std::string&, int)>& answers_of);

const char* StatusName(policy::WalkResult::Status s);
nlohmann::json OutcomeJson(const policy::Outcome& o);
// {name, ask, guidance, choices} of a question node.
nlohmann::json QuestionJson(const policy::TreeNode& q);
// The policy.evaluated payload: policy, version, mode, status, trace (node, what, result,
// values), the outcome and leaf or the question waiting, and the answers used.
nlohmann::json EvaluationJson(const Evaluation& e);
// Stable digest of an evaluation's payload: an identical evaluation is not recorded twice.
std::string Digest(const nlohmann::json& evaluation);

// Policy action names to decision actions: the names of core/domain.h kActionTypes, and a
// duration or "permanent" after one ("suspend_account_7d", "suspend_account_permanent").
Result<std::vector<cases::Action>> DecisionActions(const std::vector<std::string>& names);

// What automation does about a case after its evaluations.
struct Plan {
  double priority = 0;  // the sum of active policies' adjustments
  std::string priority_why;
  const Evaluation* decide = nullptr;  // its outcome becomes the decision
  std::vector<cases::Action> actions;
  const Evaluation* escalate = nullptr;           // to walk.outcome.escalate
  const Evaluation* route = nullptr;              // to walk.outcome.queue
  std::map<const Evaluation*, std::string> held;  // outcomes not applied, and why
};
Plan PlanActions(const std::vector<Evaluation>& evaluations, const store::CaseRow& c);

// "Policy spam_scams v1 (clause S1): ..." from the trace: the hand-off note of an automatic
// escalation and the explanation of an automatic decision.
std::string Explain(const Evaluation& e);

}  // namespace vigil::automation
