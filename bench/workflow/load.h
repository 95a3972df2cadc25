// A small closed-loop HTTP load generator for the workflow benchmark: N keep-alive connections on
// one io_context thread, each driven by a Script that picks its next request from the previous
// response (claim -> decide/release -> claim ...). A phase ends after a time window (after a
// warm-up) or after a number of requests; latencies are kept per request kind, and every response
// whose status is not the one the script expected is counted and sampled.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::bench {

using Clock = std::chrono::steady_clock;

struct Request {
  std::string method;  // "GET" or "POST"
  std::string target;
  std::string body;  // sent as application/json for POST
  std::string kind;  // latency bucket, e.g. "next"
  int expect = 200;  // any other status is counted as unexpected
  // Paced (open-loop) scripts: not sent before this time, and its latency counts from this time
  // even when it is sent later because the previous request was slow (no coordinated omission).
  Clock::time_point not_before{};
};

// Latencies (ms) of one request kind, only those of the measured part of the phase.
struct KindStats {
  std::vector<double> ms;
  void Sort();
  double P(double q) const;  // after Sort()
};

struct Phase {
  std::string name;
  // Time-bounded phases: nothing new is sent after `end`; latencies are those of the requests
  // sent from measure_start on (including completions after `end`), while OnResponse's
  // `in_window` (for rates) is true for completions in [measure_start, end]. Count-bounded phases
  // (requests_left >= 0): the first `warmup_left` requests are not measured, and `requests_left`
  // more are.
  Clock::time_point measure_start, end;
  int64_t warmup_left = 0;
  int64_t requests_left = -1;
  Clock::time_point first_measured_send{}, last_measured_done{};

  std::map<std::string, KindStats> kinds;
  std::map<std::string, int64_t> counters;  // script-defined (claims, decides, empty, ...)
  int64_t unexpected = 0;
  std::map<std::string, int64_t> unexpected_by;  // "next 409" -> n
  std::vector<std::string> samples;
  int64_t transport_errors = 0;
  std::vector<std::string> error_samples;

  bool timed = false;  // set by RunPhase
  double MeasuredSeconds() const;
  void Unexpected(const std::string& kind, int status, std::string_view body);
  void TransportError(const std::string& what);
  // Prints "  !! name: ..." lines when anything unexpected happened; returns false then.
  bool Report() const;
};

// Drives one connection. Next() returns the request to send, or nullopt to stop (the Conn also
// stops by itself when the phase is over). OnResponse sees every response, measured or not.
class Script {
 public:
  virtual ~Script() = default;
  virtual std::optional<Request> Next() = 0;
  virtual void OnResponse(const Request& req, int status, std::string_view body,
                          bool in_window) = 0;
};

using ScriptFactory = std::function<std::unique_ptr<Script>(int index, Phase& phase)>;

// Runs `tokens.size()` connections (connection i authenticates with tokens[i]) to 127.0.0.1:port
// until the phase is over. Time-bounded when `seconds` > 0 (1 s warm-up first); otherwise
// count-bounded by phase.warmup_left / phase.requests_left as set by the caller.
void RunPhase(Phase& phase, int port, const std::vector<std::string>& tokens,
              const ScriptFactory& make_script, int seconds);

}  // namespace vigil::bench
