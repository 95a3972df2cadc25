// `vigil policy check/render/eval` as a specialist runs them: the shipped library passes,
// broken files fail with exit 1 and file:line:column, eval prints the walk's trace.
#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.h"

namespace vigil::testing {
namespace {

const std::string kLibrary = std::string(VIGIL_SOURCE_DIR) + "/policies";

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(PolicyCli, ShippedLibraryPassesCheck) {
  std::string out;
  ASSERT_EQ(RunVigil({"policy", "check", kLibrary}, &out), 0) << out;
  EXPECT_NE(out.find("harassment.yaml: ok, policy harassment"), std::string::npos) << out;
  EXPECT_NE(out.find("spam-scams.yaml: ok, policy spam_scams"), std::string::npos) << out;
  for (const char* id : {"hate_speech", "violent_extremism", "self_harm", "civic_integrity",
                         "impersonation", "child_safety"})
    EXPECT_NE(out.find(std::string("ok, policy ") + id), std::string::npos) << id << out;
  EXPECT_NE(out.find(", 0 problems"), std::string::npos) << out;
}

TEST(PolicyCli, CheckReportsEveryProblemAndExitsOne) {
  TempDir tmp;
  Write(tmp.Join("bad.yaml"), R"(id: bad
title: Bad
dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD
guidelines: x
tree:
  - if: author.strikes >= "3"
    then: { action: remove }
  - if: user.karma > 3
    then: { priority: 5 }
  - else: { action: no_violation }
questions:
  lonely:
    ask: Anyone?
    yes: { action: remove }
    no: { action: no_violation }
)");
  Write(tmp.Join("good.yml"), R"(id: good
title: Good
dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD
guidelines: x
tree:
  - else: { needs_human_review: true }
)");
  std::string out;
  EXPECT_EQ(RunVigil({"policy", "check", tmp.path()}, &out), 1);
  const std::string bad = tmp.Join("bad.yaml");
  EXPECT_NE(out.find(bad + ":6:24: type_error: '>=' cannot combine a number with a string"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(bad + ":8:9: unknown_signal: unknown signal 'user.karma'"), std::string::npos)
      << out;
  EXPECT_NE(out.find(bad + ":9:11: no_outcome: tree[1].then has no outcome"), std::string::npos)
      << out;
  EXPECT_NE(out.find(bad + ":12:3: unreachable: question 'lonely' is never asked"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("good.yml: ok, policy good, 1 nodes"), std::string::npos) << out;
  EXPECT_NE(out.find("2 files, 4 problems"), std::string::npos) << out;

  EXPECT_EQ(RunVigil({"policy", "check", tmp.Join("good.yml")}, &out), 0) << out;
  EXPECT_EQ(RunVigil({"policy", "check", tmp.Join("missing")}, &out), 2);
}

TEST(PolicyCli, CheckReportsOverlappingAndContradictoryRules) {
  TempDir tmp;
  Write(tmp.Join("overlap.yaml"), R"(id: overlap
title: Overlap
dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD
guidelines: x
tree:
  - if: classifier.score("scam") >= 0.5 and classifier.score("scam") < 0.9
    then: { needs_human_review: true, queue: spam }
  - if: classifier.score("scam") >= 0.8
    then: { action: remove }
  - if: author.strikes >= 1
    then: { queue: repeat }
  - if: author.strikes >= 3 and author.strikes < 2
    then: { action: suspend_account }
  - else: { needs_human_review: true }
)");
  std::string out;
  EXPECT_EQ(RunVigil({"policy", "check", tmp.path()}, &out), 1);
  const std::string f = tmp.Join("overlap.yaml");
  EXPECT_NE(out.find(f + ":8:9: overlap: tree[1] overlaps tree[0] on classifier.score(\"scam\")"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(f + ":12:33: contradiction: `author.strikes < 2`"), std::string::npos) << out;
  EXPECT_NE(out.find("1 files, 2 problems"), std::string::npos) << out;
  // The shipped library stays clean under the same analysis (ShippedLibraryPassesCheck).
}

TEST(PolicyCli, RendersMermaid) {
  std::string out;
  ASSERT_EQ(
      RunVigil({"policy", "render", kLibrary + "/harassment.yaml", "--format", "mermaid"}, &out),
      0);
  EXPECT_EQ(out.rfind("flowchart TD\n", 0), 0u) << out;
  EXPECT_NE(out.find("Is this a credible threat of violence"), std::string::npos) << out;
  EXPECT_NE(out.find("-->|calls_others|"), std::string::npos) << out;
}

TEST(PolicyCli, EvalPrintsOutcomeAndTrace) {
  std::string out;
  ASSERT_EQ(RunVigil({"policy", "eval", kLibrary + "/spam-scams.yaml", "--signals",
                      R"({"classifier": {"scam": 0.97}, "author.account_age": "2d",
                          "flags.distinct_reporters": 3})"},
                     &out),
            0)
      << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["status"], "outcome");
  EXPECT_EQ(j["actions"], nlohmann::json::array({"remove"}));
  EXPECT_EQ(j["clause"], "S2");
  ASSERT_EQ(j["trace"].size(), 3u) << out;
  EXPECT_EQ(j["trace"][1]["node"], "tree[1]");
  EXPECT_EQ(j["trace"][1]["result"], "true");
  EXPECT_EQ(j["trace"][1]["values"]["author.account_age"], "2d");

  ASSERT_EQ(RunVigil({"policy", "eval", kLibrary + "/harassment.yaml", "--answer",
                      "targets_private_person=yes"},
                     &out),
            0);
  j = nlohmann::json::parse(out);
  EXPECT_EQ(j["status"], "question");
  EXPECT_EQ(j["question"], "degrading");

  EXPECT_EQ(RunVigil({"policy", "eval", kLibrary + "/harassment.yaml", "--signals",
                      R"({"author.strike": 1})"},
                     &out),
            2);
}

}  // namespace
}  // namespace vigil::testing
