// Automation benchmark (not a test; run by hand or via `make bench`): the vigil-automate
// worker's throughput. A data directory with the starter policies (policies/) and a term list
// gets N flags imported (as `vigil import` does: stored, not yet analysed); then the worker finds
// them (Recover) and processes everything on one thread: analysis of each content item, the
// signals stored with a content.analysed event, every applying policy walked, policy.evaluated
// recorded, and the automatic decisions, escalations and routes written through CaseService.
// Baseline, same run: the analyzer alone over the same texts (no store, no policies).
// Options: --flags N (20000).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/services.h"
#include "support/test_support.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Short posts in several languages; some match the list, some carry URLs or evasions.
const char* kTexts[] = {
    "Claim your free money now at https://bit.ly/claim-{} before it is gone!!",
    "Great match yesterday, the second half was something else {}",
    "Gana dinero rápido desde casa, escríbeme por privado {}",
    "Ich verkaufe mein altes Fahrrad, bei Interesse bitte melden {}",
    "fr\xD0\xB5\xD0\xB5 m0ney giveaway, only today, DM me {}",
    "You are pathetic and everyone at school knows it, {}",
    "Le concert de samedi était incroyable, merci à tous {}",
    "hey how old are you, lets talk on another app {}",
};
const char* kReasons[] = {"spam", "other",      "scam",  "other",
                          "scam", "harassment", "other", "child_safety"};

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::string Fill(const char* pattern, size_t i) {
  std::string s = pattern;
  size_t at = s.find("{}");
  if (at != std::string::npos) s.replace(at, 2, std::to_string(i));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  size_t flags = 20000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--flags") && i + 1 < argc) {
      flags = std::strtoul(argv[++i], nullptr, 10);
    } else {
      std::cerr << "usage: bench_automation [--flags N]\n";
      return 2;
    }
  }
  vigil::testing::TempDir tmp("vigil-bench-automation");
  std::string data = tmp.Join("data");
  if (auto st = vigil::InitDataDir(data); !st) return 2;
  // The repository's policies over the starter set vigil init wrote (the same files today).
  std::filesystem::copy(std::string(VIGIL_SOURCE_DIR) + "/policies", data + "/policies",
                        std::filesystem::copy_options::overwrite_existing);
  std::filesystem::create_directories(data + "/lists");
  std::ofstream(data + "/lists/scam.list")
      << "@name scam-phrases\n@category scam\n@severity 4\nfree money\ngiveaway\ndinero rápido\n";
  auto opened = vigil::Services::Open(data);  // no background thread: the bench drives it
  if (!opened) {
    std::cerr << "open: " << opened.error().message << "\n";
    return 2;
  }
  auto& s = opened.value();
  std::cout << "policies running: " << s->policies->Running()->size() << "\n";

  std::vector<std::string> lines;
  std::vector<std::string> texts;
  for (size_t i = 0; i < flags; ++i) {
    size_t k = i % (sizeof kTexts / sizeof *kTexts);
    texts.push_back(Fill(kTexts[k], i));
    lines.push_back(json{{"content",
                          {{"id", "c" + std::to_string(i)},
                           {"type", "text"},
                           {"text", texts.back()},
                           {"author", {{"id", "a" + std::to_string(i % 997)}}}}},
                         {"reason", kReasons[k]},
                         {"source", "user"},
                         {"reporter", {{"id", "r" + std::to_string(i % 131)}}}}
                        .dump());
  }
  auto t0 = Clock::now();
  for (size_t i = 0; i < lines.size(); i += 5000) {
    std::vector<std::string> part(lines.begin() + i,
                                  lines.begin() + std::min(lines.size(), i + 5000));
    s->intake->ImportLines(vigil::auth::Principal::Cli(), part, i + 1);
  }
  auto t1 = Clock::now();
  std::printf("import: %zu flags in %.2f s\n", flags, Seconds(t0, t1));

  auto t2 = Clock::now();
  s->automation->Recover();
  size_t items = s->automation->RunPending();
  auto t3 = Clock::now();
  auto st = s->automation->stats();
  double secs = Seconds(t2, t3);
  std::printf(
      "worker: %zu items, %llu analysed, %llu cases evaluated, %llu evaluations recorded, "
      "%llu decisions, %llu escalations in %.2f s\n",
      items, static_cast<unsigned long long>(st.analysed),
      static_cast<unsigned long long>(st.cases_evaluated),
      static_cast<unsigned long long>(st.evaluations_recorded),
      static_cast<unsigned long long>(st.decisions),
      static_cast<unsigned long long>(st.escalations), secs);
  double cases_per_s = st.cases_evaluated / secs;

  auto t4 = Clock::now();
  size_t signals = 0;
  for (const auto& t : texts) signals += s->analyzer->Analyze(t).signals.size();
  auto t5 = Clock::now();
  double analyze_per_s = texts.size() / Seconds(t4, t5);
  std::printf("baseline: analyzer alone %.0f posts/s (%zu signals)\n", analyze_per_s, signals);
  std::printf(
      "worker: %.0f cases analysed and evaluated per second; ratio to analysis alone %.3f\n",
      cases_per_s, cases_per_s / analyze_per_s);
  std::cout << json{{"bench", "automation"},
                    {"flags", flags},
                    {"cases_per_s", cases_per_s},
                    {"analyzer_posts_per_s", analyze_per_s},
                    {"decisions", st.decisions},
                    {"escalations", st.escalations},
                    {"evaluations_recorded", st.evaluations_recorded}}
                   .dump()
            << std::endl;
  bool ok = st.cases_evaluated == flags && st.analysed == flags;
  if (!ok) std::cout << "bench_automation: FAILED (not every case analysed and evaluated)\n";
  return ok ? 0 : 1;
}
