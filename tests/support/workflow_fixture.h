// A running `vigil serve` on a fresh data directory with an integration client, two agents of
// the trust-safety team and an admin: what the workflow tests start from.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "support/test_support.h"

namespace vigil::testing {

class WorkflowTest : public ::testing::Test {
 protected:
  using json = nlohmann::json;

  // More vigil.yaml settings for a test suite.
  virtual std::string ExtraConfig() const { return ""; }

  void SetUp() override {
    data_ = tmp_.Join("data");
    InitDataDir(data_);
    // Short leases so expiry can be observed.
    std::ofstream(data_ + "/vigil.yaml") << "claims:\n  lease_seconds: 0.5\n" << ExtraConfig();
    intake_ = CreateUserWithToken(data_, "platform", "integration");
    for (const char* n : {"a1", "a2"})
      ASSERT_EQ(RunVigil({"user", "add", "--data", data_, "--name", n, "--role", "agent",
                          "--teams", "trust-safety"}),
                0);
    a1_ = Token("a1");
    a2_ = Token("a2");
    admin_ = CreateUserWithToken(data_, "boss", "admin");
    ASSERT_TRUE(server_.Start(data_));
  }

  std::string Token(const std::string& user) {
    std::string out;
    EXPECT_EQ(RunVigil({"token", "create", "--data", data_, "--user", user}, &out), 0);
    return out.substr(0, out.find('\n'));
  }

  std::unique_ptr<HttpClient> Client(const std::string& token) {
    auto c = std::make_unique<HttpClient>(server_.port());
    c->set_token(token);
    return c;
  }

  int64_t Flag(const json& flag) {
    auto c = Client(intake_);
    auto r = c->PostJson("/v1/flags", flag);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["case_id"].get<int64_t>();
  }

  json Case(int64_t id) {
    auto c = Client(admin_);
    auto r = c->Get("/v1/cases/" + std::to_string(id));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }

  // Priorities are recomputed shortly after a flag commits; wait until the stored one is set.
  void WaitForPriority(int64_t id) {
    for (int i = 0; i < 100 && Case(id)["priority"].get<double>() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_GT(Case(id)["priority"].get<double>(), 0);
  }

  TempDir tmp_{"vigil-workflow"};
  std::string data_, intake_, a1_, a2_, admin_;
  ServerProcess server_;
};

}  // namespace vigil::testing
