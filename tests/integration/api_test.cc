// The intake API as an integrating platform uses it: durable acknowledgements, case joining,
// idempotency, bad input that changes nothing, body limits, rate limits and sessions.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <fstream>

#include "support/test_support.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token_ = SetUpServerWithToken(tmp_, "integration", &data_);
    admin_token_ = CreateUserWithToken(data_, "boss", "admin");
    // A low per-reporter limit so the test can reach it; integration tokens stay unthrottled.
    std::ofstream(data_ + "/vigil.yaml", std::ios::app)
        << "";  // defaults; rate limits are overridden below per test when needed
    ASSERT_TRUE(server_.Start(data_));
    client_ = std::make_unique<HttpClient>(server_.port());
    client_->set_token(token_);
  }

  int64_t CountFlags() {
    HttpClient admin(server_.port());
    admin.set_token(admin_token_);
    int64_t n = 0;
    int after = 0;
    for (;;) {
      auto r = admin.Get("/v1/events?limit=1000&after=" + std::to_string(after));
      EXPECT_EQ(r.status, 200);
      auto evs = r.json()["events"];
      if (evs.empty()) break;
      for (const auto& e : evs) {
        if (e["type"] == "flag.received") ++n;
        after = e["seq"].get<int>();
      }
    }
    return n;
  }

  TempDir tmp_{"vigil-api"};
  std::string data_, token_, admin_token_;
  ServerProcess server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ApiTest, MinimalFlagOpensACaseAndRepeatsJoinIt) {
  auto r1 = client_->PostJson("/v1/flags", SampleFlag("post-123", "user-42"));
  ASSERT_EQ(r1.status, 201) << r1.body;
  auto j1 = r1.json();
  EXPECT_TRUE(j1["case_opened"]);
  auto r2 = client_->PostJson("/v1/flags", SampleFlag("post-123", "user-43"));
  ASSERT_EQ(r2.status, 201);
  EXPECT_EQ(r2.json()["case_id"], j1["case_id"]);
  EXPECT_FALSE(r2.json()["duplicate"]);
  // The same reporter again: stored, but marked duplicate and not a new reporter.
  auto r3 = client_->PostJson("/v1/flags", SampleFlag("post-123", "user-42"));
  ASSERT_EQ(r3.status, 201);
  EXPECT_TRUE(r3.json()["duplicate"]);

  HttpClient admin(server_.port());
  admin.set_token(admin_token_);
  auto c = admin.Get("/v1/cases/" + std::to_string(j1["case_id"].get<int>()));
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.json()["flag_count"], 3);
  EXPECT_EQ(c.json()["reporter_count"], 2);
  EXPECT_EQ(c.json()["flags"].size(), 3u);
  EXPECT_EQ(c.json()["content"]["id"], "post-123");
  auto tl = admin.Get("/v1/cases/" + std::to_string(j1["case_id"].get<int>()) + "/events");
  ASSERT_EQ(tl.status, 200);
  // Three flags; automation may add the starter policies' evaluations in the meantime.
  json events = tl.json()["events"];
  size_t flags = 0;
  for (const auto& e : events) flags += e["type"] == "flag.received";
  EXPECT_EQ(flags, 3u) << events.dump();
}

TEST_F(ApiTest, ContentSentFirstCanBeReferencedById) {
  auto c = client_->PostJson("/v1/content", {{"id", "vid-1"}, {"type", "video"},
                                             {"media", {{{"url", "https://cdn.example/v.mp4"}}}}});
  ASSERT_EQ(c.status, 201) << c.body;
  json flag = {{"content_id", "vid-1"}, {"reason", "violence"}, {"source", "trusted_flagger"},
               {"reporter", {{"id", "tf-1"}, {"contact", {{"name", "Org"}, {"email", "a@b.org"}}}}},
               {"bona_fide", true}};
  auto f = client_->PostJson("/v1/flags", flag);
  ASSERT_EQ(f.status, 201) << f.body;
  flag["content_id"] = "never-sent";
  auto missing = client_->PostJson("/v1/flags", flag);
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.json()["field"], "content_id");
}

TEST_F(ApiTest, BadInputIsRefusedNamingTheFieldAndStoresNothing) {
  int64_t before = CountFlags();
  struct Case {
    std::string body;
    int status;
    std::string field;
  } cases[] = {
      {"{not json", 400, "body"},
      {"{\"a\": \"\xff\xfe\"}", 400, "body"},
      {std::string("{\"a\": 1}\0", 9), 400, "body"},
      {R"({"content_id": "x\u0000", "reason": "spam", "source": "automated"})", 400, "content_id"},
      {SampleFlag("p").dump().insert(1, "\"extra\": 1, "), 422, "extra"},
      {R"({"content": {"id": "p", "text": 5}, "reason": "spam", "source": "automated"})", 422,
       "content.text"},
      {R"({"content": {"id": "p"}, "source": "automated"})", 422, "reason"},
      {R"({"content": {"id": "p"}, "reason": "made_up", "source": "automated"})", 422, "reason"},
      {json{{"content", {{"id", std::string(300, 'x')}}}, {"reason", "spam"}, {"source", "automated"}}
           .dump(),
       422, "content.id"},
  };
  for (const auto& c : cases) {
    auto r = client_->Post("/v1/flags", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    EXPECT_EQ(r.json()["field"], c.field) << r.body;
    EXPECT_FALSE(r.json()["detail"].get<std::string>().empty());
  }
  EXPECT_EQ(CountFlags(), before);
}

// Query parameters and path segments are checked for every route before its handler runs.
TEST_F(ApiTest, BadQueryAndPathTextIsRefusedNamingTheParameter) {
  HttpClient admin(server_.port());
  admin.set_token(admin_token_);
  struct Case {
    std::string target;
    int status;
    std::string field;
  } cases[] = {
      {"/v1/cases?q=%ff%fe", 400, "q"},
      {"/v1/cases?q=a%00b", 400, "q"},
      {"/v1/cases?%ff=1", 400, "query"},
      {"/v1/content/post%00x", 400, "id"},
      {"/v1/content/%c3%28", 400, "id"},
      {"/v1/cases?status=closed", 422, "status"},  // no case is ever in it
      {"/v1/cases?limit=-1", 422, "limit"},
  };
  for (const auto& c : cases) {
    auto r = admin.Get(c.target);
    EXPECT_EQ(r.status, c.status) << c.target << " -> " << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json") << c.target;
    EXPECT_EQ(r.json()["field"], c.field) << c.target << " -> " << r.body;
  }
  // Valid text still passes: a search in another script, and the two statuses cases have.
  EXPECT_EQ(admin.Get("/v1/cases?q=%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82").status, 200);
  EXPECT_EQ(admin.Get("/v1/cases?status=open").status, 200);
  EXPECT_EQ(admin.Get("/v1/cases?status=decided").status, 200);
}

TEST_F(ApiTest, OversizedBodyIsRefusedBeforeItIsRead) {
  // Announce 50 MB but send only the headers: the server must answer 413 without waiting.
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  sock.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_.port())});
  std::string req = "POST /v1/flags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token_ +
                    "\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n";
  asio::write(sock, asio::buffer(req));
  std::string resp;
  boost::system::error_code ec;
  char buf[4096];
  while (resp.find("\r\n\r\n") == std::string::npos) {
    size_t n = sock.read_some(asio::buffer(buf), ec);
    if (ec) break;
    resp.append(buf, n);
  }
  ASSERT_FALSE(resp.empty()) << ec.message();
  EXPECT_EQ(resp.rfind("HTTP/1.1 413", 0), 0u) << resp;
  EXPECT_NE(resp.find("application/problem+json"), std::string::npos);
}

TEST_F(ApiTest, IdempotencyKeyReplaysAndRefusesADifferentBody) {
  auto body = SampleFlag("idem-1", "user-7").dump();
  auto r1 = client_->Post("/v1/flags", body, {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(r1.status, 201);
  auto r2 = client_->Post("/v1/flags", body, {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(r2.status, 201);
  EXPECT_EQ(r2.json(), r1.json());
  auto r3 = client_->Post("/v1/flags", SampleFlag("idem-2", "user-7").dump(),
                          {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(r3.status, 422);
  EXPECT_EQ(r3.json()["field"], "Idempotency-Key");
  HttpClient admin(server_.port());
  admin.set_token(admin_token_);
  auto c = admin.Get("/v1/cases/" + std::to_string(r1.json()["case_id"].get<int>()));
  EXPECT_EQ(c.json()["flag_count"], 1);
}

TEST_F(ApiTest, BatchReportsEveryLineWithItsNumber) {
  std::string body = SampleFlag("b-1", "r-1").dump() + "\n" + "{oops\n" + "\n" +
                     SampleFlag("b-2", "r-2").dump() + "\n" +
                     R"({"content_id": "b-1", "reason": "nope", "source": "user", "reporter": {"id": "r-3"}})" +
                     "\n";
  auto r = client_->Post("/v1/flags:batch", body, {{"Content-Type", "application/x-ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto lines = ParseNdjson(r.body);
  ASSERT_EQ(lines.size(), 4u) << r.body;
  EXPECT_EQ(lines[0]["line"], 1);
  EXPECT_EQ(lines[0]["status"], 201);
  EXPECT_EQ(lines[1]["line"], 2);
  EXPECT_EQ(lines[1]["status"], 400);
  EXPECT_EQ(lines[2]["line"], 4);
  EXPECT_EQ(lines[2]["status"], 201);
  EXPECT_EQ(lines[3]["line"], 5);
  EXPECT_EQ(lines[3]["status"], 422);
  EXPECT_EQ(lines[3]["error"]["field"], "reason");
}

TEST_F(ApiTest, ReporterFloodsGet429WithRetryAfter) {
  // Default: 30 flags burst per end-user reporter, then 1 per second.
  int accepted = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 40; ++i) {
    auto r = client_->PostJson("/v1/flags", SampleFlag("flood-" + std::to_string(i), "flooder"));
    if (r.status == 201) ++accepted;
    if (r.status == 429) {
      ++limited;
      retry_after = r.header("retry-after");
      EXPECT_EQ(r.json()["field"], "reporter.id");
    }
  }
  EXPECT_GE(accepted, 30);
  EXPECT_GT(limited, 0);
  EXPECT_FALSE(retry_after.empty());
  // Another reporter through the same token is unaffected.
  EXPECT_EQ(client_->PostJson("/v1/flags", SampleFlag("calm-1", "calm")).status, 201);
}

TEST_F(ApiTest, SessionsUseHttpOnlyCookiesCsrfAndRevokeAtOnce) {
  ASSERT_EQ(RunVigil({"user", "add", "--data", data_, "--name", "ana", "--role", "agent",
                      "--password", "correct-horse-1", "--teams", "trust-safety"}),
            0);
  HttpClient c(server_.port());
  auto bad = c.PostJson("/v1/auth/login", {{"name", "ana"}, {"password", "wrong-password"}});
  EXPECT_EQ(bad.status, 401);
  auto ok = c.PostJson("/v1/auth/login", {{"name", "ana"}, {"password", "correct-horse-1"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  std::string cookie = ok.header("set-cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  std::string session = cookie.substr(0, cookie.find(';'));
  std::string csrf = ok.json()["csrf_token"];
  auto me = c.Get("/v1/auth/me", {{"Cookie", session}});
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json()["name"], "ana");
  // State-changing request without the CSRF header: refused.
  auto no_csrf = c.PostJson("/v1/flags", SampleFlag("s-1", "ana-rep"), {{"Cookie", session}});
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_EQ(no_csrf.json()["field"], "X-CSRF-Token");
  auto with_csrf = c.PostJson("/v1/flags", SampleFlag("s-1", "ana-rep"),
                              {{"Cookie", session}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(with_csrf.status, 201) << with_csrf.body;
  // Disabling the user revokes the session at once.
  HttpClient admin(server_.port());
  admin.set_token(admin_token_);
  ASSERT_EQ(admin.Post("/v1/users/ana/disable", "{}").status, 200);
  EXPECT_EQ(c.Get("/v1/auth/me", {{"Cookie", session}}).status, 401);
  ASSERT_EQ(admin.Post("/v1/users/ana/enable", "{}").status, 200);
  EXPECT_EQ(c.Get("/v1/auth/me", {{"Cookie", session}}).status, 401);  // stays revoked
  // A fresh login, then logout: the cookie dies immediately.
  auto again = c.PostJson("/v1/auth/login", {{"name", "ana"}, {"password", "correct-horse-1"}});
  ASSERT_EQ(again.status, 200);
  std::string s2 = again.header("set-cookie").substr(0, again.header("set-cookie").find(';'));
  ASSERT_EQ(c.Post("/v1/auth/logout", "{}", {{"Cookie", s2}, {"X-CSRF-Token", again.json()["csrf_token"]}}).status, 200);
  EXPECT_EQ(c.Get("/v1/auth/me", {{"Cookie", s2}}).status, 401);
  // Logins and failed logins are events.
  auto evs = admin.Get("/v1/events?limit=1000").json()["events"];
  int logins = 0, failed = 0;
  for (const auto& e : evs) {
    logins += e["type"] == "user.login";
    failed += e["type"] == "user.login_failed";
  }
  EXPECT_EQ(logins, 2);
  EXPECT_EQ(failed, 1);
}

TEST_F(ApiTest, RevokedTokenStopsWorkingAtOnce) {
  HttpClient admin(server_.port());
  admin.set_token(admin_token_);
  auto t = admin.PostJson("/v1/tokens", {{"user", "test-integration"}, {"label", "temp"}});
  ASSERT_EQ(t.status, 201) << t.body;
  HttpClient c(server_.port());
  c.set_token(t.json()["token"]);
  EXPECT_EQ(c.Get("/v1/taxonomy").status, 200);
  ASSERT_EQ(admin.Request("DELETE", "/v1/tokens/" + std::to_string(t.json()["id"].get<int>())).status, 200);
  EXPECT_EQ(c.Get("/v1/taxonomy").status, 401);
}

}  // namespace
}  // namespace vigil::testing
