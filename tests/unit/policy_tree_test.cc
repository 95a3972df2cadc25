// Policy files: loading with file:line:column errors, lint, and walking a tree with its trace.
#include <gtest/gtest.h>

#include "policy/policy.h"

namespace vigil::policy {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;

const char* kPolicy = R"(id: demo
title: Demo
dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD
guidelines: Remove scams.
clauses: { S1: Scams }
tree:
  - if: analysis.domain_block
    then: { action: remove, clause: S1 }
  - if: classifier.score("scam") >= 0.7 and author.strikes >= 1
    then: { priority: +15, question: deceptive }
  - else: { needs_human_review: true, queue: general }
questions:
  deceptive:
    ask: "Is it deceptive?"
    guidance: "Look for urgency."
    yes: { action: remove, clause: S1, strike: 1 }
    no: { action: no_violation }
)";

Policy Load(const std::string& text) {
  LoadResult r = LoadPolicyText(text, "demo.yaml");
  for (const auto& i : r.issues) ADD_FAILURE() << i.ToString();
  return std::move(r.policy);
}

std::vector<std::string> Problems(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& i : LoadPolicyText(text, "p.yaml").issues) out.push_back(i.ToString());
  return out;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(PolicyTree, AutomaticOutcomeWithTrace) {
  Policy p = Load(kPolicy);
  Snapshot s(kNow);
  ASSERT_TRUE(s.SetBool("analysis.domain_block", true).ok());
  WalkResult r = Walk(p, s);
  ASSERT_EQ(r.status, WalkResult::Status::kOutcome);
  EXPECT_EQ(r.outcome.actions, std::vector<std::string>{"remove"});
  EXPECT_EQ(r.outcome.clause, "S1");
  ASSERT_EQ(r.trace.size(), 2u);
  EXPECT_EQ(r.trace[0].node, "tree[0]");
  EXPECT_EQ(r.trace[0].what, "analysis.domain_block");
  EXPECT_EQ(r.trace[0].result, "true");
  ASSERT_EQ(r.trace[0].values.size(), 1u);
  EXPECT_EQ(r.trace[0].values[0],
            (std::pair<std::string, std::string>{"analysis.domain_block", "true"}));
  EXPECT_EQ(r.trace[1].node, "tree[0].then");
  EXPECT_EQ(r.trace[1].result, "outcome");
}

TEST(PolicyTree, StopsAtAQuestionThenContinuesWithTheAnswer) {
  Policy p = Load(kPolicy);
  Snapshot s(kNow);
  s.SetClassifierScore("scam", 0.8);
  ASSERT_TRUE(s.SetNumber("author.strikes", 2).ok());
  WalkResult r = Walk(p, s);
  ASSERT_EQ(r.status, WalkResult::Status::kQuestion);
  EXPECT_EQ(p.nodes[r.question].name, "deceptive");
  EXPECT_EQ(p.nodes[r.question].guidance, "Look for urgency.");
  EXPECT_EQ(r.outcome.priority, 15);  // the adjustment on the way applies already
  ASSERT_EQ(r.trace.size(), 4u);
  EXPECT_EQ(r.trace[0].result, "false");
  EXPECT_EQ(r.trace[1].node, "tree[1]");
  EXPECT_EQ(r.trace[1].values,
            (std::vector<std::pair<std::string, std::string>>{
                {"author.strikes", "2"}, {"classifier.score(\"scam\")", "0.8"}}));
  EXPECT_EQ(r.trace[3].result, "waiting for a reviewer");

  WalkResult answered = Walk(p, s, {{"deceptive", "yes"}});
  ASSERT_EQ(answered.status, WalkResult::Status::kOutcome);
  EXPECT_EQ(answered.outcome.actions, std::vector<std::string>{"remove"});
  EXPECT_EQ(answered.outcome.strike, 1);
  EXPECT_EQ(answered.outcome.priority, 15);
  EXPECT_EQ(p.nodes[answered.leaf].id, "questions.deceptive.yes");
}

TEST(PolicyTree, ElseRoutesToHumanReview) {
  WalkResult r = Walk(Load(kPolicy), Snapshot(kNow));
  ASSERT_EQ(r.status, WalkResult::Status::kOutcome);
  EXPECT_TRUE(r.outcome.needs_human_review);
  EXPECT_EQ(r.outcome.queue, "general");
}

TEST(PolicyTree, ConditionErrorsNameFileLineAndColumn) {
  auto problems = Problems(Replace(kPolicy, "author.strikes >= 1", "author.strikes >= \"one\""));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "p.yaml:9:60: type_error: '>=' cannot combine a number with a string");
  problems = Problems(Replace(kPolicy, "if: analysis.domain_block", "if: analysis.domain_blocked"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "p.yaml:7:9: unknown_signal: unknown signal 'analysis.domain_blocked' "
            "(did you mean 'analysis.domain_block'?)");
  // Quoted scalars: the column is of the expression, not of the quote.
  problems = Problems(Replace(kPolicy, "if: analysis.domain_block", "if: 'content.type == 3'"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "p.yaml:7:23: type_error: '==' cannot combine a string with a number");
  // Folded block scalars: the block's first line, plus the position inside the expression.
  problems =
      Problems(Replace(kPolicy, "if: analysis.domain_block",
                       "if: >-\n      analysis.domain_block\n      and author.strikes > \"2\""));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "p.yaml:8:7: type_error: (expression 1:42) '>' cannot combine a number with a string");
  problems = Problems(Replace(kPolicy, "if: analysis.domain_block", "if: author.strikes"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "p.yaml:7:9: type_error: a condition must be a boolean, this is a number");
}

TEST(PolicyTree, YamlAndSchemaErrorsNamePositions) {
  auto problems = Problems(Replace(kPolicy, "title: Demo", "title: [Demo"));
  ASSERT_FALSE(problems.empty());
  // yaml-cpp names where it noticed the unclosed '[': the next line.
  EXPECT_EQ(problems[0], "p.yaml:3:13: yaml: end of sequence flow not found");
  problems = Problems(Replace(kPolicy, "question: deceptive", "question: deceptiv"));
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0], "p.yaml:10:38: schema: no question named 'deceptiv'");
  problems =
      Problems(Replace(kPolicy, "{ action: remove, clause: S1 }", "{ acton: remove, clause: S1 }"));
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0], "p.yaml:8:13: schema: unknown outcome field 'acton'");
}

// An escalation's hand-off fields travel with its tier: the latest step naming a tier wins.
TEST(PolicyTree, EscalationHandoffFieldsGoWithTheirTier) {
  std::string text = Replace(kPolicy, "{ priority: +15, question: deceptive }",
                             "{ priority: +15, escalate: legal, question: deceptive,\n"
                             "        fields: { jurisdiction: EU, legal_question: \"Fraud?\" } }");
  text = Replace(text, "clauses: { S1: Scams }", "clauses: { S1: Scams }\ntiers: [legal, senior]");
  Policy p = Load(text);
  Snapshot s(kNow);
  s.SetClassifierScore("scam", 0.8);
  ASSERT_TRUE(s.SetNumber("author.strikes", 2).ok());
  WalkResult waiting = Walk(p, s);  // the step's tier and hand-off apply before the answer
  ASSERT_EQ(waiting.status, WalkResult::Status::kQuestion);
  EXPECT_EQ(waiting.outcome.escalate, "legal");
  EXPECT_EQ(waiting.outcome.fields,
            (std::map<std::string, std::string>{{"jurisdiction", "EU"}, {"legal_question", "Fraud?"}}));
  WalkResult r = Walk(p, s, {{"deceptive", "yes"}});
  ASSERT_EQ(r.status, WalkResult::Status::kOutcome);
  EXPECT_EQ(r.outcome.escalate, "legal");
  EXPECT_EQ(r.outcome.fields.at("legal_question"), "Fraud?");
  // A later step naming another tier takes its own (here no) hand-off along.
  Policy senior = Load(Replace(text, "yes: { action: remove, clause: S1, strike: 1 }",
                               "yes: { action: remove, clause: S1, strike: 1, escalate: senior }"));
  WalkResult to_senior = Walk(senior, s, {{"deceptive", "yes"}});
  ASSERT_EQ(to_senior.status, WalkResult::Status::kOutcome);
  EXPECT_EQ(to_senior.outcome.escalate, "senior");
  EXPECT_TRUE(to_senior.outcome.fields.empty());
  // Schema: fields are a mapping of single values, and only with escalate.
  auto problems = Problems(Replace(text, "fields: { jurisdiction: EU, legal_question: \"Fraud?\" }",
                                 "fields: [EU, Fraud]"));
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("'fields' is a mapping"), std::string::npos) << problems[0];
  problems = Problems(Replace(kPolicy, "{ action: remove, clause: S1 }",
                              "{ action: remove, clause: S1, fields: { jurisdiction: EU } }"));
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("they need 'escalate'"), std::string::npos) << problems[0];
}

TEST(PolicyTree, LintFindsUnreachableNodesAndMissingOutcomes) {
  // A question nobody asks, rules after a constant-true condition, a step deciding nothing.
  // Only where an unreachable region starts is reported (tree[1]; not tree[2].else or the
  // question only tree[1] leads to).
  std::string text = Replace(kPolicy, "  - if: analysis.domain_block", "  - if: true");
  text +=
      "  orphan:\n    ask: Never asked?\n    yes: { action: remove }\n    no: { priority: 5 }\n";
  auto problems = Problems(text);
  ASSERT_EQ(problems.size(), 3u) << ::testing::PrintToString(problems);
  EXPECT_EQ(
      problems[0],
      "p.yaml:9:9: unreachable: tree[1] can never be reached (no path from the root leads here)");
  EXPECT_EQ(problems[1],
            "p.yaml:18:3: unreachable: question 'orphan' is never asked (no path from the root "
            "leads here)");
  EXPECT_EQ(problems[2],
            "p.yaml:21:9: no_outcome: questions.orphan.no has no outcome: give it action, "
            "needs_human_review, escalate or queue");
}

TEST(PolicyTree, LintFindsRulesWithoutElseAndCycles) {
  auto problems =
      Problems(Replace(kPolicy, "  - else: { needs_human_review: true, queue: general }\n", ""));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].substr(0, 30), "p.yaml:9:9: no_outcome: tree[1");
  problems =
      Problems(Replace(kPolicy, "no: { action: no_violation }", "no: { question: deceptive }"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "p.yaml:13:3: cycle: questions.deceptive leads back to itself; a tree must not loop");
}

TEST(PolicyTree, LintFindsARepeatedCondition) {
  std::string text = Replace(
      kPolicy,
      "  - else:", "  - if: analysis.domain_block\n    then: { action: remove }\n  - else:");
  auto problems = Problems(text);
  ASSERT_EQ(problems.size(), 1u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0],
            "p.yaml:11:9: overlap: tree[2] repeats the condition of tree[0]; the first match "
            "wins, so tree[2].then never runs");
}

TEST(PolicyTree, AutomationNeverRefusesActionsBeforeAQuestion) {
  std::string text = Replace(kPolicy, "title: Demo\n", "title: Demo\nautomation: never\n");
  auto problems = Problems(text);
  ASSERT_EQ(problems.size(), 1u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0],
            "p.yaml:9:11: automation: tree[0].then acts without a reviewer's answer, "
            "but the policy says automation: never");
  // The same policy with the automatic removal turned into a question passes.
  text = Replace(text, "then: { action: remove, clause: S1 }", "then: { question: deceptive }");
  EXPECT_TRUE(Problems(text).empty()) << ::testing::PrintToString(Problems(text));
}

TEST(PolicyTree, RendersMermaid) {
  std::string m = RenderMermaid(Load(kPolicy));
  EXPECT_EQ(m.rfind("flowchart TD\n", 0), 0u);
  EXPECT_NE(m.find("n0{\"analysis.domain_block\"}"), std::string::npos) << m;
  EXPECT_NE(m.find("n0 -->|yes| n1"), std::string::npos) << m;
  EXPECT_NE(m.find("classifier.score(#quot;scam#quot;)"), std::string::npos) << m;
  EXPECT_NE(m.find("[/\"Is it deceptive?\"/]"), std::string::npos) << m;
}

}  // namespace
}  // namespace vigil::policy
