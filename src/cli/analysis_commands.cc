#include "cli/analysis_commands.h"

#include <cstdio>
#include <filesystem>

#include "analysis/analysis_report.h"
#include "cli/services.h"
#include "cli/transfer.h"  // SetExit

namespace vigil::cli {
namespace {

int AnalysisFail(const std::string& msg, int code) {
  std::fprintf(stderr, "vigil: %s\n", msg.c_str());
  return SetExit(code);
}

struct ReportArgs {
  std::string dir;
  std::string since = "30d";
  analysis::ReportOptions options;
  bool json = false;
};

void RunReport(const ReportArgs& a) {
  if (!std::filesystem::is_directory(a.dir))
    return (void)AnalysisFail("--data: " + a.dir + " is not a data directory", 2);
  if (auto st = analysis::ValidateReportOptions(a.options); !st) {
    std::string flag = st.error().field;  // target_precision -> --target-precision
    for (char& c : flag)
      if (c == '_') c = '-';
    return (void)AnalysisFail("--" + flag + ": " + st.error().message, 2);
  }
  auto opened = Services::Open(a.dir);
  if (!opened) return (void)AnalysisFail(opened.error().field + ": " + opened.error().message, 1);
  Services& s = *opened.value();
  auto since = analysis::ResolveSince(a.since, s.clock->Now(), "--since");
  if (!since) return (void)AnalysisFail(since.error().field + ": " + since.error().message, 2);
  // The analysis in force, without the external classifier: a replay must not spend its budget.
  analysis::Analyzer analyzer(a.dir + "/lists", {}, a.dir + "/models");
  for (auto st : {analyzer.Reload(), analyzer.ReloadClassifiers()})
    if (!st) return (void)AnalysisFail(st.error().field + ": " + st.error().message, 1);
  auto rtx = s.store->BeginRead();
  auto report = analysis::ReplayDecidedCases(*rtx, analyzer, *since, a.options);
  std::fputs(a.json ? (report.ToJson().dump(2) + "\n").c_str() : report.ToText().c_str(), stdout);
}

}  // namespace

void RegisterAnalysis(CLI::App& app) {
  auto* analysis = app.add_subcommand("analysis", "Test the automated analysis against people");
  analysis->require_subcommand(1);
  auto* cmd = analysis->add_subcommand(
      "report",
      "Replay the content of decided cases through the lists and models in force and compare "
      "every signal and classifier threshold with the human decisions: precision, recall, "
      "support, what automation could decide at a target precision, and misses both ways");
  auto a = std::make_shared<ReportArgs>();
  cmd->add_option("--data", a->dir, "Data directory")->required();
  cmd->add_option("--since", a->since, "Cases decided since: a duration back (30d) or a time")
      ->capture_default_str();
  cmd->add_option("--target-precision", a->options.target_precision,
                  "Precision automation must reach")
      ->capture_default_str();
  cmd->add_option("--min-support", a->options.min_support,
                  "Cases a signal must have fired on to count as reaching the target")
      ->capture_default_str();
  cmd->add_option("--examples", a->options.examples, "Misses shown each way")
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print JSON (the same as GET /v1/analysis/report)");
  cmd->callback([a] { RunReport(*a); });
}

}  // namespace vigil::cli
