// Policies on a case without a server: which policies apply, shadow policies recorded but never
// acting, `automation: never` holding every action, and policy action names as decisions.
#include <gtest/gtest.h>

#include "automation/evaluation.h"
#include "policy/facts.h"

namespace vigil::automation {
namespace {

constexpr const char* kCategory = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD";

std::shared_ptr<const policy::Policy> Load(const std::string& id, const std::string& extra) {
  auto r = policy::LoadPolicyText(
      "id: " + id + "\ntitle: T\ndsa_category: " + kCategory + "\nguidelines: g\n" + extra +
          "clauses: { S1: s }\ntree:\n  - if: analysis.domain_block\n"
          "    then: { action: suspend_account_7d, clause: S1, priority: +15 }\n"
          "  - else: { needs_human_review: true }\n",
      id + ".yaml");
  return std::make_shared<policy::Policy>(std::move(r.policy));
}

// The running set a versioned library hands out: one active and one shadow policy.
class TwoModeLibrary : public policy::PolicyLibrary {
 public:
  TwoModeLibrary() : PolicyLibrary("/nonexistent") {
    auto set = std::make_shared<policy::RunningSet>();
    set->push_back({Load("active_one", ""), 3, policy::Mode::kActive});
    set->push_back({Load("shadow_one", ""), 4, policy::Mode::kShadow});
    Replace(set);
  }
};

policy::Snapshot Blocked() {
  policy::CaseFacts f;
  f.analysed = true;
  f.analysis.signals.push_back({"domain_block", "https://x.test", 0.8, "listed", {{0, 14}}, {}});
  return policy::ToSnapshot(f, 0);
}

store::CaseRow OpenCase() {
  store::CaseRow c;
  c.id = 7;
  c.status = "open";
  c.queue = "general";
  return c;
}

TEST(AutomationEvaluation, ShadowPoliciesAreRecordedButNeverAct) {
  TwoModeLibrary lib;
  auto evals = EvaluateCase(*lib.Running(), {kCategory}, Blocked(), nullptr);
  ASSERT_EQ(evals.size(), 2u);
  for (const auto& e : evals) EXPECT_EQ(e.walk.status, policy::WalkResult::Status::kOutcome);
  EXPECT_EQ(EvaluationJson(evals[1])["mode"], "shadow");
  EXPECT_EQ(EvaluationJson(evals[1])["version"], 4);
  Plan plan = PlanActions(evals, OpenCase());
  ASSERT_EQ(plan.decide, &evals[0]);  // the active one
  EXPECT_EQ(plan.priority, 15);       // the shadow policy's +15 is not applied
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].type, "suspend_account");
  EXPECT_EQ(plan.actions[0].duration, 7 * 86'400'000);

  // With only the shadow policy running, nothing acts at all.
  policy::RunningSet shadow_only = {(*lib.Running())[1]};
  auto shadow = EvaluateCase(shadow_only, {kCategory}, Blocked(), nullptr);
  Plan none = PlanActions(shadow, OpenCase());
  EXPECT_EQ(none.decide, nullptr);
  EXPECT_EQ(none.priority, 0);
  // A policy for another category does not apply.
  EXPECT_TRUE(
      EvaluateCase(*lib.Running(), {"STATEMENT_CATEGORY_VIOLENCE"}, Blocked(), nullptr).empty());
}

TEST(AutomationEvaluation, AutomationNeverHoldsActionsEvenIfAWalkReachesThem) {
  policy::RunningSet set = {{Load("minors", "automation: never\n"), 1, policy::Mode::kActive}};
  ASSERT_TRUE(set[0].policy->human_decision_only);
  auto evals = EvaluateCase(set, {kCategory}, Blocked(), nullptr);
  Plan plan = PlanActions(evals, OpenCase());
  EXPECT_EQ(plan.decide, nullptr);
  ASSERT_EQ(plan.held.count(&evals[0]), 1u);
  EXPECT_NE(plan.held[&evals[0]].find("automation: never"), std::string::npos);
  EXPECT_EQ(plan.priority, 15);  // priority and routing stay automatic
}

TEST(AutomationEvaluation, PolicyActionNamesBecomeDecisionActions) {
  auto a = DecisionActions({"remove", "suspend_account_permanent"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value()[1].type, "suspend_account");
  EXPECT_FALSE(a.value()[1].duration.has_value());
  EXPECT_FALSE(DecisionActions({"obliterate"}).ok());
  EXPECT_FALSE(DecisionActions({"remove_7x"}).ok());
  EXPECT_FALSE(DecisionActions({"no_violation", "remove"}).ok());
}

}  // namespace
}  // namespace vigil::automation
