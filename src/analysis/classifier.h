// Text classifiers (fastText) trained on labeled examples and kept versioned in the data
// directory: DIR/models/<name>/v<K>.bin with v<K>.json (labels, example counts, options, time).
// A version exists once its .json is written (last), so a half-written one is never loaded.
// Texts are classified in their normalized form (normalize.h), so "FR33 M0NEY" and "free money"
// look alike to the model both in training and in use. Loaded models are immutable and safe to
// share between threads; ClassifierSet swaps in a reloaded set atomically.
#pragma once

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace fasttext {
class DenseMatrix;
class Dictionary;
class FastText;
}  // namespace fasttext

namespace vigil::analysis {

struct LabeledExample {
  std::string text;
  std::string label;
  size_t line = 0;  // 1-based line of the NDJSON file
};

inline constexpr size_t kMaxExampleTextBytes = 64 * 1024;
inline constexpr size_t kMaxExamplesFileBytes = 256u << 20;

// Parses NDJSON with one {"text": "...", "label": "..."} object a line ("id" and "language" are
// allowed and ignored; blank lines are skipped). Labels are 1-64 of [A-Za-z0-9_.-]. Errors:
// field "line N: <field>" (or "line N" when the line is not a JSON object), a human message.
Result<std::vector<LabeledExample>> ParseLabeledExamples(std::string_view ndjson);

// The model's view of a text: the normalized form with ASCII punctuation split into tokens, as
// one line (ending in '\n').
std::string ClassifierInput(std::string_view text);
// The same from an already normalized text (the Analyzer normalizes once for everything).
std::string ClassifierInputFromNormalized(std::string_view normalized);

// Whether `name` may name a model: 1-64 of [a-z0-9_-], starting with a letter or digit.
bool ValidModelName(std::string_view name);

struct TrainOptions {
  int epoch = 50;
  double lr = 0.5;
  int dim = 50;
  int word_ngrams = 2;
  // Character n-grams (fastText subwords) are off: normalization already folds spelling evasions,
  // and they cost ~3x in prediction. --minn 2 --maxn 4 helps morphology-rich languages.
  int minn = 0;
  int maxn = 0;
  int bucket = 50000;
  int seed = 1;  // with one thread, the same examples give the same model
  nlohmann::json ToJson() const;
};

struct ModelInfo {
  std::string name;
  int version = 0;
  std::vector<std::string> labels;                           // sorted
  std::vector<std::pair<std::string, size_t>> label_counts;  // training examples per label
  size_t examples = 0;
  std::string created;  // ISO-8601 UTC
  std::string source;   // the examples file it was trained from
  double training_accuracy = 0;
  TrainOptions options;
  std::string model_digest;  // BLAKE2b-256 of the .bin (hex), checked before loading
  std::string model_path;    // the .bin
  nlohmann::json ToJson() const;
  static Result<ModelInfo> FromJson(const nlohmann::json& j);
};

struct LabelScore {
  std::string label;
  double score = 0;  // probability, 0..1; the scores of one text sum to ~1
};

class Classifier {
 public:
  ~Classifier();
  static Result<std::shared_ptr<const Classifier>> Load(ModelInfo info);

  // Every label's score, highest first. Thread-safe.
  std::vector<LabelScore> Predict(std::string_view text) const;
  std::vector<LabelScore> PredictNormalized(std::string_view normalized) const;
  const ModelInfo& info() const { return info_; }

 private:
  Classifier() = default;
  std::vector<LabelScore> PredictInput(std::string_view input) const;
  // What fastText's Dictionary::getLine gives for the input line's features, without a stream.
  void LineFeatures(std::string_view input, std::vector<int32_t>* words) const;
  // fastText's softmax prediction (Model::predict) over the features, without its per-call
  // State allocations and with the rows summed several floats at a time.
  void SoftmaxScores(const std::vector<int32_t>& words, std::vector<LabelScore>* out) const;
  ModelInfo info_;
  std::unique_ptr<fasttext::FastText> ft_;
  std::shared_ptr<const fasttext::Dictionary> dict_;
  std::vector<std::string> label_names_;  // by fastText label id, without "__label__"
  // The model's feature options, read once; quantized models keep to getLine (pruned buckets).
  bool own_features_ = false;
  int word_ngrams_ = 1, bucket_ = 0, maxn_ = 0;
  std::string label_prefix_;  // "__label__" unless the model was trained with another
  // The dictionary's words and labels by fastText's hash, in a table sized to the vocabulary:
  // fastText's own index is a 30-million-slot array, so each lookup missed the cache whenever
  // the rest of the analysis had run in between. Slot: (hash, id + 1), 0 when free.
  std::vector<std::pair<uint32_t, int32_t>> word_slots_;
  std::vector<std::string> words_;  // by id: the words, then (from nwords on) the labels
  int32_t nwords_ = 0;
  int32_t FindWord(std::string_view token, uint32_t h) const;
  // Set for plain (unquantized) softmax models, which SoftmaxScores predicts.
  std::shared_ptr<const fasttext::DenseMatrix> input_rows_, output_rows_;
};

// The models of a data directory, under DIR/models (`models_dir`).
class ModelStore {
 public:
  explicit ModelStore(std::string models_dir);

  // Trains a new version of `name` (the next after the highest existing) from `examples` (at
  // least two labels) and returns its metadata. Nothing is left behind on failure.
  Result<ModelInfo> Train(const std::string& name, const std::vector<LabeledExample>& examples,
                          const TrainOptions& options, const std::string& source,
                          const Clock& clock = SystemClock::Instance()) const;
  // Every complete version of every model, by name then version.
  Result<std::vector<ModelInfo>> List() const;
  // "name" (the latest version) or "name@K".
  Result<ModelInfo> Resolve(std::string_view spec) const;
  // The latest version of every model, loaded. A model that fails to load fails the whole call.
  Result<std::vector<std::shared_ptr<const Classifier>>> LoadActive() const;

  const std::string& models_dir() const { return models_dir_; }

 private:
  std::string models_dir_;
};

// The classifiers in force; Replace swaps atomically so in-flight predictions finish on the old.
class ClassifierSet {
 public:
  using Models = std::vector<std::shared_ptr<const Classifier>>;
  ClassifierSet();
  std::shared_ptr<const Models> Current() const { return std::atomic_load(&current_); }
  void Replace(Models models);

 private:
  std::shared_ptr<const Models> current_;
};

}  // namespace vigil::analysis
