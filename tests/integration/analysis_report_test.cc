// `GET /v1/analysis/report` and `vigil analysis report` on a served data directory with real
// decided cases: term lists, a domain block list and a trained classifier replayed against the
// decisions people made, a reversal counted as what it reversed to, misses shown with case ids.
#include <filesystem>
#include <fstream>
#include <set>

#include "support/workflow_fixture.h"

namespace vigil::testing {
namespace {

using json = nlohmann::json;

class AnalysisReportTest : public WorkflowTest {
 protected:
  int64_t Open(const std::string& id, const std::string& text, const std::string& reason) {
    return Flag({{"content", {{"id", id}, {"text", text}}},
                 {"reason", reason},
                 {"source", "user"},
                 {"reporter", {{"id", "reporter-" + id}}}});
  }

  // Decides `ids` with one bulk decision (admin); returns nothing, asserts every one landed.
  void Decide(const std::vector<int64_t>& ids, const std::string& action) {
    json cases = json::array();
    for (int64_t id : ids) cases.push_back({{"id", id}, {"case_version", Case(id)["version"]}});
    auto r = Client(admin_)->PostJson(
        "/v1/decisions:bulk",
        {{"cases", cases}, {"actions", {action}}, {"explanation", "report test"}});
    ASSERT_EQ(r.status, 200) << r.body;
    json results = r.json()["results"];
    for (const auto& res : results) ASSERT_EQ(res["status"], 201) << res.dump();
  }

  static const json* Row(const json& report, const std::string& signal) {
    for (const auto& s : report["signals"])
      if (s["signal"] == signal && !s.contains("threshold")) return &s;
    return nullptr;
  }
};

TEST_F(AnalysisReportTest, ComparesEverySignalWithTheDecisionsPeopleMade) {
  std::filesystem::create_directories(data_ + "/lists");
  std::ofstream(data_ + "/lists/scam.list") << "@name scam-phrases\n@category scam\n@severity 4\n"
                                               "double your crypto\n";
  std::ofstream(data_ + "/lists/phishing.list")
      << "@name phishing-domains\n@kind domains\n@action block\n@category phishing\n"
         "prize-claim.xyz\n";

  // People actioned harassment no list knows about: the misses automation would make.
  std::vector<int64_t> harassment, scams, psas, phishing, benign;
  for (int i = 0; i < 4; ++i)
    harassment.push_back(Open(
        "h" + std::to_string(i),
        "nobody likes you, just delete your account already " + std::to_string(i), "harassment"));
  for (int i = 0; i < 12; ++i)
    scams.push_back(Open(
        "s" + std::to_string(i),
        "Double your crypto in 24h! Send any amount, get 2x back #" + std::to_string(i), "scam"));
  for (int i = 0; i < 2; ++i)
    psas.push_back(Open(
        "p" + std::to_string(i),
        "PSA: anyone promising to double your crypto is lying, report them " + std::to_string(i),
        "scam"));
  for (int i = 0; i < 6; ++i)
    phishing.push_back(Open(
        "f" + std::to_string(i),
        "Claim your prize now at https://prize-claim.xyz/win?id=" + std::to_string(i), "scam"));
  for (int i = 0; i < 6; ++i)
    benign.push_back(Open("b" + std::to_string(i),
                          "Finally tried the new ramen place, worth the wait " + std::to_string(i),
                          "spam"));
  Decide(harassment, "remove");
  Decide(scams, "remove");
  Decide(phishing, "remove");
  Decide(psas, "no_violation");
  Decide(benign, "no_violation");
  // One scam removal is reversed on review: it counts as no_violation.
  int64_t reversed = scams[5];
  auto c = Client(admin_);
  json decisions = c->Get("/v1/cases/" + std::to_string(reversed)).json()["decisions"];
  ASSERT_FALSE(decisions.empty());
  auto rev = c->PostJson("/v1/cases/" + std::to_string(reversed) + "/decisions",
                         {{"case_version", Case(reversed)["version"]},
                          {"actions", {"no_violation"}},
                          {"reverses", decisions.back()["id"]},
                          {"explanation", "satire account, not a scam"}});
  ASSERT_EQ(rev.status, 201) << rev.body;

  auto qa = CreateUserWithToken(data_, "quinn", "qa");
  auto r = Client(qa)->Get("/v1/analysis/report?min_support=5");
  ASSERT_EQ(r.status, 200) << r.body;
  json report = r.json();
  EXPECT_EQ(report["cases"], 30);
  EXPECT_EQ(report["actioned"], 21);
  EXPECT_EQ(report["no_violation"], 9);

  const json* list = Row(report, "list:scam-phrases");
  ASSERT_NE(list, nullptr) << report.dump(2);
  EXPECT_EQ((*list)["tp"], 11);
  EXPECT_EQ((*list)["fp"], 3);  // two warnings about the scam and the reversed removal
  EXPECT_EQ((*list)["fn"], 10);
  EXPECT_EQ((*list)["support"], 14);
  EXPECT_NEAR((*list)["precision"].get<double>(), 11.0 / 14, 1e-9);
  EXPECT_NEAR((*list)["recall"].get<double>(), 11.0 / 21, 1e-9);
  EXPECT_FALSE((*list)["meets_target"].get<bool>());
  std::set<int64_t> fps((*list)["false_positive_cases"].begin(),
                        (*list)["false_positive_cases"].end());
  EXPECT_EQ(fps, (std::set<int64_t>{psas[0], psas[1], reversed}));
  const json* category = Row(report, "category:scam");
  ASSERT_NE(category, nullptr);
  EXPECT_EQ((*category)["tp"], 11);

  const json* block = Row(report, "domain_block:phishing-domains");
  ASSERT_NE(block, nullptr) << report.dump(2);
  EXPECT_EQ((*block)["tp"], 6);
  EXPECT_EQ((*block)["fp"], 0);
  EXPECT_TRUE((*block)["meets_target"].get<bool>());

  // With the lists alone, only the block list reaches the target: it would have removed the
  // six phishing posts and nothing else, and every other actioned case is a miss.
  json automatable = report["automatable"];
  EXPECT_EQ(automatable["by"], json({"domain_block:phishing-domains"}));
  EXPECT_EQ(automatable["cases"], 6);
  EXPECT_EQ(automatable["correct"], 6);
  EXPECT_EQ(automatable["wrong"], 0);
  EXPECT_NEAR(automatable["share_of_actioned"].get<double>(), 6.0 / 21, 1e-9);
  EXPECT_TRUE(report["false_positives"].empty());
  ASSERT_EQ(report["false_negatives"].size(), 10u);  // the first ten misses, by case id
  json miss = report["false_negatives"][0];
  EXPECT_EQ(miss["case_id"], harassment[0]);
  EXPECT_EQ(miss["outcome"], "actioned");
  EXPECT_EQ(miss["reason"], "harassment");
  EXPECT_EQ(miss["excerpt"], "nobody likes you, just delete your account already 0");
  EXPECT_EQ(report["false_negatives"][4]["signals"], json({"list:scam-phrases", "category:scam"}));

  // A trained classifier adds every label at every threshold, with cumulative counts.
  std::string out;
  ASSERT_EQ(RunVigil({"classifier", "train", "--data", data_, "--examples",
                      std::string(VIGIL_SOURCE_DIR) + "/examples/classifier/train.ndjson", "--name",
                      "abuse"},
                     &out),
            0)
      << out;
  r = Client(qa)->Get("/v1/analysis/report?min_support=5");
  ASSERT_EQ(r.status, 200) << r.body;
  report = r.json();
  size_t classifier_rows = 0;
  for (const auto& s : report["signals"]) {
    if (s["kind"] != "classifier") continue;
    ++classifier_rows;
    EXPECT_EQ(s["tp"].get<size_t>() + s["fp"].get<size_t>(), s["support"].get<size_t>());
    EXPECT_EQ(s["tp"].get<size_t>() + s["fn"].get<size_t>(), 21u);
  }
  EXPECT_EQ(classifier_rows % 6, 0u);
  EXPECT_GE(classifier_rows, 6u * 3);  // the example model has at least three labels
  for (const auto& t : report["target_thresholds"]) {
    EXPECT_GE(t["precision"].get<double>(), 0.9);
    EXPECT_GE(t["support"].get<size_t>(), 5u);
  }
  automatable = report["automatable"];
  EXPECT_GE(automatable["correct"].get<int>(), 6);
  EXPECT_EQ(automatable["cases"].get<int>(),
            automatable["correct"].get<int>() + automatable["wrong"].get<int>());
  for (const auto& e : report["false_positives"]) EXPECT_EQ(e["outcome"], "no_violation");
  for (const auto& e : report["false_negatives"]) EXPECT_EQ(e["outcome"], "actioned");

  // The CLI prints the same report.
  ASSERT_EQ(RunVigil({"analysis", "report", "--data", data_, "--min-support", "5", "--json"}, &out),
            0)
      << out;
  json cli = json::parse(out);
  EXPECT_EQ(cli["cases"], report["cases"]);
  EXPECT_EQ(cli["signals"], report["signals"]);
  EXPECT_EQ(cli["automatable"], report["automatable"]);
  ASSERT_EQ(RunVigil({"analysis", "report", "--data", data_, "--min-support", "5"}, &out), 0);
  EXPECT_NE(out.find("30 decided cases"), std::string::npos) << out;
  EXPECT_NE(out.find("domain_block:phishing-domains"), std::string::npos) << out;
  EXPECT_NE(out.find("lowest threshold at precision >= 0.90"), std::string::npos) << out;

  // Cases decided before `since` are left out.
  r = Client(qa)->Get("/v1/analysis/report?since=2100-01-01T00:00:00Z");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["cases"], 0);
}

TEST_F(AnalysisReportTest, RolesAndBadParametersAreRefused) {
  EXPECT_EQ(Client(a1_)->Get("/v1/analysis/report").status, 403);
  auto admin = Client(admin_);
  for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
           {"target_precision=2", "target_precision"},
           {"target_precision=high", "target_precision"},
           {"since=yesterday", "since"},
           {"min_support=0", "min_support"},
           {"limit=3", "limit"}}) {
    auto r = admin->Get("/v1/analysis/report?" + query);
    EXPECT_EQ(r.status, 422) << query << ": " << r.body;
    EXPECT_NE(r.body.find(field), std::string::npos) << r.body;
  }
  std::string out;
  auto with_stderr = [&](const std::string& args) {
    return RunCommand(
        {"sh", "-c", BinaryPath() + " analysis report --data " + data_ + " " + args + " 2>&1"},
        &out);
  };
  EXPECT_EQ(with_stderr("--target-precision 0"), 2);
  EXPECT_NE(out.find("--target-precision: must be above 0 and at most 1"), std::string::npos)
      << out;
  EXPECT_EQ(with_stderr("--since 'last week'"), 2);
  EXPECT_NE(out.find("--since: expected a duration"), std::string::npos) << out;
  // An empty data directory reports nothing to compare with.
  EXPECT_EQ(RunVigil({"analysis", "report", "--data", data_}, &out), 0);
  EXPECT_NE(out.find("0 decided cases"), std::string::npos) << out;
}

}  // namespace
}  // namespace vigil::testing
