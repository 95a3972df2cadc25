// `vigil policy backtest`: replays the stored cases through a policy version (or a draft file)
// and reports changes against the version in force and agreement with people's decisions.
#include <cstdio>
#include <memory>
#include <string>

#include "analysis/analyzer.h"
#include "cli/policy_commands.h"
#include "cli/services.h"
#include "cli/transfer.h"  // SetExit
#include "policy/backtest.h"

namespace vigil::cli {
namespace {

int BacktestFail(const std::string& msg, int code) {
  std::fprintf(stderr, "vigil: %s\n", msg.c_str());
  return SetExit(code);
}

}  // namespace

Result<policy::BacktestReport> RunPolicyBacktest(Services& s, const BacktestRequest& req) {
  int active_version = 0;
  auto active = s.policies->Find(req.policy_id, &active_version);
  std::shared_ptr<const policy::Policy> candidate;
  int version = 0;
  if (!req.yaml.empty()) {
    auto loaded = policy::LoadPolicyText(req.yaml, req.policy_id + ".yaml");
    if (!loaded.issues.empty())
      return Error::Invalid("yaml", loaded.issues.front().ToString());
    if (loaded.policy.id != req.policy_id)
      return Error::Invalid("yaml", "the draft's id is '" + loaded.policy.id + "', not '" +
                                        req.policy_id + "'");
    candidate = std::make_shared<const policy::Policy>(std::move(loaded.policy));
  } else if (req.version && s.policies->versioned()) {
    auto stored = s.policies->Parsed(req.policy_id, *req.version);
    if (!stored) {
      Error e = stored.error();
      e.field = e.code == ErrorCode::kNotFound ? "version" : e.field;
      if (e.code == ErrorCode::kNotFound)
        e.message = "policy '" + req.policy_id + "' has no version " + std::to_string(*req.version);
      return e;
    }
    candidate = stored.value();
    version = *req.version;
  } else {
    if (!active) return Error{ErrorCode::kNotFound, "policy", "no active policy '" + req.policy_id + "'"};
    if (req.version && *req.version != active_version)
      return Error{ErrorCode::kNotFound, "version", "policy '" + req.policy_id + "' has no version " +
                                                        std::to_string(*req.version)};
    candidate = active;
    version = active_version;
  }
  std::unique_ptr<analysis::Analyzer> analyzer;
  if (req.analyse && s.analyzer) {
    // The server's lists and models as loaded (a 43,000-entry list takes seconds to compile).
    analyzer = s.analyzer->LocalSnapshot();
  } else if (req.analyse) {
    analyzer = std::make_unique<analysis::Analyzer>(s.data_dir + "/lists", analysis::AnalyzerLimits{},
                                                    s.data_dir + "/models");
    if (auto st = analyzer->Reload(); !st) return st.error();
    if (auto st = analyzer->ReloadClassifiers(); !st) return st.error();
  }
  policy::BacktestOptions opts;
  opts.since = s.clock->Now() - req.since;
  opts.sample = req.sample;
  opts.threads = req.threads;
  auto tx = s.store->BeginRead();
  return policy::RunBacktest(*tx, s.taxonomy, *candidate, version, active.get(), active_version,
                             analyzer.get(), opts);
}

void RegisterBacktest(CLI::App& policy) {
  auto* cmd = policy.add_subcommand(
      "backtest",
      "Replay stored cases through a policy version (or a draft file): outcomes changed against "
      "the version in force, agreement with people's decisions (confusion matrix, precision and "
      "recall per action) and sampled disagreements");
  auto dir = std::make_shared<std::string>();
  auto req = std::make_shared<BacktestRequest>();
  auto since = std::make_shared<std::string>("30d");
  auto version = std::make_shared<int>(0);
  auto file = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto no_analysis = std::make_shared<bool>(false);
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->add_option("--policy", req->policy_id, "Policy id")->required();
  cmd->add_option("--version", *version, "Version to replay (default: the version in force)");
  cmd->add_option("--file", *file, "A draft policy file to replay instead of a stored version");
  cmd->add_option("--since", *since, "Cases opened within this period (30d, 12h, ...)");
  cmd->add_option("--sample", req->sample, "Disagreements and changes to list (default 20)")
      ->check(CLI::Range(size_t{0}, size_t{10'000}));
  cmd->add_option("--threads", req->threads, "Analysis threads (default 2)")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--json", *as_json, "Print the report as JSON");
  cmd->add_flag("--no-analysis", *no_analysis, "Skip re-analysing the text (no analysis signals)");
  cmd->callback([=] {
    auto window = ParseDuration(*since);
    if (!window || *window <= 0) return (void)BacktestFail("--since: expected a period such as 30d or 12h", 2);
    if (*version < 0) return (void)BacktestFail("--version: must be a positive number", 2);
    if (*version > 0 && !file->empty()) return (void)BacktestFail("--version and --file exclude each other", 2);
    if (req->threads < 1 || req->threads > 64) return (void)BacktestFail("--threads: between 1 and 64", 2);
    BacktestRequest r = *req;
    r.since = *window;
    r.analyse = !*no_analysis;
    if (*version > 0) r.version = *version;
    if (!file->empty()) {
      std::FILE* f = std::fopen(file->c_str(), "rb");
      if (!f) return (void)BacktestFail("--file: cannot read " + *file, 2);
      char buf[65536];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.yaml.append(buf, n);
      std::fclose(f);
    }
    auto s = Services::Open(*dir);
    if (!s) return (void)BacktestFail("--data: " + s.error().message, 2);
    auto report = RunPolicyBacktest(**s, r);
    if (!report) {
      const Error& e = report.error();
      return (void)BacktestFail((e.field.empty() ? "" : "--" + e.field + ": ") + e.message, 1);
    }
    std::string out = *as_json ? report->ToJson().dump(2) + "\n" : report->ToText();
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
}

}  // namespace vigil::cli
