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

// Works through what automation has not handled yet, on this process's threads and without
// yielding: after a bulk import, instead of the server's background catch-up, which gives way
// to people using the server.
void RunCatchUp(const std::string& dir) {
  if (!std::filesystem::is_directory(dir))
    return (void)AnalysisFail("--data: " + dir + " is not a data directory", 2);
  auto opened = Services::Open(dir);
  if (!opened) return (void)AnalysisFail(opened.error().field + ": " + opened.error().message, 1);
  Services& s = *opened.value();
  if (!s.config.automation_enabled)
    return (void)AnalysisFail("automation is disabled in vigil.yaml (automation: enabled)", 1);
  s.automation->Recover();
  s.automation->RunPending();
  auto st = s.automation->stats();
  std::printf(
      "analysed %llu content items, evaluated %llu cases (%llu policy evaluations recorded); "
      "automation decided %llu, escalated %llu, routed %llu\n",
      static_cast<unsigned long long>(st.analysed),
      static_cast<unsigned long long>(st.cases_evaluated),
      static_cast<unsigned long long>(st.evaluations_recorded),
      static_cast<unsigned long long>(st.decisions),
      static_cast<unsigned long long>(st.escalations), static_cast<unsigned long long>(st.routed));
}

}  // namespace

void RegisterAnalysis(CLI::App& app) {
  auto* analysis = app.add_subcommand(
      "analysis", "Test the automated analysis against people; catch up on unanalysed work");
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

  auto* catch_up = analysis->add_subcommand(
      "catch-up",
      "Analyse every content item and evaluate the policies on every open case that automation "
      "has not handled yet (e.g. after `vigil import`), at full speed; a running server does the "
      "same in the background, giving way to people using it. Prints what was done");
  auto dir = std::make_shared<std::string>();
  catch_up->add_option("--data", *dir, "Data directory")->required();
  catch_up->callback([dir] { RunCatchUp(*dir); });
}

}  // namespace vigil::cli
