// Backtest: replays stored cases (content, flags, author history) through a policy version and
// reports what would change against the version in force and how the version agrees with the
// decisions people actually took. Nothing is written: it reads one consistent snapshot of the
// store (a read transaction) and analyses the stored text again with the analyzer given, so a
// changed term list or model is part of what is tested.
//
// What a replayed case looks like to the policy: the flags received up to the evaluation time
// (the case's first human decision, else its latest flag), the author's strikes active then,
// the newest reporter's record on the cases replayed before it, and the analysis of the text.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "core/clock.h"
#include "core/taxonomy.h"
#include "policy/policy.h"
#include "store/store.h"

namespace vigil::policy {

struct BacktestOptions {
  Millis since = 0;        // cases opened at or after
  size_t sample = 20;      // disagreements and changes listed, each
  int threads = 2;         // analysis and walking; the store is read on the calling thread
  std::string case_link = "/cases/";  // a sampled case links to case_link + id (the console)
};

// The label a case gets: the first action type of a decision (no_violation, remove, ...), or
// needs_review when the policy stops at a question, asks for human review or matches no rule.
inline constexpr const char* kNeedsReview = "needs_review";

struct BacktestSample {
  int64_t case_id = 0;
  std::string human, candidate, baseline, leaf, link;
};

struct BacktestReport {
  std::string policy_id;
  int version = 0, baseline_version = 0;  // baseline 0: no version in force
  int64_t scanned = 0;      // cases read
  int64_t applicable = 0;   // cases the policy applies to (its category among the case's reasons)
  int64_t human_decided = 0;  // applicable cases with a decision by people
  int64_t changed = 0;      // applicable cases whose label differs from the baseline's
  std::map<std::string, int64_t> candidate_labels, baseline_labels;
  std::map<std::pair<std::string, std::string>, int64_t> changes;    // baseline -> candidate
  std::map<std::pair<std::string, std::string>, int64_t> confusion;  // human -> candidate
  std::vector<BacktestSample> changed_samples, disagreement_samples;
  double seconds = 0;

  struct ActionStats {
    int64_t tp = 0, fp = 0, fn = 0;
    double precision() const { return tp + fp ? double(tp) / double(tp + fp) : 0; }
    double recall() const { return tp + fn ? double(tp) / double(tp + fn) : 0; }
  };
  // Per action the policy or people chose, over human-decided cases (needs_review excluded).
  std::map<std::string, ActionStats> PerAction() const;
  // Share of human-decided cases the policy decides on its own, and of those, the share that
  // agree with people.
  double Coverage() const;
  double Agreement() const;

  nlohmann::json ToJson() const;
  std::string ToText() const;
};

// Runs `candidate` (version `version`) and, when given, `baseline` (the version in force) over
// the cases opened since options.since. `analyzer` may be null (no analysis signals).
BacktestReport RunBacktest(store::ReadTx& tx, const Taxonomy& taxonomy, const Policy& candidate,
                           int version, const Policy* baseline, int baseline_version,
                           const analysis::Analyzer* analyzer, const BacktestOptions& options);

// The label of an action named in a policy: the decision action type it starts with
// ("suspend_account_7d" -> "suspend_account"), or the name itself when none matches.
std::string ActionLabel(const std::string& policy_action);

// True when the policy applies to a case flagged for these reasons: the policy's DSA category
// is the category of one of them.
bool PolicyApplies(const Policy& p, const Taxonomy& taxonomy, const std::vector<std::string>& reasons);

}  // namespace vigil::policy
