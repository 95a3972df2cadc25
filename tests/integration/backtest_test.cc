// `vigil policy backtest` over a served data directory: cases flagged and decided by people
// through the API, replayed through the version in force and through a draft.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/workflow_fixture.h"

namespace vigil::testing {
namespace {

const char* kInForce = R"(id: scam_test
title: Scams (test)
dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD
guidelines: Remove scams.
clauses: { S1: Scams, S2: Blocked domains }
tree:
  - if: analysis.domain_block
    then: { action: remove, clause: S2 }
  - if: flags.distinct_reporters >= 2
    then: { action: remove, clause: S1 }
  - else: { needs_human_review: true }
)";

class BacktestTest : public WorkflowTest {
 protected:
  void Decide(int64_t id, const std::string& action) {
    auto admin = Client(admin_);
    int64_t v = Case(id)["version"];
    auto r = admin->PostJson("/v1/cases/" + std::to_string(id) + "/decisions",
                             {{"case_version", v}, {"actions", {action}}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  int64_t FlagBy(const std::string& content, const std::vector<std::string>& reporters,
                 const std::string& reason = "scam", const std::string& text = "") {
    int64_t id = 0;
    for (const auto& rep : reporters) {
      json f = SampleFlag(content, rep);
      f["reason"] = reason;
      if (!text.empty()) f["content"]["text"] = text;
      id = Flag(f);
    }
    return id;
  }
  json Backtest(std::vector<std::string> extra) {
    std::vector<std::string> args = {"policy", "backtest", "--data", data_, "--policy", "scam_test",
                                     "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string out;
    EXPECT_EQ(RunVigil(args, &out), 0) << out;
    return json::parse(out);
  }
  static int64_t Cell(const json& confusion, const std::string& human, const std::string& policy) {
    for (const auto& c : confusion)
      if (c["human"] == human && c["candidate"] == policy) return c["cases"];
    return 0;
  }
};

TEST_F(BacktestTest, ReplaysStoredCasesAgainstPeoplesDecisions) {
  std::filesystem::create_directories(data_ + "/policies");
  std::filesystem::create_directories(data_ + "/lists");
  std::ofstream(data_ + "/policies/scam.yaml") << kInForce;
  std::ofstream(data_ + "/lists/blocked.list") << "@kind domains\n@action block\nscam.example\n";

  int64_t two = FlagBy("bt-1", {"r1", "r2"});  // removed by people; the policy agrees
  Decide(two, "remove");
  int64_t one = FlagBy("bt-2", {"r3"});  // kept by people; the policy asks for review
  Decide(one, "no_violation");
  int64_t two_kept = FlagBy("bt-3", {"r4", "r5"});  // kept by people; the policy removes
  Decide(two_kept, "no_violation");
  FlagBy("bt-4", {"r6"}, "harassment");  // another category: not replayed
  int64_t open = FlagBy("bt-5", {"r7"});  // nobody decided yet
  int64_t blocked = FlagBy("bt-6", {"r8"}, "scam", "claim your prize at https://win.scam.example/now");
  Decide(blocked, "remove");

  json r = Backtest({"--since", "1d"});
  EXPECT_EQ(r["cases_scanned"], 6);
  EXPECT_EQ(r["cases_applicable"], 5);
  EXPECT_EQ(r["human_decided"], 4);
  EXPECT_EQ(r["version"], 1);
  EXPECT_EQ(r["baseline_version"], 1);
  EXPECT_EQ(r["changed"], 0);  // the version in force against itself
  EXPECT_EQ(Cell(r["confusion"], "remove", "remove"), 2);  // two reporters; the blocked domain
  EXPECT_EQ(Cell(r["confusion"], "no_violation", "needs_review"), 1);
  EXPECT_EQ(Cell(r["confusion"], "no_violation", "remove"), 1);
  EXPECT_DOUBLE_EQ(r["per_action"]["remove"]["precision"].get<double>(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r["per_action"]["remove"]["recall"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r["coverage"].get<double>(), 0.75);
  ASSERT_EQ(r["disagreements"].size(), 1u) << r.dump(2);
  EXPECT_EQ(r["disagreements"][0]["case_id"], two_kept);
  EXPECT_EQ(r["disagreements"][0]["human"], "no_violation");
  EXPECT_EQ(r["disagreements"][0]["leaf"], "tree[1].then");
  EXPECT_EQ(r["disagreements"][0]["link"], "/cases/" + std::to_string(two_kept));

  // Without re-analysis the blocked domain is not seen.
  json plain = Backtest({"--since", "1d", "--no-analysis"});
  EXPECT_EQ(Cell(plain["confusion"], "remove", "needs_review"), 1);

  // A draft that removes on any flag: what changes against the version in force.
  std::string draft = tmp_.Join("draft.yaml");
  std::string text = kInForce;
  text.replace(text.find("flags.distinct_reporters >= 2"), 29, "flags.count >= 1");
  std::ofstream(draft) << text;
  json d = Backtest({"--since", "1d", "--file", draft, "--sample", "5"});
  EXPECT_EQ(d["version"], 0);
  EXPECT_EQ(d["changed"], 2);  // bt-2 and bt-5: needs_review -> remove
  ASSERT_EQ(d["changes"].size(), 1u);
  EXPECT_EQ(d["changes"][0]["from"], "needs_review");
  EXPECT_EQ(d["changes"][0]["to"], "remove");
  std::vector<int64_t> changed;
  for (const auto& s : d["changed_samples"]) changed.push_back(s["case_id"]);
  EXPECT_EQ(changed, (std::vector<int64_t>{one, open}));

  // The same through the API, for QA and seniors; bad input named. (Restarted: the server
  // loads DATA/policies at start.)
  server_.Stop();
  ASSERT_TRUE(server_.Start(data_));
  auto admin = Client(admin_);
  auto api = admin->PostJson("/v1/policies/scam_test/backtest", {{"since", "1d"}, {"yaml", text}});
  ASSERT_EQ(api.status, 200) << api.body;
  EXPECT_EQ(api.json()["changed"], 2);
  EXPECT_EQ(Client(a1_)->PostJson("/v1/policies/scam_test/backtest", json::object()).status, 403);
  auto bad = admin->PostJson("/v1/policies/scam_test/backtest", {{"since", "soon"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["field"], "since");
  EXPECT_EQ(admin->PostJson("/v1/policies/nope/backtest", json::object()).status, 404);

  // The draft saved as version 2 (not activated): replayed by its number against version 1.
  auto saved = admin->PostJson("/v1/policies/scam_test/versions",
                               {{"yaml", text}, {"reason", "remove on any flag"}, {"activate", false}});
  ASSERT_EQ(saved.status, 201) << saved.body;
  json v2 = Backtest({"--since", "1d", "--version", "2"});
  EXPECT_EQ(v2["version"], 2);
  EXPECT_EQ(v2["baseline_version"], 1);
  EXPECT_EQ(v2["changed"], 2);
  json v1 = Backtest({"--since", "1d", "--version", "1"});
  EXPECT_EQ(v1["changed"], 0);
  auto by_number = admin->PostJson("/v1/policies/scam_test/backtest", {{"since", "1d"}, {"version", 2}});
  ASSERT_EQ(by_number.status, 200) << by_number.body;
  EXPECT_EQ(by_number.json()["changed"], 2);

  // Bad input: named, non-zero.
  std::string err;
  EXPECT_NE(RunVigil({"policy", "backtest", "--data", data_, "--policy", "nope"}, &err), 0);
  EXPECT_NE(RunVigil({"policy", "backtest", "--data", data_, "--policy", "scam_test", "--version", "7"}), 0);
  EXPECT_NE(RunVigil({"policy", "backtest", "--data", data_, "--policy", "scam_test", "--since", "soon"}), 0);
  std::ofstream(draft) << "id: scam_test\ntree: [";
  EXPECT_NE(RunVigil({"policy", "backtest", "--data", data_, "--policy", "scam_test", "--file", draft}), 0);
}

}  // namespace
}  // namespace vigil::testing
