// Counters and latency histograms for the Prometheus text format (`GET /metrics`): lock-free to
// record from any thread, read while recording (a scrape sees each value as of some instant).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::metrics {

// Latency in seconds, with fixed buckets from 0.5 ms to 10 s (cumulative on output, as
// Prometheus expects).
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                     0.025,  0.05,  0.1,    0.25,  0.5,
                                                     1,      2.5,   5,      10};
  void Observe(std::chrono::steady_clock::duration d);
  // `name`_bucket{labels,le=...}, `name`_sum{labels} and `name`_count{labels} lines; `labels`
  // is empty or `key="value",...` without braces.
  void Write(std::string& out, std::string_view name, std::string_view labels) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};  // the last: above 10 s
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

// `# HELP` and `# TYPE` lines for a metric family.
void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help);
// One sample line: name{labels} value.
void Sample(std::string& out, std::string_view name, std::string_view labels, double value);
// A label value escaped for the text format (backslash, double quote, newline).
std::string LabelValue(std::string_view v);

}  // namespace vigil::metrics
