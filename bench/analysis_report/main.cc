// Benchmark of `vigil analysis report` (not a test; run by hand or via `make bench`): a data
// directory with N decided cases (100,000 by default) of the demo's post templates in eight
// languages, decided as people would (violations actioned, the rest no_violation, 5% of them the
// other way, as real reviewers disagree with the labels), with the starter term lists and a
// classifier trained on examples/classifier/train.ndjson. Measures, on one core:
//   a. baseline: reading the same rows with the same query and analysing each text, nothing else;
//   b. ReplayDecidedCases: the whole report (read, analyse, tally every signal and threshold,
//      automation at the target precision, examples read back);
// and prints the ratio b/a, which is the cost of the report beyond the analysis it must do.
// Options: --cases N (100000), --keep DIR (build the data directory there and keep it).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "analysis/analysis_report.h"
#include "cli/services.h"
#include "intake/demo_lists.h"
#include "intake/demo_texts.h"

namespace {

using namespace vigil;
using Steady = std::chrono::steady_clock;
using intake::demo::Cat;

double Since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

// Writes `n` decided cases straight through the store (one event per decision, as the case
// service writes them), 5,000 to a transaction.
void Populate(Services& s, size_t n) {
  intake::demo::Rng rng(42);
  const auto& langs = intake::demo::Languages();
  const std::vector<double> cat_weights = {40, 12, 8, 10, 3, 6, 2, 2, 0, 5, 3, 2, 2, 2, 2, 1};
  Millis now = s.clock->Now();
  size_t done = 0;
  while (done < n) {
    auto tx = s.store->BeginWrite();
    for (size_t i = 0; i < 5000 && done < n; ++i, ++done) {
      Cat cat = static_cast<Cat>(rng.Weighted(cat_weights));
      std::string_view lang = langs[rng.Below(std::min<size_t>(langs.size(), 8))];
      const auto* tpls = &intake::demo::PostTemplates(lang, cat);
      if (tpls->empty()) lang = "en", tpls = &intake::demo::PostTemplates("en", cat);
      if (tpls->empty()) cat = Cat::kBenign, tpls = &intake::demo::PostTemplates("en", cat);
      ContentItem c;
      c.id = "bench-" + std::to_string(done);
      c.text = intake::demo::Fill(rng.Pick(*tpls), lang, rng);
      c.language = std::string(lang);
      c.metadata_json = "{}";
      auto [pk, created] = tx->UpsertContent(c, 0, now);
      std::string reason(intake::demo::ReasonCode(cat));
      if (reason.empty()) reason = "spam";  // benign posts flagged by mistake
      int64_t case_id = tx->OpenCase(pk, "general", reason, 0, now, 0);
      bool actioned = intake::demo::IsViolation(cat) != rng.Chance(0.05);
      events::Event e;
      e.type = "decision.made", e.subject = "case:" + std::to_string(case_id);
      e.actor = "cli", e.ts = now;
      e.payload = std::string("{\"outcome\":\"") + (actioned ? "actioned" : "no_violation") + "\"}";
      store::DecisionRow d;
      d.case_id = case_id, d.decided_by = "cli", d.created_at = now;
      d.case_version = 2;  // opened with its first flag counted (OpenCase)
      d.outcome = actioned ? "actioned" : "no_violation";
      d.actions_json = actioned ? "[{\"type\":\"remove\"}]" : "[{\"type\":\"no_violation\"}]";
      if (!tx->InsertDecision(d, tx->AppendEvent(e))) std::abort();
    }
    s.store->Commit(*tx);
  }
}

}  // namespace

int main(int argc, char** argv) {
  size_t cases = 100000;
  std::string keep;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--cases")
      cases = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--keep")
      keep = argv[i + 1];
  }
  namespace fs = std::filesystem;
  std::string dir =
      keep.empty()
          ? (fs::temp_directory_path() / ("vigil-bench-report-" + std::to_string(getpid())))
                .string()
          : keep;
  bool fresh = !fs::exists(dir + "/vigil.db");
  if (!InitDataDir(dir).ok()) return 1;
  auto opened = Services::Open(dir);
  if (!opened) {
    std::fprintf(stderr, "%s: %s\n", opened.error().field.c_str(), opened.error().message.c_str());
    return 1;
  }
  Services& s = *opened.value();
  if (fresh) {
    auto t = Steady::now();
    Populate(s, cases);
    std::printf("populated %zu decided cases in %.1f s\n", cases, Since(t));
    if (!intake::InstallStarterLists(dir + "/lists").ok()) return 1;
    std::string examples = std::string(VIGIL_SOURCE_DIR) + "/examples/classifier/train.ndjson";
    std::ifstream in(examples);  // trained as `vigil classifier train` does
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto ex = analysis::ParseLabeledExamples(text);
    if (!ex || !analysis::ModelStore(dir + "/models").Train("abuse", ex.value(), {}, examples))
      return 1;
  }
  analysis::Analyzer analyzer(dir + "/lists", {}, dir + "/models");
  if (!analyzer.Reload().ok() || !analyzer.ReloadClassifiers().ok()) return 1;
  analysis::Normalizer::Warm();

  // a. Baseline: the same rows, read and analysed, nothing tallied.
  auto t = Steady::now();
  size_t rows = 0, signals = 0;
  {
    auto rtx = s.store->BeginRead();
    rtx->ScanDecidedCases(0, [&](store::DecidedCaseRow& row) {
      signals += analyzer.Analyze(row.text, row.language).signals.size();
      ++rows;
      return true;
    });
  }
  double baseline = Since(t);
  // b. The report.
  t = Steady::now();
  auto rtx = s.store->BeginRead();
  analysis::AnalysisReport report = analysis::ReplayDecidedCases(*rtx, analyzer, 0, {});
  double seconds = Since(t);
  std::printf("%zu decided cases (%zu actioned), %zu signals, %zu report rows\n", report.cases,
              report.actioned, signals, report.signals.size());
  std::printf("baseline (scan + Analyze only): %.2f s, %.0f cases/s\n", baseline, rows / baseline);
  std::printf("analysis report:                %.2f s, %.0f cases/s, %.2fx the baseline's time\n",
              seconds, report.cases / seconds, seconds / baseline);
  std::printf(
      "automation at precision >= %.2f: %zu cases (%zu right, %zu wrong) using %zu signals\n",
      report.options.target_precision, report.automatable.cases, report.automatable.correct,
      report.automatable.wrong, report.automatable.by.size());
  if (keep.empty()) fs::remove_all(dir);
  return rows == report.cases ? 0 : 1;
}
