#include "analysis/classifier_eval.h"

#include <algorithm>
#include <cstdio>

namespace vigil::analysis {
namespace {

using nlohmann::json;

double Ratio(size_t a, size_t b) { return b == 0 ? 0 : static_cast<double>(a) / b; }
double F1(double p, double r) { return p + r == 0 ? 0 : 2 * p * r / (p + r); }

double ScoreOf(const ScoredExample& e, const std::string& label) {
  for (const auto& s : e.scores)
    if (s.label == label) return s.score;
  return 0;
}

std::string TopLabel(const ScoredExample& e) {
  const LabelScore* best = nullptr;
  for (const auto& s : e.scores)
    if (!best || s.score > best->score) best = &s;
  return best ? best->label : "";
}

// Walks the examples from the highest score for `l.label` down; after each group of equal scores
// "score >= that score" flags everything seen so far. Keeps the lowest such threshold whose
// precision reaches the target (the most recall at that precision).
void FindThreshold(const std::vector<ScoredExample>& scored, double target, LabelEval& l) {
  if (l.support == 0) return;
  std::vector<std::pair<double, bool>> by_score;  // score, is this label
  by_score.reserve(scored.size());
  for (const auto& e : scored) by_score.emplace_back(ScoreOf(e, l.label), e.label == l.label);
  std::sort(by_score.begin(), by_score.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  size_t flagged = 0, hits = 0;
  for (size_t i = 0; i < by_score.size();) {
    double s = by_score[i].first;
    for (; i < by_score.size() && by_score[i].first == s; ++i) {
      ++flagged;
      hits += by_score[i].second;
    }
    if (s <= 0) break;  // "score >= 0" flags everything: not a threshold
    double p = Ratio(hits, flagged);
    if (hits > 0 && p >= target) {
      l.threshold = s;
      l.precision_at_threshold = p;
      l.recall_at_threshold = Ratio(hits, l.support);
      l.flagged_at_threshold = flagged;
    }
  }
}

std::string Fixed(double v, int digits = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Pad(std::string s, size_t width, bool right = false) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

}  // namespace

EvalReport ComputeEvalReport(const std::vector<std::string>& model_labels,
                             const std::vector<ScoredExample>& scored, double target_precision) {
  EvalReport r;
  r.target_precision = target_precision;
  r.examples = scored.size();
  r.labels = model_labels;
  for (const auto& e : scored)
    if (std::find(r.labels.begin(), r.labels.end(), e.label) == r.labels.end())
      r.labels.push_back(e.label);
  auto index = [&](const std::string& label) {
    return static_cast<size_t>(std::find(r.labels.begin(), r.labels.end(), label) -
                               r.labels.begin());
  };
  r.confusion.assign(r.labels.size(), std::vector<size_t>(r.labels.size(), 0));
  size_t correct = 0;
  for (const auto& e : scored) {
    std::string top = TopLabel(e);
    size_t actual = index(e.label), predicted = index(top);
    if (predicted < r.labels.size()) ++r.confusion[actual][predicted];
    correct += top == e.label;
  }
  r.accuracy = Ratio(correct, scored.size());
  for (size_t i = 0; i < r.labels.size(); ++i) {
    LabelEval l;
    l.label = r.labels[i];
    for (size_t j = 0; j < r.labels.size(); ++j) {
      l.support += r.confusion[i][j];
      l.predicted += r.confusion[j][i];
    }
    l.correct = r.confusion[i][i];
    l.precision = Ratio(l.correct, l.predicted);
    l.recall = Ratio(l.correct, l.support);
    l.f1 = F1(l.precision, l.recall);
    FindThreshold(scored, target_precision, l);
    r.per_label.push_back(std::move(l));
  }
  return r;
}

EvalReport Evaluate(const Classifier& c, const std::vector<LabeledExample>& examples,
                    double target_precision) {
  std::vector<ScoredExample> scored;
  scored.reserve(examples.size());
  for (const auto& e : examples) scored.push_back({e.label, c.Predict(e.text)});
  EvalReport r = ComputeEvalReport(c.info().labels, scored, target_precision);
  r.model = c.info().name;
  r.version = c.info().version;
  return r;
}

json EvalReport::ToJson() const {
  json labels_json = json::array();
  for (const auto& l : per_label) {
    json t = nullptr;
    if (l.threshold)
      t = {{"score", *l.threshold},
           {"precision", l.precision_at_threshold},
           {"recall", l.recall_at_threshold},
           {"flagged", l.flagged_at_threshold}};
    labels_json.push_back({{"label", l.label},
                           {"support", l.support},
                           {"predicted", l.predicted},
                           {"correct", l.correct},
                           {"precision", l.precision},
                           {"recall", l.recall},
                           {"f1", l.f1},
                           {"threshold", t}});
  }
  return {{"model", model},
          {"version", version},
          {"examples", examples},
          {"accuracy", accuracy},
          {"target_precision", target_precision},
          {"labels", labels_json},
          {"confusion",
           {{"labels", labels},
            {"rows", "human label"},
            {"columns", "top predicted label"},
            {"matrix", confusion}}}};
}

std::string EvalReport::ToText() const {
  size_t w = 10;
  for (const auto& l : labels) w = std::max(w, l.size() + 2);
  std::string out = "model " + model + " v" + std::to_string(version) + ": " +
                    std::to_string(examples) + " examples, accuracy " + Fixed(accuracy) + "\n\n";
  out += Pad("label", w) + Pad("precision", 11, true) + Pad("recall", 9, true) +
         Pad("f1", 8, true) + Pad("support", 9, true) +
         "   threshold for precision >= " + Fixed(target_precision, 2) + "\n";
  for (const auto& l : per_label) {
    out += Pad(l.label, w) + Pad(Fixed(l.precision), 11, true) + Pad(Fixed(l.recall), 9, true) +
           Pad(Fixed(l.f1), 8, true) + Pad(std::to_string(l.support), 9, true) + "   ";
    if (l.threshold)
      out += Fixed(*l.threshold) + " (precision " + Fixed(l.precision_at_threshold) + ", recall " +
             Fixed(l.recall_at_threshold) + ", " + std::to_string(l.flagged_at_threshold) +
             " flagged)";
    else
      out += "not reached";
    out += "\n";
  }
  out += "\nconfusion matrix (rows: human label, columns: top predicted label)\n" + Pad("", w);
  for (const auto& l : labels) out += Pad(l, w, true);
  out += "\n";
  for (size_t i = 0; i < labels.size(); ++i) {
    out += Pad(labels[i], w);
    for (size_t j = 0; j < labels.size(); ++j) out += Pad(std::to_string(confusion[i][j]), w, true);
    out += "\n";
  }
  return out;
}

}  // namespace vigil::analysis
