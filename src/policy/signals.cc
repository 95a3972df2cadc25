#include "policy/signals.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

namespace vigil::policy {

const char* TypeName(Type t) {
  switch (t) {
    case Type::kBool:
      return "boolean";
    case Type::kNumber:
      return "number";
    case Type::kString:
      return "string";
    case Type::kList:
      return "list";
    case Type::kDuration:
      return "duration";
    case Type::kTime:
      return "time";
    case Type::kSeries:
      return "event series";
  }
  return "?";
}

const std::vector<SignalInfo>& SignalSchema() {
  // Kept in step with docs/policy-language.md ("Signals"); the analysis names follow
  // src/analysis/analyzer.h so the intake step can fill a snapshot from an AnalysisResult.
  static const std::vector<SignalInfo> schema = {
      {"flags", Type::kSeries, "times of every flag on the content"},
      {"flags.count", Type::kNumber, "flags on the content (duplicates excluded)"},
      {"flags.distinct_reporters", Type::kNumber, "distinct reporters"},
      {"flags.trusted", Type::kSeries, "times of flags from trusted flaggers"},
      {"flags.sources", Type::kList, "sources seen: user, trusted_flagger, automated, legal_order"},
      {"flags.reasons", Type::kList, "reason codes flagged (taxonomy)"},
      {"reporter.accuracy", Type::kNumber, "share of the reporter's past flags upheld, 0..1"},
      {"reporter.trusted", Type::kBool, "the reporter is a trusted flagger"},
      {"author.strikes", Type::kNumber, "active strikes against the author"},
      {"author.strike_times", Type::kSeries, "times of the author's strikes"},
      {"author.account_age", Type::kDuration, "age of the author's account"},
      {"author.verified", Type::kBool, "the author is verified"},
      {"author.followers", Type::kNumber, "the author's followers"},
      {"content.type", Type::kString, "text, image, video, link, profile, message"},
      {"content.language", Type::kString, "declared or detected language (ISO 639-1)"},
      {"content.reach.views", Type::kNumber, "views so far"},
      {"content.reach.shares", Type::kNumber, "shares so far"},
      {"content.mentions_person", Type::kBool, "the content mentions or tags a person"},
      {"content.created_at", Type::kTime, "when the content was posted"},
      {"content.text_length", Type::kNumber, "length of the text in bytes"},
      {"analysis.term_match.category", Type::kList, "categories of the matched list entries"},
      {"analysis.term_match.lists", Type::kList, "names of the lists that matched"},
      {"analysis.term_match.count", Type::kNumber, "list matches"},
      {"analysis.term_match.max_severity", Type::kNumber, "highest severity matched, 0..1"},
      {"analysis.url.domains", Type::kList, "registrable domains of the URLs"},
      {"analysis.url_shortener", Type::kBool, "a URL shortener is used"},
      {"analysis.domain_block", Type::kBool, "a URL is on a block list"},
      {"analysis.language", Type::kString, "language detected by analysis"},
      {"analysis.language_mismatch", Type::kBool, "detected language differs from the declared"},
      {"analysis.obfuscation", Type::kBool, "evasion found (confusables, zero-width, spacing)"},
      {"campaign.member", Type::kBool, "the content belongs to a detected campaign"},
      {"campaign.score", Type::kNumber, "campaign confidence, 0..1"},
  };
  return schema;
}

std::optional<SignalId> FindSignal(std::string_view name) {
  // Hashed: snapshots are filled by name for every event.
  static const std::unordered_map<std::string_view, SignalId> index = [] {
    std::unordered_map<std::string_view, SignalId> m;
    const auto& schema = SignalSchema();
    for (size_t i = 0; i < schema.size(); ++i) m.emplace(schema[i].name, static_cast<SignalId>(i));
    return m;
  }();
  auto it = index.find(name);
  if (it == index.end()) return std::nullopt;
  return it->second;
}

namespace {
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string SuggestSignal(std::string_view name) {
  std::string best;
  size_t best_d = 4;  // further than this is a different name, not a typo
  if (name.size() > 64) return best;
  for (const auto& s : SignalSchema()) {
    size_t d = EditDistance(name, s.name);
    if (d < best_d) best_d = d, best = s.name;
  }
  return best;
}

Snapshot::Snapshot(int64_t now_ms)
    : now_ms_(now_ms),
      num_(SignalSchema().size(), 0.0),
      str_(SignalSchema().size()),
      list_(SignalSchema().size()),
      series_(SignalSchema().size()) {}

Result<SignalId> Snapshot::Expect(std::string_view name, Type t) const {
  auto id = FindSignal(name);
  if (!id) return Error::Invalid(std::string(name), "unknown signal");
  Type have = SignalSchema()[*id].type;
  if (have != t)
    return Error::Invalid(std::string(name),
                          std::string("is a ") + TypeName(have) + ", not a " + TypeName(t));
  return *id;
}

Status Snapshot::SetNumber(std::string_view name, double v) {
  auto id = Expect(name, Type::kNumber);
  if (!id) return id.error();
  num_[*id] = v;
  return OkStatus();
}
Status Snapshot::SetBool(std::string_view name, bool v) {
  auto id = Expect(name, Type::kBool);
  if (!id) return id.error();
  num_[*id] = v ? 1 : 0;
  return OkStatus();
}
Status Snapshot::SetString(std::string_view name, std::string v) {
  auto id = Expect(name, Type::kString);
  if (!id) return id.error();
  str_[*id] = std::move(v);
  return OkStatus();
}
Status Snapshot::SetList(std::string_view name, std::vector<std::string> v) {
  auto id = Expect(name, Type::kList);
  if (!id) return id.error();
  list_[*id] = std::move(v);
  return OkStatus();
}
Status Snapshot::SetDurationMs(std::string_view name, int64_t ms) {
  auto id = Expect(name, Type::kDuration);
  if (!id) return id.error();
  num_[*id] = static_cast<double>(ms);
  return OkStatus();
}
Status Snapshot::SetTimeMs(std::string_view name, int64_t ms) {
  auto id = Expect(name, Type::kTime);
  if (!id) return id.error();
  num_[*id] = static_cast<double>(ms);
  return OkStatus();
}
Status Snapshot::SetSeries(std::string_view name, std::vector<int64_t> times_ms) {
  auto id = Expect(name, Type::kSeries);
  if (!id) return id.error();
  series_[*id] = std::move(times_ms);
  return OkStatus();
}
void Snapshot::SetClassifierScore(std::string label, double score) {
  for (auto& [l, s] : classifier_)
    if (l == label) return (void)(s = score);
  classifier_.emplace_back(std::move(label), score);
}

double Snapshot::ClassifierScore(std::string_view label) const {
  // A handful of labels per event: a linear scan beats hashing here.
  for (const auto& [l, s] : classifier_)
    if (l == label) return s;
  return 0;
}

std::string FormatDuration(double ms) {
  struct Unit {
    const char* suffix;
    double ms;
  };
  static const Unit units[] = {
      {"w", 604800000.0}, {"d", 86400000.0}, {"h", 3600000.0}, {"m", 60000.0}, {"s", 1000.0}};
  for (const auto& u : units)
    if (ms != 0 && std::fmod(ms, u.ms) == 0)
      return std::to_string(static_cast<int64_t>(ms / u.ms)) + u.suffix;
  return std::to_string(static_cast<int64_t>(ms)) + "ms";
}

namespace {
std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

std::string Snapshot::Describe(SignalId id) const {
  switch (SignalSchema()[id].type) {
    case Type::kBool:
      return num_[id] != 0 ? "true" : "false";
    case Type::kNumber:
      return FormatNumber(num_[id]);
    case Type::kString:
      return "\"" + str_[id] + "\"";
    case Type::kDuration:
      return FormatDuration(num_[id]);
    case Type::kTime:
      return FormatNumber(num_[id]) + "ms";
    case Type::kList: {
      std::string out = "[";
      for (size_t i = 0; i < list_[id].size(); ++i) out += (i ? ", " : "") + list_[id][i];
      return out + "]";
    }
    case Type::kSeries:
      return std::to_string(series_[id].size()) + " events";
  }
  return "?";
}

}  // namespace vigil::policy
