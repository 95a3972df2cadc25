// The starter library in policies/: every file loads without a problem, and every policy is
// walked over realistic snapshots and every combination of reviewer answers, so each tree is
// exercised, not just parsed. The promises the library makes are checked on the walks:
// self-harm never acts against a person at risk, child safety never acts without a specialist.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include "policy/policy.h"

namespace vigil::policy {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;

std::map<std::string, Policy> LoadLibrary() {
  std::map<std::string, Policy> out;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(VIGIL_SOURCE_DIR) + "/policies")) {
    if (e.path().extension() != ".yaml") continue;
    LoadResult r = LoadPolicyFile(e.path().string());
    for (const auto& i : r.issues) ADD_FAILURE() << i.ToString();
    std::string id = r.policy.id;
    out.emplace(id, std::move(r.policy));
  }
  return out;
}

const std::map<std::string, Policy>& Library() {
  static const auto lib = LoadLibrary();
  return lib;
}

const Policy& Get(const std::string& id) {
  auto it = Library().find(id);
  if (it == Library().end()) throw std::runtime_error("no policy " + id);
  return it->second;
}

// Snapshots a reviewer sees every day: nothing known, a quiet post, a post that sets off
// every signal at once, and one per kind of evidence.
std::vector<std::pair<std::string, Snapshot>> Snapshots() {
  std::vector<std::pair<std::string, Snapshot>> out;
  out.push_back({"empty", Snapshot(kNow)});
  Snapshot quiet(kNow);
  (void)quiet.SetNumber("flags.distinct_reporters", 1);
  (void)quiet.SetDurationMs("author.account_age", 900 * kDay);
  (void)quiet.SetBool("author.verified", true);
  out.push_back({"quiet", quiet});
  Snapshot loud(kNow);
  (void)loud.SetList("flags.sources", {"user", "trusted_flagger", "legal_order"});
  (void)loud.SetList("flags.reasons", {"hate_speech", "violent_extremism", "self_harm",
                                       "misinformation", "impersonation", "spam"});
  (void)loud.SetNumber("flags.distinct_reporters", 40);
  (void)loud.SetSeries("flags", std::vector<int64_t>(30, kNow - kHour / 4));
  (void)loud.SetBool("reporter.trusted", true);
  (void)loud.SetNumber("reporter.accuracy", 0.97);
  (void)loud.SetSeries("author.strike_times", {kNow - 10 * kDay});
  (void)loud.SetNumber("author.strikes", 3);
  (void)loud.SetDurationMs("author.account_age", 2 * kDay);
  (void)loud.SetNumber("content.reach.views", 250'000);
  (void)loud.SetNumber("content.reach.shares", 4'000);
  (void)loud.SetBool("content.mentions_person", true);
  (void)loud.SetList("analysis.term_match.category",
                     {"slur", "violent_extremism", "suicidal_ideation", "election_procedure",
                      "credential_request", "scam", "grooming"});
  (void)loud.SetList("analysis.term_match.lists", {"harassment", "csam"});
  (void)loud.SetNumber("analysis.term_match.max_severity", 1.0);
  (void)loud.SetBool("analysis.domain_block", true);
  (void)loud.SetBool("campaign.member", true);
  (void)loud.SetNumber("campaign.score", 0.95);
  for (const char* label : {"hate", "extremism", "self_harm", "election_misinformation", "scam",
                            "spam", "threat", "csam", "grooming"})
    loud.SetClassifierScore(label, 0.99);
  out.push_back({"loud", loud});
  Snapshot reported(kNow);
  (void)reported.SetList("flags.reasons", {"hate_speech", "self_harm", "misinformation",
                                           "impersonation", "violent_extremism"});
  (void)reported.SetNumber("flags.distinct_reporters", 6);
  (void)reported.SetSeries("flags", std::vector<int64_t>(8, kNow - 2 * kHour));
  (void)reported.SetList("flags.sources", {"user"});
  out.push_back({"reported", reported});
  Snapshot classified(kNow);
  for (const char* label : {"hate", "extremism", "self_harm", "election_misinformation", "scam"})
    classified.SetClassifierScore(label, 0.9);
  (void)classified.SetDurationMs("author.account_age", 400 * kDay);
  out.push_back({"classified", classified});
  return out;
}

// Walks every path a reviewer can take from `snap`: at each question, each answer in turn.
// Calls `leaf` with the answers given and the walk's result for every path that ends.
void EveryPath(
    const Policy& p, const Snapshot& snap, std::map<std::string, std::string> answers,
    const std::function<void(const std::map<std::string, std::string>&, const WalkResult&)>& leaf,
    int depth = 0) {
  ASSERT_LT(depth, 32) << p.id << ": answers never end";
  WalkResult r = Walk(p, snap, answers);
  ASSERT_NE(r.status, WalkResult::Status::kNoMatch) << p.id << ": a walk ended without outcome";
  if (r.status == WalkResult::Status::kOutcome) return leaf(answers, r);
  const TreeNode& q = p.nodes[r.question];
  ASSERT_FALSE(answers.count(q.name)) << p.id << ": question " << q.name << " asked twice";
  for (const auto& [answer, node] : q.answers) {
    answers[q.name] = answer;
    EveryPath(p, snap, answers, leaf, depth + 1);
  }
}

TEST(StarterLibrary, HasEveryPolicyTheDemoPromisesWithGuidelinesAndExamples) {
  std::set<std::string> ids;
  for (const auto& [id, p] : Library()) ids.insert(id);
  for (const char* want : {"hate_speech", "harassment", "violent_extremism", "self_harm",
                           "spam_scams", "civic_integrity", "impersonation", "child_safety"})
    EXPECT_TRUE(ids.count(want)) << want;
  for (const auto& [id, p] : Library()) {
    EXPECT_GT(p.guidelines.size(), 300u) << id;
    EXPECT_GE(p.clauses.size(), 3u) << id;
    EXPECT_FALSE(p.notices.empty()) << id;
    EXPECT_FALSE(p.tiers.empty()) << id;
    EXPECT_FALSE(p.severity.empty()) << id;
    bool violating = false, allowed = false;
    for (const auto& e : p.examples) {
      EXPECT_FALSE(e.why.empty()) << id << ": " << e.text;
      if (e.decision == "no_violation")
        allowed = true;
      else
        violating = true;
      if (!e.clause.empty()) {
        EXPECT_TRUE(p.clauses.count(e.clause)) << id << ": " << e.clause;
      }
    }
    EXPECT_TRUE(violating && allowed) << id << " needs violating and non-violating examples";
    // A mix: at least one automatic condition and one reviewer question.
    bool condition = false, question = false;
    for (const auto& n : p.nodes) {
      condition = condition || n.type == NodeType::kCondition;
      question = question || n.type == NodeType::kQuestion;
    }
    EXPECT_TRUE(condition && question) << id;
  }
}

TEST(StarterLibrary, EverySnapshotAndEveryAnswerEndsInADecision) {
  size_t paths = 0;
  std::map<std::string, std::set<std::string>> clauses_reached;
  for (const auto& [id, p] : Library()) {
    for (const auto& [name, snap] : Snapshots()) {
      EveryPath(p, snap, {}, [&](const auto&, const WalkResult& r) {
        ++paths;
        EXPECT_TRUE(r.outcome.decides()) << id << " / " << name;
        if (!r.outcome.clause.empty()) clauses_reached[id].insert(r.outcome.clause);
        if (!r.outcome.notice.empty()) {
          EXPECT_NE(std::find(p.notices.begin(), p.notices.end(), r.outcome.notice),
                    p.notices.end());
        }
      });
    }
    // Every clause the policy defines is reachable by some walk.
    for (const auto& [clause, text] : p.clauses)
      EXPECT_TRUE(clauses_reached[id].count(clause))
          << id << ": clause " << clause << " never reached";
  }
  EXPECT_GT(paths, 150u);
}

TEST(StarterLibrary, SelfHarmNeverActsAgainstAPersonAtRisk) {
  const Policy& p = Get("self_harm");
  for (const auto& [name, snap] : Snapshots()) {
    EveryPath(p, snap, {}, [&](const auto& answers, const WalkResult& r) {
      auto at_risk = answers.find("at_risk");
      ASSERT_NE(at_risk, answers.end()) << "self-harm always asks whether the author is at risk";
      if (at_risk->second == "not_at_risk") return;
      EXPECT_EQ(r.outcome.actions, std::vector<std::string>{"no_violation"}) << name;
      EXPECT_EQ(r.outcome.strike, 0) << name;
      EXPECT_EQ(r.outcome.notice, "support_resources") << name;
      if (at_risk->second == "imminent") {
        EXPECT_EQ(r.outcome.escalate, "senior");
      }
    });
  }
  // Suicidal ideation found by the lists jumps the queue and prepares support resources.
  Snapshot s(kNow);
  ASSERT_TRUE(s.SetList("analysis.term_match.category", {"suicidal_ideation"}).ok());
  WalkResult r = Walk(p, s);
  ASSERT_EQ(r.status, WalkResult::Status::kQuestion);
  EXPECT_EQ(p.nodes[r.question].name, "at_risk");
  EXPECT_EQ(r.outcome.priority, 60);
  EXPECT_EQ(r.outcome.queue, "high_risk");
}

TEST(StarterLibrary, ChildSafetyEscalatesAndNeverActsWithoutASpecialist) {
  const Policy& p = Get("child_safety");
  EXPECT_TRUE(p.human_decision_only);
  for (const auto& [name, snap] : Snapshots()) {
    WalkResult r = Walk(p, snap);
    ASSERT_EQ(r.status, WalkResult::Status::kQuestion) << name;
    EXPECT_EQ(r.outcome.escalate, "child_safety") << name;
    EXPECT_TRUE(r.outcome.actions.empty()) << name;
  }
}

TEST(StarterLibrary, AutomationActsOnlyOnCombinedEvidence) {
  // Hate speech: slur list + confident classifier + a recent strike removes; without the
  // strike it waits for a reviewer, prioritised.
  Snapshot hate(kNow);
  ASSERT_TRUE(hate.SetList("analysis.term_match.category", {"slur"}).ok());
  ASSERT_TRUE(hate.SetNumber("analysis.term_match.max_severity", 1.0).ok());
  hate.SetClassifierScore("hate", 0.99);
  WalkResult r = Walk(Get("hate_speech"), hate);
  EXPECT_EQ(r.status, WalkResult::Status::kQuestion);
  EXPECT_EQ(r.outcome.priority, 15);
  ASSERT_TRUE(hate.SetSeries("author.strike_times", {kNow - 30 * kDay}).ok());
  r = Walk(Get("hate_speech"), hate);
  ASSERT_EQ(r.status, WalkResult::Status::kOutcome);
  EXPECT_EQ(r.outcome.actions, std::vector<std::string>{"remove"});
  EXPECT_EQ(r.outcome.clause, "HS1");
  EXPECT_EQ(r.outcome.strike, 2);
  // ...and counter-speech is a reviewer's no_violation.
  r = Walk(Get("hate_speech"), Snapshot(kNow),
           {{"protected_target", "yes"}, {"counter_speech", "yes"}});
  EXPECT_EQ(r.outcome.actions, std::vector<std::string>{"no_violation"});

  // Violent extremism: a removal order goes to legal at top priority.
  Snapshot order(kNow);
  ASSERT_TRUE(order.SetList("flags.sources", {"legal_order"}).ok());
  r = Walk(Get("violent_extremism"), order);
  ASSERT_EQ(r.status, WalkResult::Status::kQuestion);
  EXPECT_EQ(r.outcome.escalate, "legal");
  EXPECT_EQ(r.outcome.priority, 100);

  // Impersonation: a new account with a credential request and a block-listed link.
  Snapshot phish(kNow);
  ASSERT_TRUE(phish.SetBool("analysis.domain_block", true).ok());
  ASSERT_TRUE(phish.SetDurationMs("author.account_age", 3 * kDay).ok());
  ASSERT_TRUE(phish.SetList("analysis.term_match.category", {"credential_request"}).ok());
  r = Walk(Get("impersonation"), phish);
  ASSERT_EQ(r.status, WalkResult::Status::kOutcome);
  EXPECT_EQ(r.outcome.actions, (std::vector<std::string>{"remove", "suspend_account"}));
  EXPECT_EQ(r.outcome.clause, "I2");
  ASSERT_TRUE(phish.SetDurationMs("author.account_age", 300 * kDay).ok());
  EXPECT_EQ(Walk(Get("impersonation"), phish).status, WalkResult::Status::kQuestion);

  // Civic integrity: a campaign goes to a senior reviewer, never straight to removal.
  Snapshot campaign(kNow);
  ASSERT_TRUE(campaign.SetBool("campaign.member", true).ok());
  ASSERT_TRUE(campaign.SetNumber("campaign.score", 0.93).ok());
  r = Walk(Get("civic_integrity"), campaign);
  ASSERT_EQ(r.status, WalkResult::Status::kQuestion);
  EXPECT_EQ(Get("civic_integrity").nodes[r.question].name, "coordinated");
  EXPECT_EQ(r.outcome.escalate, "senior");
}

}  // namespace
}  // namespace vigil::policy
