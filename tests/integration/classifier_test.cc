// Classifiers end to end with the real binary: `vigil classifier train` on the shipped example
// set (strict input errors write nothing), `list`, `eval` (text and JSON), and a served
// POST /v1/analyze that carries classifier signals, with a new version picked up on reload, and
// the external classifier adapter configured in the data directory against a local endpoint.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/scripted_endpoint.h"
#include "support/test_support.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

const std::string kExamples = std::string(VIGIL_SOURCE_DIR) + "/examples/classifier/";

// Runs the binary with stderr folded into the captured output.
int RunVigilWithStderr(const std::string& args, std::string* out) {
  return RunCommand({"/bin/sh", "-c", "'" + BinaryPath() + "' " + args + " 2>&1"}, out);
}

TEST(ClassifierCli, TrainListEvalAndStrictInput) {
  TempDir tmp("vigil-classifier-cli");
  std::string data = tmp.Join("data");
  InitDataDir(data);

  // A bad line is named with its field; nothing is written and the exit code says so.
  std::ofstream(tmp.Join("bad.ndjson")) << "{\"text\": \"buy followers\", \"label\": \"spam\"}\n"
                                        << "{\"text\": \"hello there\"}\n";
  std::string out;
  EXPECT_EQ(RunVigilWithStderr("classifier train --data " + data + " --examples " +
                                   tmp.Join("bad.ndjson") + " --name abuse",
                               &out),
            1);
  EXPECT_NE(out.find("line 2: label: required, a string"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(data + "/models"));

  ASSERT_EQ(RunVigil({"classifier", "train", "--data", data, "--examples",
                      kExamples + "train.ndjson", "--name", "abuse"},
                     &out),
            0);
  EXPECT_NE(out.find("trained classifier abuse v1 on "), std::string::npos) << out;
  EXPECT_TRUE(std::filesystem::exists(data + "/models/abuse/v1.bin"));
  json meta = json::parse(std::ifstream(data + "/models/abuse/v1.json"));
  EXPECT_EQ(meta["labels"], json({"benign", "harassment", "scam", "spam"}));
  EXPECT_GE(meta["examples"].get<int>(), 200);
  EXPECT_EQ(meta["created"].get<std::string>().back(), 'Z');

  ASSERT_EQ(RunVigil({"classifier", "list", "--data", data}, &out), 0);
  EXPECT_NE(out.find("abuse@1 (active)"), std::string::npos) << out;

  ASSERT_EQ(RunVigil({"classifier", "eval", "--data", data, "--model", "abuse", "--examples",
                      kExamples + "test.ndjson"},
                     &out),
            0);
  for (const char* want : {"precision", "recall", "f1", "confusion matrix", "harassment",
                           "threshold for precision >= 0.95"})
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;

  ASSERT_EQ(RunVigil({"classifier", "eval", "--data", data, "--model", "abuse@1", "--examples",
                      kExamples + "test.ndjson", "--target-precision", "0.9", "--json"},
                     &out),
            0);
  json report = json::parse(out);
  EXPECT_EQ(report["version"], 1);
  EXPECT_EQ(report["target_precision"], 0.9);
  EXPECT_EQ(report["labels"].size(), 4u);
  EXPECT_EQ(report["confusion"]["matrix"].size(), 4u);
  EXPECT_GE(report["accuracy"].get<double>(), 0.85);
  for (const auto& l : report["labels"]) {
    ASSERT_TRUE(l["threshold"].is_object()) << l.dump();
    EXPECT_GE(l["threshold"]["precision"].get<double>(), 0.9);
  }

  EXPECT_EQ(RunVigilWithStderr("classifier eval --data " + data + " --model abuse@7 --examples " +
                                   kExamples + "test.ndjson",
                               &out),
            1);
  EXPECT_NE(out.find("no model abuse@7"), std::string::npos) << out;
}

TEST(ClassifierApi, AnalyzeCarriesClassifierSignalsAndReloadPicksUpANewVersion) {
  TempDir tmp("vigil-classifier-api");
  std::string data;
  std::string token = SetUpServerWithToken(tmp, "integration", &data);
  std::string eng = CreateUserWithToken(data, "eng-1", "engineering");
  ASSERT_EQ(RunVigil({"classifier", "train", "--data", data, "--examples",
                      kExamples + "train.ndjson", "--name", "abuse"}),
            0);

  ServerProcess server;
  ASSERT_TRUE(server.Start(data));
  HttpClient c(server.port());
  c.set_token(token);
  auto r = c.PostJson("/v1/analyze",
                      {{"text", "D0UBLE y0ur B1TC01N in 24h!! send 0.1 BTC, get 0.2 back"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json top, body = r.json();
  for (const auto& s : body["signals"])
    if (s["name"] == "classifier" && s["detail"]["rank"] == 1) top = s;
  ASSERT_TRUE(top.is_object()) << r.body;
  EXPECT_EQ(top["value"], "scam");
  EXPECT_EQ(top["detail"]["model"], "abuse");
  EXPECT_EQ(top["detail"]["version"], 1);
  EXPECT_GT(top["score"].get<double>(), 0.5);
  EXPECT_FALSE(top["why"].get<std::string>().empty());

  // A new version is used after POST /v1/classifiers:reload, without a restart.
  ASSERT_EQ(RunVigil({"classifier", "train", "--data", data, "--examples",
                      kExamples + "train.ndjson", "--name", "abuse", "--epoch", "40"}),
            0);
  c.set_token(eng);
  auto reload = c.Post("/v1/classifiers:reload", "{}");
  ASSERT_EQ(reload.status, 200) << reload.body;
  json reloaded = reload.json();
  EXPECT_EQ(reloaded["classifiers"][0]["version"], 2);
  EXPECT_EQ(reloaded["external"]["enabled"], false);
  auto listed = c.Get("/v1/classifiers");
  ASSERT_EQ(listed.status, 200);
  json list_body = listed.json();
  EXPECT_EQ(list_body["classifiers"][0]["labels"].size(), 4u);
  c.set_token(token);
  r = c.PostJson("/v1/analyze", {{"text", "you are a pathetic loser, everyone laughs at you"}});
  ASSERT_EQ(r.status, 200);
  bool v2_harassment = false;
  body = r.json();
  for (const auto& s : body["signals"])
    v2_harassment |= s["name"] == "classifier" && s["detail"]["version"] == 2 &&
                     s["value"] == "harassment" && s["detail"]["rank"] == 1;
  EXPECT_TRUE(v2_harassment) << r.body;
}

TEST(ClassifierApi, ExternalModerationEndpointThroughTheServerWithItsBreaker) {
  ScriptedEndpoint endpoint;
  endpoint.SetDefault({200, R"({"results": [{"flagged": true, "categories": {"harassment": true},
                                 "category_scores": {"harassment": 0.91, "violence": 0.01}}]})"});
  TempDir tmp("vigil-external-api");
  std::string data;
  std::string token = SetUpServerWithToken(tmp, "integration", &data);
  std::string eng = CreateUserWithToken(data, "eng-1", "engineering");
  std::ofstream(data + "/external_classifier.yaml")
      << "enabled: true\nkind: moderation\nurl: " << endpoint.url("/v1/moderations")
      << "\nmodel: omni-moderation-latest\ntimeout_ms: 1000\nmax_attempts: 1\nbreaker_failures: 1\n"
         "breaker_cooldown_ms: 600000\ndaily_budget: 100\n";

  ServerProcess server;
  ASSERT_TRUE(server.Start(data));
  HttpClient c(server.port());
  c.set_token(token);
  auto find = [](const json& body, const std::string& name) {
    for (const auto& s : body["signals"])
      if (s["name"] == name) return s;
    return json();
  };
  auto r = c.PostJson("/v1/analyze", {{"text", "you are a pathetic loser"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json external = find(r.json(), "external_classifier");
  ASSERT_TRUE(external.is_object()) << r.body;
  EXPECT_EQ(external["value"], "harassment");
  EXPECT_EQ(external["score"], 0.91);
  EXPECT_NE(external["why"].get<std::string>().find("flagged by the endpoint"), std::string::npos);
  EXPECT_EQ(endpoint.last_body()["input"], "you are a pathetic loser");

  // The endpoint fails: analysis still answers, says why, and the breaker stops further calls.
  endpoint.SetDefault({500, "{}"});
  r = c.PostJson("/v1/analyze", {{"text", "second"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json down = find(r.json(), "external_classifier_unavailable");
  ASSERT_TRUE(down.is_object()) << r.body;
  EXPECT_NE(down["why"].get<std::string>().find("HTTP 500"), std::string::npos) << down.dump();
  r = c.PostJson("/v1/analyze", {{"text", "third"}});
  down = find(r.json(), "external_classifier_unavailable");
  ASSERT_TRUE(down.is_object()) << r.body;
  EXPECT_NE(down["why"].get<std::string>().find("circuit breaker open"), std::string::npos)
      << down.dump();
  EXPECT_EQ(endpoint.requests(), 2);
  c.set_token(eng);
  auto listed = c.Get("/v1/classifiers");
  ASSERT_EQ(listed.status, 200);
  json state = listed.json()["external"];
  EXPECT_EQ(state["breaker"], "open");
  EXPECT_EQ(state["requests_today"], 2);
}

}  // namespace
}  // namespace vigil::testing
