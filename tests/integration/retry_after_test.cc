// Refusals that ask the client to come back (429, 503) say when, with Retry-After, also where the
// handler did not set one (a write that failed on the disk answers 503 through the intake's
// outcome); a handler's own value is kept.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace vigil
