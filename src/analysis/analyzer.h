// The analysis step's one entry point: text (+ the declared language) in, typed and explained
// signals out. Signals are not verdicts (ARCHITECTURE.md, principle 4): each says what was
// found, a score, why, and where in the ORIGINAL text (byte spans), for policies to weigh and
// reviewers to see highlighted. Lists come from DIR/lists/*.list, classifiers from DIR/models
// (the latest version of each), and both can be reloaded while Analyze runs on other threads.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/classifier.h"
#include "analysis/external_classifier.h"
#include "analysis/language.h"
#include "analysis/normalize.h"
#include "analysis/term_lists.h"
#include "analysis/urls.h"
#include "core/error.h"

namespace vigil::analysis {

struct Signal {
  std::string name;   // "term_match", "url", "url_shortener", "domain_block", "domain_watch",
                      // "language", "language_mismatch", "obfuscation", "input_truncated",
                      // "classifier", "external_classifier", "external_classifier_unavailable"
  std::string value;  // what was found: the list entry, the URL, the language code, ...
  double score = 0;   // 0..1 (list severity / 5, language confidence, ...)
  std::string why;    // one human sentence
  std::vector<Span> spans;  // byte ranges of the original text
  nlohmann::json detail = nlohmann::json::object();  // typed extras (list, category, domain, ...)
};

struct AnalysisResult {
  std::vector<Signal> signals;
  std::string normalized;
  LanguageGuess language;
  bool truncated = false;
  nlohmann::json ToJson() const;
  // Reads ToJson's form back (how signals are stored per content item); `normalized` and the
  // language's `top` may be absent. Errors name the field ("signals/2/spans").
  static Result<AnalysisResult> FromJson(const nlohmann::json& j);
};

struct AnalyzerLimits {
  size_t max_text_bytes = 64 * 1024;  // longer text is analysed up to here (input_truncated)
  size_t max_term_matches = 200;
  size_t max_urls = 50;
  // A classifier signal is given for a model's top label and every other label scoring this much.
  double min_classifier_score = 0.05;
};

class Analyzer {
 public:
  // `lists_dir` may not exist yet (no lists). Call Reload() to load it.
  // `models_dir` (DIR/models) may be empty or missing (no classifiers); ReloadClassifiers loads it.
  explicit Analyzer(std::string lists_dir, AnalyzerLimits limits = {}, std::string models_dir = "");

  // Re-reads every list; on error nothing changes and the error names the file and line.
  Status Reload();
  // Replaces the lists directly (tests, benchmarks).
  Status SetLists(std::vector<TermList> lists);
  // Loads the latest version of every model; on error nothing changes and the error names the file.
  Status ReloadClassifiers();
  void SetClassifiers(ClassifierSet::Models models) { classifiers_.Replace(std::move(models)); }
  // The optional external classifier (nullptr or disabled: none). Analyze then waits for it,
  // within its timeouts and retries, so callers should run Analyze off latency-critical threads.
  void SetExternalClassifier(std::shared_ptr<ExternalClassifier> external) {
    std::atomic_store(&external_, std::move(external));
  }
  std::shared_ptr<ExternalClassifier> external_classifier() const { return std::atomic_load(&external_); }

  AnalysisResult Analyze(std::string_view text, std::string_view declared_language = "") const;

  // An analyzer with this one's compiled lists and loaded models as they are now, without the
  // external classifier: for replays (backtests) of many stored items, which must neither wait
  // for nor spend the external budget, nor compile the lists again.
  std::unique_ptr<Analyzer> LocalSnapshot() const;

  std::shared_ptr<const TermMatcher> lists() const { return terms_.Current(); }
  const std::string& lists_dir() const { return lists_dir_; }
  std::shared_ptr<const ClassifierSet::Models> classifiers() const { return classifiers_.Current(); }

 private:
  std::string lists_dir_;
  AnalyzerLimits limits_;
  std::string models_dir_;
  TermLibrary terms_;
  ClassifierSet classifiers_;
  std::shared_ptr<ExternalClassifier> external_;
};

}  // namespace vigil::analysis
