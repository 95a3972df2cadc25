// Signed webhook delivery: how an enforcement action leaves Vigil. This module signs a payload,
// makes one HTTP POST and classifies the outcome; persisting deliveries and scheduling retries
// (the outbox) live elsewhere and ask NextAttemptAt when to try again.
//
// Plain http:// only. There is no TLS here, so a target must sit on a trusted network (loopback,
// a sidecar, a private link) or behind a TLS-terminating proxy. The HMAC signature authenticates
// the payload but does not hide it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace vigil::notify {

inline constexpr std::string_view kSignatureHeader = "Vigil-Signature";
inline constexpr std::string_view kDeliveryIdHeader = "Vigil-Delivery-Id";
inline constexpr std::string_view kEventHeader = "Vigil-Event";
inline constexpr std::string_view kAttemptHeader = "Vigil-Attempt";
// Response bodies beyond this are not read; the status line and headers still decide the outcome.
inline constexpr size_t kMaxResponseBodyBytes = 64 * 1024;

struct WebhookTarget {
  std::string url;        // http://host[:port][/path][?query]; host may be a name, IPv4 or [IPv6].
  std::string secret;     // HMAC key shared with the receiver.
  Millis timeout = 5000;  // Bounds connect + write + read of one attempt (see Deliver).
};

struct Delivery {
  std::string id;  // Idempotency id: the same for every attempt, so receivers can deduplicate.
  std::string event_type;
  std::string body;  // JSON, sent byte for byte as signed.
  int attempt = 0;   // 1-based; sent as Vigil-Attempt when > 0.
};

// Lower-case hex HMAC-SHA256(key, data). Any key length (RFC 2104).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// The Vigil-Signature header value:
// "t=<unix_seconds>,v1=<HmacSha256Hex(secret, "<unix_seconds>.<body>")>" (Stripe-style).
std::string Sign(const std::string& secret, int64_t unix_seconds, std::string_view body);

// For receivers and tests: accepts `header` if it is well formed, one of its v1 entries is the
// HMAC of "<t>.<body>" under `secret` (compared in constant time), and |now_s - t| <= tolerance_s.
// Several v1 entries are allowed (secret rotation); unknown keys are ignored (future schemes).
// Errors (field "Vigil-Signature"): kBadRequest when malformed, kUnauthenticated when no v1
// matches or the timestamp is outside the tolerance.
Status VerifySignature(const std::string& secret, std::string_view header, std::string_view body,
                       int64_t now_s, int64_t tolerance_s = 300);

// Exponential backoff with full jitter: the delay after a failed attempt n is uniform in
// [0, min(cap, base * 2^(n-1))). Defaults give ~30 s, 1 min, 2 min, ... capped at 6 h.
struct RetryPolicy {
  Millis base = 30000;
  Millis cap = 6 * 3600 * 1000;
  int max_attempts = 12;
};

// When to retry after attempt `attempt` (1-based) failed at `now`, or nullopt once `attempt` has
// reached p.max_attempts (the delivery goes to the dead-letter list). `rand01` in [0, 1) is the
// caller's random draw (values outside that range are treated as 0). The result is always in
// [now, now + p.cap]. A receiver's Retry-After is the caller's to combine with this.
std::optional<Millis> NextAttemptAt(const RetryPolicy& p, int attempt, Millis now, double rand01);

struct ParsedUrl {
  std::string host;  // Without brackets for IPv6.
  uint16_t port = 80;
  std::string target;       // Path and query, at least "/".
  std::string host_header;  // Value for the Host header ("host", "host:8080", "[::1]:8080").
};

// Parses a webhook URL. Errors carry field "url": https (unsupported here), missing host, bad
// port, user info, fragments, whitespace or control characters.
Result<ParsedUrl> ParseWebhookUrl(std::string_view url);

// Every event type the outbox sends to webhooks: decision.made, decision.reversed,
// appeal.received, appeal.decided, account.warned, account.suspension_proposed,
// account.suspended and notice.<kind> for each notice kind. A place that enqueues a new type
// adds it here, or no webhook can subscribe to it.
const std::vector<std::string>& WebhookEventTypes();

// What a target needs before it is stored: a parseable URL, a non-empty secret (field "secret")
// and a positive timeout (field "timeout").
Status ValidateTarget(const WebhookTarget& t);

struct AttemptResult {
  enum Kind { kDelivered, kRetry, kPermanentFailure } kind = kRetry;
  int http_status = 0;  // 0 when no response was received.
  std::string error;    // Human-readable reason when not delivered (includes a body excerpt).
  std::optional<Millis> retry_after_ms;  // Retry-After (delta-seconds form) on 429 and 503.
};

// One synchronous POST of d.body to t.url, signed with `unix_seconds`, with headers
// Vigil-Signature, Vigil-Delivery-Id, Vigil-Event, Vigil-Attempt and Content-Type:
// application/json. Outcome: 2xx -> kDelivered; 408, 425, 429, 5xx, and DNS/connect/timeout/I/O
// errors -> kRetry; other statuses (3xx redirects are not followed, other 4xx) and an invalid
// target or delivery -> kPermanentFailure.
// t.timeout bounds connect + write + read together. Name resolution is cancelled at the same
// deadline, but the system resolver cannot be interrupted, so a hanging DNS server can still
// delay the return; prefer IP literals or a local resolver for strict bounds.
AttemptResult Deliver(const WebhookTarget& t, const Delivery& d, int64_t unix_seconds);

}  // namespace vigil::notify
