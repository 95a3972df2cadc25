// CaseFacts -> Snapshot: every schema signal a case can give, from a real analysis, and the
// stored form of an analysis read back.
#include <gtest/gtest.h>

#include <memory>

#include "analysis/analyzer.h"
#include "policy/facts.h"
#include "policy/policy.h"

namespace vigil::policy {
namespace {

constexpr Millis kNow = 1'800'000'000'000;
constexpr Millis kHour = 3'600'000;

std::string Value(const Snapshot& s, const char* name) { return s.Describe(*FindSignal(name)); }

CaseFacts ScamCase(const analysis::Analyzer& analyzer) {
  CaseFacts f;
  ContentItem item;
  item.id = "post-1";
  item.type = ContentType::kUrl;
  item.text = "Free money! DM @winner now at https://shop.evil-deals.com/x or bit.ly/abc";
  item.author = Account{"author-9", kNow - 2 * 24 * kHour, "A"};
  item.created_at = kNow - 5 * kHour;
  item.reach = {1200, 40, 7};
  item.metadata_json = R"({"author_verified": true})";
  FillContentFacts(item, kNow - 4 * kHour, &f);
  f.flags = {{kNow - 3 * kHour, FlagSource::kUser, "scam", "r1", false},
             {kNow - 2 * kHour, FlagSource::kUser, "scam", "r1", true},
             {kNow - 30 * 60'000, FlagSource::kTrustedFlagger, "fraud", "tf", false}};
  f.has_reporter = true;
  f.reporter_past_flags = 8;
  f.reporter_past_actioned = 8;
  f.author_strikes = 2;
  f.author_strike_times = {kNow - 40 * 24 * kHour, kNow - 3 * 24 * kHour};
  f.analysed = true;
  f.analysis = analyzer.Analyze(f.text, f.declared_language);
  return f;
}

std::unique_ptr<analysis::Analyzer> ScamAnalyzer() {
  auto a = std::make_unique<analysis::Analyzer>("/nonexistent");
  auto scam = analysis::ParseTermList("@name scam-phrases\n@category scam\n@severity 4\nfree money\n", "s");
  auto domains = analysis::ParseTermList("@name bad-domains\n@kind domains\n@action block\nevil-deals.com\n", "d");
  EXPECT_TRUE(scam.ok() && domains.ok());
  EXPECT_TRUE(a->SetLists({scam.value(), domains.value()}).ok());
  return a;
}

TEST(PolicyFacts, EverySignalACaseGives) {
  auto analyzer = ScamAnalyzer();
  Snapshot s = ToSnapshot(ScamCase(*analyzer), kNow);

  EXPECT_EQ(Value(s, "flags"), "3 events");
  EXPECT_EQ(Value(s, "flags.count"), "2");  // the repeat by r1 is not counted
  EXPECT_EQ(Value(s, "flags.distinct_reporters"), "2");
  EXPECT_EQ(Value(s, "flags.trusted"), "1 events");
  EXPECT_EQ(Value(s, "flags.sources"), "[user, trusted_flagger]");
  EXPECT_EQ(Value(s, "flags.reasons"), "[scam, fraud]");
  EXPECT_EQ(Value(s, "reporter.accuracy"), "0.833333");  // (8 + 2) / (8 + 4): the Beta(2,2) prior
  EXPECT_EQ(Value(s, "reporter.trusted"), "true");       // the newest flag is the trusted one
  EXPECT_EQ(Value(s, "author.strikes"), "2");
  EXPECT_EQ(Value(s, "author.strike_times"), "2 events");
  EXPECT_EQ(Value(s, "author.account_age"), "2d");
  EXPECT_EQ(Value(s, "author.verified"), "true");
  EXPECT_EQ(Value(s, "author.followers"), "40");
  EXPECT_EQ(Value(s, "content.type"), "\"link\"");
  EXPECT_EQ(Value(s, "content.language"), "\"en\"");  // not declared: the detected language
  EXPECT_EQ(Value(s, "content.reach.views"), "1200");
  EXPECT_EQ(Value(s, "content.reach.shares"), "7");
  EXPECT_EQ(Value(s, "content.mentions_person"), "true");
  EXPECT_EQ(s.num(*FindSignal("content.created_at")), static_cast<double>(kNow - 5 * kHour));
  EXPECT_EQ(Value(s, "content.text_length"), "73");
  EXPECT_EQ(Value(s, "analysis.term_match.category"), "[scam]");
  EXPECT_EQ(Value(s, "analysis.term_match.lists"), "[scam-phrases]");
  EXPECT_EQ(Value(s, "analysis.term_match.count"), "1");
  EXPECT_EQ(Value(s, "analysis.term_match.max_severity"), "0.8");
  EXPECT_EQ(Value(s, "analysis.url.domains"), "[evil-deals.com, bit.ly]");
  EXPECT_EQ(Value(s, "analysis.url_shortener"), "true");
  EXPECT_EQ(Value(s, "analysis.domain_block"), "true");
  EXPECT_EQ(Value(s, "analysis.language"), "\"en\"");
  EXPECT_EQ(Value(s, "analysis.language_mismatch"), "false");
  EXPECT_EQ(Value(s, "analysis.obfuscation"), "false");
  EXPECT_EQ(Value(s, "campaign.member"), "false");
}

TEST(PolicyFacts, AbsentFactsLeaveZeroValues) {
  CaseFacts f;
  f.text = "hello";
  f.declared_language = "de";
  f.content_received_at = kNow;
  Snapshot s = ToSnapshot(f, kNow);
  EXPECT_EQ(Value(s, "reporter.accuracy"), "0");  // no reporter, not the neutral prior
  EXPECT_EQ(Value(s, "author.account_age"), "0ms");
  EXPECT_EQ(Value(s, "content.language"), "\"de\"");
  EXPECT_EQ(Value(s, "content.mentions_person"), "false");
  EXPECT_EQ(Value(s, "analysis.language"), "\"\"");  // not analysed
  EXPECT_EQ(s.num(*FindSignal("content.created_at")), static_cast<double>(kNow));
  EXPECT_FALSE(MentionsPerson("write to help@example.com"));
  EXPECT_TRUE(MentionsPerson("@someone look"));
}

TEST(PolicyFacts, StoredAnalysisReadsBackWithClassifierScores) {
  auto analyzer = ScamAnalyzer();
  CaseFacts live = ScamCase(*analyzer);
  nlohmann::json stored = live.analysis.ToJson();
  stored.erase("normalized");
  // Two models and the external classifier score "scam": the highest one counts.
  stored["signals"].push_back({{"name", "classifier"}, {"value", "scam"}, {"score", 0.62}, {"why", "m1"},
                               {"spans", nlohmann::json::array()}, {"detail", {{"model", "m1"}}}});
  stored["signals"].push_back({{"name", "classifier"}, {"value", "scam"}, {"score", 0.91}, {"why", "m2"},
                               {"spans", nlohmann::json::array()}, {"detail", {{"model", "m2"}}}});
  stored["signals"].push_back({{"name", "external_classifier"}, {"value", "harassment"}, {"score", 0.3},
                               {"why", "ext"}, {"spans", nlohmann::json::array()}, {"detail", nlohmann::json::object()}});
  auto back = analysis::AnalysisResult::FromJson(stored);
  ASSERT_TRUE(back.ok()) << back.error().field << ": " << back.error().message;
  ASSERT_EQ(back->signals.size(), live.analysis.signals.size() + 3);
  EXPECT_EQ(back->signals[0].spans, live.analysis.signals[0].spans);
  EXPECT_EQ(back->language.code, "en");

  CaseFacts f = live;
  f.analysis = back.value();
  Snapshot s = ToSnapshot(f, kNow);
  EXPECT_DOUBLE_EQ(s.ClassifierScore("scam"), 0.91);
  EXPECT_DOUBLE_EQ(s.ClassifierScore("harassment"), 0.3);
  EXPECT_EQ(Value(s, "analysis.term_match.lists"), "[scam-phrases]");

  // A policy walks the snapshot the way automation will.
  auto loaded = LoadPolicyText(
      "id: scams\ntitle: T\ndsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD\nguidelines: g\n"
      "clauses: { S1: s }\ntree:\n"
      "  - if: analysis.domain_block and classifier.score(\"scam\") >= 0.9 and author.account_age < 7d\n"
      "    then: { action: remove, clause: S1 }\n  - else: { needs_human_review: true }\n",
      "scams.yaml");
  ASSERT_TRUE(loaded.issues.empty()) << loaded.issues[0].ToString();
  WalkResult w = Walk(loaded.policy, s);
  ASSERT_EQ(w.status, WalkResult::Status::kOutcome);
  EXPECT_EQ(w.outcome.actions, std::vector<std::string>{"remove"});

  nlohmann::json bad = stored;
  bad["signals"][1]["spans"][0]["begin"] = "x";
  auto err = analysis::AnalysisResult::FromJson(bad);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().field, "signals/1/spans/0/begin");
}

}  // namespace
}  // namespace vigil::policy
