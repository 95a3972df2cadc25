#include "notify/webhook.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <vector>

#include "notify/notices.h"

namespace vigil::notify {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Mac = std::array<unsigned char, crypto_auth_hmacsha256_BYTES>;

constexpr size_t kMaxTimestampDigits = 12;  // Far beyond year 9999; keeps parsing overflow-free.
constexpr size_t kErrorExcerptBytes = 200;

void EnsureSodium() {
  static const int init = sodium_init();  // Thread-safe once; HMAC does not need RNG state.
  (void)init;
}

Mac HmacSha256(std::string_view key, std::initializer_list<std::string_view> parts) {
  EnsureSodium();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  for (std::string_view part : parts) {
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                                  part.size());
  }
  Mac mac;
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  return mac;
}

std::string ToHex(const Mac& mac) {
  std::string hex(mac.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  hex.pop_back();  // sodium writes a terminating NUL.
  return hex;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Non-negative decimal made only of digits (no sign, no spaces), at most max_digits long.
std::optional<int64_t> ParseDigits(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.front() == '-') return std::nullopt;
  return v;
}

Error Unauthenticated(std::string message) {
  return {ErrorCode::kUnauthenticated, std::string(kSignatureHeader), std::move(message)};
}

// ---- URL -----------------------------------------------------------------------------------

bool IsHostChar(char c, bool ipv6) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c == '-' || c == '.' || (ipv6 && c == ':');
}

Status SplitAuthority(std::string_view authority, ParsedUrl* out) {
  auto bad = [](std::string m) { return Error::Invalid("url", std::move(m)); };
  if (authority.find('@') != std::string_view::npos) return bad("user info is not allowed");
  std::string_view host = authority, port;
  bool ipv6 = !authority.empty() && authority.front() == '[';
  if (ipv6) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("unexpected text after IPv6 address");
    if (!after.empty()) port = after.substr(1);
    if (!after.empty() && port.empty()) return bad("empty port");
  } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return bad("empty port");
  }
  if (host.empty()) return bad("missing host");
  for (char c : host) {
    if (!IsHostChar(c, ipv6)) return bad("invalid character in host");
  }
  if (!port.empty()) {
    auto p = ParseDigits(port, 5);
    if (!p || *p < 1 || *p > 65535) return bad("port must be 1-65535");
    out->port = static_cast<uint16_t>(*p);
  }
  out->host = std::string(host);
  out->host_header = ipv6 ? "[" + out->host + "]" : out->host;
  if (out->port != 80) out->host_header += ":" + std::to_string(out->port);
  return OkStatus();
}

// ---- HTTP exchange ---------------------------------------------------------------------------

beast::string_view Bsv(std::string_view s) { return {s.data(), s.size()}; }
std::string_view Ssv(beast::string_view s) { return {s.data(), s.size()}; }

// Printable ASCII only: these go into header values, where CR/LF would inject headers.
bool HeaderSafe(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return !s.empty();
}

http::request<http::string_body> BuildRequest(const ParsedUrl& url, const std::string& secret,
                                              const Delivery& d, int64_t unix_seconds) {
  http::request<http::string_body> req{http::verb::post, Bsv(url.target), 11};
  req.set(http::field::host, url.host_header);
  req.set(http::field::user_agent, "Vigil-Webhook/1");
  req.set(http::field::content_type, "application/json");
  req.set(Bsv(kSignatureHeader), Sign(secret, unix_seconds, d.body));
  req.set(Bsv(kDeliveryIdHeader), d.id);
  req.set(Bsv(kEventHeader), d.event_type);
  if (d.attempt > 0) req.set(Bsv(kAttemptHeader), std::to_string(d.attempt));
  req.keep_alive(false);
  req.body() = d.body;
  req.prepare_payload();
  return req;
}

// Runs one asynchronous operation to completion. Asynchronous only because beast::tcp_stream
// applies its expiry to asynchronous operations, not to synchronous ones.
template <typename Initiate>
beast::error_code RunToCompletion(asio::io_context& ioc, Initiate initiate) {
  beast::error_code result;
  initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

struct Exchange {
  beast::error_code ec;
  const char* stage = "";
  http::response<http::string_body> response;
};

Exchange PostOnce(const ParsedUrl& url, const http::request<http::string_body>& req,
                  Millis timeout) {
  Exchange ex;
  // The deadline starts before resolution so time spent in DNS counts against the budget.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  ex.stage = "resolve";
  auto endpoints =
      resolver.resolve(url.host, std::to_string(url.port), tcp::resolver::numeric_service, ex.ec);
  if (ex.ec) return ex;

  beast::tcp_stream stream(ioc);
  stream.expires_at(deadline);
  ex.stage = "connect";
  ex.ec = RunToCompletion(ioc, [&](auto handler) { stream.async_connect(endpoints, handler); });
  if (ex.ec) return ex;
  ex.stage = "write";
  ex.ec = RunToCompletion(ioc, [&](auto handler) { http::async_write(stream, req, handler); });
  if (ex.ec) return ex;

  ex.stage = "read";
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBodyBytes);
  ex.ec = RunToCompletion(ioc,
                          [&](auto handler) { http::async_read(stream, buffer, parser, handler); });
  // An oversized body is the receiver's business: the status line has already answered.
  if (ex.ec == http::error::body_limit && parser.is_header_done()) ex.ec = {};
  if (!ex.ec) ex.response = parser.release();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return ex;
}

// Delta-seconds only; the HTTP-date form is rare for webhooks and is ignored.
std::optional<Millis> ParseRetryAfter(std::string_view value) {
  auto seconds = ParseDigits(Trim(value), 9);
  if (!seconds) return std::nullopt;
  return *seconds * 1000;
}

std::string Excerpt(std::string_view body) {
  std::string out(body.substr(0, kErrorExcerptBytes));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

AttemptResult Classify(const http::response<http::string_body>& res) {
  AttemptResult r;
  r.http_status = static_cast<int>(res.result_int());
  const int s = r.http_status;
  if (s >= 200 && s <= 299) {
    r.kind = AttemptResult::kDelivered;
    return r;
  }
  const bool transient = s < 200 || s == 408 || s == 425 || s == 429 || (s >= 500 && s <= 599);
  r.kind = transient ? AttemptResult::kRetry : AttemptResult::kPermanentFailure;
  r.error = "HTTP " + std::to_string(s);
  if (!res.body().empty()) r.error += ": " + Excerpt(res.body());
  if (s == 429 || s == 503) r.retry_after_ms = ParseRetryAfter(Ssv(res[http::field::retry_after]));
  return r;
}

AttemptResult Permanent(std::string error) {
  return {AttemptResult::kPermanentFailure, 0, std::move(error), std::nullopt};
}

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  return ToHex(HmacSha256(key, {data}));
}

std::string Sign(const std::string& secret, int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + ToHex(HmacSha256(secret, {t, ".", body}));
}

Status VerifySignature(const std::string& secret, std::string_view header, std::string_view body,
                       int64_t now_s, int64_t tolerance_s) {
  auto malformed = [](std::string m) {
    return Error::BadRequest(std::string(kSignatureHeader), std::move(m));
  };
  std::string_view t_text;
  std::optional<int64_t> t;
  std::vector<Mac> candidates;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view part = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) return malformed("expected key=value pairs");
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "t") {
      if (t) return malformed("duplicate t");
      t = ParseDigits(value, kMaxTimestampDigits);
      if (!t) return malformed("t must be unix seconds");
      t_text = value;
    } else if (key == "v1") {
      Mac mac;
      size_t len = 0;
      const char* end = nullptr;
      if (value.size() != mac.size() * 2 ||
          sodium_hex2bin(mac.data(), mac.size(), value.data(), value.size(), nullptr, &len, &end) !=
              0 ||
          len != mac.size() || end != value.data() + value.size()) {
        return malformed("v1 must be 64 hex digits");
      }
      candidates.push_back(mac);
    }  // Unknown keys are ignored so new schemes can be added alongside v1.
  }
  if (!t) return malformed("missing t");
  if (candidates.empty()) return malformed("missing v1");
  // Sign exactly the timestamp text that was sent, so formatting cannot change the MAC input.
  const Mac expected = HmacSha256(secret, {t_text, ".", body});
  bool match = false;
  for (const Mac& c : candidates) {
    match |= sodium_memcmp(c.data(), expected.data(), expected.size()) == 0;
  }
  if (!match) return Unauthenticated("signature does not match");
  if (std::llabs(now_s - *t) > tolerance_s) return Unauthenticated("timestamp outside tolerance");
  return OkStatus();
}

std::optional<Millis> NextAttemptAt(const RetryPolicy& p, int attempt, Millis now, double rand01) {
  if (attempt >= p.max_attempts) return std::nullopt;
  const Millis cap = std::max<Millis>(p.cap, 0);
  Millis ceiling = std::clamp<Millis>(p.base, 0, cap);
  for (int i = 1; i < attempt && ceiling < cap; ++i) {
    ceiling = ceiling > cap / 2 ? cap : ceiling * 2;
  }
  const double r = (rand01 >= 0.0 && rand01 < 1.0) ? rand01 : 0.0;  // NaN fails both tests.
  return now + static_cast<Millis>(r * static_cast<double>(ceiling));
}

Result<ParsedUrl> ParseWebhookUrl(std::string_view url) {
  auto bad = [](std::string m) { return Error::Invalid("url", std::move(m)); };
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return bad("must not contain whitespace or control characters");
    }
  }
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("must start with http://");
  std::string scheme(url.substr(0, sep));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "https") {
    return bad("https is not supported by the webhook sender; use http:// to a TLS proxy");
  }
  if (scheme != "http") return bad("scheme must be http");
  std::string_view rest = url.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return bad("must not contain a fragment");
  size_t path_at = rest.find_first_of("/?");
  ParsedUrl out;
  if (auto s = SplitAuthority(rest.substr(0, path_at), &out); !s) return s.error();
  std::string_view target = path_at == std::string_view::npos ? "" : rest.substr(path_at);
  out.target =
      target.empty() || target.front() == '?' ? "/" + std::string(target) : std::string(target);
  return out;
}

const std::vector<std::string>& WebhookEventTypes() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> t = {
        "decision.made",  "decision.reversed",           "appeal.received",  "appeal.decided",
        "account.warned", "account.suspension_proposed", "account.suspended"};
    for (const auto& kind : NoticeKinds()) t.push_back("notice." + kind);
    return t;
  }();
  return types;
}

Status ValidateTarget(const WebhookTarget& t) {
  if (auto url = ParseWebhookUrl(t.url); !url) return url.error();
  if (t.secret.empty()) return Error::Invalid("secret", "must not be empty");
  if (t.timeout <= 0) return Error::Invalid("timeout", "must be positive");
  return OkStatus();
}

AttemptResult Deliver(const WebhookTarget& t, const Delivery& d, int64_t unix_seconds) {
  if (auto s = ValidateTarget(t); !s) {
    return Permanent("invalid target (" + s.error().field + "): " + s.error().message);
  }
  if (!HeaderSafe(d.id) || !HeaderSafe(d.event_type)) {
    return Permanent("delivery id and event type must be non-empty printable ASCII");
  }
  const ParsedUrl url = std::move(ParseWebhookUrl(t.url)).value();
  const auto req = BuildRequest(url, t.secret, d, unix_seconds);
  Exchange ex = PostOnce(url, req, t.timeout);
  if (ex.ec) {
    AttemptResult r;
    r.kind = AttemptResult::kRetry;
    r.error = ex.ec == beast::error::timeout
                  ? "timed out after " + std::to_string(t.timeout) + " ms during " + ex.stage
                  : std::string(ex.stage) + " failed: " + ex.ec.message();
    return r;
  }
  return Classify(ex.response);
}

}  // namespace vigil::notify
