// Case-workflow benchmark (not a test; run by hand or via `make bench`), on a store with
// --cases open cases in the general queue (loaded with `vigil import`) plus one case with 100
// flags:
//   a. claims: --clients agents, each on its own keep-alive connection with its own token, loop
//      POST /v1/queues/general/next, then decide (no_violation, on the version next returned) or
//      release the case (--decide-fraction of claims are decided): claims/s, decides/s, p50/p99;
//   b. case page: GET /v1/cases/{id} and GET /v1/cases/{id}/events of the 100-flag case,
//      --page-requests of each from --page-clients connections: p50/p99;
//   c. baselines from the same run: the claim's SELECT straight on the same vigil.db (sqlite3,
//      read-only), the 100 flag rows of the case page, and GET /healthz and GET /v1/taxonomy round
//      trips at the same concurrency (HTTP floors); then the ratios;
//   d. the server's side of each claim phase (GET /metrics before and after): its writer's
//      commits and the `next` requests it answered, and how many took over 5, 10 and 50 ms
//      (the server times a request from dispatch to answer), so a latency tail can be placed:
//      storage, the server, or the client and the CPU they share.
// Prints human-readable lines and a final JSON line with every figure. Exits 1 on any unexpected
// HTTP status or transport error (counted and printed), so a broken server is not a fast one.
//
// Options: --cases N (1000000), --seconds N (10), --clients N (16), --page-clients N (8),
//          --page-requests N (2000), --decide-fraction F (0.5), --baseline-runs N (10000), --keep,
//          --automation on|off (on: the worker analyses and evaluates the imported backlog).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "load.h"
#include "raw_sqlite.h"
#include "support/test_support.h"

namespace {

namespace vt = vigil::testing;
namespace vb = vigil::bench;
using json = nlohmann::json;
using vb::Clock;

constexpr int kHotFlags = 100;
constexpr const char* kHotContent = "wf-hot";
constexpr const char* kTopCaseSql =
    "SELECT id FROM cases WHERE queue='general' AND status='open' AND (claimed_by IS NULL OR "
    "lease_until < ?1) ORDER BY priority DESC, id LIMIT 1";
// The first SELECT of the server's claim (ClaimNext): the case the agent already holds, for an
// agent holding none (the usual case after a release or decision).
constexpr const char* kOwnClaimSql =
    "SELECT id FROM cases WHERE claimed_by = -1 AND +queue = 'general' AND +status = 'open' "
    "AND lease_until >= ?1 ORDER BY priority DESC, id LIMIT 1";
constexpr const char* kCaseFlagsSql = "SELECT * FROM flags WHERE case_id = ?1 ORDER BY id";

struct Options {
  int64_t cases = 1000000;
  int seconds = 10;
  int clients = 16;
  int page_clients = 8;
  int page_requests = 2000;
  double decide_fraction = 0.5;
  int baseline_runs = 10000;
  bool keep = false;
  bool automation = true;  // off: `automation: {enabled: false}`, no backlog work during the run
  double rate = 2000;      // claims/s offered in the paced phase (0: no paced phase)
  int background_max_wait_ms = 0;  // > 0: storage.background_max_wait_ms for the server
};

void Usage() {
  std::cerr << "usage: bench_workflow [--cases N] [--seconds N] [--clients N] [--page-clients N] "
               "[--page-requests N] [--decide-fraction F] [--baseline-runs N] [--keep] "
               "[--automation on|off] [--rate CLAIMS_PER_S] [--background-max-wait MS]\n";
}

std::optional<Options> ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto num = [&](double min, double max) -> std::optional<double> {
      if (i + 1 >= argc) return std::nullopt;
      char* end = nullptr;
      double v = std::strtod(argv[++i], &end);
      if (end == nullptr || *end != '\0' || v < min || v > max) return std::nullopt;
      return v;
    };
    std::optional<double> v;
    if (a == "--keep") {
      o.keep = true;
    } else if (a == "--automation" && i + 1 < argc) {
      std::string mode = argv[++i];
      if (mode != "on" && mode != "off") return std::nullopt;
      o.automation = mode == "on";
    } else if (a == "--help" || a == "-h") {
      Usage();
      std::exit(0);
    } else if (a == "--cases" && (v = num(1, 1e9))) {
      o.cases = static_cast<int64_t>(*v);
    } else if (a == "--seconds" && (v = num(1, 3600))) {
      o.seconds = static_cast<int>(*v);
    } else if (a == "--clients" && (v = num(1, 1000))) {
      o.clients = static_cast<int>(*v);
    } else if (a == "--page-clients" && (v = num(1, 1000))) {
      o.page_clients = static_cast<int>(*v);
    } else if (a == "--page-requests" && (v = num(1, 1e7))) {
      o.page_requests = static_cast<int>(*v);
    } else if (a == "--background-max-wait" && (v = num(10, 600000))) {
      o.background_max_wait_ms = static_cast<int>(*v);
    } else if (a == "--rate" && (v = num(0, 1e6))) {
      o.rate = *v;
    } else if (a == "--decide-fraction" && (v = num(0, 1))) {
      o.decide_fraction = *v;
    } else if (a == "--baseline-runs" && (v = num(1, 1e8))) {
      o.baseline_runs = static_cast<int>(*v);
    } else {
      std::cerr << "bad argument: " << a << "\n";
      return std::nullopt;
    }
  }
  return o;
}

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double P(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(i, sorted.size() - 1)];
}

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

// One flag on new content (or, with content_id, on existing content) as an NDJSON line.
void AppendFlag(std::string& out, const std::string& content_id, bool inline_content,
                const std::string& reporter, vigil::Millis received_at, int64_t author) {
  if (inline_content) {
    out += R"({"content":{"id":")" + content_id +
           R"(","type":"text","text":"workflow benchmark item )" + content_id +
           R"( cheap followers, limited offer","author":{"id":"acct-)" + std::to_string(author) +
           R"("}})";
  } else {
    out += R"({"content_id":")" + content_id + '"';
  }
  out += R"(,"reason":"spam","source":"user","reporter":{"id":")" + reporter +
         R"("},"received_at":")" + vigil::FormatIso8601(received_at) + "\"}\n";
}

// The 100-flag case first (so it exists before the bulk), then `cases` flags on new content, each
// from its own reporter, received over the last 30 days.
void WriteFlagsFile(const std::string& path, int64_t cases) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path);
  vigil::Millis now = vigil::SystemClock::Instance().Now();
  constexpr vigil::Millis kThirtyDays = 30LL * 24 * 3600 * 1000;
  std::string buf;
  for (int k = 0; k < kHotFlags; ++k)
    AppendFlag(buf, kHotContent, k == 0, "wf-hot-rep-" + std::to_string(k),
               now - 3'600'000 + k * 1000, 1);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<vigil::Millis> age(60'000, kThirtyDays);
  for (int64_t i = 0; i < cases; ++i) {
    std::string id = std::to_string(i);
    AppendFlag(buf, "wf-" + id, true, "wf-rep-" + id, now - age(rng), i % 9973);
    if (buf.size() > (1 << 20)) {
      out << buf;
      buf.clear();
    }
  }
  out << buf;
  if (!out.flush()) throw std::runtime_error("write failed: " + path);
}

// The writer's commit-latency histogram from GET /metrics: upper bound -> commits at most that
// slow (cumulative; +Inf as infinity). The server's own view of where a claim's time went.
// `bucket_prefix` selects the histogram: everything of its _bucket lines up to the le value.
std::map<double, double> ServerHistogram(int port, const std::string& token,
                                         const std::string& bucket_prefix) {
  std::map<double, double> out;
  vt::HttpClient c(port);
  c.set_token(token);
  auto r = c.Get("/metrics");
  if (r.status != 200) return out;
  const std::string& prefix = bucket_prefix;
  size_t at = 0;
  while ((at = r.body.find(prefix, at)) != std::string::npos) {
    at += prefix.size();
    size_t q = r.body.find('"', at);
    std::string le = r.body.substr(at, q - at);
    size_t sp = r.body.find(' ', q);
    size_t nl = r.body.find('\n', sp);
    double bound = le == "+Inf" ? 1e300 : std::stod(le);
    out[bound] = std::stod(r.body.substr(sp + 1, nl - sp - 1));
    at = nl;
  }
  return out;
}

const char* const kCommitBuckets = "vigil_writer_commit_duration_seconds_bucket{le=\"";
const char* const kNextBuckets =
    "vigil_http_request_duration_seconds_bucket{route=\"POST /v1/queues/{queue}/next\",le=\"";

// Both server-side histograms at one instant.
struct ServerView {
  std::map<double, double> commits, next;
};
ServerView ScrapeServer(int port, const std::string& token) {
  return {ServerHistogram(port, token, kCommitBuckets), ServerHistogram(port, token, kNextBuckets)};
}

// Observations between two scrapes: how many, and how many took longer than 5, 10 and 50 ms.
json CountsBetween(const std::map<double, double>& before, const std::map<double, double>& after) {
  auto delta = [&](double bound) {
    auto a = after.find(bound), b = before.find(bound);
    return (a == after.end() ? 0 : a->second) - (b == before.end() ? 0 : b->second);
  };
  double total = delta(1e300);
  return {{"count", total},
          {"over_5ms", total - delta(0.005)},
          {"over_10ms", total - delta(0.01)},
          {"over_50ms", total - delta(0.05)}};
}

void PrintServerSide(const char* lead, const json& commits, const json& next) {
  std::printf("%s server side: %.0f writer commits (over 5 ms %.0f, over 10 ms %.0f, over 50 ms "
              "%.0f); %.0f next answered (over 5 ms %.0f, over 10 ms %.0f)\n",
              lead, commits["count"].get<double>(), commits["over_5ms"].get<double>(),
              commits["over_10ms"].get<double>(), commits["over_50ms"].get<double>(),
              next["count"].get<double>(), next["over_5ms"].get<double>(),
              next["over_10ms"].get<double>());
}

std::string TokenFor(const std::string& data, const std::string& user) {
  std::string out;
  if (vt::RunVigil({"token", "create", "--data", data, "--user", user}, &out) != 0)
    throw std::runtime_error("vigil token create --user " + user + " failed");
  return out.substr(0, out.find('\n'));
}

// --- scripts ---------------------------------------------------------------------------------

class GetScript : public vb::Script {
 public:
  GetScript(std::string target, std::string kind)
      : target_(std::move(target)), kind_(std::move(kind)) {}
  std::optional<vb::Request> Next() override { return vb::Request{"GET", target_, "", kind_, 200}; }
  void OnResponse(const vb::Request&, int, std::string_view, bool) override {}

 private:
  std::string target_, kind_;
};

// Alternates the case and its timeline (a page load); checks the first of each for 100 flags.
class PageScript : public vb::Script {
 public:
  PageScript(int64_t case_id, vb::Phase& phase) : id_(std::to_string(case_id)), phase_(phase) {}
  std::optional<vb::Request> Next() override {
    events_ = !events_;
    if (events_) return vb::Request{"GET", "/v1/cases/" + id_ + "/events", "", "events", 200};
    return vb::Request{"GET", "/v1/cases/" + id_, "", "case", 200};
  }
  void OnResponse(const vb::Request& req, int status, std::string_view body, bool) override {
    if (status != 200) return;
    bool& checked = req.kind == "case" ? case_checked_ : events_checked_;
    if (checked) return;
    checked = true;
    json j = json::parse(body, nullptr, false);
    if (req.kind == "case") {
      if (!j.is_object() || !j["flags"].is_array() || j["flags"].size() != kHotFlags ||
          j.value("reporter_count", 0) != kHotFlags)
        phase_.Unexpected("case (want 100 flags from 100 reporters)", -2, body.substr(0, 300));
    } else if (!j.is_object() || !j["events"].is_array() || j["events"].size() < kHotFlags) {
      phase_.Unexpected("events (want >= 100 events)", -2, body.substr(0, 300));
    }
  }

 private:
  std::string id_;
  vb::Phase& phase_;
  bool events_ = true, case_checked_ = false, events_checked_ = false;
};

// next -> (decide | release) -> next ...; a fraction of the claims is decided, the rest released.
class ClaimScript : public vb::Script {
 public:
  // With `interval` > 0 the agent claims on a schedule, one claim every `interval` (open loop),
  // its first at `offset`; otherwise as fast as the server answers (closed loop).
  ClaimScript(vb::Phase& phase, double decide_fraction, int index,
              vb::Clock::duration interval = {}, vb::Clock::duration offset = {})
      : phase_(phase), fraction_(decide_fraction), acc_(0.37 * index), interval_(interval),
        offset_(offset) {}

  std::optional<vb::Request> Next() override {
    if (case_id_ == 0) {
      vb::Request r{"POST", "/v1/queues/general/next", "{}", "next", 200};
      if (interval_ > vb::Clock::duration{}) {
        if (next_at_ == vb::Clock::time_point{}) next_at_ = vb::Clock::now() + offset_;
        r.not_before = next_at_;
        next_at_ += interval_;
      }
      return r;
    }
    std::string path = "/v1/cases/" + std::to_string(case_id_);
    int64_t v = version_;
    case_id_ = 0;
    acc_ += fraction_;
    if (acc_ >= 1) {
      acc_ -= 1;
      return vb::Request{
          "POST", path + "/decisions",
          R"({"case_version": )" + std::to_string(v) + R"(, "actions": ["no_violation"]})",
          "decide", 201};
    }
    return vb::Request{"POST", path + "/release", "{}", "release", 200};
  }

  void OnResponse(const vb::Request& req, int status, std::string_view body,
                  bool in_window) override {
    if (req.kind == "next") {
      if (status != 200) return;
      json j = json::parse(body, nullptr, false);
      if (!j.is_object() || !j.contains("case")) {
        phase_.Unexpected("next (unparsable body)", status, body);
      } else if (j["case"].is_null()) {
        ++phase_.counters["empty"];  // queue ran dry: nothing to claim
      } else {
        case_id_ = j["case"].value("id", int64_t{0});
        version_ = j["case"].value("version", int64_t{0});
        if (in_window) ++phase_.counters["claims"];
      }
    } else if (req.kind == "decide" && status == 201 && in_window) {
      ++phase_.counters["decides"];
    } else if (req.kind == "release" && status == 200 && in_window) {
      ++phase_.counters["releases"];
    }
  }

 private:
  vb::Phase& phase_;
  double fraction_, acc_;
  vb::Clock::duration interval_, offset_;
  vb::Clock::time_point next_at_{};
  int64_t case_id_ = 0, version_ = 0;
};

// --- phases ----------------------------------------------------------------------------------

struct Floor {
  std::string kind;  // healthz | taxonomy
  int clients;
  vb::Phase phase;
  const vb::KindStats& stats() { return phase.kinds[kind]; }
};

void RunCounted(vb::Phase& phase, int port, const std::vector<std::string>& tokens,
                int64_t requests, const vb::ScriptFactory& make) {
  phase.warmup_left = std::max<int64_t>(20, requests / 10);
  phase.requests_left = phase.warmup_left + requests;
  vb::RunPhase(phase, port, tokens, make, 0);
}

std::vector<std::string> FirstN(const std::vector<std::string>& v, int n) {
  return {v.begin(), v.begin() + std::min<size_t>(v.size(), static_cast<size_t>(n))};
}

json Lat(const vb::KindStats& s) {
  return {{"n", s.ms.size()}, {"p50_ms", s.P(0.5)}, {"p99_ms", s.P(0.99)}, {"p999_ms", s.P(0.999)}};
}

int Main(const Options& opt) {
  if (opt.keep) setenv("VIGIL_KEEP_TMP", "1", 1);
  vt::TempDir tmp("vigil-bench-workflow");
  if (opt.keep) tmp.set_keep(true);
  std::cout << "bench_workflow: binary " << vt::BinaryPath() << ", dir " << tmp.path() << "\n";
  std::string data = tmp.Join("data");
  vt::InitDataDir(data);
  if (!opt.automation) std::ofstream(data + "/vigil.yaml", std::ios::app) << "\nautomation:\n  enabled: false\n";
  if (opt.background_max_wait_ms > 0) {
    std::ifstream in(data + "/vigil.yaml");
    std::string config((std::istreambuf_iterator<char>(in)), {});
    const std::string key = "background_max_wait_ms: ";
    size_t at = config.find(key);
    if (at == std::string::npos) {
      std::cerr << "vigil.yaml has no " << key << "\n";
      return 2;
    }
    size_t end = config.find('\n', at);
    config.replace(at, end - at, key + std::to_string(opt.background_max_wait_ms));
    std::ofstream(data + "/vigil.yaml") << config;
  }

  // Agents (one token each) for the claim and page phases.
  int agents = std::max(opt.clients, opt.page_clients);
  std::vector<std::string> tokens;
  for (int i = 0; i < agents; ++i) {
    std::string name = "bench-agent-" + std::to_string(i);
    std::string out;  // captured to keep the output to the figures
    if (vt::RunVigil({"user", "add", "--data", data, "--name", name, "--role", "agent", "--teams",
                      "trust-safety"},
                     &out) != 0)
      throw std::runtime_error("vigil user add " + name + " failed");
    tokens.push_back(TokenFor(data, name));
  }

  // An engineering token to read the server's /metrics around the claim phases.
  {
    std::string out;
    if (vt::RunVigil({"user", "add", "--data", data, "--name", "bench-ops", "--role", "engineering"},
                     &out) != 0)
      throw std::runtime_error("vigil user add bench-ops failed");
  }
  const std::string ops_token = TokenFor(data, "bench-ops");

  // Load.
  std::string flags_file = tmp.Join("flags.ndjson");
  auto t0 = Clock::now();
  WriteFlagsFile(flags_file, opt.cases);
  double gen_s = Since(t0);
  auto file_bytes = std::filesystem::file_size(flags_file);
  std::printf("generated %lld + %d flags (%.0f MB) in %.1f s\n", static_cast<long long>(opt.cases),
              kHotFlags, static_cast<double>(file_bytes) / 1e6, gen_s);
  std::cout << "import ..." << std::endl;
  t0 = Clock::now();
  std::string import_out;
  int import_rc = vt::RunVigil({"import", "--data", data, "--file", flags_file}, &import_out);
  double load_s = Since(t0);
  if (import_rc != 0) {
    std::cout << "  !! vigil import exited " << import_rc << ": " << import_out.substr(0, 2000)
              << "\n";
    return 1;
  }
  int64_t total_flags = opt.cases + kHotFlags;
  std::string db_path = data + "/vigil.db";
  uint64_t db_bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    auto n = std::filesystem::file_size(db_path + suffix, ec);
    if (!ec) db_bytes += n;
  }
  std::printf(
      "load: %lld flags imported in %.1f s (%.0f flags/s, priorities included), db %.0f MB\n",
      static_cast<long long>(total_flags), load_s, static_cast<double>(total_flags) / load_s,
      static_cast<double>(db_bytes) / 1e6);
  if (!opt.keep) std::filesystem::remove(flags_file);

  vt::ServerProcess server;
  t0 = Clock::now();
  if (auto started = server.Start(data, {}, std::chrono::minutes(5)); !started) {
    std::cerr << "server did not start: " << started.message() << "\n";
    return 2;
  }
  std::printf("server on %s (ready in %.1f s), log %s\n", server.address().c_str(), Since(t0),
              server.log_path().c_str());

  vb::ReadOnlyDb db(db_path);
  int64_t open_general =
      db.QueryInt("SELECT COUNT(*) FROM cases WHERE queue='general' AND status='open'");
  int64_t hot_id = db.QueryInt(
      "SELECT c.id FROM cases c JOIN content ct ON ct.id = c.content_id "
      "WHERE ct.platform_id = 'wf-hot' AND c.status = 'open'");
  int64_t events = db.QueryInt("SELECT MAX(seq) FROM events");
  std::printf("store: %lld open cases in general, %lld events, 100-flag case id %lld\n",
              static_cast<long long>(open_general), static_cast<long long>(events),
              static_cast<long long>(hot_id));
  // How far the automation worker got through the imported backlog (it yields to requests).
  auto automated = [&](const char* when) {
    int64_t n = db.QueryInt("SELECT COUNT(*) FROM case_automation");
    std::printf("automation: %lld cases evaluated %s\n", static_cast<long long>(n), when);
    return n;
  };
  json automation_progress = json::object();
  automation_progress["at_start"] = automated("at start");
  bool failed = false;
  if (open_general < opt.cases || hot_id <= 0) {
    std::cout << "  !! expected >= " << opt.cases << " open cases and the 100-flag case\n";
    failed = true;
  }

  // Baselines: raw SQLite on the same file (server idle), then the HTTP floors.
  vigil::Millis now_ms = vigil::SystemClock::Instance().Now();
  std::string plan = db.Plan(kTopCaseSql);
  auto sql_top = db.Time(kTopCaseSql, opt.baseline_runs, now_ms);
  auto sql_flags = db.Time(kCaseFlagsSql, std::max(100, opt.baseline_runs / 5), hot_id);
  std::printf("baseline sqlite top-case SELECT: p50 %.3f ms  p99 %.3f ms  (%d runs; plan: %s)\n",
              P(sql_top, 0.5), P(sql_top, 0.99), opt.baseline_runs, plan.c_str());
  auto sql_own = db.Time(kOwnClaimSql, std::max(5, opt.baseline_runs / 50), now_ms, 10);
  std::printf(
      "diagnostic: sqlite own-claim SELECT of ClaimNext (agent holding none): p50 %.3f ms  "
      "p99 %.3f ms  (%zu runs; plan: %s)\n",
      P(sql_own, 0.5), P(sql_own, 0.99), sql_own.size(), db.Plan(kOwnClaimSql).c_str());
  std::printf("baseline sqlite 100 flag rows of the case: p50 %.3f ms  p99 %.3f ms  (%zu runs)\n",
              P(sql_flags, 0.5), P(sql_flags, 0.99), sql_flags.size());

  std::vector<Floor> floors;
  for (const char* kind : {"healthz", "taxonomy"})
    for (int c : {1, opt.page_clients, opt.clients}) floors.push_back({kind, c, {}});
  for (auto& f : floors) {
    f.phase.name = f.kind + "@" + std::to_string(f.clients);
    std::string target = f.kind == "healthz" ? "/healthz" : "/v1/taxonomy";
    RunCounted(f.phase, server.port(), FirstN(tokens, f.clients), 2000,
               [&](int, vb::Phase&) { return std::make_unique<GetScript>(target, f.kind); });
    std::printf("floor GET %-13s %2d clients: p50 %.2f ms  p99 %.2f ms  (%zu requests)\n",
                target.c_str(), f.clients, f.stats().P(0.5), f.stats().P(0.99),
                f.stats().ms.size());
    failed |= !f.phase.Report();
  }
  auto floor_of = [&](const std::string& kind, int clients) -> const vb::KindStats& {
    for (auto& f : floors)
      if (f.kind == kind && f.clients == clients) return f.stats();
    throw std::logic_error("no floor");
  };

  // Case page (before the claims, which may decide the 100-flag case).
  vb::Phase page;
  page.name = "case page";
  std::cout << "case page: " << opt.page_clients << " clients, " << opt.page_requests
            << " requests of each kind ..." << std::endl;
  RunCounted(page, server.port(), FirstN(tokens, opt.page_clients), 2LL * opt.page_requests,
             [&](int, vb::Phase& ph) { return std::make_unique<PageScript>(hot_id, ph); });
  auto& pc = page.kinds["case"];
  auto& pe = page.kinds["events"];
  std::printf(
      "case page: GET case p50 %.2f ms p99 %.2f ms (%zu)  GET events p50 %.2f ms p99 "
      "%.2f ms (%zu)  %.0f req/s\n",
      pc.P(0.5), pc.P(0.99), pc.ms.size(), pe.P(0.5), pe.P(0.99), pe.ms.size(),
      static_cast<double>(pc.ms.size() + pe.ms.size()) / page.MeasuredSeconds());
  failed |= !page.Report();
  automation_progress["after_case_page"] = automated("after the case-page phase");

  // Claims.
  vb::Phase claims;
  claims.name = "claims";
  std::cout << "claims: " << opt.clients << " agents, " << opt.seconds
            << " s after 1 s warm-up, decide fraction " << opt.decide_fraction << " ..."
            << std::endl;
  auto claims_before = ScrapeServer(server.port(), ops_token);
  vb::RunPhase(
      claims, server.port(), FirstN(tokens, opt.clients),
      [&](int i, vb::Phase& ph) {
        return std::make_unique<ClaimScript>(ph, opt.decide_fraction, i);
      },
      opt.seconds);
  auto claims_after = ScrapeServer(server.port(), ops_token);
  json claim_commits = CountsBetween(claims_before.commits, claims_after.commits);
  json claim_next_server = CountsBetween(claims_before.next, claims_after.next);
  auto& cn = claims.kinds["next"];
  auto& cd = claims.kinds["decide"];
  auto& cr = claims.kinds["release"];
  double secs = claims.MeasuredSeconds();
  double claims_s = static_cast<double>(claims.counters["claims"]) / secs;
  double decides_s = static_cast<double>(claims.counters["decides"]) / secs;
  std::printf(
      "claims: %.0f claims/s  next p50 %.2f ms  p99 %.2f ms  p999 %.2f ms  (%lld claims, "
      "%lld empty)\n",
      claims_s, cn.P(0.5), cn.P(0.99), cn.P(0.999),
      static_cast<long long>(claims.counters["claims"]),
      static_cast<long long>(claims.counters["empty"]));
  std::printf(
      "        %.0f decides/s  decide p50 %.2f ms  p99 %.2f ms;  %.0f releases/s  release "
      "p50 %.2f ms  p99 %.2f ms\n",
      decides_s, cd.P(0.5), cd.P(0.99), static_cast<double>(claims.counters["releases"]) / secs,
      cr.P(0.5), cr.P(0.99));
  double drain_s = std::chrono::duration<double>(claims.last_measured_done - claims.end).count();
  if (drain_s > 0.5)
    std::printf(
        "        the last response came %.1f s after the window closed (requests queued "
        "in the server)\n",
        drain_s);
  PrintServerSide("       ", claim_commits, claim_next_server);
  failed |= !claims.Report();
  automation_progress["after_claims"] = automated("after the claims phase");
  if (claims.counters["claims"] == 0) {
    std::cout << "  !! no case was claimed\n";
    failed = true;
  }

  // Paced claims: the same agents, each claiming on a schedule so that together they offer
  // --rate claims/s (open loop, latency from each claim's scheduled time): the latency at the
  // target rate, where the phase above gives the latency at saturation.
  vb::Phase paced;
  paced.name = "paced claims";
  json paced_commits = json::object(), paced_next_server = json::object();
  if (opt.rate > 0) {
    std::printf("paced claims: %d agents offering %.0f claims/s for %d s after 1 s warm-up ...\n",
                opt.clients, opt.rate, opt.seconds);
    std::fflush(stdout);
    auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(opt.clients / opt.rate));
    auto paced_before = ScrapeServer(server.port(), ops_token);
    vb::RunPhase(
        paced, server.port(), FirstN(tokens, opt.clients),
        [&](int i, vb::Phase& ph) {
          return std::make_unique<ClaimScript>(ph, opt.decide_fraction, i, interval,
                                               interval * i / opt.clients);
        },
        opt.seconds);
    auto& pn = paced.kinds["next"];
    std::printf(
        "paced claims: %.0f claims/s  next p50 %.2f ms  p99 %.2f ms  p999 %.2f ms  (%lld "
        "claims; decide p99 %.2f ms, release p99 %.2f ms)\n",
        static_cast<double>(paced.counters["claims"]) / paced.MeasuredSeconds(), pn.P(0.5),
        pn.P(0.99), pn.P(0.999), static_cast<long long>(paced.counters["claims"]),
        paced.kinds["decide"].P(0.99), paced.kinds["release"].P(0.99));
    auto paced_after = ScrapeServer(server.port(), ops_token);
    paced_commits = CountsBetween(paced_before.commits, paced_after.commits);
    paced_next_server = CountsBetween(paced_before.next, paced_after.next);
    PrintServerSide("paced claims:", paced_commits, paced_next_server);
    failed |= !paced.Report();
    automation_progress["after_paced_claims"] = automated("after the paced claims");
  }

  int stop_rc = server.Stop();
  if (stop_rc != 0) std::cout << "  !! server exited with status " << stop_rc << " on SIGTERM\n";

  // Ratios and targets.
  const auto& h16 = floor_of("healthz", opt.clients);
  const auto& h8 = floor_of("healthz", opt.page_clients);
  const auto& t16 = floor_of("taxonomy", opt.clients);
  const auto& t8 = floor_of("taxonomy", opt.page_clients);
  json ratios = {{"next_p50_vs_sqlite_p50", Ratio(cn.P(0.5), P(sql_top, 0.5))},
                 {"next_p99_vs_healthz_p99", Ratio(cn.P(0.99), h16.P(0.99))},
                 {"next_p99_vs_taxonomy_p99", Ratio(cn.P(0.99), t16.P(0.99))},
                 {"case_p99_vs_healthz_p99", Ratio(pc.P(0.99), h8.P(0.99))},
                 {"case_p99_vs_taxonomy_p99", Ratio(pc.P(0.99), t8.P(0.99))},
                 {"events_p99_vs_taxonomy_p99", Ratio(pe.P(0.99), t8.P(0.99))},
                 {"case_p50_vs_sqlite_flags_p50", Ratio(pc.P(0.5), P(sql_flags, 0.5))}};
  std::printf(
      "ratios: next p50/sqlite p50 %.1f  next p99/healthz p99 %.2f  next p99/taxonomy p99 "
      "%.2f  case p99/healthz p99 %.2f  case p99/taxonomy p99 %.2f  events p99/taxonomy "
      "p99 %.2f  case p50/sqlite flags p50 %.1f\n",
      ratios["next_p50_vs_sqlite_p50"].get<double>(),
      ratios["next_p99_vs_healthz_p99"].get<double>(),
      ratios["next_p99_vs_taxonomy_p99"].get<double>(),
      ratios["case_p99_vs_healthz_p99"].get<double>(),
      ratios["case_p99_vs_taxonomy_p99"].get<double>(),
      ratios["events_p99_vs_taxonomy_p99"].get<double>(),
      ratios["case_p50_vs_sqlite_flags_p50"].get<double>());
  double paced_claims_s =
      opt.rate > 0 ? static_cast<double>(paced.counters["claims"]) / paced.MeasuredSeconds() : 0;
  json targets = {{"next_p99_le_5ms", cn.P(0.99) <= 5.0},
                  {"claims_ge_2000_per_s", claims_s >= 2000},
                  {"case_p99_le_10ms", pc.P(0.99) <= 10.0},
                  {"events_p99_le_10ms", pe.P(0.99) <= 10.0}};
  if (opt.rate >= 2000)  // at the target rate: what a team working at 2,000 claims/s sees
    targets["next_p99_le_5ms_at_2000_per_s"] =
        paced_claims_s >= 0.98 * opt.rate && paced.kinds["next"].P(0.99) <= 5.0;
  std::cout << "targets:";
  for (const auto& [k, v] : targets.items()) std::cout << " " << k << "=" << (v ? "met" : "MISSED");
  std::cout << "\n";

  json floors_json = json::object();
  for (auto& f : floors) floors_json[f.phase.name] = Lat(f.stats());
  int64_t unexpected = page.unexpected + claims.unexpected + paced.unexpected,
          transport = page.transport_errors + claims.transport_errors + paced.transport_errors;
  for (auto& f : floors) {
    unexpected += f.phase.unexpected;
    transport += f.phase.transport_errors;
  }
  json result = {
      {"bench", "workflow"},
      {"cases", opt.cases},
      {"automation", {{"enabled", opt.automation}, {"cases_evaluated", automation_progress}}},
      {"load",
       {{"flags", total_flags},
        {"seconds", load_s},
        {"flags_per_s", static_cast<double>(total_flags) / load_s},
        {"file_bytes", file_bytes},
        {"db_bytes", db_bytes}}},
      {"open_general_cases", open_general},
      {"claims",
       {{"clients", opt.clients},
        {"seconds", opt.seconds},
        {"decide_fraction", opt.decide_fraction},
        {"claims_per_s", claims_s},
        {"decides_per_s", decides_s},
        {"drain_s", std::max(0.0, drain_s)},
        {"claims", claims.counters["claims"]},
        {"decides", claims.counters["decides"]},
        {"releases", claims.counters["releases"]},
        {"empty", claims.counters["empty"]},
        {"next", Lat(cn)},
        {"decide", Lat(cd)},
        {"release", Lat(cr)},
        {"writer_commits", claim_commits},
        {"next_server_side", claim_next_server}}},
      {"paced_claims",
       {{"offered_per_s", opt.rate},
        {"claims_per_s", paced_claims_s},
        {"claims", paced.counters["claims"]},
        {"next", Lat(paced.kinds["next"])},
        {"decide", Lat(paced.kinds["decide"])},
        {"release", Lat(paced.kinds["release"])},
        {"writer_commits", paced_commits},
        {"next_server_side", paced_next_server}}},
      {"case_page", {{"clients", opt.page_clients}, {"case", Lat(pc)}, {"events", Lat(pe)}}},
      {"baseline",
       {{"sqlite_top_case",
         {{"runs", sql_top.size()}, {"p50_ms", P(sql_top, 0.5)}, {"p99_ms", P(sql_top, 0.99)}}},
        {"sqlite_own_claim_diagnostic",
         {{"runs", sql_own.size()}, {"p50_ms", P(sql_own, 0.5)}, {"p99_ms", P(sql_own, 0.99)}}},
        {"sqlite_case_flags",
         {{"runs", sql_flags.size()},
          {"p50_ms", P(sql_flags, 0.5)},
          {"p99_ms", P(sql_flags, 0.99)}}},
        {"http", floors_json}}},
      {"ratios", ratios},
      {"targets", targets},
      {"unexpected_statuses", unexpected},
      {"transport_errors", transport}};
  std::cout << result.dump() << std::endl;

  failed |= unexpected > 0 || transport > 0 || stop_rc != 0;
  if (failed) std::cout << "bench_workflow: FAILED (unexpected statuses or errors above)\n";
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Options> opt = ParseArgs(argc, argv);
  if (!opt) {
    Usage();
    return 2;
  }
  try {
    return Main(*opt);
  } catch (const std::exception& e) {
    std::cerr << "bench_workflow: " << e.what() << "\n";
    return 2;
  }
}
