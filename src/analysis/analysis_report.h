// Testing automated analysis against people (issue 6, item 7): the content of decided cases is
// analysed again with the lists and models in force, and every signal (term-list matches by list
// and by category, domain block and watch, URL shorteners, obfuscation, each classifier label at
// a range of thresholds) is compared with the decision that stands (actioned or no_violation; a
// reversal counts as itself). The report gives each signal's precision, recall and support, the
// lowest classifier threshold reaching a target precision, how many cases automation could have
// decided with the signals that reach it, and examples of misses both ways with case ids.
//
// ReportBuilder takes cases one at a time and keeps per case only a few bytes, so a million
// cases replay in bounded memory; ReplayDecidedCases streams them from the store.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/analyzer.h"
#include "core/clock.h"
#include "core/error.h"

namespace vigil::store {
class ReadTx;
}

namespace vigil::analysis {

struct ReportOptions {
  double target_precision = 0.9;
  // A signal needs to have fired on this many decided cases before it counts as reaching the
  // target: 3 of 3 is not evidence enough to automate on.
  size_t min_support = 10;
  size_t examples = 10;                                               // misses shown each way
  std::vector<double> thresholds = {0.5, 0.7, 0.8, 0.9, 0.95, 0.99};  // classifier rows
};

struct DecidedCase {
  int64_t case_id = 0;
  std::string_view text;
  std::string_view language;
  bool actioned = false;
};

struct SignalStats {
  std::string
      signal;  // "list:scam-phrases", "category:scam", "domain_block", "classifier:abuse/scam"
  std::string
      kind;  // list, category, domain_block, domain_watch, url_shortener, obfuscation, classifier
  std::optional<double> threshold;  // classifier rows: fires when score >= threshold
  size_t support = 0;               // decided cases it fired on (tp + fp)
  size_t tp = 0, fp = 0, fn = 0;    // against "actioned"
  double precision = 0, recall = 0;
  bool meets_target = false;                  // precision >= target with support >= min_support
  std::vector<int64_t> false_positive_cases;  // a few cases it fired on that people left up
};

struct ReportExample {
  int64_t case_id = 0;
  std::string outcome;
  std::vector<std::string> signals;  // what fired (automation's signals first)
  std::string reason, excerpt;       // filled from the store by ReplayDecidedCases
};

struct AnalysisReport {
  ReportOptions options;
  Millis since = 0;
  size_t cases = 0, actioned = 0, no_violation = 0;
  double seconds = 0;
  std::vector<SignalStats> signals;  // discrete signals by name, then classifier rows
  // Per classifier label: the lowest threshold reaching the target (absent when none does).
  std::vector<SignalStats> target_thresholds;
  struct Automatable {
    std::vector<std::string> by;  // the signals (and thresholds) that reach the target
    size_t cases = 0, correct = 0, wrong = 0;
    double precision = 0;
    double share_of_actioned = 0;  // correct / actioned
  } automatable;
  std::vector<ReportExample> false_positives;  // automation would act; people did not
  std::vector<ReportExample> false_negatives;  // people acted; automation would not have

  nlohmann::json ToJson() const;
  std::string ToText() const;
};

class ReportBuilder {
 public:
  ReportBuilder(const Analyzer& analyzer, ReportOptions options);
  // Analyses the case's text and tallies every signal against its decision.
  void Add(const DecidedCase& c);
  AnalysisReport Finish() const;

 private:
  static constexpr int kBins = 100;  // classifier scores in steps of 0.01
  static constexpr uint32_t kDiscrete = 255;
  struct Predictor {
    std::string name, kind;
    bool classifier = false;
    size_t fired[2] = {0, 0};     // discrete: cases it fired on, [no_violation, actioned]
    std::vector<size_t> bins[2];  // classifier: cases whose score falls in each bin
  };
  struct CaseRecord {
    int64_t case_id = 0;
    uint32_t begin = 0;  // into hits_
    uint16_t count = 0;
    bool actioned = false;
  };
  uint16_t PredictorId(const std::string& name, const std::string& kind, bool classifier);

  const Analyzer& analyzer_;
  ReportOptions options_;
  std::vector<Predictor> predictors_;
  std::unordered_map<std::string, uint16_t> ids_;
  std::vector<CaseRecord> cases_;
  std::vector<uint32_t> hits_;  // per case: predictor id << 8 | bin (kDiscrete for a discrete one)
  size_t actioned_ = 0;
};

// Replays every case decided since `since` through `analyzer` and reports; example excerpts
// and reasons are read back from the store.
AnalysisReport ReplayDecidedCases(store::ReadTx& tx, const Analyzer& analyzer, Millis since,
                                  const ReportOptions& options);

// `since` as a person gives it: a duration back from `now` ("30d", "12h") or an ISO-8601 time.
// Errors name `field`.
Result<Millis> ResolveSince(std::string_view since, Millis now, const std::string& field);

// Checks options given by a person; errors name the option.
Status ValidateReportOptions(const ReportOptions& o);

}  // namespace vigil::analysis
