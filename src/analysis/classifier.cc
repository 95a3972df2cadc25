#include "analysis/classifier.h"

#include <fasttext/fasttext.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

#include "analysis/normalize.h"

namespace vigil::analysis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kLabelPrefix = "__label__";

bool ValidLabel(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return false;
  return true;
}

Error LineError(size_t line, std::string_view field, std::string message) {
  std::string f = "line " + std::to_string(line);
  if (!field.empty()) f += ": " + std::string(field);
  return Error::Invalid(std::move(f), std::move(message));
}

// "v12.json" -> 12; 0 when the name is not a version file of that extension.
int VersionOf(const std::string& file, std::string_view ext) {
  if (file.size() <= 1 + ext.size() || file[0] != 'v' || !file.ends_with(ext)) return 0;
  std::string_view digits(file.data() + 1, file.size() - 1 - ext.size());
  if (digits.empty() || digits.size() > 6 || digits[0] == '0') return 0;
  int v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

Result<json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot read " + path);
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error::Invalid(path, "not a JSON object");
  return j;
}

Status WriteFileAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return Error::Internal("cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Error::Internal("cannot rename " + tmp + ": " + ec.message());
  return OkStatus();
}

// Training accuracy of a freshly trained model on its own examples (a sanity figure, not an
// evaluation: `vigil classifier eval` on held-out examples is that).
double TrainingAccuracy(const Classifier& c, const std::vector<LabeledExample>& examples) {
  size_t right = 0;
  for (const auto& e : examples) {
    auto scores = c.Predict(e.text);
    right += !scores.empty() && scores[0].label == e.label;
  }
  return examples.empty() ? 0 : static_cast<double>(right) / examples.size();
}

// BLAKE2b-256 of a file, hex; empty when it cannot be read. fastText does not notice a truncated
// model (it then fails an assertion on the first prediction), so the metadata pins the bytes.
std::string FileDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in || sodium_init() < 0) return "";
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, crypto_generichash_BYTES);
  std::vector<char> buf(1 << 16);
  while (in.read(buf.data(), buf.size()) || in.gcount() > 0)
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(buf.data()),
                              static_cast<size_t>(in.gcount()));
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash_final(&state, digest, sizeof digest);
  char hex[2 * crypto_generichash_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

Status ValidateOptions(const TrainOptions& options) {
  if (options.epoch < 1 || options.epoch > 1000) return Error::Invalid("epoch", "must be 1-1000");
  if (!(options.lr > 0 && options.lr <= 5)) return Error::Invalid("lr", "must be in (0, 5]");
  if (options.dim < 2 || options.dim > 1000) return Error::Invalid("dim", "must be 2-1000");
  if (options.word_ngrams < 1 || options.word_ngrams > 5)
    return Error::Invalid("word-ngrams", "must be 1-5");
  if (options.minn < 0 || options.maxn < 0 || options.maxn > 10 ||
      (options.maxn > 0 && options.minn > options.maxn))
    return Error::Invalid("minn", "character n-grams need 0 <= minn <= maxn <= 10");
  if (options.bucket < 1000 || options.bucket > 10'000'000)
    return Error::Invalid("bucket", "must be 1000-10000000");
  return OkStatus();
}

// Supervised softmax over words and word n-grams; one thread so a seed gives one model.
fasttext::Args FastTextArgs(const TrainOptions& options, const std::string& input_path) {
  fasttext::Args args;
  args.input = input_path;
  args.model = fasttext::model_name::sup;
  args.loss = fasttext::loss_name::softmax;
  args.minCount = 1;
  args.epoch = options.epoch;
  args.lr = options.lr;
  args.dim = options.dim;
  args.wordNgrams = options.word_ngrams;
  args.minn = options.minn;
  args.maxn = options.maxn;
  args.bucket = options.bucket;
  args.seed = options.seed;
  args.thread = 1;
  args.verbose = 0;
  return args;
}

}  // namespace

Result<std::vector<LabeledExample>> ParseLabeledExamples(std::string_view ndjson) {
  if (ndjson.size() > kMaxExamplesFileBytes)
    return Error::Invalid("examples", "larger than 256 MiB");
  std::vector<LabeledExample> out;
  size_t line_no = 0;
  while (!ndjson.empty()) {
    ++line_no;
    size_t nl = ndjson.find('\n');
    std::string_view line = ndjson.substr(0, nl);
    ndjson = nl == std::string_view::npos ? std::string_view() : ndjson.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) return LineError(line_no, "", "not valid JSON");
    if (!j.is_object()) return LineError(line_no, "", "must be a JSON object with text and label");
    for (const auto& [key, value] : j.items())
      if (key != "text" && key != "label" && key != "id" && key != "language")
        return LineError(line_no, key, "unknown field (expected text, label, id, language)");
    if (!j.contains("text") || !j["text"].is_string())
      return LineError(line_no, "text", "required, a string");
    if (!j.contains("label") || !j["label"].is_string())
      return LineError(line_no, "label", "required, a string");
    const std::string& text = j["text"].get_ref<const std::string&>();
    const std::string& label = j["label"].get_ref<const std::string&>();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
      return LineError(line_no, "text", "must not be empty");
    if (text.size() > kMaxExampleTextBytes)
      return LineError(line_no, "text", "longer than 65536 bytes");
    if (!IsValidUtf8(text)) return LineError(line_no, "text", "not valid UTF-8");
    if (!ValidLabel(label))
      return LineError(line_no, "label", "must be 1-64 characters of letters, digits, _ . -");
    out.push_back({text, label, line_no});
  }
  return out;
}

namespace {

enum ByteKind : uint8_t { kOther, kSpace, kPunct };
constexpr std::array<uint8_t, 256> kByteKind = [] {
  std::array<uint8_t, 256> a{};
  for (int c : {' ', '\n', '\r', '\t', '\v', '\f'}) a[c] = kSpace;
  for (int c = 0x21; c < 0x7F; ++c)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) a[c] = kPunct;
  return a;
}();

// Writes the model's line for `normalized` into *out (reusing its buffer): single spaces
// between tokens, ASCII punctuation as tokens of its own, '\n' at the end.
void AppendClassifierInput(std::string_view normalized, std::string* out) {
  out->resize(normalized.size() * 3 + 1);
  char* p = out->data();
  char* const begin = p;
  bool space = true;  // the last byte written was a space (or nothing was written)
  for (char c : normalized) {
    uint8_t kind = kByteKind[static_cast<unsigned char>(c)];
    if (kind == kSpace) {
      if (!space) *p++ = ' ';
      space = true;
    } else if (kind == kPunct) {
      if (!space) *p++ = ' ';
      *p++ = c;
      *p++ = ' ';
      space = true;
    } else {
      *p++ = c;
      space = false;
    }
  }
  if (p > begin && p[-1] == ' ') --p;
  *p++ = '\n';  // fastText's end-of-line token, as in the training file
  out->resize(static_cast<size_t>(p - begin));
}

// An input stream over a string it does not copy (fastText's Dictionary reads std::istream).
class ViewStreamBuf : public std::streambuf {
 public:
  void Set(std::string_view s) {
    char* p = const_cast<char*>(s.data());  // read only: no put area
    setg(p, p, p + s.size());
  }
};

// fastText's Dictionary::hash (FNV-1a over the bytes, each sign-extended), one byte at a time.
constexpr uint32_t kFnvBasis = 2166136261u;
constexpr uint32_t FnvStep(uint32_t h, char c) {
  return (h ^ static_cast<uint32_t>(static_cast<int8_t>(c))) * 16777619u;
}
constexpr uint32_t FastTextHash(std::string_view s) {
  uint32_t h = kFnvBasis;
  for (char c : s) h = FnvStep(h, c);
  return h;
}

// The bytes at which fastText's readWord ends a token.
constexpr std::array<bool, 256> kTokenBreak = [] {
  std::array<bool, 256> a{};
  for (int c : {' ', '\n', '\r', '\t', '\v', '\f', '\0'}) a[c] = true;
  return a;
}();

// Model::computeHidden's sum of the feature rows into h (dim floats), element by element in the
// features' order, so each element's sum is fastText's own. A slice of up to 32 elements stays in
// registers while every row adds to it (instead of h being loaded and stored once per row).
using Quad = fasttext::real __attribute__((vector_size(4 * sizeof(fasttext::real))));

// Adds elements [at, at + 4 * kQuads + kRest) of every row to h.
template <int kQuads, int kRest>
void SumSlice(const fasttext::real* rows, int64_t dim, const std::vector<int32_t>& words,
              int64_t at, fasttext::real* h) {
  Quad acc[kQuads + 1];  // one spare, so that a slice of no quads still declares an array
  fasttext::real rest[kRest + 1];
  std::memcpy(acc, h + at, kQuads * sizeof(Quad));
  std::memcpy(rest, h + at + 4 * kQuads, kRest * sizeof(fasttext::real));
  for (int32_t id : words) {
    const fasttext::real* row = rows + static_cast<int64_t>(id) * dim + at;
#pragma GCC unroll 8
    for (int q = 0; q < kQuads; ++q) {
      Quad r;
      std::memcpy(&r, row + 4 * q, sizeof r);
      acc[q] += r;
    }
#pragma GCC unroll 3
    for (int e = 0; e < kRest; ++e) rest[e] += row[4 * kQuads + e];
  }
  std::memcpy(h + at, acc, kQuads * sizeof(Quad));
  std::memcpy(h + at + 4 * kQuads, rest, kRest * sizeof(fasttext::real));
}

// The last slice (fewer than 32 elements, `left` of them) in one pass: SumSlice<left / 4, left %
// 4>.
using SliceFn = void (*)(const fasttext::real*, int64_t, const std::vector<int32_t>&, int64_t,
                         fasttext::real*);
template <size_t... kLeft>
constexpr std::array<SliceFn, sizeof...(kLeft)> LastSlices(std::index_sequence<kLeft...>) {
  return {&SumSlice<static_cast<int>(kLeft / 4), static_cast<int>(kLeft % 4)>...};
}
constexpr auto kLastSlice = LastSlices(std::make_index_sequence<32>());

void SumRows(const fasttext::real* rows, int64_t dim, const std::vector<int32_t>& words,
             fasttext::real* h) {
  // The rows are scattered over a matrix of megabytes that the rest of the analysis (lists,
  // language tables) pushes out of cache: fetch them all first so their misses overlap.
  const size_t row_bytes = static_cast<size_t>(dim) * sizeof(fasttext::real);
  for (int32_t id : words) {
    const char* p = reinterpret_cast<const char*>(rows + static_cast<int64_t>(id) * dim);
    for (const char* const end = p + row_bytes; p < end; p += 64) __builtin_prefetch(p);
  }
  int64_t at = 0;
  for (; at + 32 <= dim; at += 32) SumSlice<8, 0>(rows, dim, words, at, h);
  if (at < dim) kLastSlice[static_cast<size_t>(dim - at)](rows, dim, words, at, h);
}

}  // namespace

std::string ClassifierInputFromNormalized(std::string_view normalized) {
  std::string out;
  AppendClassifierInput(normalized, &out);
  return out;
}

std::string ClassifierInput(std::string_view text) {
  NormalizeOptions opts;
  opts.max_input_bytes = kMaxExampleTextBytes;
  thread_local Normalized n;
  Normalizer::Normalize(text, &n, opts);
  return ClassifierInputFromNormalized(n.text);
}

bool ValidModelName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] == '_' || name[0] == '-') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

json TrainOptions::ToJson() const {
  return {{"epoch", epoch}, {"lr", lr},     {"dim", dim},       {"word_ngrams", word_ngrams},
          {"minn", minn},   {"maxn", maxn}, {"bucket", bucket}, {"seed", seed}};
}

json ModelInfo::ToJson() const {
  json counts = json::object();
  for (const auto& [label, n] : label_counts) counts[label] = n;
  return {{"name", name},
          {"version", version},
          {"labels", labels},
          {"label_counts", counts},
          {"examples", examples},
          {"created", created},
          {"source", source},
          {"training_accuracy", training_accuracy},
          {"options", options.ToJson()},
          {"model_blake2b", model_digest},
          {"engine", "fastText 0.9.2, supervised, softmax"},
          {"input", "vigil normalized text (docs/analysis.md), punctuation split"}};
}

Result<ModelInfo> ModelInfo::FromJson(const json& j) {
  ModelInfo m;
  try {
    m.name = j.at("name").get<std::string>();
    m.version = j.at("version").get<int>();
    m.labels = j.at("labels").get<std::vector<std::string>>();
    for (const auto& [label, n] : j.at("label_counts").items())
      m.label_counts.emplace_back(label, n.get<size_t>());
    m.examples = j.at("examples").get<size_t>();
    m.created = j.at("created").get<std::string>();
    m.source = j.value("source", "");
    m.training_accuracy = j.value("training_accuracy", 0.0);
    m.model_digest = j.at("model_blake2b").get<std::string>();
    const json& o = j.at("options");
    m.options = {o.at("epoch"), o.at("lr"),   o.at("dim"),    o.at("word_ngrams"),
                 o.at("minn"),  o.at("maxn"), o.at("bucket"), o.at("seed")};
  } catch (const json::exception& e) {
    return Error::Invalid("metadata", e.what());
  }
  return m;
}

Classifier::~Classifier() = default;

Result<std::shared_ptr<const Classifier>> Classifier::Load(ModelInfo info) {
  if (FileDigest(info.model_path) != info.model_digest)
    return Error::Invalid(info.model_path,
                          "does not match the BLAKE2b digest of its metadata (truncated or replaced)");
  std::shared_ptr<Classifier> c(new Classifier());
  c->ft_ = std::make_unique<fasttext::FastText>();
  try {
    c->ft_->loadModel(info.model_path);
  } catch (const std::exception& e) {
    return Error::Invalid(info.model_path,
                          std::string("cannot load the fastText model: ") + e.what());
  }
  c->dict_ = c->ft_->getDictionary();
  const fasttext::Args args = c->ft_->getArgs();
  c->word_ngrams_ = args.wordNgrams;
  c->bucket_ = args.bucket;
  c->maxn_ = args.maxn;
  c->label_prefix_ = args.label;
  c->own_features_ = !c->ft_->isQuant() && (args.bucket > 0 || args.wordNgrams <= 1);
  if (c->own_features_ && args.model == fasttext::model_name::sup &&
      args.loss == fasttext::loss_name::softmax) {
    c->input_rows_ = c->ft_->getInputMatrix();
    c->output_rows_ = c->ft_->getOutputMatrix();
    if (c->input_rows_->cols() != c->output_rows_->cols() ||
        c->output_rows_->rows() != c->dict_->nlabels()) {
      c->input_rows_.reset();
      c->output_rows_.reset();
    }
  }
  if (c->own_features_) {
    c->nwords_ = c->dict_->nwords();  // fastText keeps the labels after the words
    const int32_t n = c->nwords_ + c->dict_->nlabels();
    size_t slots = 16;
    while (slots < static_cast<size_t>(n) * 2) slots *= 2;
    c->word_slots_.assign(slots, {0, 0});
    c->words_.reserve(static_cast<size_t>(n));
    for (int32_t id = 0; id < n; ++id) {
      c->words_.push_back(c->dict_->getWord(id));
      const uint32_t h = c->dict_->hash(c->words_.back());
      size_t i = h & (slots - 1);
      while (c->word_slots_[i].second != 0) i = (i + 1) & (slots - 1);
      c->word_slots_[i] = {h, id + 1};
    }
  }
  for (int32_t id = 0; id < c->dict_->nlabels(); ++id) {
    std::string label = c->dict_->getLabel(id);
    if (label.starts_with(kLabelPrefix)) label.erase(0, kLabelPrefix.size());
    c->label_names_.push_back(std::move(label));
  }
  c->info_ = std::move(info);
  return std::shared_ptr<const Classifier>(std::move(c));
}

// fastText's Dictionary::getLine (0.9.2) over a string: readWord's tokens (split at ' ', \n,
// \r, \t, \v, \f, \0; a newline reads as "</s>", which ends the line), each word's id or
// subwords, then the word n-gram buckets (addWordNgrams, pushHash of an unpruned dictionary).
// Reading through an istream one byte at a time cost more than the prediction; the benchmark's
// check and a unit test compare the two.
int32_t Classifier::FindWord(std::string_view token, uint32_t h) const {
  const size_t mask = word_slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const auto& [hash, id1] = word_slots_[i];
    if (id1 == 0) return -1;
    if (hash == h && words_[static_cast<size_t>(id1 - 1)] == token) return id1 - 1;
  }
}

void Classifier::LineFeatures(std::string_view input, std::vector<int32_t>* words) const {
  thread_local std::vector<int32_t> hashes;
  words->clear();
  hashes.clear();
  const std::string& eos = fasttext::Dictionary::EOS;
  const char* p = input.data();
  const char* const end = p + input.size();
  while (true) {
    while (p < end && kTokenBreak[static_cast<unsigned char>(*p)] && *p != '\n') ++p;
    if (p == end) break;  // the end of the input
    std::string_view token;
    uint32_t h = kFnvBasis;
    if (*p == '\n') {  // a newline (also the one right after a word) reads as "</s>"
      ++p;
      token = eos;
      h = FastTextHash(eos);
    } else {
      const char* const begin = p;
      for (; p < end && !kTokenBreak[static_cast<unsigned char>(*p)]; ++p) h = FnvStep(h, *p);
      token = std::string_view(begin, static_cast<size_t>(p - begin));
    }
    int32_t wid = FindWord(token, h);
    // fastText's getType: a word it does not know is a label when it starts with the prefix.
    bool label = wid < 0 ? token.starts_with(label_prefix_) : wid >= nwords_;
    if (!label) {
      if (wid >= 0 && maxn_ <= 0) {
        words->push_back(wid);
      } else if (wid >= 0) {
        const std::vector<int32_t>& subwords = dict_->getSubwords(wid);
        words->insert(words->end(), subwords.begin(), subwords.end());
      } else if (maxn_ > 0 && token != eos) {
        dict_->computeSubwords(
            fasttext::Dictionary::BOW + std::string(token) + fasttext::Dictionary::EOW, *words);
      }
      hashes.push_back(static_cast<int32_t>(h));
    }
    if (token == eos) break;
  }
  const int32_t nwords = dict_->nwords();
  for (size_t a = 0; a < hashes.size(); ++a) {
    uint64_t h =
        static_cast<uint64_t>(static_cast<int64_t>(hashes[a]));  // sign-extended, as fastText
    for (size_t b = a + 1; b < hashes.size() && b < a + static_cast<size_t>(word_ngrams_); ++b) {
      h = h * 116049371 + static_cast<uint64_t>(static_cast<int64_t>(hashes[b]));
      words->push_back(nwords + static_cast<int32_t>(h % static_cast<uint64_t>(bucket_)));
    }
  }
}

void Classifier::SoftmaxScores(const std::vector<int32_t>& words,
                               std::vector<LabelScore>* out) const {
  using fasttext::real;
  if (words.empty()) return;  // as FastText::predict: no features, no prediction
  const int64_t dim = input_rows_->cols();
  thread_local std::vector<real> hidden;
  hidden.assign(static_cast<size_t>(dim), 0.0f);
  SumRows(input_rows_->data(), dim, words, hidden.data());
  real* h = hidden.data();
  const real scale = static_cast<real>(1.0 / static_cast<double>(words.size()));
  for (int64_t j = 0; j < dim; ++j) h[j] *= scale;
  // SoftmaxLoss::computeOutput: a dot product per label (in fastText's order), then softmax.
  const int32_t labels = static_cast<int32_t>(output_rows_->rows());
  thread_local std::vector<real> output;
  output.resize(static_cast<size_t>(labels));
  const real* wo = output_rows_->data();
  for (int32_t i = 0; i < labels; ++i) {
    real d = 0.0;
    for (int64_t j = 0; j < dim; ++j) d += wo[i * dim + j] * h[j];
    if (std::isnan(d)) throw std::runtime_error("Encountered NaN.");
    output[static_cast<size_t>(i)] = d;
  }
  real max = output[0], z = 0.0;
  for (real o : output) max = std::max(o, max);
  for (real& o : output) {
    o = std::exp(o - max);
    z += o;
  }
  for (real& o : output) o /= z;
  // Loss::findKBest over every label and its sort_heap, step for step: labels of equal score
  // then come in fastText's order.
  thread_local std::vector<std::pair<real, int32_t>> ranked;
  ranked.clear();
  auto higher = [](const std::pair<real, int32_t>& a, const std::pair<real, int32_t>& b) {
    return a.first > b.first;
  };
  for (int32_t i = 0; i < labels; ++i) {
    const real p = output[static_cast<size_t>(i)];
    if (p < 0.0f) continue;  // below predict's threshold of 0
    const real log_prob = static_cast<real>(std::log(p + 1e-5));
    if (static_cast<int32_t>(ranked.size()) == labels && log_prob < ranked.front().first) continue;
    ranked.emplace_back(log_prob, i);
    std::push_heap(ranked.begin(), ranked.end(), higher);
  }
  std::sort_heap(ranked.begin(), ranked.end(), higher);
  out->reserve(ranked.size());
  for (const auto& [log_prob, id] : ranked)
    out->push_back({label_names_[static_cast<size_t>(id)], std::exp(static_cast<double>(log_prob))});
}

std::vector<LabelScore> Classifier::PredictInput(std::string_view input) const {
  // Per-thread buffers: building a stream costs more than classifying a short post.
  thread_local ViewStreamBuf buf;
  thread_local std::istream in(&buf);
  thread_local std::vector<int32_t> words, labels;
  thread_local fasttext::Predictions predictions;
  predictions.clear();
  if (own_features_) {
    LineFeatures(input, &words);
    if (input_rows_) {
      std::vector<LabelScore> out;
      SoftmaxScores(words, &out);
      return out;
    }
  } else {
    buf.Set(input);
    in.clear();
    words.clear();
    labels.clear();
    dict_->getLine(in, words, labels);
  }
  ft_->predict(static_cast<int32_t>(label_names_.size()), words, predictions, 0.0);
  std::vector<LabelScore> out;
  out.reserve(predictions.size());
  // fastText gives log-probabilities, highest first.
  for (const auto& [log_prob, id] : predictions)
    out.push_back({label_names_[id], std::exp(static_cast<double>(log_prob))});
  return out;
}

std::vector<LabelScore> Classifier::Predict(std::string_view text) const {
  return PredictInput(ClassifierInput(text));
}

std::vector<LabelScore> Classifier::PredictNormalized(std::string_view normalized) const {
  thread_local std::string input;
  AppendClassifierInput(normalized, &input);
  return PredictInput(input);
}

ModelStore::ModelStore(std::string models_dir) : models_dir_(std::move(models_dir)) {}

Result<ModelInfo> ModelStore::Train(const std::string& name,
                                    const std::vector<LabeledExample>& examples,
                                    const TrainOptions& options, const std::string& source,
                                    const Clock& clock) const {
  if (!ValidModelName(name))
    return Error::Invalid(
        "name", "must be 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit");
  std::map<std::string, size_t> counts;
  for (const auto& e : examples) ++counts[e.label];
  if (counts.size() < 2) return Error::Invalid("examples", "need examples of at least two labels");
  if (auto st = ValidateOptions(options); !st) return st.error();

  auto existing = List();
  if (!existing) return existing.error();
  int version = 1;
  for (const auto& m : existing.value())
    if (m.name == name) version = std::max(version, m.version + 1);

  std::string dir = models_dir_ + "/" + name;
  std::error_code ec;
  bool created_dir = !fs::exists(dir);
  fs::create_directories(dir, ec);
  if (ec) return Error::Internal("cannot create " + dir + ": " + ec.message());
  std::string stem = dir + "/v" + std::to_string(version);
  std::string input_path = stem + ".train.txt", bin_tmp = stem + ".bin.tmp";
  auto cleanup = [&] {
    std::error_code ignored;
    fs::remove(input_path, ignored);
    fs::remove(bin_tmp, ignored);
    fs::remove(stem + ".bin", ignored);
    if (created_dir) fs::remove(dir, ignored);
  };
  {
    std::ofstream out(input_path, std::ios::binary | std::ios::trunc);
    for (const auto& e : examples) out << kLabelPrefix << e.label << ' ' << ClassifierInput(e.text);
    if (!out.flush()) {
      cleanup();
      return Error::Internal("cannot write " + input_path);
    }
  }
  fasttext::FastText ft;
  try {
    ft.train(FastTextArgs(options, input_path));
    ft.saveModel(bin_tmp);
  } catch (const std::exception& e) {
    cleanup();
    return Error::Invalid("examples", std::string("fastText could not train: ") + e.what());
  }
  fs::rename(bin_tmp, stem + ".bin", ec);
  if (ec) {
    cleanup();
    return Error::Internal("cannot install " + stem + ".bin: " + ec.message());
  }
  fs::remove(input_path, ec);

  ModelInfo info;
  info.name = name;
  info.version = version;
  for (const auto& [label, n] : counts) {
    info.labels.push_back(label);
    info.label_counts.emplace_back(label, n);
  }
  info.examples = examples.size();
  info.created = FormatIso8601(clock.Now());
  info.source = source;
  info.options = options;
  info.model_path = stem + ".bin";
  info.model_digest = FileDigest(info.model_path);
  auto loaded = Classifier::Load(info);
  if (!loaded) {
    cleanup();
    return loaded.error();
  }
  info.training_accuracy = TrainingAccuracy(*loaded.value(), examples);
  // The metadata is written last: it is what makes the version exist.
  if (auto st = WriteFileAtomically(stem + ".json", info.ToJson().dump(2) + "\n"); !st) {
    cleanup();
    return st.error();
  }
  return info;
}

Result<std::vector<ModelInfo>> ModelStore::List() const {
  std::vector<ModelInfo> out;
  std::error_code ec;
  if (!fs::is_directory(models_dir_, ec)) return out;
  for (const auto& model_dir : fs::directory_iterator(models_dir_, ec)) {
    std::string name = model_dir.path().filename().string();
    if (!model_dir.is_directory() || !ValidModelName(name)) continue;
    for (const auto& f : fs::directory_iterator(model_dir.path(), ec)) {
      std::string file = f.path().filename().string();
      int version = VersionOf(file, ".json");
      if (version == 0) continue;
      std::string bin = model_dir.path().string() + "/v" + std::to_string(version) + ".bin";
      if (!fs::exists(bin)) continue;
      auto j = ReadJsonFile(f.path().string());
      if (!j) return j.error();
      auto info = ModelInfo::FromJson(j.value());
      if (!info) return Error::Invalid(f.path().string(), info.error().message);
      if (info->name != name || info->version != version)
        return Error::Invalid(f.path().string(), "name or version does not match the file's place");
      info->model_path = bin;
      out.push_back(std::move(info.value()));
    }
  }
  if (ec) return Error::Internal("cannot read " + models_dir_ + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.name, a.version) < std::tie(b.name, b.version);
  });
  return out;
}

Result<ModelInfo> ModelStore::Resolve(std::string_view spec) const {
  size_t at = spec.find('@');
  std::string name(spec.substr(0, at));
  int version = 0;
  if (at != std::string_view::npos) {
    version = VersionOf("v" + std::string(spec.substr(at + 1)) + ".json", ".json");
    if (version == 0)
      return Error::Invalid("model", "expected NAME or NAME@VERSION (a positive number)");
  }
  if (!ValidModelName(name))
    return Error::Invalid("model", "no such model name: " + std::string(spec));
  auto all = List();
  if (!all) return all.error();
  const ModelInfo* found = nullptr;
  for (const auto& m : all.value())
    if (m.name == name && (version == 0 || m.version == version)) found = &m;
  if (!found) return Error::NotFound("no model " + std::string(spec) + " in " + models_dir_);
  return *found;
}

Result<std::vector<std::shared_ptr<const Classifier>>> ModelStore::LoadActive() const {
  auto all = List();
  if (!all) return all.error();
  std::vector<std::shared_ptr<const Classifier>> out;
  for (size_t i = 0; i < all->size(); ++i) {
    bool latest = i + 1 == all->size() || (*all)[i + 1].name != (*all)[i].name;
    if (!latest) continue;
    auto c = Classifier::Load((*all)[i]);
    if (!c) return c.error();
    out.push_back(std::move(c.value()));
  }
  return out;
}

ClassifierSet::ClassifierSet() : current_(std::make_shared<const Models>()) {}

void ClassifierSet::Replace(Models models) {
  std::atomic_store(&current_,
                    std::shared_ptr<const Models>(std::make_shared<Models>(std::move(models))));
}

}  // namespace vigil::analysis
