// Classifiers: strict labeled-example parsing, the normalized input the model sees, evaluation
// arithmetic on known scores, and real fastText training on examples/classifier (versions,
// evasion-resistant predictions, signals from the Analyzer).
#include <fasttext/fasttext.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/analyzer.h"
#include "analysis/classifier.h"
#include "analysis/classifier_eval.h"
#include "support/test_support.h"

namespace vigil::analysis {
namespace {

using testing::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<LabeledExample> ExampleFile(const std::string& name) {
  auto parsed =
      ParseLabeledExamples(ReadAll(std::string(VIGIL_SOURCE_DIR) + "/examples/classifier/" + name));
  EXPECT_TRUE(parsed.ok()) << parsed.error().field << ": " << parsed.error().message;
  return parsed.ok() ? parsed.value() : std::vector<LabeledExample>{};
}

std::string FieldOf(std::string_view ndjson) {
  auto r = ParseLabeledExamples(ndjson);
  return r.ok() ? "ok" : r.error().field;
}

TEST(LabeledExamples, ParsesAndNamesTheLineAndFieldOfEveryError) {
  auto ok = ParseLabeledExamples(
      "{\"text\": \"buy followers\", \"label\": \"spam\"}\n\n"
      "{\"text\": \"hello\", \"label\": \"benign\", \"id\": \"x\", \"language\": \"en\"}\r\n");
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[1].label, "benign");
  EXPECT_EQ((*ok)[1].line, 3u);

  const std::string good = "{\"text\": \"a\", \"label\": \"spam\"}\n";
  EXPECT_EQ(FieldOf(good + "{\"text\": \"a\", \"label\": \"spam\"\n"), "line 2");  // not JSON
  EXPECT_EQ(FieldOf(good + "[1, 2]\n"), "line 2");
  EXPECT_EQ(FieldOf(good + "{\"text\": \"a\"}\n"), "line 2: label");
  EXPECT_EQ(FieldOf(good + "{\"label\": \"spam\"}\n"), "line 2: text");
  EXPECT_EQ(FieldOf(good + "{\"text\": 5, \"label\": \"spam\"}\n"), "line 2: text");
  EXPECT_EQ(FieldOf(good + "{\"text\": \"  \", \"label\": \"spam\"}\n"), "line 2: text");
  EXPECT_EQ(FieldOf(good + "{\"text\": \"a\", \"label\": \"two words\"}\n"), "line 2: label");
  EXPECT_EQ(FieldOf(good + "{\"text\": \"a\", \"label\": \"\"}\n"), "line 2: label");
  EXPECT_EQ(FieldOf(good + "{\"text\": \"a\", \"label\": \"spam\", \"lable\": \"x\"}\n"),
            "line 2: lable");
  EXPECT_EQ(FieldOf(good + "{\"text\": \"\xff\", \"label\": \"spam\"}\n"),
            "line 2");  // invalid UTF-8 JSON
}

TEST(ClassifierInput, EvasionsReadLikeThePlainText) {
  EXPECT_EQ(ClassifierInput("FR33  M0NEY!!"), ClassifierInput("free money!!"));
  EXPECT_EQ(ClassifierInput("fr\xD0\xB5\xD0\xB5 m\xE2\x80\x8Boney"),
            ClassifierInput("free money"));  // Cyrillic е, ZWSP
  EXPECT_EQ(ClassifierInput("f r e e   m o n e y"), ClassifierInput("free money"));
  // Punctuation becomes tokens of its own, so "money!" and "money" share the word.
  EXPECT_EQ(ClassifierInput("Hello, world!"), "helo , world !\n");
}

TEST(ClassifierEval, PrecisionRecallConfusionAndThresholdFromKnownScores) {
  auto ex = [](std::string label, double spam, double benign) {
    return ScoredExample{std::move(label), {{"spam", spam}, {"benign", benign}}};
  };
  // Human label, then the model's scores. Top labels: spam x3 (2 right), benign x3 (2 right).
  std::vector<ScoredExample> scored = {ex("spam", 0.95, 0.05),   ex("spam", 0.80, 0.20),
                                       ex("benign", 0.60, 0.40), ex("spam", 0.30, 0.70),
                                       ex("benign", 0.10, 0.90), ex("benign", 0.20, 0.80)};
  EvalReport r = ComputeEvalReport({"benign", "spam"}, scored, 0.95);
  ASSERT_EQ(r.labels, (std::vector<std::string>{"benign", "spam"}));
  EXPECT_EQ(r.confusion, (std::vector<std::vector<size_t>>{{2, 1}, {1, 2}}));
  EXPECT_NEAR(r.accuracy, 4.0 / 6, 1e-9);
  const LabelEval& spam = r.per_label[1];
  EXPECT_EQ(spam.support, 3u);
  EXPECT_NEAR(spam.precision, 2.0 / 3, 1e-9);
  EXPECT_NEAR(spam.recall, 2.0 / 3, 1e-9);
  EXPECT_NEAR(spam.f1, 2.0 / 3, 1e-9);
  // score >= 0.80 flags two spams and nothing else; 0.60 would add a benign (2/3 < 0.95).
  ASSERT_TRUE(spam.threshold.has_value());
  EXPECT_DOUBLE_EQ(*spam.threshold, 0.80);
  EXPECT_NEAR(spam.recall_at_threshold, 2.0 / 3, 1e-9);
  EXPECT_EQ(spam.flagged_at_threshold, 2u);
  // At a target of 0.7, 0.30 (3 spams of 4 flagged) is the lowest threshold that still qualifies
  // (0.20 would flag 3 of 5).
  EvalReport loose = ComputeEvalReport({"benign", "spam"}, scored, 0.7);
  EXPECT_DOUBLE_EQ(*loose.per_label[1].threshold, 0.30);
  EXPECT_NEAR(loose.per_label[1].recall_at_threshold, 1.0, 1e-9);

  // A label only in the test set is a row that is never predicted; an unreachable target is null.
  scored.push_back({"scam", {{"spam", 0.99}, {"benign", 0.01}}});
  EvalReport with_scam = ComputeEvalReport({"benign", "spam"}, scored, 0.95);
  ASSERT_EQ(with_scam.labels.size(), 3u);
  EXPECT_EQ(with_scam.confusion[2][1], 1u);
  EXPECT_FALSE(with_scam.per_label[2].threshold.has_value());
  EXPECT_FALSE(with_scam.per_label[1].threshold.has_value());  // the top score is a scam now
  auto j = with_scam.ToJson();
  EXPECT_TRUE(j["labels"][1]["threshold"].is_null());
  EXPECT_NE(with_scam.ToText().find("not reached"), std::string::npos);
}

TEST(Classifier, TrainsVersionsFromTheExampleSetAndResistsEvasions) {
  TempDir tmp("vigil-classifier");
  ModelStore store(tmp.Join("models"));
  auto train = ExampleFile("train.ndjson");
  ASSERT_GE(train.size(), 200u);
  TrainOptions opts;

  // Strict: a single label trains nothing and leaves nothing behind.
  std::vector<LabeledExample> one_label(train.begin(), train.begin() + 1);
  auto refused = store.Train("abuse", one_label, opts, "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "examples");
  EXPECT_FALSE(std::filesystem::exists(tmp.Join("models/abuse")));
  EXPECT_FALSE(store.Train("Bad Name", train, opts, "x").ok());

  auto v1 = store.Train("abuse", train, opts, "train.ndjson");
  ASSERT_TRUE(v1.ok()) << v1.error().message;
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->labels, (std::vector<std::string>{"benign", "harassment", "scam", "spam"}));
  EXPECT_EQ(v1->examples, train.size());
  EXPECT_TRUE(std::filesystem::exists(tmp.Join("models/abuse/v1.json")));
  auto v2 = store.Train("abuse", train, opts, "train.ndjson");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2);

  auto all = store.List();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  EXPECT_EQ(store.Resolve("abuse")->version, 2);
  EXPECT_EQ(store.Resolve("abuse@1")->version, 1);
  EXPECT_FALSE(store.Resolve("abuse@3").ok());
  EXPECT_FALSE(store.Resolve("abuse@x").ok());
  auto active = store.LoadActive();
  ASSERT_TRUE(active.ok());
  ASSERT_EQ(active->size(), 1u);
  const Classifier& c = *(*active)[0];
  EXPECT_EQ(c.info().version, 2);

  auto scores = c.Predict("D0UBLE y0ur B1TC01N in 24h, s3nd BTC to my wallet n0w");
  ASSERT_EQ(scores.size(), 4u);
  EXPECT_EQ(scores[0].label, "scam");
  double sum = 0;
  for (const auto& s : scores) sum += s.score;
  EXPECT_NEAR(sum, 1.0, 0.01);
  EXPECT_EQ(c.Predict("Y0u are a p4thetic l0s3r, n0b0dy l1kes y0u")[0].label, "harassment");
  EXPECT_EQ(c.Predict("What a lovely morning at the lake with the kids")[0].label, "benign");

  // Held-out examples in several languages, evasions included.
  EvalReport report = Evaluate(c, ExampleFile("test.ndjson"), 0.95);
  EXPECT_GE(report.accuracy, 0.85) << report.ToText();
  for (const auto& l : report.per_label) EXPECT_GE(l.f1, 0.75) << report.ToText();

  // A damaged model file is refused (fastText alone would load it and abort on a prediction).
  std::filesystem::copy_file(tmp.Join("models/abuse/v2.bin"), tmp.Join("v2.bin.good"));
  std::filesystem::resize_file(tmp.Join("models/abuse/v2.bin"), 100000);
  auto damaged = store.LoadActive();
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.error().message.find("digest"), std::string::npos);
  std::filesystem::copy_file(tmp.Join("v2.bin.good"), tmp.Join("models/abuse/v2.bin"),
                             std::filesystem::copy_options::overwrite_existing);

  // The Analyzer turns the scores into explained signals.
  Analyzer analyzer(tmp.Join("lists"), {}, tmp.Join("models"));
  ASSERT_TRUE(analyzer.ReloadClassifiers().ok());
  auto result = analyzer.Analyze("Send 0.1 BTC and receive 0.2 BTC back, official giveaway");
  const Signal* top = nullptr;
  for (const auto& s : result.signals)
    if (s.name == "classifier" && s.detail["rank"] == 1) top = &s;
  ASSERT_NE(top, nullptr);
  EXPECT_EQ(top->value, "scam");
  EXPECT_EQ(top->detail["model"], "abuse");
  EXPECT_EQ(top->detail["version"], 2);
  EXPECT_EQ(top->detail["scores"].size(), 4u);
  EXPECT_NE(top->why.find("classifier abuse v2 scores \"scam\""), std::string::npos) << top->why;
}

// The classifier reads its features without fastText's stream (getLine); its predictions must
// stay fastText's own, with and without subwords, on real examples and on odd whitespace.
TEST(Classifier, PredictsWhatFastTextPredictsOnTheSameLine) {
  TempDir tmp("vigil-classifier-same");
  ModelStore store(tmp.Join("models"));
  auto train = ExampleFile("train.ndjson");
  TrainOptions subwords;
  subwords.epoch = 5;
  subwords.minn = 2;
  subwords.maxn = 4;
  subwords.word_ngrams = 3;
  std::vector<std::string> texts;
  for (const auto& e : ExampleFile("test.ndjson")) texts.push_back(e.text);
  for (const char* odd : {"", " ", "\t\tfree \v money\f\r now", "__label__spam buy now",
                          "</s> free </s>", "ünïcödé wörds и слова 中文 ", "a\0b c"})
    texts.emplace_back(odd);
  // 45 dimensions: the hidden sum's slices of 32, 8 and 4 elements and a last one on its own.
  TrainOptions odd_dim;
  odd_dim.epoch = 5;
  odd_dim.dim = 45;
  for (const TrainOptions& opts : {TrainOptions{}, subwords, odd_dim}) {
    auto info = store.Train(opts.maxn > 0    ? "subwords"
                            : opts.dim != 50 ? "dim45"
                                             : "words",
                            train, opts, "train.ndjson");
    ASSERT_TRUE(info.ok()) << info.error().message;
    auto c = Classifier::Load(info.value());
    ASSERT_TRUE(c.ok());
    fasttext::FastText ft;
    ft.loadModel(info->model_path);
    for (const std::string& text : texts) {
      std::istringstream in(ClassifierInput(text));
      std::vector<std::pair<fasttext::real, std::string>> theirs;
      ft.predictLine(in, theirs, 4, 0.0);
      auto ours = c.value()->Predict(text);
      ASSERT_EQ(ours.size(), theirs.size()) << text;
      for (size_t i = 0; i < ours.size(); ++i) {
        EXPECT_EQ("__label__" + ours[i].label, theirs[i].second) << text;
        EXPECT_NEAR(ours[i].score, theirs[i].first, 1e-6) << text;
      }
    }
  }
}

}  // namespace
}  // namespace vigil::analysis
