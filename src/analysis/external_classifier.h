// The optional external classifier: an OpenAI-compatible HTTP endpoint, either a moderation
// endpoint (POST /v1/moderations) or a chat-completions endpoint asked to classify the text under
// the policy text given in the prompt. Off by default; configured in DIR/external_classifier.yaml
// (format in docs/analysis.md). Every call is bounded: a timeout per attempt, a few retries with
// exponential backoff on transient failures, a circuit breaker that stops calling a failing
// endpoint for a cool-down (then lets one trial call through), and a budget of requests per UTC
// day. A call that cannot be made says why, and analysis goes on without it.
//
// Plain http:// only (as for webhooks): put a TLS-terminating proxy in front of a remote service,
// or point it at a local OpenAI-compatible server.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace vigil::analysis {

struct ExternalClassifierConfig {
  bool enabled = false;
  enum Kind { kModeration, kChat } kind = kModeration;
  std::string url;                  // e.g. http://127.0.0.1:8000/v1/moderations
  std::string model;                // sent as "model"
  std::string api_key;              // sent as "Authorization: Bearer"; read from api_key_env
  std::string policy;               // chat: the policy text put into the system prompt
  std::vector<std::string> labels;  // chat: the labels the model may answer with
  Millis timeout_ms = 3000;         // one attempt: connect + write + read
  int max_attempts = 3;             // including the first
  Millis backoff_ms = 250;          // before attempt n+1: backoff * 2^(n-1), plus up to 50% jitter
  int breaker_failures = 5;         // consecutive failed calls that open the breaker
  Millis breaker_cooldown_ms = 30000;
  int64_t daily_budget = 10000;  // HTTP requests per UTC day (every attempt counts)
  double min_score = 0.1;        // moderation: categories scoring less give no signal
};

// Reads DIR/external_classifier.yaml; a missing file is the default (disabled). `getenv` reads
// the API key variable (tests pass their own). Errors name the field.
Result<ExternalClassifierConfig> LoadExternalClassifierConfig(
    const std::string& path, const std::function<const char*(const char*)>& getenv = nullptr);

struct ExternalLabel {
  std::string label;
  double score = 0;
  std::string why;
};

class ExternalClassifier {
 public:
  enum class BreakerState { kClosed, kOpen, kHalfOpen };

  explicit ExternalClassifier(ExternalClassifierConfig config,
                              const Clock& clock = SystemClock::Instance());

  // Classifies `text`. Errors: kUnavailable (disabled, breaker open, endpoint failing after the
  // retries, unusable answer) and kRateLimited (the day's budget is spent), with a human message.
  // Thread-safe; calls are not serialized, the breaker and budget are shared.
  Result<std::vector<ExternalLabel>> Classify(std::string_view text);

  const ExternalClassifierConfig& config() const { return config_; }
  BreakerState breaker_state() const;
  int64_t requests_today() const;

  // Waits between attempts; tests may replace it (the default sleeps).
  void set_sleep(std::function<void(Millis)> sleep) { sleep_ = std::move(sleep); }

 private:
  struct Attempt;
  Status Admit();             // breaker and budget, before a call
  bool TakeBudget();          // one request of today's budget
  void Record(bool success);  // breaker bookkeeping after a call
  void ReleaseTrial();        // a half-open trial that made no request
  Attempt Once(const std::string& body) const;
  std::string RequestBody(std::string_view text) const;
  Result<std::vector<ExternalLabel>> ParseAnswer(const std::string& body) const;

  ExternalClassifierConfig config_;
  const Clock& clock_;
  std::function<void(Millis)> sleep_;
  mutable std::mutex mu_;
  int consecutive_failures_ = 0;
  Millis open_until_ = 0;
  bool trial_in_flight_ = false;
  bool opened_ = false;
  int64_t day_ = -1;
  int64_t used_today_ = 0;
};

}  // namespace vigil::analysis
