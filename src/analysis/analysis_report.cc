#include "analysis/analysis_report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "store/store.h"

namespace vigil::analysis {
namespace {

using nlohmann::json;

double Share(size_t a, size_t b) { return b == 0 ? 0 : static_cast<double>(a) / b; }

std::string Fmt(const char* format, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// The first ~160 bytes of a text, cut at a UTF-8 boundary, on one line.
std::string Excerpt(std::string_view text) {
  constexpr size_t kMax = 160;
  size_t n = std::min(text.size(), kMax);
  while (n < text.size() && n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  std::string out(text.substr(0, n));
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return n < text.size() ? out + "..." : out;
}

int BinOf(double score) {
  return std::clamp(static_cast<int>(std::floor(score * 100 + 1e-9)), 0, 100);
}

int BinOfThreshold(double t) { return std::clamp(static_cast<int>(std::lround(t * 100)), 1, 100); }

void Fill(SignalStats& s, size_t tp, size_t fp, size_t actioned, const ReportOptions& o) {
  s.tp = tp, s.fp = fp, s.fn = actioned - tp;
  s.support = tp + fp;
  s.precision = Share(tp, tp + fp);
  s.recall = Share(tp, actioned);
  s.meets_target = s.support >= o.min_support && s.support > 0 && s.precision >= o.target_precision;
}

json StatsJson(const SignalStats& s) {
  json j = {{"signal", s.signal},
            {"kind", s.kind},
            {"support", s.support},
            {"tp", s.tp},
            {"fp", s.fp},
            {"fn", s.fn},
            {"precision", s.precision},
            {"recall", s.recall},
            {"meets_target", s.meets_target},
            {"false_positive_cases", s.false_positive_cases}};
  if (s.threshold) j["threshold"] = *s.threshold;
  return j;
}

json ExamplesJson(const std::vector<ReportExample>& examples) {
  json arr = json::array();
  for (const auto& e : examples)
    arr.push_back({{"case_id", e.case_id},
                   {"outcome", e.outcome},
                   {"reason", e.reason},
                   {"signals", e.signals},
                   {"excerpt", e.excerpt}});
  return arr;
}

std::string RowName(const SignalStats& s) {
  return s.threshold ? s.signal + " >= " + Fmt("%.2f", *s.threshold) : s.signal;
}

}  // namespace

ReportBuilder::ReportBuilder(const Analyzer& analyzer, ReportOptions options)
    : analyzer_(analyzer), options_(std::move(options)) {}

uint16_t ReportBuilder::PredictorId(const std::string& name, const std::string& kind,
                                    bool classifier) {
  // find first: emplace would allocate a node for every lookup, and lookups are per signal
  // per case.
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  uint16_t id = static_cast<uint16_t>(predictors_.size());
  ids_.emplace(name, id);
  Predictor p;
  p.name = name, p.kind = kind, p.classifier = classifier;
  if (classifier) p.bins[0].assign(kBins + 1, 0), p.bins[1].assign(kBins + 1, 0);
  predictors_.push_back(std::move(p));
  return id;
}

void ReportBuilder::Add(const DecidedCase& c) {
  AnalysisResult r = analyzer_.Analyze(c.text, c.language);
  CaseRecord rec;
  rec.case_id = c.case_id;
  rec.actioned = c.actioned;
  rec.begin = static_cast<uint32_t>(hits_.size());
  auto hit = [&](const std::string& name, const char* kind, bool classifier, uint32_t bin) {
    // 65,535 distinct signals (lists, categories, labels) is far beyond any real library.
    if (predictors_.size() >= 0xFFFF && !ids_.count(name)) return;
    uint32_t packed = static_cast<uint32_t>(PredictorId(name, kind, classifier)) << 8 | bin;
    for (uint32_t i = rec.begin; i < hits_.size(); ++i)
      if (hits_[i] >> 8 == packed >> 8) return;  // one count per case and signal
    hits_.push_back(packed);
  };
  for (const Signal& s : r.signals) {
    if (s.name == "term_match") {
      hit("list:" + s.detail.value("list", ""), "list", false, kDiscrete);
      std::string category = s.detail.value("category", "");
      if (!category.empty()) hit("category:" + category, "category", false, kDiscrete);
    } else if (s.name == "domain_block" || s.name == "domain_watch") {
      hit(s.name + ":" + s.detail.value("list", ""), s.name.c_str(), false, kDiscrete);
    } else if (s.name == "url_shortener") {
      hit("url_shortener", "url_shortener", false, kDiscrete);
    } else if (s.name == "obfuscation") {
      hit("obfuscation:" + s.value, "obfuscation", false, kDiscrete);
    } else if (s.name == "classifier" && s.detail.contains("scores")) {
      // The model's top signal carries every label's score.
      std::string model = s.detail.value("model", "");
      for (const auto& [label, score] : s.detail["scores"].items())
        hit("classifier:" + model + "/" + label, "classifier", true,
            static_cast<uint32_t>(BinOf(score.get<double>())));
    }
  }
  rec.count = static_cast<uint16_t>(hits_.size() - rec.begin);
  for (uint32_t i = rec.begin; i < hits_.size(); ++i) {
    Predictor& p = predictors_[hits_[i] >> 8];
    uint32_t bin = hits_[i] & 0xFF;
    if (p.classifier)
      ++p.bins[c.actioned][bin];
    else
      ++p.fired[c.actioned];
  }
  actioned_ += c.actioned;
  cases_.push_back(rec);
}

AnalysisReport ReportBuilder::Finish() const {
  AnalysisReport r;
  r.options = options_;
  r.cases = cases_.size();
  r.actioned = actioned_;
  r.no_violation = cases_.size() - actioned_;
  // Rows: every discrete signal, then each classifier label at each threshold. `auto_bin` is
  // the bin from which a signal reaches the target (0 for a discrete one), -1 when it does not.
  std::vector<std::pair<size_t, std::string>> order;  // predictor, name (sorted)
  for (size_t i = 0; i < predictors_.size(); ++i) order.push_back({i, predictors_[i].name});
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    bool ca = predictors_[a.first].classifier, cb = predictors_[b.first].classifier;
    return ca != cb ? cb : a.second < b.second;
  });
  std::vector<int> auto_bin(predictors_.size(), -1);
  std::vector<std::vector<std::pair<size_t, int>>> rows_of(predictors_.size());  // row, bin
  for (const auto& [i, name] : order) {
    const Predictor& p = predictors_[i];
    if (!p.classifier) {
      SignalStats s;
      s.signal = p.name, s.kind = p.kind;
      Fill(s, p.fired[1], p.fired[0], actioned_, options_);
      if (s.meets_target) auto_bin[i] = 0, r.automatable.by.push_back(p.name);
      rows_of[i].push_back({r.signals.size(), 0});
      r.signals.push_back(std::move(s));
      continue;
    }
    // Cumulative counts from the top bin down: "score >= bin/100".
    std::vector<size_t> above[2] = {std::vector<size_t>(kBins + 2, 0),
                                    std::vector<size_t>(kBins + 2, 0)};
    for (int b = kBins; b >= 0; --b)
      for (int a = 0; a < 2; ++a) above[a][b] = above[a][b + 1] + p.bins[a][b];
    for (double t : options_.thresholds) {
      int b = BinOfThreshold(t);
      SignalStats s;
      s.signal = p.name, s.kind = p.kind, s.threshold = b / 100.0;
      Fill(s, above[1][b], above[0][b], actioned_, options_);
      rows_of[i].push_back({r.signals.size(), b});
      r.signals.push_back(std::move(s));
    }
    for (int b = 1; b <= kBins; ++b) {
      SignalStats s;
      s.signal = p.name, s.kind = p.kind, s.threshold = b / 100.0;
      Fill(s, above[1][b], above[0][b], actioned_, options_);
      if (!s.meets_target) continue;
      auto_bin[i] = b;
      r.automatable.by.push_back(RowName(s));
      r.target_thresholds.push_back(std::move(s));
      break;
    }
  }
  // One pass over the cases: what automation would have done, the misses, and a few false
  // positives of every row.
  auto example = [&](const CaseRecord& c) {
    ReportExample e;
    e.case_id = c.case_id;
    e.outcome = c.actioned ? "actioned" : "no_violation";
    for (int pass = 0; pass < 2; ++pass)  // automation's signals first
      for (uint32_t i = c.begin; i < c.begin + c.count; ++i) {
        uint32_t id = hits_[i] >> 8, bin = hits_[i] & 0xFF;
        const Predictor& p = predictors_[id];
        bool used = auto_bin[id] >= 0 && (!p.classifier || static_cast<int>(bin) >= auto_bin[id]);
        if (used != (pass == 0) || (p.classifier && bin < 50 && !used)) continue;
        e.signals.push_back(p.classifier ? p.name + " " + Fmt("%.2f", bin / 100.0) : p.name);
      }
    return e;
  };
  for (const CaseRecord& c : cases_) {
    bool automated = false;
    for (uint32_t i = c.begin; i < c.begin + c.count; ++i) {
      uint32_t id = hits_[i] >> 8, bin = hits_[i] & 0xFF;
      if (auto_bin[id] >= 0 &&
          (!predictors_[id].classifier || static_cast<int>(bin) >= auto_bin[id]))
        automated = true;
      if (c.actioned) continue;
      for (const auto& [row, from] : rows_of[id]) {
        auto& fps = r.signals[row].false_positive_cases;
        if ((!predictors_[id].classifier || static_cast<int>(bin) >= from) && fps.size() < 3)
          fps.push_back(c.case_id);
      }
    }
    if (automated) {
      ++r.automatable.cases;
      (c.actioned ? r.automatable.correct : r.automatable.wrong) += 1;
      if (!c.actioned && r.false_positives.size() < options_.examples)
        r.false_positives.push_back(example(c));
    } else if (c.actioned && r.false_negatives.size() < options_.examples) {
      r.false_negatives.push_back(example(c));
    }
  }
  r.automatable.precision = Share(r.automatable.correct, r.automatable.cases);
  r.automatable.share_of_actioned = Share(r.automatable.correct, actioned_);
  return r;
}

json AnalysisReport::ToJson() const {
  json signals_json = json::array(), targets = json::array();
  for (const auto& s : signals) signals_json.push_back(StatsJson(s));
  for (const auto& s : target_thresholds) targets.push_back(StatsJson(s));
  return {{"since", FormatIso8601(since)},
          {"target_precision", options.target_precision},
          {"min_support", options.min_support},
          {"cases", cases},
          {"actioned", actioned},
          {"no_violation", no_violation},
          {"seconds", seconds},
          {"signals", signals_json},
          {"target_thresholds", targets},
          {"automatable",
           {{"by", automatable.by},
            {"cases", automatable.cases},
            {"correct", automatable.correct},
            {"wrong", automatable.wrong},
            {"precision", automatable.precision},
            {"share_of_actioned", automatable.share_of_actioned}}},
          {"false_positives", ExamplesJson(false_positives)},
          {"false_negatives", ExamplesJson(false_negatives)}};
}

std::string AnalysisReport::ToText() const {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "analysis report: %zu decided cases since %s (%zu actioned, %zu no_violation); "
                "target precision %.2f, min support %zu\n\n",
                cases, FormatIso8601(since).c_str(), actioned, no_violation,
                options.target_precision, options.min_support);
  out += line;
  if (cases == 0) return out + "no decided cases to compare with\n";
  std::snprintf(line, sizeof line, "%-48s %8s %6s %6s %6s %9s %7s\n", "signal", "support", "tp",
                "fp", "fn", "precision", "recall");
  out += line;
  for (const auto& s : signals) {
    std::snprintf(line, sizeof line, "%-48s %8zu %6zu %6zu %6zu %9.3f %7.3f%s\n",
                  RowName(s).c_str(), s.support, s.tp, s.fp, s.fn, s.precision, s.recall,
                  s.meets_target ? "  *" : "");
    out += line;
  }
  out += "\n(* reaches the target precision with enough support)\n";
  for (const auto& s : target_thresholds) {
    std::snprintf(line, sizeof line,
                  "lowest threshold at precision >= %.2f: %s (precision %.3f, recall %.3f, %zu "
                  "cases)\n",
                  options.target_precision, RowName(s).c_str(), s.precision, s.recall, s.support);
    out += line;
  }
  std::string by;
  for (const auto& b : automatable.by) by += (by.empty() ? "" : ", ") + b;
  std::snprintf(line, sizeof line,
                "\nautomation at precision >= %.2f could have decided %zu of %zu cases (%zu "
                "right, %zu wrong; precision %.3f), %.1f%% of the actioned cases\n",
                options.target_precision, automatable.cases, cases, automatable.correct,
                automatable.wrong, automatable.precision, automatable.share_of_actioned * 100);
  out += line;
  out += "  using: " + (by.empty() ? std::string("no signal reaches the target yet") : by) + "\n";
  auto list = [&](const char* title, const std::vector<ReportExample>& examples) {
    out += std::string("\n") + title + "\n";
    if (examples.empty()) out += "  (none)\n";
    for (const auto& e : examples) {
      std::string sig;
      for (const auto& s : e.signals) sig += (sig.empty() ? "" : ", ") + s;
      out += "  case " + std::to_string(e.case_id) + " [" + e.reason + "] " +
             (sig.empty() ? "(no signal)" : sig) + ": \"" + e.excerpt + "\"\n";
    }
  };
  list("false positives (automation would have acted, people decided no_violation):",
       false_positives);
  list("false negatives (people actioned, automation would not have):", false_negatives);
  return out;
}

Result<Millis> ResolveSince(std::string_view since, Millis now, const std::string& field) {
  if (auto d = ParseDuration(since)) return now - *d;
  if (auto t = ParseIso8601(since)) return *t;
  return Error::Invalid(field,
                        "expected a duration back from now such as 30d, or an ISO-8601 "
                        "time such as 2026-11-01T00:00:00Z");
}

Status ValidateReportOptions(const ReportOptions& o) {
  if (!(o.target_precision > 0 && o.target_precision <= 1))
    return Error::Invalid("target_precision", "must be above 0 and at most 1");
  if (o.min_support < 1) return Error::Invalid("min_support", "must be at least 1");
  if (o.examples > 1000) return Error::Invalid("examples", "must be at most 1000");
  return OkStatus();
}

AnalysisReport ReplayDecidedCases(store::ReadTx& tx, const Analyzer& analyzer, Millis since,
                                  const ReportOptions& options) {
  auto start = std::chrono::steady_clock::now();
  ReportBuilder builder(analyzer, options);
  tx.ScanDecidedCases(since, [&](store::DecidedCaseRow& row) {
    builder.Add({row.case_id, row.text, row.language, row.outcome == "actioned"});
    return true;
  });
  AnalysisReport r = builder.Finish();
  r.since = since;
  for (auto* examples : {&r.false_positives, &r.false_negatives})
    for (ReportExample& e : *examples) {
      auto c = tx.GetCase(e.case_id);
      if (!c) continue;
      e.reason = c->reason;
      if (auto content = tx.GetContentByPk(c->content_pk)) e.excerpt = Excerpt(content->item.text);
    }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace vigil::analysis
