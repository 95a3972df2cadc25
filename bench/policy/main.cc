// Policy condition benchmark (not a test; run by hand or via `make bench`): 500 conditions in a
// realistic mix (classifier thresholds, author history, windows over flags, list matches,
// language/reach, campaign) compiled with vigil::policy::Expression, evaluated against a pool of
// synthetic events. The baseline is the same 500 conditions hand-written in C++ as lambdas over a
// plain struct, measured in the same run; both must agree on every result.
//   a. condition evaluations per second on one core, and with --threads N (2) in parallel;
//   b. latency of one event through all 500 conditions: p50 / p99 / max.
// Options: --seconds N per throughput measurement (2), --events N (2000), --threads N (2).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "policy/expr.h"

namespace {

using namespace vigil::policy;
using Clock = std::chrono::steady_clock;
constexpr int64_t kNow = 1'800'000'000'000;
constexpr int64_t kHour = 3'600'000;

// The same event twice: as a Snapshot and as the plain struct the baseline reads.
struct Plain {
  double spam, scam, threat, strikes, age_ms, reporters, views, accuracy, campaign;
  bool verified;
  std::string language, type;
  std::vector<std::string> lists, categories;
  std::vector<int64_t> flags;
};

const char* kLangs[] = {"en", "de", "fr", "es", "pl", "it"};
const char* kTypes[] = {"text", "image", "video", "link"};
const char* kListNames[] = {"scam", "harassment", "hate", "spam", "crypto"};
const char* kCats[] = {"scam", "phishing", "slur", "threat", "crypto_giveaway", "adult"};

std::pair<Snapshot, Plain> MakeEvent(std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  Plain p;
  p.spam = u(rng), p.scam = u(rng), p.threat = u(rng);
  p.strikes = static_cast<double>(rng() % 5);
  p.age_ms = static_cast<double>(rng() % 400) * 24 * kHour;
  p.reporters = static_cast<double>(rng() % 8);
  p.views = static_cast<double>(rng() % 100000);
  p.accuracy = u(rng), p.campaign = u(rng);
  p.verified = rng() % 5 == 0;
  p.language = kLangs[rng() % 6], p.type = kTypes[rng() % 4];
  for (const char* l : kListNames)
    if (rng() % 4 == 0) p.lists.push_back(l);
  for (const char* c : kCats)
    if (rng() % 5 == 0) p.categories.push_back(c);
  for (int i = 0, n = static_cast<int>(rng() % 12); i < n; ++i)
    p.flags.push_back(kNow - static_cast<int64_t>(rng() % (72 * kHour)));
  Snapshot s(kNow);
  s.SetClassifierScore("spam", p.spam);
  s.SetClassifierScore("scam", p.scam);
  s.SetClassifierScore("threat", p.threat);
  (void)s.SetNumber("author.strikes", p.strikes);
  (void)s.SetDurationMs("author.account_age", static_cast<int64_t>(p.age_ms));
  (void)s.SetNumber("flags.distinct_reporters", p.reporters);
  (void)s.SetNumber("content.reach.views", p.views);
  (void)s.SetNumber("reporter.accuracy", p.accuracy);
  (void)s.SetNumber("campaign.score", p.campaign);
  (void)s.SetBool("author.verified", p.verified);
  (void)s.SetString("content.language", p.language);
  (void)s.SetString("content.type", p.type);
  (void)s.SetList("analysis.term_match.lists", p.lists);
  (void)s.SetList("analysis.term_match.category", p.categories);
  (void)s.SetSeries("flags", p.flags);
  return {std::move(s), std::move(p)};
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

struct Condition {
  std::string source;
  std::function<bool(const Plain&)> baseline;
};

// Seven templates with random parameters: the mix a real library of ~20 policies has.
std::vector<Condition> MakeConditions(size_t n, std::mt19937& rng) {
  std::vector<Condition> out;
  std::uniform_real_distribution<double> u(0.3, 0.99);
  while (out.size() < n) {
    char buf[256];
    switch (out.size() % 7) {
      case 0: {
        const char* label = (rng() % 2) ? "spam" : "scam";
        double x = std::round(u(rng) * 1000) / 1000;  // prints and parses back exactly
        std::snprintf(buf, sizeof buf, "classifier.score(\"%s\") >= %.3f", label, x);
        bool spam = label[1] == 'p';
        out.push_back({buf, [=](const Plain& p) { return (spam ? p.spam : p.scam) >= x; }});
        break;
      }
      case 1: {
        int s = static_cast<int>(rng() % 4), d = 1 + static_cast<int>(rng() % 60);
        std::snprintf(buf, sizeof buf, "author.strikes >= %d and author.account_age < %dd", s, d);
        out.push_back(
            {buf, [=](const Plain& p) { return p.strikes >= s && p.age_ms < d * 24.0 * kHour; }});
        break;
      }
      case 2: {
        int h = 1 + static_cast<int>(rng() % 48), k = 1 + static_cast<int>(rng() % 6);
        std::snprintf(buf, sizeof buf, "count(flags within %dh) >= %d", h, k);
        out.push_back({buf, [=](const Plain& p) {
                         int c = 0;
                         for (int64_t t : p.flags) c += (t >= kNow - h * kHour && t <= kNow);
                         return c >= k;
                       }});
        break;
      }
      case 3: {
        std::string l = kListNames[rng() % 5];
        int r = static_cast<int>(rng() % 5);
        std::snprintf(buf, sizeof buf,
                      "\"%s\" in analysis.term_match.lists and flags.distinct_reporters >= %d",
                      l.c_str(), r);
        out.push_back({buf, [=](const Plain& p) { return Has(p.lists, l) && p.reporters >= r; }});
        break;
      }
      case 4: {
        std::string a = kLangs[rng() % 6], b = kLangs[rng() % 6];
        int v = static_cast<int>(rng() % 90000);
        std::snprintf(buf, sizeof buf,
                      "content.language in [\"%s\", \"%s\"] and content.reach.views > %d",
                      a.c_str(), b.c_str(), v);
        out.push_back({buf, [=](const Plain& p) {
                         return (p.language == a || p.language == b) && p.views > v;
                       }});
        break;
      }
      case 5: {
        std::string a = kCats[rng() % 6], b = kCats[rng() % 6];
        double x = 0.9 + (rng() % 10) / 100.0;
        std::snprintf(buf, sizeof buf,
                      "analysis.term_match.category contains_any [\"%s\", \"%s\"] or "
                      "reporter.accuracy >= %.2f",
                      a.c_str(), b.c_str(), x);
        out.push_back({buf, [=](const Plain& p) {
                         return Has(p.categories, a) || Has(p.categories, b) || p.accuracy >= x;
                       }});
        break;
      }
      case 6: {
        std::string t = kTypes[rng() % 4];
        double x = 0.5 + (rng() % 50) / 100.0;
        std::snprintf(buf, sizeof buf,
                      "content.type == \"%s\" and not author.verified and campaign.score >= %.2f",
                      t.c_str(), x);
        out.push_back(
            {buf, [=](const Plain& p) { return p.type == t && !p.verified && p.campaign >= x; }});
        break;
      }
    }
  }
  return out;
}

int Arg(int argc, char** argv, const char* name, int def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  return def;
}

// Evaluations per second of `fn(event)` (which runs every condition once) on `threads` threads.
template <typename Fn>
double Throughput(size_t events, size_t conditions, int threads, double seconds, Fn fn) {
  std::atomic<uint64_t> total{0};
  std::atomic<uint64_t> sink{0};
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      uint64_t done = 0, hits = 0;
      auto deadline = start + std::chrono::duration<double>(seconds);
      for (size_t e = static_cast<size_t>(t); Clock::now() < deadline; e = (e + 1) % events) {
        hits += fn(e);
        ++done;
      }
      total += done;
      sink += hits;
    });
  for (auto& th : pool) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (sink.load() == 42) std::puts("");  // keeps the work observable
  return static_cast<double>(total.load() * conditions) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = Arg(argc, argv, "--seconds", 2);
  const size_t n_events = static_cast<size_t>(Arg(argc, argv, "--events", 2000));
  const int threads = Arg(argc, argv, "--threads", 2);
  std::mt19937 rng(11);
  auto conditions = MakeConditions(500, rng);
  std::vector<Expression> compiled;
  size_t instructions = 0;
  for (const auto& c : conditions) {
    auto e = Expression::Compile(c.source);
    if (!e) {
      std::fprintf(stderr, "%s: %s %s\n", c.source.c_str(), e.error().field.c_str(),
                   e.error().message.c_str());
      return 1;
    }
    instructions += e->size();
    compiled.push_back(std::move(e.value()));
  }
  std::vector<Snapshot> snaps;
  std::vector<Plain> plains;
  for (size_t i = 0; i < n_events; ++i) {
    auto [s, p] = MakeEvent(rng);
    snaps.push_back(std::move(s));
    plains.push_back(std::move(p));
  }
  size_t matches = 0;
  for (size_t e = 0; e < n_events; ++e)
    for (size_t c = 0; c < conditions.size(); ++c) {
      bool a = compiled[c].Test(snaps[e]), b = conditions[c].baseline(plains[e]);
      if (a != b) {
        std::fprintf(stderr, "disagreement on event %zu: %s\n", e, conditions[c].source.c_str());
        return 1;
      }
      matches += a;
    }
  std::printf(
      "500 conditions (%.1f instructions each), %zu events, %.1f%% true; all results equal the "
      "baseline\n",
      static_cast<double>(instructions) / 500, n_events, 100.0 * matches / (500.0 * n_events));

  auto vigil_event = [&](size_t e) {
    uint64_t hits = 0;
    for (const auto& c : compiled) hits += c.Test(snaps[e]);
    return hits;
  };
  auto baseline_event = [&](size_t e) {
    uint64_t hits = 0;
    for (const auto& c : conditions) hits += c.baseline(plains[e]);
    return hits;
  };
  for (int t : {1, threads}) {
    double v = Throughput(n_events, 500, t, seconds, vigil_event);
    double b = Throughput(n_events, 500, t, seconds, baseline_event);
    std::printf(
        "a. %d thread(s): vigil %.2fM conditions/s, hand-written C++ %.2fM/s (ratio %.2f)\n", t,
        v / 1e6, b / 1e6, v / b);
    if (t == threads) break;
  }

  // One event through all 500 conditions, timed one by one.
  for (auto [name, fn] :
       {std::pair<const char*, std::function<uint64_t(size_t)>>{"vigil", vigil_event},
        {"hand-written C++", baseline_event}}) {
    std::vector<double> us;
    uint64_t sink = 0;
    for (size_t i = 0; i < 20 * n_events; ++i) {
      auto t0 = Clock::now();
      sink += fn(i % n_events);
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    std::sort(us.begin(), us.end());
    std::printf(
        "b. %s: one event through 500 conditions p50 %.2f us, p99 %.2f us, max %.1f us (%zu "
        "events%s)\n",
        name, us[us.size() / 2], us[us.size() * 99 / 100], us.back(), us.size(),
        sink == 1 ? " " : "");
  }
  return 0;
}
