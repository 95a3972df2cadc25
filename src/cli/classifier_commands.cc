#include "cli/classifier_commands.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "analysis/classifier.h"
#include "analysis/classifier_eval.h"
#include "cli/transfer.h"  // SetExit

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;
using analysis::LabeledExample;
using analysis::ModelStore;
using nlohmann::json;

int ClassifierFail(const std::string& msg, int code = 1) {
  std::fprintf(stderr, "vigil: %s\n", msg.c_str());
  return SetExit(code);
}

int ClassifierFail(const Error& e, int code = 1) {
  return ClassifierFail((e.field.empty() ? "" : e.field + ": ") + e.message, code);
}

// Errors name the file: "train.ndjson: line 3: label: required, a string".
Result<std::vector<LabeledExample>> ReadExamples(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Invalid("--examples", "cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto examples = analysis::ParseLabeledExamples(text);
  if (!examples)
    return Error::Invalid(path + ": " + examples.error().field, examples.error().message);
  if (examples->empty()) return Error::Invalid(path, "no examples");
  return examples;
}

bool CheckDataDir(const std::string& dir) {
  if (fs::is_directory(dir)) return true;
  ClassifierFail("--data: " + dir + " is not a data directory", 2);
  return false;
}

std::string Models(const std::string& dir) { return dir + "/models"; }

void RegisterTrain(CLI::App& parent) {
  auto* cmd = parent.add_subcommand("train",
                                    "Train a new version of a classifier from labeled NDJSON "
                                    "examples ({\"text\", \"label\"} a line) into DIR/models");
  auto dir = std::make_shared<std::string>();
  auto examples_path = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto opts = std::make_shared<analysis::TrainOptions>();
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->add_option("--examples", *examples_path, "Labeled examples (NDJSON)")->required();
  cmd->add_option("--name", *name, "Model name (a-z, 0-9, _ and -)")->required();
  cmd->add_option("--epoch", opts->epoch, "Training epochs")->capture_default_str();
  cmd->add_option("--lr", opts->lr, "Learning rate")->capture_default_str();
  cmd->add_option("--dim", opts->dim, "Vector dimension")->capture_default_str();
  cmd->add_option("--word-ngrams", opts->word_ngrams, "Word n-gram length")->capture_default_str();
  cmd->add_option("--bucket", opts->bucket, "Hash buckets for n-grams")->capture_default_str();
  cmd->add_option("--minn", opts->minn, "Shortest character n-gram (0: none)")
      ->capture_default_str();
  cmd->add_option("--maxn", opts->maxn, "Longest character n-gram (0: none)")
      ->capture_default_str();
  cmd->add_option("--seed", opts->seed, "Random seed")->capture_default_str();
  cmd->callback([=] {
    if (!CheckDataDir(*dir)) return;
    auto examples = ReadExamples(*examples_path);
    if (!examples) return (void)ClassifierFail(examples.error());
    auto info = ModelStore(Models(*dir)).Train(*name, examples.value(), *opts, *examples_path);
    if (!info) return (void)ClassifierFail(info.error());
    std::printf("trained classifier %s v%d on %zu examples:", info->name.c_str(), info->version,
                info->examples);
    for (const auto& [label, n] : info->label_counts) std::printf(" %s %zu", label.c_str(), n);
    std::printf(
        "\ntraining accuracy %.3f (evaluate on held-out examples with `vigil classifier eval`)\n"
        "model %s\na running server uses it after POST /v1/classifiers:reload\n",
        info->training_accuracy, info->model_path.c_str());
  });
}

void RegisterList(CLI::App& parent) {
  auto* cmd = parent.add_subcommand(
      "list", "List the classifiers and their versions (the latest is active)");
  auto dir = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->add_flag("--json", *as_json, "Print JSON");
  cmd->callback([=] {
    if (!CheckDataDir(*dir)) return;
    auto all = ModelStore(Models(*dir)).List();
    if (!all) return (void)ClassifierFail(all.error());
    json out = json::array();
    for (size_t i = 0; i < all->size(); ++i) {
      const auto& m = (*all)[i];
      bool active = i + 1 == all->size() || (*all)[i + 1].name != m.name;
      if (*as_json) {
        json j = m.ToJson();
        j["active"] = active;
        j["path"] = m.model_path;
        out.push_back(std::move(j));
        continue;
      }
      std::string labels;
      for (const auto& l : m.labels) labels += (labels.empty() ? "" : ",") + l;
      std::printf("%s@%d%s  %s  %zu examples  labels %s\n", m.name.c_str(), m.version,
                  active ? " (active)" : "", m.created.c_str(), m.examples, labels.c_str());
    }
    if (*as_json)
      std::cout << out.dump(2) << "\n";
    else if (all->empty())
      std::printf("no classifiers in %s\n", Models(*dir).c_str());
  });
}

void RegisterEval(CLI::App& parent) {
  auto* cmd =
      parent.add_subcommand("eval",
                            "Evaluate a classifier on labeled examples: per-label precision, "
                            "recall, F1, confusion matrix, threshold for a target precision");
  auto dir = std::make_shared<std::string>();
  auto model = std::make_shared<std::string>();
  auto examples_path = std::make_shared<std::string>();
  auto target = std::make_shared<double>(0.95);
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->add_option("--model", *model, "NAME (latest version) or NAME@VERSION")->required();
  cmd->add_option("--examples", *examples_path, "Labeled examples (NDJSON)")->required();
  cmd->add_option("--target-precision", *target, "Precision each label's threshold must reach")
      ->capture_default_str();
  cmd->add_flag("--json", *as_json, "Print JSON");
  cmd->callback([=] {
    if (!(*target > 0 && *target <= 1))
      return (void)ClassifierFail("--target-precision: must be in (0, 1]");
    if (!CheckDataDir(*dir)) return;
    auto info = ModelStore(Models(*dir)).Resolve(*model);
    if (!info) return (void)ClassifierFail(info.error());
    auto examples = ReadExamples(*examples_path);
    if (!examples) return (void)ClassifierFail(examples.error());
    auto classifier = analysis::Classifier::Load(info.value());
    if (!classifier) return (void)ClassifierFail(classifier.error(), 2);
    auto report = analysis::Evaluate(*classifier.value(), examples.value(), *target);
    if (*as_json)
      std::cout << report.ToJson().dump(2) << "\n";
    else
      std::cout << report.ToText();
  });
}

void RegisterPredict(CLI::App& parent) {
  auto* cmd = parent.add_subcommand("predict", "Print a classifier's label scores for a text");
  auto dir = std::make_shared<std::string>();
  auto model = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->add_option("--model", *model, "NAME (latest version) or NAME@VERSION")->required();
  cmd->add_option("text", *text, "Text")->required();
  cmd->callback([=] {
    if (!CheckDataDir(*dir)) return;
    auto info = ModelStore(Models(*dir)).Resolve(*model);
    if (!info) return (void)ClassifierFail(info.error());
    auto classifier = analysis::Classifier::Load(info.value());
    if (!classifier) return (void)ClassifierFail(classifier.error(), 2);
    for (const auto& s : classifier.value()->Predict(*text))
      std::printf("%s %.4f\n", s.label.c_str(), s.score);
  });
}

}  // namespace

void RegisterClassifier(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("classifier", "Text classifiers of the automated analysis (fastText)");
  cmd->require_subcommand(1);
  RegisterTrain(*cmd);
  RegisterList(*cmd);
  RegisterEval(*cmd);
  RegisterPredict(*cmd);
}

}  // namespace vigil::cli
