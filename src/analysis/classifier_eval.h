// Evaluation of a classifier on held-out labeled examples: per-label precision, recall and F1 of
// its top label, the confusion matrix, and for each label the lowest score threshold at which
// "score >= threshold" reaches a target precision (what a policy can automate on), with the
// recall it keeps there.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/classifier.h"

namespace vigil::analysis {

struct ScoredExample {
  std::string label;               // the human label
  std::vector<LabelScore> scores;  // the model's, any order
};

struct LabelEval {
  std::string label;
  size_t support = 0;    // examples with this human label
  size_t predicted = 0;  // examples whose top label is this one
  size_t correct = 0;    // both
  double precision = 0, recall = 0, f1 = 0;
  // The lowest score threshold reaching the target precision, and precision/recall/count there;
  // nullopt when no threshold does (or the label has no examples).
  std::optional<double> threshold;
  double precision_at_threshold = 0, recall_at_threshold = 0;
  size_t flagged_at_threshold = 0;
};

struct EvalReport {
  std::string model;
  int version = 0;
  size_t examples = 0;
  double accuracy = 0;
  double target_precision = 0.95;
  std::vector<std::string> labels;             // the model's labels, then any only in the test set
  std::vector<std::vector<size_t>> confusion;  // [human label][top predicted label], over `labels`
  std::vector<LabelEval> per_label;            // in the order of `labels`

  nlohmann::json ToJson() const;
  std::string ToText() const;
};

// The report for scored examples; `model_labels` are the labels the model can predict.
EvalReport ComputeEvalReport(const std::vector<std::string>& model_labels,
                             const std::vector<ScoredExample>& scored, double target_precision);

// Scores `examples` with `c` and reports.
EvalReport Evaluate(const Classifier& c, const std::vector<LabeledExample>& examples,
                    double target_precision);

}  // namespace vigil::analysis
