#include "core/metrics.h"

#include <cinttypes>
#include <cstdio>

namespace vigil::metrics {

void Histogram::Observe(std::chrono::steady_clock::duration d) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  const double s = static_cast<double>(ns) / 1e9;
  size_t i = 0;
  while (i < kBounds.size() && s > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(ns < 0 ? 0 : ns), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::Write(std::string& out, std::string_view name, std::string_view labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  char le[32];
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    if (i < kBounds.size())
      std::snprintf(le, sizeof le, "%g", kBounds[i]);
    else
      std::snprintf(le, sizeof le, "+Inf");
    Sample(out, std::string(name) + "_bucket",
           std::string(labels) + sep + "le=\"" + le + "\"", static_cast<double>(cumulative));
  }
  Sample(out, std::string(name) + "_sum", labels,
         static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  // The buckets' total, so _count and the +Inf bucket agree even while others record.
  Sample(out, std::string(name) + "_count", labels, static_cast<double>(cumulative));
}

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void Sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  char buf[40];
  if (value == static_cast<double>(static_cast<int64_t>(value)) && value < 9e15 && value > -9e15)
    std::snprintf(buf, sizeof buf, " %" PRId64 "\n", static_cast<int64_t>(value));
  else
    std::snprintf(buf, sizeof buf, " %.9g\n", value);
  out += buf;
}

std::string LabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace vigil::metrics
