// The signal schema policies are written against, and a Snapshot: the values of those signals
// for one event. Every signal has a fixed type, so conditions are type-checked when a policy is
// loaded and an unknown signal is an error, not a silent false at run time. A signal the
// snapshot was not given has its zero value (0, false, "", empty list, no events).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace vigil::policy {

enum class Type : uint8_t {
  kBool,
  kNumber,
  kString,
  kList,
  kDuration,
  kTime,
  kSeries,
};
const char* TypeName(Type t);

using SignalId = int32_t;

struct SignalInfo {
  const char* name;
  Type type;
  const char* doc;
};

// The whole schema, in documentation order. Ids are indexes into it.
const std::vector<SignalInfo>& SignalSchema();
std::optional<SignalId> FindSignal(std::string_view name);
// The closest known name (for "did you mean"), or "" when nothing is close.
std::string SuggestSignal(std::string_view name);

// Values of the signals for one event, indexed by SignalId; `now_ms` is the evaluation time
// that windows (`count(flags, within: 24h)`) count back from.
class Snapshot {
 public:
  explicit Snapshot(int64_t now_ms = 0);

  // Setters by name check the signal exists and has the type; errors name the signal.
  Status SetNumber(std::string_view name, double v);
  Status SetBool(std::string_view name, bool v);
  Status SetString(std::string_view name, std::string v);
  Status SetList(std::string_view name, std::vector<std::string> v);
  Status SetDurationMs(std::string_view name, int64_t ms);
  Status SetTimeMs(std::string_view name, int64_t ms);
  Status SetSeries(std::string_view name, std::vector<int64_t> times_ms);
  void SetClassifierScore(std::string label, double score);

  int64_t now_ms() const { return now_ms_; }
  double num(SignalId id) const { return num_[id]; }
  const std::string& str(SignalId id) const { return str_[id]; }
  const std::vector<std::string>& list(SignalId id) const { return list_[id]; }
  const std::vector<int64_t>& series(SignalId id) const { return series_[id]; }
  double ClassifierScore(std::string_view label) const;
  // The value of a signal as text for traces ("3", "true", "\"text\"", "[a, b]", "26h").
  std::string Describe(SignalId id) const;

 private:
  Result<SignalId> Expect(std::string_view name, Type t) const;
  int64_t now_ms_;
  std::vector<double> num_;  // numbers, booleans (0/1), durations and times (ms)
  std::vector<std::string> str_;
  std::vector<std::vector<std::string>> list_;
  std::vector<std::vector<int64_t>> series_;
  std::vector<std::pair<std::string, double>> classifier_;
};

std::string FormatDuration(double ms);

}  // namespace vigil::policy
