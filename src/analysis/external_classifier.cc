#include "analysis/external_classifier.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

namespace vigil::analysis {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;
using tcp = asio::ip::tcp;

constexpr size_t kMaxAnswerBytes = 1 << 20;
constexpr size_t kMaxTextBytes = 32 * 1024;
constexpr Millis kDayMillis = 86'400'000;

struct Endpoint {
  std::string host, port = "80", target = "/", host_header;
};

// http://host[:port][/path]; https and anything unusual are refused (see the header).
Result<Endpoint> ParseEndpoint(std::string_view url) {
  auto bad = [](std::string m) { return Error::Invalid("url", std::move(m)); };
  if (!url.starts_with("http://"))
    return bad("must start with http:// (use a TLS-terminating proxy for https)");
  std::string_view rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  Endpoint e;
  if (slash != std::string_view::npos) e.target = std::string(rest.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos)
    return bad("needs a host, without user info");
  for (char c : url)
    if (c <= 0x20 || c >= 0x7f) return bad("must not contain spaces or control characters");
  e.host_header = std::string(authority);
  size_t colon = authority.rfind(':');
  bool bracketed = authority.front() == '[';
  if (colon != std::string_view::npos && (!bracketed || authority[colon - 1] == ']')) {
    e.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
    if (e.port.empty() || e.port.size() > 5 ||
        !std::all_of(e.port.begin(), e.port.end(), ::isdigit) || std::stoi(e.port) == 0 ||
        std::stoi(e.port) > 65535)
      return bad("bad port");
  }
  if (bracketed) authority = authority.substr(1, authority.size() - 2);
  e.host = std::string(authority);
  if (e.host.empty()) return bad("needs a host");
  return e;
}

struct Reply {
  int status = 0;  // 0: no HTTP answer
  std::string body;
  std::string error;  // why there is no answer
};

// One POST, bounded as a whole by `timeout` (name resolution included: the io_context stops
// running at the deadline and whatever is pending is abandoned with it).
Reply Post(const Endpoint& e, const std::string& api_key, const std::string& body, Millis timeout) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  http::request<http::string_body> req{http::verb::post, e.target, 11};
  req.set(http::field::host, e.host_header);
  req.set(http::field::user_agent, "Vigil-Analysis/1");
  req.set(http::field::content_type, "application/json");
  if (!api_key.empty()) req.set(http::field::authorization, "Bearer " + api_key);
  req.keep_alive(false);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  Reply reply;
  bool done = false;
  auto fail = [&](const char* stage, const beast::error_code& ec) {
    reply.error = std::string(stage) + ": " + ec.message();
    done = true;
  };
  resolver.async_resolve(
      e.host, e.port, [&](beast::error_code ec, tcp::resolver::results_type found) {
        if (ec) return fail("resolve", ec);
        stream.async_connect(found, [&](beast::error_code ec, const tcp::endpoint&) {
          if (ec) return fail("connect", ec);
          http::async_write(stream, req, [&](beast::error_code ec, size_t) {
            if (ec) return fail("write", ec);
            http::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) {
              if (ec) return fail("read", ec);
              reply.status = static_cast<int>(parser.get().result_int());
              reply.body = std::move(parser.get().body());
              done = true;
            });
          });
        });
      });
  ioc.run_for(std::chrono::milliseconds(timeout));
  if (!done) reply.error = "no answer within " + std::to_string(timeout) + " ms";
  return reply;
}

bool Transient(const Reply& r) {
  return r.status == 0 || r.status == 408 || r.status == 425 || r.status == 429 || r.status >= 500;
}

std::string Excerpt(std::string_view s) {
  std::string out(s.substr(0, 200));
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

std::string Fixed2(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// A chat model may wrap its JSON in a Markdown fence.
std::string_view StripFence(std::string_view s) {
  size_t open = s.find('{'), close = s.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return s;
  return s.substr(open, close - open + 1);
}

}  // namespace

Result<ExternalClassifierConfig> LoadExternalClassifierConfig(
    const std::string& path, const std::function<const char*(const char*)>& getenv) {
  ExternalClassifierConfig c;
  if (!std::filesystem::exists(path)) return c;
  YAML::Node y;
  try {
    y = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Error::Invalid(path, std::string("not valid YAML: ") + e.what());
  }
  if (!y.IsMap()) return Error::Invalid(path, "must be a mapping of settings");
  std::string field;
  try {
    for (const auto& kv : y) {
      field = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (field == "enabled")
        c.enabled = v.as<bool>();
      else if (field == "kind") {
        std::string k = v.as<std::string>();
        if (k != "moderation" && k != "chat")
          return Error::Invalid(field, "must be moderation or chat");
        c.kind =
            k == "chat" ? ExternalClassifierConfig::kChat : ExternalClassifierConfig::kModeration;
      } else if (field == "url")
        c.url = v.as<std::string>();
      else if (field == "model")
        c.model = v.as<std::string>();
      else if (field == "api_key_env") {
        std::string var = v.as<std::string>();
        const char* key = getenv ? getenv(var.c_str()) : std::getenv(var.c_str());
        if (!key || !*key)
          return Error::Invalid(field, "environment variable " + var + " is not set");
        c.api_key = key;
      } else if (field == "policy_file") {
        std::filesystem::path p = v.as<std::string>();
        if (p.is_relative()) p = std::filesystem::path(path).parent_path() / p;
        std::ifstream in(p);
        if (!in) return Error::Invalid(field, "cannot read " + p.string());
        c.policy.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      } else if (field == "policy")
        c.policy = v.as<std::string>();
      else if (field == "labels")
        c.labels = v.as<std::vector<std::string>>();
      else if (field == "timeout_ms")
        c.timeout_ms = v.as<Millis>();
      else if (field == "max_attempts")
        c.max_attempts = v.as<int>();
      else if (field == "backoff_ms")
        c.backoff_ms = v.as<Millis>();
      else if (field == "breaker_failures")
        c.breaker_failures = v.as<int>();
      else if (field == "breaker_cooldown_ms")
        c.breaker_cooldown_ms = v.as<Millis>();
      else if (field == "daily_budget")
        c.daily_budget = v.as<int64_t>();
      else if (field == "min_score")
        c.min_score = v.as<double>();
      else
        return Error::Invalid(field, "unknown setting");
    }
  } catch (const YAML::Exception& e) {
    return Error::Invalid(field, std::string("wrong type: ") + e.what());
  }
  if (!c.enabled) return c;
  if (auto e = ParseEndpoint(c.url); !e) return e.error();
  if (c.timeout_ms < 1 || c.timeout_ms > 120000)
    return Error::Invalid("timeout_ms", "must be 1-120000");
  if (c.max_attempts < 1 || c.max_attempts > 10)
    return Error::Invalid("max_attempts", "must be 1-10");
  if (c.backoff_ms < 0 || c.backoff_ms > 60000)
    return Error::Invalid("backoff_ms", "must be 0-60000");
  if (c.breaker_failures < 1) return Error::Invalid("breaker_failures", "must be at least 1");
  if (c.breaker_cooldown_ms < 0)
    return Error::Invalid("breaker_cooldown_ms", "must not be negative");
  if (c.daily_budget < 0) return Error::Invalid("daily_budget", "must not be negative");
  if (c.kind == ExternalClassifierConfig::kChat && c.policy.empty())
    return Error::Invalid("policy",
                          "a chat classifier needs the policy text (policy or policy_file)");
  if (c.kind == ExternalClassifierConfig::kChat && c.labels.empty())
    return Error::Invalid("labels", "a chat classifier needs the labels it may answer with");
  return c;
}

struct ExternalClassifier::Attempt {
  Reply reply;
};

ExternalClassifier::ExternalClassifier(ExternalClassifierConfig config, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      sleep_([](Millis ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }) {}

ExternalClassifier::BreakerState ExternalClassifier::breaker_state() const {
  std::lock_guard lock(mu_);
  if (!opened_) return BreakerState::kClosed;
  return clock_.Now() < open_until_ ? BreakerState::kOpen : BreakerState::kHalfOpen;
}

int64_t ExternalClassifier::requests_today() const {
  std::lock_guard lock(mu_);
  return day_ == clock_.Now() / kDayMillis ? used_today_ : 0;
}

Status ExternalClassifier::Admit() {
  std::lock_guard lock(mu_);
  if (!opened_) return OkStatus();
  Millis now = clock_.Now();
  if (now < open_until_)
    return Error{ErrorCode::kUnavailable, "external_classifier",
                 "circuit breaker open after " + std::to_string(consecutive_failures_) +
                     " failed calls; next trial at " + FormatIso8601(open_until_)};
  if (trial_in_flight_)
    return Error{ErrorCode::kUnavailable, "external_classifier",
                 "circuit breaker half-open: a trial call is in flight"};
  trial_in_flight_ = true;  // half-open: this call is the trial
  return OkStatus();
}

bool ExternalClassifier::TakeBudget() {
  std::lock_guard lock(mu_);
  int64_t today = clock_.Now() / kDayMillis;
  if (today != day_) {
    day_ = today;
    used_today_ = 0;
  }
  if (used_today_ >= config_.daily_budget) return false;
  ++used_today_;
  return true;
}

void ExternalClassifier::ReleaseTrial() {
  std::lock_guard lock(mu_);
  trial_in_flight_ = false;
}

void ExternalClassifier::Record(bool success) {
  std::lock_guard lock(mu_);
  bool was_trial = trial_in_flight_;
  trial_in_flight_ = false;
  if (success) {
    consecutive_failures_ = 0;
    opened_ = false;
    return;
  }
  ++consecutive_failures_;
  if (was_trial || consecutive_failures_ >= config_.breaker_failures) {
    opened_ = true;
    open_until_ = clock_.Now() + config_.breaker_cooldown_ms;
  }
}

ExternalClassifier::Attempt ExternalClassifier::Once(const std::string& body) const {
  auto endpoint = ParseEndpoint(config_.url);
  if (!endpoint) return {{0, "", endpoint.error().message}};
  return {Post(endpoint.value(), config_.api_key, body, config_.timeout_ms)};
}

std::string ExternalClassifier::RequestBody(std::string_view text) const {
  std::string input(text.substr(0, kMaxTextBytes));
  json body = json::object();
  if (!config_.model.empty()) body["model"] = config_.model;
  if (config_.kind == ExternalClassifierConfig::kModeration) {
    body["input"] = input;
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  std::string labels;
  for (const auto& l : config_.labels) labels += (labels.empty() ? "\"" : ", \"") + l + "\"";
  std::string system =
      "You are a content moderation classifier for a Trust & Safety team. Classify the user's "
      "message under this policy:\n\n" +
      config_.policy + "\n\nAnswer with only a JSON object: {\"label\": one of [" + labels +
      "], \"score\": your confidence from 0 to 1, \"reason\": one short sentence citing the "
      "policy}.";
  body["temperature"] = 0;
  body["response_format"] = {{"type", "json_object"}};
  body["messages"] = json::array(
      {{{"role", "system"}, {"content", system}}, {{"role", "user"}, {"content", input}}});
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<std::vector<ExternalLabel>> ExternalClassifier::ParseAnswer(const std::string& body) const {
  auto unusable = [&](const std::string& why) {
    return Error{ErrorCode::kUnavailable, "external_classifier",
                 "unusable answer (" + why + "): " + Excerpt(body)};
  };
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return unusable("not a JSON object");
  std::string model = j.value("model", config_.model);
  std::vector<ExternalLabel> out;
  if (config_.kind == ExternalClassifierConfig::kModeration) {
    if (!j.contains("results") || !j["results"].is_array() || j["results"].empty() ||
        !j["results"][0].contains("category_scores") ||
        !j["results"][0]["category_scores"].is_object())
      return unusable("no results[0].category_scores");
    const json& r = j["results"][0];
    for (const auto& [category, score] : r["category_scores"].items()) {
      if (!score.is_number()) return unusable("category score of " + category + " is not a number");
      double s = score.get<double>();
      if (s < config_.min_score) continue;
      bool flagged = r.contains("categories") && r["categories"].value(category, false);
      out.push_back({category, s,
                     "moderation endpoint" + (model.empty() ? "" : " (" + model + ")") +
                         " scores " + category + " " + Fixed2(s) +
                         (flagged ? ", flagged by the endpoint" : "")});
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.score > b.score; });
    return out;
  }
  if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() ||
      !j["choices"][0].contains("message") || !j["choices"][0]["message"].contains("content") ||
      !j["choices"][0]["message"]["content"].is_string())
    return unusable("no choices[0].message.content");
  json a = json::parse(StripFence(j["choices"][0]["message"]["content"].get<std::string>()),
                       nullptr, false);
  if (!a.is_object() || !a.contains("label") || !a["label"].is_string())
    return unusable("the model's reply is not {label, score, reason}");
  std::string label = a["label"];
  if (std::find(config_.labels.begin(), config_.labels.end(), label) == config_.labels.end())
    return unusable("label " + label + " is not one of the configured labels");
  double score = a.contains("score") && a["score"].is_number()
                     ? std::clamp(a["score"].get<double>(), 0.0, 1.0)
                     : 1.0;
  std::string reason =
      a.contains("reason") && a["reason"].is_string() ? a["reason"].get<std::string>() : "";
  out.push_back({label, score,
                 "chat model" + (model.empty() ? "" : " " + model) + " under the policy: " +
                     (reason.empty() ? "(no reason given)" : reason.substr(0, 300))});
  return out;
}

Result<std::vector<ExternalLabel>> ExternalClassifier::Classify(std::string_view text) {
  if (!config_.enabled) return Error{ErrorCode::kUnavailable, "external_classifier", "disabled"};
  if (auto st = Admit(); !st) return st.error();
  const std::string body = RequestBody(text);
  thread_local std::minstd_rand rng(std::random_device{}());
  std::string last_error;
  for (int attempt = 1; attempt <= config_.max_attempts; ++attempt) {
    if (attempt > 1) {
      Millis delay = config_.backoff_ms << (attempt - 2);
      sleep_(delay +
             static_cast<Millis>(std::uniform_real_distribution<double>(0, 0.5)(rng) * delay));
    }
    if (!TakeBudget()) {
      ReleaseTrial();  // a spent budget says nothing about the endpoint
      return Error{ErrorCode::kRateLimited, "external_classifier",
                   "the daily budget of " + std::to_string(config_.daily_budget) +
                       " requests is spent" +
                       (last_error.empty() ? "" : " (last attempt: " + last_error + ")")};
    }
    Reply r = Once(body).reply;
    if (r.status >= 200 && r.status <= 299) {
      auto labels = ParseAnswer(r.body);
      Record(labels.ok());
      return labels;
    }
    last_error = r.status ? "HTTP " + std::to_string(r.status) + ": " + Excerpt(r.body) : r.error;
    if (!Transient(r)) break;
  }
  Record(false);
  return Error{ErrorCode::kUnavailable, "external_classifier", "endpoint failed: " + last_error};
}

}  // namespace vigil::analysis
