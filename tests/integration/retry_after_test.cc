// Refusals that ask the client to come back (429, 503) say when, with Retry-After, also where the
// handler did not set one (a write that failed on the disk answers 503 through the intake's
// outcome); a handler's own value is kept.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "cli/services.h"
#include "http/server.h"
#include "support/test_support.h"

namespace vigil {
namespace {

namespace vt = vigil::testing;

http::Route Fixed(const std::string& path, int status,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Route r;
  r.method = "GET";
  r.pattern = path;
  r.is_public = true;
  r.summary = "test";
  r.handler = [status, headers](http::Context&, http::Respond respond) {
    http::Response res;
    res.status = status;
    res.content_type = "application/problem+json";
    res.body = "{}";
    res.headers = headers;
    respond(std::move(res));
  };
  return r;
}

TEST(RetryAfter, EveryTooManyRequestsAndUnavailableAnswerSaysWhen) {
  vt::TempDir tmp("vigil-retry-after");
  const std::string data = tmp.Join("data");
  ASSERT_TRUE(InitDataDir(data).ok());
  auto s = Services::Open(data);
  ASSERT_TRUE(s.ok()) << s.error().message;
  http::Server server(s.value()->config, *s.value()->authn, *s.value()->accounts);
  server.Add(Fixed("/unavailable", 503));
  server.Add(Fixed("/limited", 429));
  server.Add(Fixed("/later", 503, {{"Retry-After", "30"}}));
  server.Add(Fixed("/fine", 200));
  auto bound = server.Start("127.0.0.1:0");
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  vt::HttpClient http(std::stoi(bound.value().substr(bound.value().rfind(':') + 1)));

  auto unavailable = http.Get("/unavailable");
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.header("retry-after"), "1");
  auto limited = http.Get("/limited");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("retry-after"), "1");
  auto later = http.Get("/later");
  EXPECT_EQ(later.status, 503);
  EXPECT_EQ(later.header("retry-after"), "30");  // the handler's own, once
  auto fine = http.Get("/fine");
  EXPECT_EQ(fine.status, 200);
  EXPECT_EQ(fine.header("retry-after"), "");
  server.Stop();
}

// A reporter over their limit is told how long the limiter makes them wait, not a flat second.
TEST(RetryAfter, ARateLimitedReporterIsToldTheLimitersWait) {
  vt::TempDir tmp("vigil-retry-after-limit");
  std::string data;
  const std::string token = vt::SetUpServerWithToken(tmp, "integration", &data);
  {  // one flag every 10 s per reporter, no burst beyond one
    std::ifstream in(data + "/vigil.yaml");
    std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto replace = [&](const std::string& from, const std::string& to) {
      auto at = yaml.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      yaml.replace(at, from.size(), to);
    };
    replace("reporter_rate_per_min: 60", "reporter_rate_per_min: 6");
    replace("reporter_burst: 30", "reporter_burst: 1");
    std::ofstream(data + "/vigil.yaml") << yaml;
  }
  vt::ServerProcess server;
  ASSERT_TRUE(server.Start(data));
  vt::HttpClient http(server.port());
  http.set_token(token);
  EXPECT_EQ(http.PostJson("/v1/flags", vt::SampleFlag("ra-1", "ra-reporter")).status, 201);
  auto limited = http.PostJson("/v1/flags", vt::SampleFlag("ra-2", "ra-reporter"));
  EXPECT_EQ(limited.status, 429);
  const int wait = std::atoi(limited.header("retry-after").c_str());
  EXPECT_GE(wait, 9) << limited.header("retry-after");
  EXPECT_LE(wait, 10) << limited.header("retry-after");
  EXPECT_EQ(limited.json()["retry_after"], wait) << limited.body;

  // In a batch each refused line says it in its result.
  std::string body = vt::SampleFlag("ra-3", "ra-reporter").dump() + "\n" +
                     vt::SampleFlag("ra-4", "ra-other").dump() + "\n";
  auto batch = http.Post("/v1/flags:batch", body, {{"Content-Type", "application/x-ndjson"}});
  ASSERT_EQ(batch.status, 200) << batch.body;
  auto lines = vt::ParseNdjson(batch.body);
  ASSERT_EQ(lines.size(), 2u) << batch.body;
  EXPECT_EQ(lines[0]["status"], 429) << batch.body;
  EXPECT_GE(lines[0]["error"]["retry_after"].get<int>(), 9) << batch.body;
  EXPECT_EQ(lines[1]["status"], 201) << batch.body;
}

}  // namespace
}  // namespace vigil
