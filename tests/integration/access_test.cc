// Walks every route of the API with every role and compares the outcome with the table of who
// may do what below. A route the server has but the table lacks fails the test, and so does a
// table entry the server (and its OpenAPI document) lacks.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <thread>

#include "support/test_support.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kRoles = {"agent", "senior", "qa", "legal", "engineering",
                                         "admin", "integration"};

// "METHOD /pattern" -> roles allowed; "public" means no authentication at all.
const std::map<std::string, std::set<std::string>> kAccess = {
    {"GET /", {"public"}},
    {"GET /healthz", {"public"}},
    {"GET /metrics", {"engineering", "admin", "integration"}},
    {"GET /v1/openapi.json", {"public"}},
    {"POST /v1/auth/login", {"public"}},
    {"POST /v1/auth/logout", {"agent", "senior", "qa", "legal", "engineering", "admin"}},
    {"GET /v1/auth/me", {"agent", "senior", "qa", "legal", "engineering", "admin", "integration"}},
    {"POST /v1/flags", {"integration", "admin", "senior", "agent", "legal"}},
    {"POST /v1/flags:batch", {"integration", "admin"}},
    {"POST /v1/content", {"integration", "admin"}},
    {"GET /v1/taxonomy", {"agent", "senior", "qa", "legal", "engineering", "admin", "integration"}},
    {"GET /v1/flags/{id}", {"agent", "senior", "qa", "legal", "admin"}},
    {"GET /v1/content/{id}", {"senior", "qa", "legal", "engineering", "admin"}},
    {"GET /v1/cases", {"agent", "senior", "qa", "legal", "admin"}},
    {"GET /v1/cases/{id}", {"agent", "senior", "qa", "legal", "admin"}},
    {"GET /v1/cases/{id}/events", {"agent", "senior", "qa", "legal", "admin"}},
    {"GET /v1/events", {"admin", "qa", "legal"}},
    {"GET /v1/accounts/{id}", {"agent", "senior", "qa", "legal", "admin"}},
    {"GET /v1/suspension-proposals", {"senior", "qa", "legal", "admin"}},
    {"POST /v1/accounts/{id}/suspension", {"senior", "admin"}},
    {"POST /v1/queues/{queue}/next", {"agent", "senior", "legal", "admin"}},
    {"POST /v1/cases/{id}/release", {"agent", "senior", "legal", "admin"}},
    {"POST /v1/cases/{id}/decisions", {"agent", "senior", "legal", "admin"}},
    {"POST /v1/cases/{id}/escalate", {"agent", "senior", "legal", "admin"}},
    {"GET /v1/cases/{id}/guidance", {"agent", "senior", "qa", "legal", "admin"}},
    {"POST /v1/cases/{id}/answers", {"agent", "senior", "legal", "admin"}},
    {"POST /v1/decisions:bulk", {"senior", "admin"}},
    {"POST /v1/cases/{id}/notices:preview", {"agent", "senior", "legal", "admin"}},
    {"POST /v1/cases/{id}/appeals", {"integration", "senior", "admin"}},
    {"POST /v1/appeals/{id}/decide", {"agent", "senior", "legal", "admin"}},
    {"POST /v1/cases/{id}/handback", {"senior", "legal", "admin"}},
    {"POST /v1/cases/{id}/comments", {"agent", "senior", "qa", "legal", "admin"}},
    {"GET /v1/queues", {"agent", "senior", "qa", "legal", "admin"}},
    {"GET /v1/stream", {"agent", "senior", "qa", "legal", "admin"}},
    {"POST /v1/queues:reload", {"admin"}},
    {"POST /v1/audit/verify", {"admin"}},
    {"GET /v1/users", {"admin"}},
    {"POST /v1/users", {"admin"}},
    {"POST /v1/users/{name}/disable", {"admin"}},
    {"POST /v1/users/{name}/enable", {"admin"}},
    {"GET /v1/tokens", {"admin"}},
    {"POST /v1/webhooks", {"admin"}},
    {"GET /v1/webhooks", {"admin"}},
    {"GET /v1/webhooks/deliveries", {"admin"}},
    {"POST /v1/webhooks/deliveries/{id}/replay", {"admin"}},
    {"POST /v1/tokens", {"admin"}},
    {"DELETE /v1/tokens/{id}", {"admin"}},
    {"GET /v1/notices", {"senior", "legal", "admin"}},
    {"POST /v1/notices:preview", {"senior", "legal", "admin"}},
    {"PUT /v1/notices", {"admin"}},
    {"GET /v1/queues/config", {"senior", "admin"}},
    {"PUT /v1/queues/config", {"admin"}},
    {"GET /v1/taxonomy/config", {"senior", "admin"}},
    {"GET /v1/auth/me/preferences", {"agent", "senior", "qa", "legal", "engineering", "admin"}},
    {"PUT /v1/auth/me/preferences", {"agent", "senior", "qa", "legal", "engineering", "admin"}},
    {"PUT /v1/taxonomy/config", {"admin"}},
    {"POST /v1/policies/{id}/backtest", {"senior", "qa", "admin"}},
    {"POST /v1/analyze", {"agent", "senior", "qa", "legal", "engineering", "admin", "integration"}},
    {"GET /v1/lists", {"senior", "qa", "legal", "engineering", "admin"}},
    {"POST /v1/lists:reload", {"engineering", "admin"}},
    {"GET /v1/classifiers", {"senior", "qa", "legal", "engineering", "admin"}},
    {"POST /v1/classifiers:reload", {"engineering", "admin"}},
    {"GET /v1/policies", {"agent", "senior", "qa", "legal", "engineering", "admin"}},
    {"GET /v1/policies/{id}", {"agent", "senior", "qa", "legal", "engineering", "admin"}},
    {"GET /v1/policies/{id}/versions", {"agent", "senior", "qa", "legal", "engineering", "admin"}},
    {"GET /v1/policies/{id}/diff", {"agent", "senior", "qa", "legal", "engineering", "admin"}},
    {"GET /v1/policies/{id}/render", {"agent", "senior", "qa", "legal", "engineering", "admin"}},
    {"POST /v1/policies", {"senior", "admin"}},
    {"POST /v1/policies/{id}/versions", {"senior", "admin"}},
    {"POST /v1/policies:check", {"senior", "admin"}},
    {"POST /v1/policies/{id}/activate", {"senior", "admin"}},
    {"POST /v1/policies/{id}/rollback", {"senior", "admin"}},
    {"POST /v1/policies/{id}/shadow", {"senior", "admin"}},
    {"POST /v1/policies/{id}/shadow:stop", {"senior", "admin"}},
    {"POST /v1/policies:reload", {"senior", "admin"}},
    {"GET /v1/analysis/report", {"senior", "qa", "admin"}},
};

class AccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir("vigil-access");
    data_ = tmp_->Join("data");
    InitDataDir(data_);
    for (const auto& role : kRoles) {
      ASSERT_EQ(RunVigil({"user", "add", "--data", data_, "--name", "u-" + role, "--role", role,
                          "--teams", "trust-safety"}),
                0);
      std::string token;
      ASSERT_EQ(RunVigil({"token", "create", "--data", data_, "--user", "u-" + role}, &token), 0);
      tokens_[role] = token.substr(0, token.find('\n'));
    }
    ASSERT_EQ(RunVigil({"user", "add", "--data", data_, "--name", "agent-cs", "--role", "agent",
                        "--teams", "child-safety"}),
              0);
    std::string token;
    ASSERT_EQ(RunVigil({"token", "create", "--data", data_, "--user", "agent-cs"}, &token), 0);
    tokens_["agent-cs"] = token.substr(0, token.find('\n'));
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->Start(data_));
    HttpClient c(server_->port());
    c.set_token(tokens_["integration"]);
    auto r = c.PostJson("/v1/flags", SampleFlag("access-post-1"));
    ASSERT_EQ(r.status, 201) << r.body;
  }
  static void TearDownTestSuite() {
    delete server_;
    delete tmp_;
  }

  static inline TempDir* tmp_ = nullptr;
  static inline std::string data_;
  static inline std::map<std::string, std::string> tokens_;
  static inline ServerProcess* server_ = nullptr;
};

std::string Fill(const std::string& pattern) {
  // Token ids that exist belong to the test's own users: revoke a nonexistent one.
  bool token = pattern.find("/tokens/") != std::string::npos;
  std::string p = std::regex_replace(pattern, std::regex("\\{id\\}"), token ? "999999" : "1");
  p = std::regex_replace(p, std::regex("\\{queue\\}"), "general");
  return std::regex_replace(p, std::regex("\\{name\\}"), "nobody-here");
}

TEST_F(AccessTest, OpenApiListsExactlyTheRoutesOfTheTable) {
  HttpClient c(server_->port());
  auto r = c.Get("/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  json doc = r.json();
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::string> served;
  for (const auto& [path, ops] : doc["paths"].items())
    for (const auto& [method, op] : ops.items()) {
      std::string m = method;
      for (auto& ch : m) ch = static_cast<char>(std::toupper(ch));
      served.insert(m + " " + path);
      EXPECT_FALSE(op["summary"].get<std::string>().empty()) << path;
    }
  for (const auto& s : served) EXPECT_TRUE(kAccess.count(s)) << "route missing from the access table: " << s;
  for (const auto& [route, roles] : kAccess)
    EXPECT_TRUE(served.count(route)) << "table lists a route the server lacks: " << route;
}

TEST_F(AccessTest, EveryRouteWithEveryRole) {
  HttpClient c(server_->port());
  int checked = 0;
  for (const auto& [route, allowed] : kAccess) {
    std::string method = route.substr(0, route.find(' '));
    std::string target = Fill(route.substr(route.find(' ') + 1));
    std::string body = method == "POST" ? "{}" : "";
    if (allowed.count("public")) {
      c.set_token("");
      auto r = c.Request(method, target, body);
      EXPECT_NE(r.status, 401) << route;
      EXPECT_NE(r.status, 403) << route;
      continue;
    }
    // Without credentials: 401 for every protected route.
    c.set_token("");
    auto anon = c.Request(method, target, body);
    EXPECT_EQ(anon.status, 401) << route;
    for (const auto& role : kRoles) {
      c.set_token(tokens_.at(role));
      auto r = c.Request(method, target, body);
      ASSERT_NE(r.status, 0) << route << " as " << role;
      if (allowed.count(role)) {
        EXPECT_NE(r.status, 403) << route << " as " << role << ": " << r.body;
        EXPECT_NE(r.status, 401) << route << " as " << role << ": " << r.body;
      } else {
        EXPECT_EQ(r.status, 403) << route << " as " << role << ": " << r.body;
        EXPECT_EQ(r.header("content-type"), "application/problem+json");
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST_F(AccessTest, AgentsSeeOnlyCasesOfQueuesTheirTeamsServe) {
  HttpClient c(server_->port());
  c.set_token(tokens_["agent"]);  // team trust-safety serves queue general
  EXPECT_EQ(c.Get("/v1/cases/1").status, 200);
  c.set_token(tokens_["agent-cs"]);  // team child-safety does not
  auto r = c.Get("/v1/cases/1");
  EXPECT_EQ(r.status, 403) << r.body;
  auto list = c.Get("/v1/cases");
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(list.json()["cases"].empty()) << list.body;
  EXPECT_EQ(c.Get("/v1/flags/1").status, 403);
  // The denial is an event an admin can see.
  // Denials are recorded without delaying the refusal, so allow the group commit a moment.
  c.set_token(tokens_["admin"]);
  int denials = 0;
  for (int attempt = 0; attempt < 50 && denials == 0; ++attempt) {
    int after = 0;
    for (;;) {
      auto events = c.Get("/v1/events?limit=1000&after=" + std::to_string(after));
      ASSERT_EQ(events.status, 200);
      auto evs = events.json()["events"];
      if (evs.empty()) break;
      for (const auto& e : evs) {
        if (e["type"] == "access.denied" && e["actor"].get<std::string>().find("user:") == 0 &&
            e["payload"]["reason"].get<std::string>().find("child") == std::string::npos &&
            e["payload"]["request"].get<std::string>().find("/v1/cases/1") != std::string::npos)
          ++denials;
        after = e["seq"].get<int>();
      }
    }
    if (!denials) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(denials, 0);
}

}  // namespace
}  // namespace vigil::testing
