// Analysis benchmark (not a test; run by hand or via `make bench`), one core, on a synthetic
// corpus of ~280-byte posts in eight languages with the usual evasions mixed in:
//   a. normalization (NFKC_Casefold + skeleton + folding, with the offset map) vs ICU's
//      uspoof_getSkeletonUTF8 alone, after checking our skeleton equals ICU's on every post;
//   b. term matching with a 43,000-entry list (and a 100,000-entry one) vs raw Hyperscan with the
//      same entries as caseless literals over the same posts;
//   c. the classifier (a fastText model trained on examples/classifier/train.ndjson) vs
//      fastText's own predictLine over the same model and the same tokens;
//   d. the whole Analyzer (normalize, lists, URLs, language, classifier) in posts/s.
// Options: --seconds N per measurement (2), --posts N (2000), --only normalize (a. alone, e.g. to
// profile it under callgrind: with --seconds 0 every measurement is one pass over the corpus).
#include <fasttext/fasttext.h>
#include <hs/hs.h>
#include <unicode/uspoof.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "analysis/analyzer.h"

namespace {

using namespace vigil::analysis;
using Clock = std::chrono::steady_clock;

const std::vector<std::vector<std::string>> kSentences = {
    {"Check out this amazing offer, limited time only.", "I can't believe what happened at the game last night!",
     "Does anyone know a good place to eat downtown?", "Free money for the first 100 people who sign up today.",
     "This is the best thing I have read all week, thanks for sharing."},
    {"Bonjour à tous, c'est vraiment génial aujourd'hui.", "Je ne sais pas quoi penser de cette décision.",
     "Gagnez de l'argent facilement depuis chez vous !", "Merci pour votre réponse rapide et détaillée."},
    {"Ich habe heute keine Zeit, vielleicht morgen.", "Schönes Wetter in München, alle sind draußen.",
     "Verdiene schnell Geld mit diesem einfachen Trick!", "Das Spiel gestern war wirklich großartig."},
    {"¿Alguien sabe dónde puedo comprar entradas baratas?", "Qué día tan bonito hace hoy en Madrid.",
     "Gana dinero rápido desde casa, sin experiencia."},
    {"Привет всем, это отличная возможность заработать.", "Сегодня хорошая погода, пойдём гулять.",
     "Не верьте этим мошенникам, они обманывают людей."},
    {"今日は良い天気ですね。散歩に行きましょう。", "この商品は本当に素晴らしいです、おすすめします。",
     "無料でお金を稼ぐ方法を教えます。"},
    {"مرحبا بالجميع، هذا عرض رائع لفترة محدودة.", "لا تصدقوا هذه الرسائل الاحتيالية."},
    {"大家好，今天天气很好。", "免费赚钱的机会，不要错过！", "这个视频太好笑了，大家快来看看。"}};
const std::vector<std::string> kExtras = {
    " Visit https://bit.ly/3xYz now!", " More at www.example.co.uk/deals.", " fr33 m0ney!!",
    " f r e e  m o n e y", " fr\xD0\xB5\xD0\xB5 crypto giveaway", " cl\xE2\x80\x8B" "ick h\xE2\x80\x8D" "ere",
    " #crypto #giveaway", " @friend 😂😂", ""};

std::vector<std::string> Corpus(size_t n) {
  std::mt19937 rng(7);
  std::vector<std::string> posts;
  while (posts.size() < n) {
    const auto& lang = kSentences[rng() % kSentences.size()];
    std::string p;
    while (p.size() < 240) p += (p.empty() ? "" : " ") + lang[rng() % lang.size()];
    p += kExtras[rng() % kExtras.size()];
    posts.push_back(p);
  }
  return posts;
}

// Runs `fn` over the corpus repeatedly for `seconds`; returns posts per second.
double Rate(const std::vector<std::string>& posts, double seconds, const std::function<void(const std::string&)>& fn) {
  size_t done = 0;
  auto start = Clock::now();
  double elapsed = 0;
  do {
    for (const auto& p : posts) fn(p);
    done += posts.size();
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return done / elapsed;
}

std::string Word(std::mt19937& rng) {
  static const char* kSyl[] = {"ka", "lo", "mi", "ne", "su", "tor", "bar", "zen", "qui", "vex", "dra", "pol"};
  std::string w;
  int n = 2 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) w += kSyl[rng() % 12];
  return w;
}

TermList SyntheticList(size_t entries, uint32_t seed) {
  std::mt19937 rng(seed);
  TermList l;
  l.name = "bench" + std::to_string(entries);
  l.category = "spam";
  l.severity = 3;
  for (const char* real : {"free money", "crypto giveaway", "click here", "gagnez de l'argent", "заработать"})
    l.entries.push_back({real, EntryKind::kLiteral, false, 0});
  while (l.entries.size() < entries) {
    std::string e = Word(rng);
    if (rng() % 4 == 0) e += " " + Word(rng);
    l.entries.push_back({e, EntryKind::kLiteral, false, static_cast<int>(l.entries.size())});
  }
  return l;
}

int Count(unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
  ++*static_cast<size_t*>(ctx);
  return 0;
}

// Raw Hyperscan: the entries as caseless literals over the original bytes, counting matches.
double RawHyperscan(const TermList& list, const std::vector<std::string>& posts, double seconds) {
  std::vector<std::string> exprs;
  for (const auto& e : list.entries) {
    std::string x;
    for (unsigned char c : e.text) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      x += buf;
    }
    exprs.push_back(x);
  }
  std::vector<const char*> ptrs;
  std::vector<unsigned> flags(exprs.size(), HS_FLAG_CASELESS), ids;
  for (size_t i = 0; i < exprs.size(); ++i) {
    ptrs.push_back(exprs[i].c_str());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(), static_cast<unsigned>(ptrs.size()),
                       HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    std::fprintf(stderr, "raw hyperscan compile failed: %s\n", err->message);
    std::exit(1);
  }
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(db, &scratch);
  size_t matches = 0;
  double rate = Rate(posts, seconds, [&](const std::string& p) {
    hs_scan(db, p.data(), static_cast<unsigned>(p.size()), 0, scratch, Count, &matches);
  });
  hs_free_scratch(scratch);
  hs_free_database(db);
  return rate;
}

}  // namespace

// A model trained on the shipped example set into `dir`.
std::shared_ptr<const Classifier> TrainBenchClassifier(const std::string& dir) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/examples/classifier/train.ndjson");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto examples = ParseLabeledExamples(text);
  std::shared_ptr<const Classifier> out;
  if (examples) {
    auto info = ModelStore(dir + "/models").Train("bench", examples.value(), {}, "train.ndjson");
    if (info) {
      auto loaded = Classifier::Load(info.value());
      if (loaded) out = loaded.value();
    }
  }
  if (!out) std::fprintf(stderr, "could not train the benchmark classifier\n");
  return out;
}

int main(int argc, char** argv) {
  double seconds = 2;
  size_t n_posts = 2000;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (a == "--posts") n_posts = static_cast<size_t>(std::atol(argv[i + 1]));
    else if (a == "--only") only = argv[i + 1];
  }
  auto posts = Corpus(n_posts);
  size_t bytes = 0;
  for (const auto& p : posts) bytes += p.size();
  double avg = static_cast<double>(bytes) / posts.size();
  std::printf("corpus: %zu posts, %.0f bytes on average, 8 languages\n", posts.size(), avg);

  auto t0 = Clock::now();
  Normalizer::Warm();
  std::printf("tables built in %.0f ms\n", std::chrono::duration<double, std::milli>(Clock::now() - t0).count());

  UErrorCode st = U_ZERO_ERROR;
  USpoofChecker* spoof = uspoof_open(&st);
  std::string out(1 << 16, '\0');
  auto icu_skeleton = [&](const std::string& p) {
    UErrorCode e = U_ZERO_ERROR;
    int32_t n = uspoof_getSkeletonUTF8(spoof, 0, p.data(), static_cast<int32_t>(p.size()), out.data(),
                                       static_cast<int32_t>(out.size()), &e);
    return std::string(out.data(), static_cast<size_t>(std::max(n, 0)));
  };
  size_t identical = 0;
  for (const auto& p : posts) {
    std::string mine = Normalizer::Skeleton(p), theirs = icu_skeleton(p);
    if (mine == theirs) {
      ++identical;
    } else if (identical + 1 == posts.size() || getenv("VIGIL_BENCH_DEBUG")) {
      std::fprintf(stderr, "skeleton differs on: %s\n  ICU:   %s\n  Vigil: %s\n", p.c_str(), theirs.c_str(), mine.c_str());
    }
  }
  std::printf("skeleton identical to ICU on %zu of %zu posts\n", identical, posts.size());

  double icu = Rate(posts, seconds, [&](const std::string& p) { icu_skeleton(p); });
  Normalized norm;
  double ours = Rate(posts, seconds, [&](const std::string& p) { Normalizer::Normalize(p, &norm); });
  double skel = Rate(posts, seconds, [&](const std::string& p) { (void)Normalizer::Skeleton(p); });
  std::printf("ICU uspoof_getSkeletonUTF8:            %9.0f posts/s  %6.1f MB/s\n", icu, icu * avg / 1e6);
  std::printf("Vigil Normalize (full, offset map):    %9.0f posts/s  %6.1f MB/s  %.2fx ICU (target >= 10x)\n",
              ours, ours * avg / 1e6, ours / icu);
  std::printf("Vigil Skeleton (exact ICU skeleton):   %9.0f posts/s  %6.1f MB/s  %.2fx ICU\n", skel,
              skel * avg / 1e6, skel / icu);
  if (only == "normalize") {
    uspoof_close(spoof);
    return identical == posts.size() ? 0 : 1;
  }

  std::vector<Normalized> normalized(posts.size());
  for (size_t i = 0; i < posts.size(); ++i) Normalizer::Normalize(posts[i], &normalized[i]);
  for (size_t entries : {43000, 100000}) {
    TermList list = SyntheticList(entries, static_cast<uint32_t>(entries));
    t0 = Clock::now();
    auto m = TermMatcher::Compile({list});
    if (!m) {
      std::fprintf(stderr, "compile failed: %s\n", m.error().message.c_str());
      return 1;
    }
    double compile_s = std::chrono::duration<double>(Clock::now() - t0).count();
    size_t i = 0, hits = 0;
    double match = Rate(posts, seconds, [&](const std::string& p) {
      hits += m.value()->Match(p, normalized[i++ % posts.size()]).size();
    });
    double raw = RawHyperscan(list, posts, seconds);
    std::printf("%zu-entry list (compiled in %.1f s): Vigil match %9.0f posts/s, raw Hyperscan %9.0f posts/s, "
                "%.2fx (target >= 0.5x)\n", entries, compile_s, match, raw, match / raw);
  }

  char model_dir[] = "/tmp/vigil-bench-XXXXXX";
  if (!mkdtemp(model_dir)) return 1;
  auto classifier = TrainBenchClassifier(model_dir);
  if (!classifier) return 1;
  {
    fasttext::FastText ft;
    ft.loadModel(classifier->info().model_path);
    const int32_t k = ft.getDictionary()->nlabels();
    std::vector<std::string> inputs;
    for (const auto& n : normalized) inputs.push_back(ClassifierInputFromNormalized(n.text));
    size_t i = 0;
    double checksum = 0;
    double ours = Rate(posts, seconds, [&](const std::string&) {
      checksum += classifier->PredictNormalized(normalized[i++ % posts.size()].text)[0].score;
    });
    i = 0;
    std::vector<std::pair<fasttext::real, std::string>> predictions;
    double theirs = Rate(posts, seconds, [&](const std::string&) {
      std::istringstream in(inputs[i++ % posts.size()]);
      ft.predictLine(in, predictions, k, 0.0);
      checksum += predictions[0].first;
    });
    std::printf("classifier (%zu labels, all scores): Vigil %9.0f posts/s, fastText predictLine %9.0f posts/s, "
                "%.2fx (target >= 1.0x) [%.0f]\n", static_cast<size_t>(k), ours, theirs, ours / theirs, checksum);
  }

  Analyzer analyzer("/nonexistent");
  if (!analyzer.SetLists({SyntheticList(43000, 43000)}).ok()) return 1;
  double pipeline = Rate(posts, seconds, [&](const std::string& p) { (void)analyzer.Analyze(p); });
  std::printf("whole Analyzer (normalize, 43k list, URLs, obfuscation, CLD2): %.0f posts/s on one core\n", pipeline);
  analyzer.SetClassifiers({classifier});
  pipeline = Rate(posts, seconds, [&](const std::string& p) { (void)analyzer.Analyze(p); });
  std::printf("whole Analyzer with the classifier: %.0f posts/s on one core (target >= 50,000)\n", pipeline);
  std::error_code ec;
  std::filesystem::remove_all(model_dir, ec);
  uspoof_close(spoof);
  return identical == posts.size() ? 0 : 1;
}
