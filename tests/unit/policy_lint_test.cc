// Lint's overlap analysis: rules shadowed by earlier ones, contradictory and redundant
// comparisons on one signal, sibling ranges that overlap for different outcomes; each with
// file:line:column, and the usual "stricter threshold first" order left alone.
#include <gtest/gtest.h>

#include "policy/policy.h"

namespace vigil::policy {
namespace {

// A policy whose tree is `rules` (YAML list items, indented two spaces) followed by an else.
std::string WithRules(const std::string& rules) {
  return "id: lint\n"
         "title: Lint\n"
         "dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD\n"
         "guidelines: x\n"
         "tree:\n" +
         rules + "  - else: { needs_human_review: true }\n";
}

std::vector<std::string> Problems(const std::string& rules) {
  std::vector<std::string> out;
  for (const auto& i : LoadPolicyText(WithRules(rules), "p.yaml").issues)
    out.push_back(i.ToString());
  return out;
}

// Lint of `rules` gives exactly `expected`, in order; an entry ending in "..." is a prefix.
void ExpectProblems(const std::string& rules, const std::vector<std::string>& expected) {
  auto problems = Problems(rules);
  ASSERT_EQ(problems.size(), expected.size()) << ::testing::PrintToString(problems);
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::string& want = expected[i];
    if (want.size() > 3 && want.ends_with("..."))
      EXPECT_EQ(problems[i].substr(0, want.size() - 3), want.substr(0, want.size() - 3));
    else
      EXPECT_EQ(problems[i], want);
  }
}

TEST(PolicyLint, LaterRuleShadowedByAWiderEarlierOne) {
  ExpectProblems(
      "  - if: author.strikes >= 3\n"
      "    then: { action: remove }\n"
      "  - if: author.strikes >= 5 and content.type == \"text\"\n"
      "    then: { action: suspend_account }\n",
      {"p.yaml:8:9: overlap: tree[1] is shadowed by tree[0]: whenever its condition is true, so "
       "is tree[0]'s; the first match wins, so tree[1].then never runs"});
}

TEST(PolicyLint, ShadowingSeesThroughOrDurationsCountsAndNot) {
  ExpectProblems(
      "  - if: author.account_age < 30d or count(flags within 24h) >= 10\n"
      "    then: { queue: new_accounts }\n"
      "  - if: author.account_age < 7d\n"
      "    then: { action: remove }\n"
      "  - if: 'not (count(flags within 24h) < 20) and \"spam\" in flags.reasons'\n"
      "    then: { action: remove }\n"
      "  - if: classifier.score(\"scam\") >= 0.9\n"
      "    then: { action: remove }\n"
      "  - if: 10 < author.strikes\n"
      "    then: { action: remove }\n"
      "  - if: author.strikes > 12 and classifier.score(\"scam\") >= 0.95\n"
      "    then: { action: remove }\n",
      {"p.yaml:8:9: overlap: tree[1] is shadowed by tree[0]...",
       "p.yaml:10:10: overlap: tree[2] is shadowed by tree[0]...",
       // shadowed by two earlier rules: the first one is named
       "p.yaml:16:9: overlap: tree[5] is shadowed by tree[3]..."});
}

TEST(PolicyLint, EquivalentConditionIsNamedAsARepeat) {
  ExpectProblems(
      "  - if: analysis.domain_block\n"
      "    then: { action: remove }\n"
      "  - if: analysis.domain_block == true\n"
      "    then: { action: remove, strike: 1 }\n",
      {"p.yaml:8:9: overlap: tree[1] repeats the condition of tree[0]; the first match wins, so "
       "tree[1].then never runs"});
}

TEST(PolicyLint, ContradictoryComparisonsOnOneSignal) {
  ExpectProblems(
      "  - if: author.strikes > 5 and author.strikes < 3\n"
      "    then: { action: remove }\n"
      "  - if: author.verified and reporter.trusted and not author.verified\n"
      "    then: { action: remove }\n"
      "  - if: author.strikes == 1 or (content.reach.views >= 100 and content.reach.views < 100)\n"
      "    then: { action: remove }\n",
      {"p.yaml:6:32: contradiction: `author.strikes < 3` contradicts an earlier comparison of "
       "author.strikes in tree[0]: no value satisfies both, so the condition is never true",
       "p.yaml:8:50: contradiction: `not author.verified` contradicts an earlier part of tree[1], "
       "so the condition is never true",
       "p.yaml:10:64: contradiction: `content.reach.views < 100` contradicts an earlier comparison "
       "of content.reach.views in tree[2]: no value satisfies both, so this `or` branch is never "
       "true"});
}

TEST(PolicyLint, DuplicateAndImpliedComparisons) {
  ExpectProblems(
      "  - if: author.strikes >= 3 and author.strikes >= 5\n"
      "    then: { action: remove }\n"
      "  - if: reporter.trusted and reporter.trusted\n"
      "    then: { action: remove }\n"
      "  - if: flags.count > 10 or flags.count > 20\n"
      "    then: { action: remove }\n",
      {"p.yaml:6:9: redundant: `author.strikes >= 3` adds nothing in tree[0]: "
       "`author.strikes >= 5` already implies it",
       "p.yaml:8:30: redundant: `reporter.trusted` repeats an earlier part of tree[1]",
       "p.yaml:10:29: redundant: the `or` branch `flags.count > 20` in tree[2] adds nothing: "
       "whenever it is true, `flags.count > 10` is too"});
}

TEST(PolicyLint, SiblingRangesOverlappingForDifferentOutcomes) {
  ExpectProblems(
      "  - if: classifier.score(\"scam\") >= 0.5 and classifier.score(\"scam\") < 0.9\n"
      "    then: { queue: spam, needs_human_review: true }\n"
      "  - if: classifier.score(\"scam\") >= 0.8\n"
      "    then: { action: remove, clause: S1 }\n",
      {"p.yaml:8:9: overlap: tree[1] overlaps tree[0] on classifier.score(\"scam\"): values >= "
       "0.8 and < 0.9 match both and take tree[0]'s outcome (queue spam, human review), not "
       "tree[1]'s (remove, clause S1); make the ranges meet without overlapping"});
}

TEST(PolicyLint, StricterThresholdFirstAndSameOutcomesAreFine) {
  ExpectProblems(
      "  - if: classifier.score(\"scam\") >= 0.95\n"
      "    then: { action: remove }\n"
      "  - if: classifier.score(\"scam\") >= 0.7\n"
      "    then: { queue: spam }\n"
      "  - if: author.account_age < 7d and flags.count >= 3\n"
      "    then: { queue: spam }\n"
      "  - if: author.account_age < 14d and author.account_age > 3d and flags.count >= 3\n"
      "    then: { queue: spam }\n"
      "  - if: author.strikes >= 2 or analysis.domain_block\n"
      "    then: { action: remove }\n"
      "  - if: author.strikes >= 1 and reporter.trusted\n"
      "    then: { action: remove }\n",
      {});
}

TEST(PolicyLint, BlockScalarsNameTheBlockAndThePlaceInside) {
  ExpectProblems(
      "  - if: >-\n"
      "      flags.count >= 2\n"
      "      and flags.count < 1\n"
      "    then: { action: remove }\n",
      {"p.yaml:6:9: contradiction: (expression 1:22) `flags.count < 1`..."});
}

TEST(PolicyLint, NestedRuleListsAreSiblingsToo) {
  ExpectProblems(
      "  - if: analysis.domain_block\n"
      "    then:\n"
      "      rules:\n"
      "        - if: author.strikes >= 1\n"
      "          then: { action: remove, strike: 1 }\n"
      "        - if: author.strikes >= 2\n"
      "          then: { action: suspend_account }\n"
      "        - else: { action: remove }\n",
      {"p.yaml:11:15: overlap: tree[0].then.rules[1] is shadowed by tree[0].then.rules[0]..."});
}

}  // namespace
}  // namespace vigil::policy
