// The external classifier adapter against a real local HTTP server (Beast, on 127.0.0.1):
// moderation and chat answers, timeouts, retries with backoff, the circuit breaker (open,
// half-open, closed again), the daily budget, configuration errors, and Analyzer signals.
#include <gtest/gtest.h>

#include <fstream>

#include "analysis/analyzer.h"
#include "analysis/external_classifier.h"
#include "support/scripted_endpoint.h"
#include "support/test_support.h"

namespace vigil::analysis {
namespace {

using nlohmann::json;
using testing::ScriptedEndpoint;

const std::string kModerationAnswer =
    R"({"id": "modr-1", "model": "omni-moderation-latest", "results": [{
  "flagged": true, "categories": {"harassment": true, "violence": false, "spam": false},
  "category_scores": {"harassment": 0.91, "violence": 0.02, "spam": 0.15}}]})";

std::string ChatAnswer(const std::string& content) {
  return json{
      {"model", "local-llm"},
      {"choices",
       json::array({{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}}})}}
      .dump();
}

ExternalClassifierConfig Moderation(const ScriptedEndpoint& server) {
  ExternalClassifierConfig c;
  c.enabled = true;
  c.url = server.url("/v1/moderations");
  c.model = "omni-moderation-latest";
  c.api_key = "test-key";
  c.timeout_ms = 300;
  c.max_attempts = 3;
  c.backoff_ms = 10;
  return c;
}

class ExternalClassifierTest : public ::testing::Test {
 protected:
  ScriptedEndpoint server;
  ManualClock clock{1'795'000'000'000};  // 2026-11-19
  std::vector<Millis> sleeps;
  std::unique_ptr<ExternalClassifier> Make(ExternalClassifierConfig c) {
    auto e = std::make_unique<ExternalClassifier>(std::move(c), clock);
    e->set_sleep([this](Millis ms) { sleeps.push_back(ms); });
    return e;
  }
};

TEST_F(ExternalClassifierTest, ModerationScoresBecomeLabelsWithWhy) {
  server.SetDefault({200, kModerationAnswer});
  auto e = Make(Moderation(server));
  auto labels = e->Classify("you are a pathetic loser");
  ASSERT_TRUE(labels.ok()) << labels.error().message;
  ASSERT_EQ(labels->size(), 2u);  // violence 0.02 is under min_score
  EXPECT_EQ((*labels)[0].label, "harassment");
  EXPECT_DOUBLE_EQ((*labels)[0].score, 0.91);
  EXPECT_NE((*labels)[0].why.find("flagged by the endpoint"), std::string::npos)
      << (*labels)[0].why;
  EXPECT_EQ((*labels)[1].label, "spam");
  EXPECT_EQ(server.last_body()["input"], "you are a pathetic loser");
  EXPECT_EQ(server.last_body()["model"], "omni-moderation-latest");
  EXPECT_EQ(server.last_authorization(), "Bearer test-key");
  EXPECT_EQ(e->requests_today(), 1);
}

TEST_F(ExternalClassifierTest, ChatPutsThePolicyInThePromptAndReadsTheLabel) {
  auto c = Moderation(server);
  c.kind = ExternalClassifierConfig::kChat;
  c.url = server.url("/v1/chat/completions");
  c.model = "local-llm";
  c.policy = "S1. Scams: offers that ask for money or credentials under false pretences.";
  c.labels = {"scam", "spam", "benign"};
  server.Push({200, ChatAnswer("```json\n{\"label\": \"scam\", \"score\": 0.87, \"reason\": \"S1: "
                               "asks for crypto\"}\n```")});
  auto e = Make(c);
  auto labels = e->Classify("send 1 BTC get 2 back");
  ASSERT_TRUE(labels.ok()) << labels.error().message;
  ASSERT_EQ(labels->size(), 1u);
  EXPECT_EQ((*labels)[0].label, "scam");
  EXPECT_DOUBLE_EQ((*labels)[0].score, 0.87);
  EXPECT_NE((*labels)[0].why.find("S1: asks for crypto"), std::string::npos);
  json sent = server.last_body();
  EXPECT_NE(sent["messages"][0]["content"].get<std::string>().find("S1. Scams"), std::string::npos);
  EXPECT_EQ(sent["messages"][1]["content"], "send 1 BTC get 2 back");
  EXPECT_EQ(sent["temperature"], 0);

  // A label outside the configured ones is not trusted.
  server.Push({200, ChatAnswer("{\"label\": \"weather\", \"score\": 1}")});
  auto odd = e->Classify("hello");
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.error().message.find("not one of the configured labels"), std::string::npos);
}

TEST_F(ExternalClassifierTest, TimeoutsAndTransientErrorsAreRetriedWithBackoff) {
  server.Push({200, kModerationAnswer, 1000});  // slower than the 300 ms timeout
  server.Push({503, "{\"error\": \"overloaded\"}"});
  server.Push({200, kModerationAnswer});
  auto e = Make(Moderation(server));
  auto labels = e->Classify("text");
  ASSERT_TRUE(labels.ok()) << labels.error().message;
  EXPECT_EQ(server.requests(), 3);
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_GE(sleeps[0], 10);  // backoff 10 ms, then 20 ms, each plus up to 50% jitter
  EXPECT_LE(sleeps[0], 15);
  EXPECT_GE(sleeps[1], 20);
  EXPECT_LE(sleeps[1], 30);
  EXPECT_EQ(e->breaker_state(), ExternalClassifier::BreakerState::kClosed);
}

TEST_F(ExternalClassifierTest, GivesUpAfterMaxAttemptsAndDoesNotRetryPermanentErrors) {
  server.SetDefault({503, "{\"error\": \"down\"}"});
  auto e = Make(Moderation(server));
  auto r = e->Classify("text");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("HTTP 503"), std::string::npos) << r.error().message;
  EXPECT_EQ(server.requests(), 3);

  server.SetDefault({401, "{\"error\": \"bad key\"}"});
  r = e->Classify("text");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("HTTP 401"), std::string::npos);
  EXPECT_EQ(server.requests(), 4);  // one attempt only
}

TEST_F(ExternalClassifierTest, BreakerOpensThenLetsOneTrialThroughAfterTheCooldown) {
  auto c = Moderation(server);
  c.max_attempts = 1;
  c.breaker_failures = 2;
  c.breaker_cooldown_ms = 60'000;
  server.SetDefault({500, "{}"});
  auto e = Make(c);
  EXPECT_FALSE(e->Classify("a").ok());
  EXPECT_EQ(e->breaker_state(), ExternalClassifier::BreakerState::kClosed);
  EXPECT_FALSE(e->Classify("b").ok());
  EXPECT_EQ(e->breaker_state(), ExternalClassifier::BreakerState::kOpen);

  // Open: no request is made.
  auto r = e->Classify("c");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("circuit breaker open"), std::string::npos) << r.error().message;
  EXPECT_EQ(server.requests(), 2);

  // Half-open after the cooldown: a failing trial opens it again at once.
  clock.Advance(60'000);
  EXPECT_EQ(e->breaker_state(), ExternalClassifier::BreakerState::kHalfOpen);
  EXPECT_FALSE(e->Classify("d").ok());
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(e->breaker_state(), ExternalClassifier::BreakerState::kOpen);

  // A successful trial closes it.
  clock.Advance(60'000);
  server.SetDefault({200, kModerationAnswer});
  EXPECT_TRUE(e->Classify("e").ok());
  EXPECT_EQ(e->breaker_state(), ExternalClassifier::BreakerState::kClosed);
  EXPECT_TRUE(e->Classify("f").ok());
  EXPECT_EQ(server.requests(), 5);
}

TEST_F(ExternalClassifierTest, DailyBudgetCountsRequestsAndRenewsAtMidnightUtc) {
  auto c = Moderation(server);
  c.daily_budget = 2;
  server.SetDefault({200, kModerationAnswer});
  auto e = Make(c);
  EXPECT_TRUE(e->Classify("a").ok());
  EXPECT_TRUE(e->Classify("b").ok());
  auto r = e->Classify("c");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kRateLimited);
  EXPECT_NE(r.error().message.find("daily budget of 2 requests"), std::string::npos);
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(e->breaker_state(),
            ExternalClassifier::BreakerState::kClosed);  // not the endpoint's fault

  clock.Advance(24 * 3600 * 1000);
  EXPECT_TRUE(e->Classify("d").ok());
  EXPECT_EQ(e->requests_today(), 1);
}

TEST_F(ExternalClassifierTest, AnalyzerGivesSignalsOrSaysWhyItCouldNotAsk) {
  server.SetDefault({200, kModerationAnswer});
  Analyzer analyzer("/nonexistent/lists");
  auto c = Moderation(server);
  c.max_attempts = 1;
  c.daily_budget = 1;
  analyzer.SetExternalClassifier(std::make_shared<ExternalClassifier>(c, clock));
  auto has = [](const AnalysisResult& r, const std::string& name,
                const std::string& value) -> const Signal* {
    for (const auto& s : r.signals)
      if (s.name == name && s.value == value) return &s;
    return nullptr;
  };
  auto r = analyzer.Analyze("you are a pathetic loser");
  const Signal* s = has(r, "external_classifier", "harassment");
  ASSERT_NE(s, nullptr) << r.ToJson().dump();
  EXPECT_DOUBLE_EQ(s->score, 0.91);
  EXPECT_EQ(s->detail["kind"], "moderation");
  r = analyzer.Analyze("again");
  s = has(r, "external_classifier_unavailable", "budget_spent");
  ASSERT_NE(s, nullptr) << r.ToJson().dump();
  EXPECT_NE(s->why.find("daily budget"), std::string::npos);
}

TEST(ExternalClassifierConfigTest, OffByDefaultAndStrict) {
  testing::TempDir tmp("vigil-external");
  auto missing = LoadExternalClassifierConfig(tmp.Join("external_classifier.yaml"));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->enabled);

  auto load = [&](const std::string& yaml) {
    std::ofstream(tmp.Join("external_classifier.yaml")) << yaml;
    return LoadExternalClassifierConfig(tmp.Join("external_classifier.yaml"),
                                        [](const char* name) -> const char* {
                                          return std::string(name) == "MOD_KEY" ? "k-123" : nullptr;
                                        });
  };
  std::ofstream(tmp.Join("policy.md")) << "S1. No scams.";
  auto ok = load(
      "enabled: true\nkind: chat\nurl: http://127.0.0.1:9/v1/chat/completions\nmodel: m\n"
      "api_key_env: MOD_KEY\npolicy_file: policy.md\nlabels: [scam, benign]\ntimeout_ms: 500\n"
      "daily_budget: 100\n");
  ASSERT_TRUE(ok.ok()) << ok.error().field << ": " << ok.error().message;
  EXPECT_EQ(ok->api_key, "k-123");
  EXPECT_EQ(ok->policy, "S1. No scams.");
  EXPECT_EQ(ok->daily_budget, 100);
  EXPECT_EQ(load("enabled: true\nkind: vibes\nurl: http://x/\n").error().field, "kind");
  EXPECT_EQ(load("enabled: true\nurl: https://api.openai.com/v1/moderations\n").error().field,
            "url");
  EXPECT_EQ(load("enabled: true\nurl: http://x/\napi_key_env: NOPE\n").error().field,
            "api_key_env");
  EXPECT_EQ(load("enabled: true\nurl: http://x/\ntimeout: 5\n").error().field, "timeout");
  EXPECT_EQ(load("enabled: true\nurl: http://x/\ntimeout_ms: soon\n").error().field, "timeout_ms");
  EXPECT_EQ(load("enabled: true\nkind: chat\nurl: http://x/\nlabels: [a]\n").error().field,
            "policy");
  EXPECT_TRUE(load("enabled: false\nurl: nonsense\n").ok());  // not checked while off
}

}  // namespace
}  // namespace vigil::analysis
