#include "notify/webhook.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <thread>

namespace vigil::notify {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr int64_t kNow = 1'700'000'000;
const std::string kSecret = "whsec_test";

// ---- Signing ---------------------------------------------------------------------------------

TEST(HmacSha256Hex, MatchesRfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Sign, IsHmacOfTimestampDotBody) {
  const std::string body = R"({"action":"remove"})";
  EXPECT_EQ(Sign(kSecret, kNow, body),
            "t=1700000000,v1=" + HmacSha256Hex(kSecret, "1700000000." + body));
}

TEST(VerifySignature, AcceptsGoodHeaderWithinTolerance) {
  const std::string body = R"({"a":1})";
  const std::string header = Sign(kSecret, kNow, body);
  EXPECT_TRUE(VerifySignature(kSecret, header, body, kNow).ok());
  EXPECT_TRUE(VerifySignature(kSecret, header, body, kNow + 300).ok());
  EXPECT_TRUE(VerifySignature(kSecret, header, body, kNow - 300).ok());
}

TEST(VerifySignature, AcceptsAnyOfSeveralV1AndIgnoresUnknownKeys) {
  const std::string body = "{}";
  const std::string good = Sign(kSecret, kNow, body);
  const std::string other = Sign("old-secret", kNow, body);
  const std::string header = other + "," + good.substr(good.find("v1=")) + ",v9=future";
  EXPECT_TRUE(VerifySignature(kSecret, header, body, kNow).ok());
}

TEST(VerifySignature, RejectsTamperedBodyWrongSecretAndStaleTimestamp) {
  const std::string body = R"({"a":1})";
  const std::string header = Sign(kSecret, kNow, body);
  for (const Status& s : {VerifySignature(kSecret, header, R"({"a":2})", kNow),
                          VerifySignature("other", header, body, kNow),
                          VerifySignature(kSecret, header, body, kNow + 301),
                          VerifySignature(kSecret, header, body, kNow - 301)}) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(s.error().field, "Vigil-Signature");
  }
}

TEST(VerifySignature, RejectsMalformedHeaders) {
  const std::string body = "{}";
  const std::string mac = HmacSha256Hex(kSecret, "1700000000.{}");
  for (const std::string& header :
       {std::string(""), std::string("garbage"), "v1=" + mac, std::string("t=1700000000"),
        "t=abc,v1=" + mac, "t=-5,v1=" + mac, "t=1700000000,v1=" + mac.substr(2),
        "t=1700000000,v1=zz" + mac.substr(2), "t=1,t=1700000000,v1=" + mac,
        "t=99999999999999999999,v1=" + mac}) {
    Status s = VerifySignature(kSecret, header, body, kNow);
    ASSERT_FALSE(s.ok()) << header;
    EXPECT_EQ(s.error().code, ErrorCode::kBadRequest) << header;
  }
}

// ---- Retry schedule --------------------------------------------------------------------------

TEST(NextAttemptAt, GrowsExponentiallyUpToTheCap) {
  RetryPolicy p;
  const Millis now = 1'000'000;
  const double almost_one = 0.999999;
  EXPECT_NEAR(static_cast<double>(*NextAttemptAt(p, 1, now, almost_one) - now), 30000, 1);
  EXPECT_NEAR(static_cast<double>(*NextAttemptAt(p, 2, now, almost_one) - now), 60000, 1);
  EXPECT_NEAR(static_cast<double>(*NextAttemptAt(p, 3, now, almost_one) - now), 120000, 1);
  EXPECT_NEAR(static_cast<double>(*NextAttemptAt(p, 5, now, almost_one) - now), 480000, 1);
  // 30 s * 2^9 = 4.27 h; 30 s * 2^10 = 8.5 h > 6 h.
  EXPECT_NEAR(static_cast<double>(*NextAttemptAt(p, 10, now, almost_one) - now), 15'360'000, 16);
  EXPECT_NEAR(static_cast<double>(*NextAttemptAt(p, 11, now, almost_one) - now), p.cap, 22);
  EXPECT_EQ(*NextAttemptAt(p, 3, now, 0.5) - now, 60000);  // Full jitter: half of 120 s.
}

TEST(NextAttemptAt, DeadLettersAfterMaxAttempts) {
  RetryPolicy p;
  EXPECT_TRUE(NextAttemptAt(p, p.max_attempts - 1, 0, 0.5).has_value());
  EXPECT_FALSE(NextAttemptAt(p, p.max_attempts, 0, 0.5).has_value());
  EXPECT_FALSE(NextAttemptAt(p, p.max_attempts + 5, 0, 0.5).has_value());
  RetryPolicy three{1000, 60000, 3};
  EXPECT_FALSE(NextAttemptAt(three, 3, 0, 0.5).has_value());
}

TEST(NextAttemptAt, StaysWithinZeroAndCapForAnyDraw) {
  RetryPolicy p{1000, 50000, 40};
  const Millis now = 5'000'000;
  for (int attempt = 0; attempt < p.max_attempts; ++attempt) {
    for (double r : {0.0, 0.25, 0.5, 0.9999999, -1.0, 1.0, 7.0, std::nan("")}) {
      auto next = NextAttemptAt(p, attempt, now, r);
      ASSERT_TRUE(next.has_value());
      EXPECT_GE(*next, now) << attempt << " " << r;
      EXPECT_LE(*next, now + p.cap) << attempt << " " << r;
    }
  }
}

// ---- URL parsing -----------------------------------------------------------------------------

TEST(ParseWebhookUrl, SplitsHostPortAndTarget) {
  auto u = ParseWebhookUrl("http://hooks.example.com:8080/v1/vigil?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/v1/vigil?x=1");
  EXPECT_EQ(u->host_header, "hooks.example.com:8080");
  auto bare = ParseWebhookUrl("HTTP://10.0.0.1");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->target, "/");
  EXPECT_EQ(bare->host_header, "10.0.0.1");
  auto v6 = ParseWebhookUrl("http://[::1]:9000/h");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header, "[::1]:9000");
}

TEST(ParseWebhookUrl, RejectsWhatItCannotDeliverTo) {
  for (const char* url :
       {"", "https://example.com/", "ftp://example.com/", "example.com/hook", "http:///path",
        "http://example.com:0/", "http://example.com:65536/", "http://example.com:/",
        "http://user:pw@example.com/", "http://example.com/a#frag", "http://exa mple.com/",
        "http://example.com/a\r\nX-Injected: 1", "http://[::1/", "http://ex_ample.com/"}) {
    auto u = ParseWebhookUrl(url);
    ASSERT_FALSE(u.ok()) << url;
    EXPECT_EQ(u.error().field, "url") << url;
  }
}

TEST(ValidateTarget, NamesTheOffendingField) {
  EXPECT_TRUE(ValidateTarget({"http://127.0.0.1:1/", "s", 1000}).ok());
  EXPECT_EQ(ValidateTarget({"https://x/", "s", 1000}).error().field, "url");
  EXPECT_EQ(ValidateTarget({"http://x/", "", 1000}).error().field, "secret");
  EXPECT_EQ(ValidateTarget({"http://x/", "s", 0}).error().field, "timeout");
}

// ---- Delivery against a real local receiver ---------------------------------------------------

// Accepts one connection on 127.0.0.1:<ephemeral>, records the request and answers with what
// `respond` returns; nullopt means "never answer" (hold the connection until destruction).
class Receiver {
 public:
  using Respond = std::function<std::optional<Response>(const Request&)>;

  explicit Receiver(Respond respond)
      : acceptor_(ioc_, {asio::ip::address_v4::loopback(), 0}),
        released_(release_.get_future().share()),
        thread_([this, respond = std::move(respond)] { Serve(respond); }) {}

  ~Receiver() {
    release_.set_value();
    if (!accepted_) {  // Deliver never connected: unblock accept() with a dummy connection.
      tcp::socket dummy(ioc_);
      beast::error_code ignored;
      dummy.connect(acceptor_.local_endpoint(), ignored);
    }
    if (thread_.joinable()) thread_.join();
  }

  std::string Url(const std::string& path = "/hooks/vigil") const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }

  // Waits for the exchange to finish, then returns what was received.
  const Request& Received() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  void Serve(const Respond& respond) {
    beast::error_code ec;
    tcp::socket socket(ioc_);
    acceptor_.accept(socket, ec);
    accepted_ = true;
    if (ec) return;
    beast::flat_buffer buffer;
    http::read(socket, buffer, request_, ec);
    if (ec) return;
    std::optional<Response> res = respond(request_);
    if (!res) {
      released_.wait();
      return;
    }
    res->version(11);
    res->keep_alive(false);
    res->prepare_payload();
    http::write(socket, *res, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<bool> accepted_{false};
  std::promise<void> release_;
  std::shared_future<void> released_;
  Request request_;
  std::thread thread_;
};

Response Reply(http::status status, std::string body = "",
               std::map<std::string, std::string> headers = {}) {
  Response res{status, 11};
  res.body() = std::move(body);
  for (const auto& [name, value] : headers) res.set(name, value);
  return res;
}

Delivery SampleDelivery() {
  return {"dlv_01H", "enforcement.action_taken", R"({"case":"c_1","action":"remove"})", 1};
}

std::string Header(const Request& req, const char* name) {
  auto v = req[name];
  return std::string(v.data(), v.size());
}

TEST(Deliver, PostsSignedJsonAndReportsDeliveredOn200) {
  Status verified = Error::Internal("receiver never checked");
  Receiver receiver([&](const Request& req) -> std::optional<Response> {
    verified = VerifySignature(kSecret, Header(req, "Vigil-Signature"), req.body(), kNow);
    return Reply(http::status::ok, "thanks");
  });
  const Delivery d = SampleDelivery();
  AttemptResult r = Deliver({receiver.Url(), kSecret, 2000}, d, kNow);
  const Request& req = receiver.Received();

  EXPECT_EQ(r.kind, AttemptResult::kDelivered) << r.error;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_TRUE(verified.ok()) << (verified.ok() ? "" : verified.error().message);
  EXPECT_EQ(req.method(), http::verb::post);
  EXPECT_EQ(req.target(), "/hooks/vigil");
  EXPECT_EQ(req.body(), d.body);
  EXPECT_EQ(Header(req, "Content-Type"), "application/json");
  EXPECT_EQ(Header(req, "Vigil-Delivery-Id"), "dlv_01H");
  EXPECT_EQ(Header(req, "Vigil-Event"), "enforcement.action_taken");
  EXPECT_EQ(Header(req, "Vigil-Attempt"), "1");
  EXPECT_EQ(Header(req, "Vigil-Signature"), Sign(kSecret, kNow, d.body));
}

TEST(Deliver, RetriesOnServerError) {
  Receiver receiver(
      [](const Request&) { return Reply(http::status::internal_server_error, "db"); });
  AttemptResult r = Deliver({receiver.Url(), kSecret, 2000}, SampleDelivery(), kNow);
  EXPECT_EQ(r.kind, AttemptResult::kRetry);
  EXPECT_EQ(r.http_status, 500);
  EXPECT_EQ(r.error, "HTTP 500: db");
  EXPECT_FALSE(r.retry_after_ms.has_value());
}

TEST(Deliver, RetriesOnRequestTimeout408) {
  Receiver receiver([](const Request&) { return Reply(http::status::request_timeout); });
  AttemptResult r = Deliver({receiver.Url(), kSecret, 2000}, SampleDelivery(), kNow);
  EXPECT_EQ(r.kind, AttemptResult::kRetry);
  EXPECT_EQ(r.http_status, 408);
}

TEST(Deliver, FailsPermanentlyOnClientError) {
  Receiver receiver([](const Request&) { return Reply(http::status::bad_request, "bad"); });
  AttemptResult r = Deliver({receiver.Url(), kSecret, 2000}, SampleDelivery(), kNow);
  EXPECT_EQ(r.kind, AttemptResult::kPermanentFailure);
  EXPECT_EQ(r.http_status, 400);
}

TEST(Deliver, HonoursRetryAfterOn429And503) {
  {
    Receiver receiver([](const Request&) {
      return Reply(http::status::too_many_requests, "", {{"Retry-After", "7"}});
    });
    AttemptResult r = Deliver({receiver.Url(), kSecret, 2000}, SampleDelivery(), kNow);
    EXPECT_EQ(r.kind, AttemptResult::kRetry);
    EXPECT_EQ(r.http_status, 429);
    EXPECT_EQ(r.retry_after_ms, 7000);
  }
  {
    Receiver receiver([](const Request&) {
      return Reply(http::status::service_unavailable, "", {{"Retry-After", " 120 "}});
    });
    AttemptResult r = Deliver({receiver.Url(), kSecret, 2000}, SampleDelivery(), kNow);
    EXPECT_EQ(r.kind, AttemptResult::kRetry);
    EXPECT_EQ(r.retry_after_ms, 120000);
  }
}

TEST(Deliver, TreatsOversizedResponseBodyByItsStatus) {
  Receiver receiver([](const Request&) {
    return Reply(http::status::ok, std::string(kMaxResponseBodyBytes * 4, 'x'));
  });
  AttemptResult r = Deliver({receiver.Url(), kSecret, 2000}, SampleDelivery(), kNow);
  EXPECT_EQ(r.kind, AttemptResult::kDelivered) << r.error;
}

TEST(Deliver, RetriesWhenTheReceiverNeverAnswers) {
  Receiver receiver([](const Request&) -> std::optional<Response> { return std::nullopt; });
  const auto start = std::chrono::steady_clock::now();
  AttemptResult r = Deliver({receiver.Url(), kSecret, 300}, SampleDelivery(), kNow);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.kind, AttemptResult::kRetry);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::seconds(10));  // Bounded by the timeout, not by the receiver.
}

TEST(Deliver, RetriesWhenConnectionIsRefused) {
  uint16_t port;
  {  // Take a free port and release it so nothing listens there.
    asio::io_context ioc;
    tcp::acceptor a(ioc, {asio::ip::address_v4::loopback(), 0});
    port = a.local_endpoint().port();
  }
  AttemptResult r = Deliver({"http://127.0.0.1:" + std::to_string(port) + "/", kSecret, 2000},
                            SampleDelivery(), kNow);
  EXPECT_EQ(r.kind, AttemptResult::kRetry);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_NE(r.error.find("connect"), std::string::npos) << r.error;
}

TEST(Deliver, FailsPermanentlyOnInvalidTargetOrHeaderInjection) {
  EXPECT_EQ(Deliver({"https://example.com/", kSecret, 1000}, SampleDelivery(), kNow).kind,
            AttemptResult::kPermanentFailure);
  Delivery d = SampleDelivery();
  d.event_type = "x\r\nX-Injected: 1";
  EXPECT_EQ(Deliver({"http://127.0.0.1:1/", kSecret, 1000}, d, kNow).kind,
            AttemptResult::kPermanentFailure);
}

}  // namespace
}  // namespace vigil::notify
