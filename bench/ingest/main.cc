// Ingest benchmark (not a test; run by hand or via `make bench`):
//   a. single: N keep-alive connections each POSTing /v1/flags back to back,
//   b. batch:  4 connections POSTing /v1/flags:batch with --batch-size NDJSON lines each,
//   c. a raw SQLite insert baseline of the same rows, and the ratios of (a) and (b) to it; then
//      two more for comparison: without the reporter's rows, and the same rows many a statement;
//   d. the writer's side of (a) and (b) from GET /metrics: commits, requests a commit, the mean
//      time a group takes and its COMMIT (WAL write and fsync), and how busy the writer was;
//   e. where the machine's CPU went in (a) and (b), from /proc: the cores each kind of server
//      thread used, this client's, the machine's as a whole, and the CPU time a flag took.
// Prints human-readable lines and a final JSON line with every figure. Exits 1 when any request or
// batch line did not get 201 (or on transport errors), so a broken server is not a fast one.
//
// Options: --seconds N (10), --clients N (64), --batch-size N (1000), --batch-clients N (4),
//          --baseline-rows N (100000), --keep (keep the temp data dir and server log),
//          --automation on|off (on: the starter policies and a term list run on every flag).
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "raw_baseline.h"
#include "store/sqlite_pending.h"
#include "support/test_support.h"

namespace {

namespace vt = vigil::testing;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

struct Options {
  int seconds = 10;
  int clients = 64;
  int batch_size = 1000;
  int batch_clients = 4;
  size_t baseline_rows = 100000;
  bool keep = false;
  bool automation = true;  // analysis and policies on intake (off: to compare)
};

void Usage() {
  std::cerr << "usage: bench_ingest [--seconds N] [--clients N] [--batch-size N] "
               "[--batch-clients N] [--baseline-rows N] [--keep] [--automation on|off]\n";
}

std::optional<Options> ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](long min) -> std::optional<long> {
      if (i + 1 >= argc) return std::nullopt;
      char* end = nullptr;
      long v = std::strtol(argv[++i], &end, 10);
      if (end == nullptr || *end != '\0' || v < min) return std::nullopt;
      return v;
    };
    std::optional<long> v;
    if (a == "--keep") {
      o.keep = true;
      continue;
    } else if (a == "--automation" && i + 1 < argc) {
      std::string mode = argv[++i];
      if (mode != "on" && mode != "off") return std::nullopt;
      o.automation = mode == "on";
    } else if (a == "--help" || a == "-h") {
      Usage();
      std::exit(0);
    } else if (a == "--seconds" && (v = next(1))) {
      o.seconds = static_cast<int>(*v);
    } else if (a == "--clients" && (v = next(1))) {
      o.clients = static_cast<int>(*v);
    } else if (a == "--batch-size" && (v = next(1))) {
      o.batch_size = static_cast<int>(*v);
    } else if (a == "--batch-clients" && (v = next(1))) {
      o.batch_clients = static_cast<int>(*v);
    } else if (a == "--baseline-rows" && (v = next(1))) {
      o.baseline_rows = static_cast<size_t>(*v);
    } else {
      std::cerr << "bad argument: " << a << "\n";
      return std::nullopt;
    }
  }
  return o;
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(i, sorted.size() - 1)];
}

// CPU seconds (user and system) from /proc at one instant: the server's threads summed by thread
// name (the server names them: vigil-writer, vigil-http, ...), this process, and the machine.
struct CpuView {
  std::map<std::string, double> server;
  double client = 0;
  double machine_busy = 0, machine_all = 0;  // all CPUs, from /proc/stat
  Clock::time_point at;
};

// utime + stime of a /proc/.../stat line, in seconds.
double StatCpuSeconds(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  size_t close = line.rfind(')');  // the command, in parentheses, may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(line.substr(close + 1));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {  // field 3 (state) comes first after it
    if (i == 14) utime = std::stod(f);
    if (i == 15) stime = std::stod(f);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

CpuView ReadCpu(pid_t server) {
  CpuView v;
  v.at = Clock::now();
  std::error_code ec;
  for (const auto& t :
       std::filesystem::directory_iterator("/proc/" + std::to_string(server) + "/task", ec)) {
    std::ifstream comm(t.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (!name.empty()) v.server[name] += StatCpuSeconds(t.path() / "stat");
  }
  v.client = StatCpuSeconds("/proc/self/stat");
  std::ifstream stat("/proc/stat");
  std::string cpu;
  stat >> cpu;  // "cpu": user nice system idle iowait irq softirq steal ...
  double x, all = 0, idle = 0;
  for (int i = 0; i < 8 && stat >> x; ++i) {
    all += x;
    if (i == 3 || i == 4) idle += x;
  }
  double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  v.machine_all = all / tick;
  v.machine_busy = (all - idle) / tick;
  return v;
}

// Results of one phase. Everything runs on one io_context thread, so no locking.
struct Phase {
  std::string name;
  CpuView cpu_start, cpu_end;  // at the start and the end of the measured window
  Clock::time_point measure_start, end;
  std::vector<double> latencies_ms;  // requests completed inside the measured window
  int64_t flags_ok = 0;              // flags acknowledged with 201 inside the window
  int64_t requests = 0;              // requests completed inside the window
  int64_t all_requests = 0;          // including warm-up
  int64_t bad = 0;                   // responses or batch lines that were not 201 (whole run)
  std::map<int, int64_t> bad_statuses;
  std::vector<std::string> samples;  // first bad bodies
  int64_t transport_errors = 0;
  std::vector<std::string> error_samples;

  void Bad(int status, std::string_view body, int64_t n = 1) {
    bad += n;
    bad_statuses[status] += n;
    if (samples.size() < 5) samples.emplace_back(body.substr(0, 400));
  }
  void TransportError(const std::string& what) {
    ++transport_errors;
    if (error_samples.size() < 5) error_samples.push_back(what);
  }
  double Seconds() const { return std::chrono::duration<double>(end - measure_start).count(); }
  double FlagsPerSecond() const { return static_cast<double>(flags_ok) / Seconds(); }
};

// Appends one flag (unique content) as compact JSON.
void AppendFlag(std::string& out, const char* kind, int conn, int64_t seq) {
  std::string id =
      std::string("bench-") + kind + "-" + std::to_string(conn) + "-" + std::to_string(seq);
  out += R"({"content":{"id":")";
  out += id;
  out += R"(","type":"text","text":"benchmark content )";
  out += id;
  out += R"( buy cheap followers now, limited offer","author":{"id":"acct-)";
  out += std::to_string(seq % 997);
  // A distinct reporter per flag: user-sourced flags are rate limited per reporter.
  out += R"("}},"reason":"spam","source":"user","reporter":{"id":"rep-)";
  out += id;
  out += R"("},"explanation":"ingest benchmark","metadata":{"bench":")";
  out += kind;
  out += R"(","conn":)";
  out += std::to_string(conn);
  out += R"(,"seq":)";
  out += std::to_string(seq);
  out += "}}";
}

// Counts NDJSON batch results by their "status"; non-201 lines are recorded in `phase`, and so is
// a result count that differs from the number of lines sent.
int64_t CountBatchOk(std::string_view body, Phase& phase, int64_t lines_sent) {
  int64_t ok = 0, lines = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    if (eol == std::string_view::npos) eol = body.size();
    std::string_view line = body.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    ++lines;
    int status = 0;
    size_t k = line.find("\"status\"");
    if (k != std::string_view::npos) {
      k += 8;
      while (k < line.size() && (line[k] == ' ' || line[k] == ':')) ++k;
      status = std::atoi(std::string(line.substr(k, 3)).c_str());
    }
    if (status == 201) {
      ++ok;
    } else {
      phase.Bad(status, line);
    }
  }
  if (lines != lines_sent) {
    phase.Bad(-1,
              "batch of " + std::to_string(lines_sent) + " lines returned " +
                  std::to_string(lines) + " results",
              std::max<int64_t>(1, lines_sent - lines));
  }
  return ok;
}

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(net::io_context& ioc, tcp::endpoint ep, Phase& phase, const std::string& token, int index,
       int batch_size)
      : stream_(ioc), timer_(ioc), ep_(ep), phase_(phase), index_(index), batch_size_(batch_size) {
    req_.method(http::verb::post);
    req_.target(batch_size_ > 0 ? "/v1/flags:batch" : "/v1/flags");
    req_.version(11);
    req_.set(http::field::host, "127.0.0.1:" + std::to_string(ep.port()));
    req_.set(http::field::authorization, "Bearer " + token);
    req_.set(http::field::content_type,
             batch_size_ > 0 ? "application/x-ndjson" : "application/json");
    req_.keep_alive(true);
  }

  void Start() { Connect(); }

 private:
  bool Over() const { return Clock::now() >= phase_.end; }

  void Connect() {
    if (Over()) return;
    stream_.expires_after(std::chrono::seconds(10));
    stream_.async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Fail("connect: " + ec.message());
      self->stream_.socket().set_option(tcp::no_delay(true), ec);
      self->Send();
    });
  }

  void Fail(const std::string& what) {
    if (Over()) return;
    phase_.TransportError(what);
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    timer_.expires_after(std::chrono::milliseconds(50));
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->Connect(); });
  }

  void Send() {
    if (Over()) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.socket().close(ignored);
      return;
    }
    std::string& body = req_.body();
    body.clear();
    if (batch_size_ > 0) {
      body.reserve(static_cast<size_t>(batch_size_) * 330);
      for (int i = 0; i < batch_size_; ++i) {
        AppendFlag(body, "batch", index_, seq_++);
        body += '\n';
      }
    } else {
      AppendFlag(body, "single", index_, seq_++);
    }
    req_.prepare_payload();
    parser_.emplace();
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    sent_at_ = Clock::now();
    stream_.expires_after(std::chrono::seconds(60));
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Fail("write: " + ec.message());
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](beast::error_code ec2, size_t) { self->OnResponse(ec2); });
    });
  }

  void OnResponse(beast::error_code ec) {
    if (ec) return Fail("read: " + ec.message());
    auto now = Clock::now();
    auto& res = parser_->get();
    int status = static_cast<int>(res.result_int());
    ++phase_.all_requests;
    int64_t ok = 0;
    if (batch_size_ > 0) {
      if (status == 200) {
        ok = CountBatchOk(res.body(), phase_, batch_size_);
      } else {
        phase_.Bad(status, res.body(), batch_size_);
      }
    } else if (status == 201) {
      ok = 1;
    } else {
      phase_.Bad(status, res.body());
    }
    if (now >= phase_.measure_start && now <= phase_.end) {
      ++phase_.requests;
      phase_.flags_ok += ok;
      phase_.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(now - sent_at_).count());
    }
    bool keep_alive = res.keep_alive();
    if (!keep_alive) {
      beast::error_code ignored;
      stream_.socket().close(ignored);
      buffer_.clear();
      return Connect();
    }
    Send();
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  tcp::endpoint ep_;
  Phase& phase_;
  int index_;
  int batch_size_;  // 0: single flags
  int64_t seq_ = 0;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::string_body>> parser_;
  Clock::time_point sent_at_;
};

void RunPhase(Phase& phase, int port, pid_t server, const std::string& token, int connections,
              int batch_size, int seconds) {
  net::io_context ioc{1};
  tcp::endpoint ep(net::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(port));
  auto start = Clock::now();
  phase.measure_start = start + std::chrono::seconds(1);
  phase.end = phase.measure_start + std::chrono::seconds(seconds);
  net::steady_timer at_start(ioc, phase.measure_start), at_end(ioc, phase.end);
  at_start.async_wait([&](const beast::error_code&) { phase.cpu_start = ReadCpu(server); });
  at_end.async_wait([&](const beast::error_code&) { phase.cpu_end = ReadCpu(server); });
  for (int i = 0; i < connections; ++i) {
    std::make_shared<Conn>(ioc, ep, phase, token, i, batch_size)->Start();
  }
  ioc.run();  // returns once every connection saw the end time and its last response
}

// The measured window's CPU: cores used (CPU seconds a second) by each kind of server thread, the
// server, this client and the machine, and the CPU time a flag took.
json CpuBetween(const Phase& p) {
  const CpuView &a = p.cpu_start, &b = p.cpu_end;
  double wall = std::chrono::duration<double>(b.at - a.at).count();
  auto used = [&](const std::string& thread) {
    auto before = a.server.find(thread), after = b.server.find(thread);
    return (after == b.server.end() ? 0 : after->second) -
           (before == a.server.end() ? 0 : before->second);
  };
  auto cores = [&](double secs) { return wall > 0 ? secs / wall : 0; };
  auto per_flag_us = [&](double secs) {
    return p.flags_ok > 0 ? secs / static_cast<double>(p.flags_ok) * 1e6 : 0;
  };
  json threads = json::object();
  double server = 0;
  for (const auto& [name, secs] : b.server) {
    server += used(name);
    if (cores(used(name)) >= 0.005) threads[name] = cores(used(name));
  }
  double busy = b.machine_busy - a.machine_busy;
  return {{"cpus", cores(b.machine_all - a.machine_all)},
          {"machine_cores", cores(busy)},
          {"server_cores", cores(server)},
          {"client_cores", cores(b.client - a.client)},
          {"server_threads_cores", threads},
          {"server_us_per_flag", per_flag_us(server)},
          {"writer_us_per_flag", per_flag_us(used("vigil-writer"))},
          {"machine_us_per_flag", per_flag_us(busy)}};
}

void PrintCpu(const char* lead, const json& c) {
  std::printf(
      "%s CPU: machine %.2f of %.0f cores busy (server %.2f, this client %.2f); server "
      "threads:",
      lead, c["machine_cores"].get<double>(), c["cpus"].get<double>(),
      c["server_cores"].get<double>(), c["client_cores"].get<double>());
  for (const auto& [name, cores] : c["server_threads_cores"].items())
    std::printf(" %s %.2f", name.c_str(), cores.get<double>());
  std::printf(
      "\n%s      a flag took %.1f us of the machine's CPU, %.1f of the server's, %.1f of "
      "the writer's\n",
      lead, c["machine_us_per_flag"].get<double>(), c["server_us_per_flag"].get<double>(),
      c["writer_us_per_flag"].get<double>());
}

void PrintBad(const Phase& p) {
  if (p.bad == 0 && p.transport_errors == 0) return;
  std::cout << "  !! " << p.name << ": " << p.bad << " non-201 results";
  for (const auto& [status, n] : p.bad_statuses) std::cout << " [" << status << "]x" << n;
  std::cout << ", " << p.transport_errors << " transport errors\n";
  for (const auto& s : p.samples) std::cout << "     sample: " << s << "\n";
  for (const auto& s : p.error_samples) std::cout << "     error: " << s << "\n";
}

json PhaseJson(const Phase& p, int connections, const std::vector<double>& sorted) {
  return {{"connections", connections},
          {"flags_per_s", p.FlagsPerSecond()},
          {"requests", p.requests},
          {"flags", p.flags_ok},
          {"p50_ms", Percentile(sorted, 0.50)},
          {"p99_ms", Percentile(sorted, 0.99)},
          {"p999_ms", Percentile(sorted, 0.999)},
          {"non_201", p.bad},
          {"transport_errors", p.transport_errors}};
}

// The writer's own counters from GET /metrics (the integration token may read it), so a phase's
// throughput can be split into what the writer did and what it waited for.
struct WriterView {
  double commits = 0, jobs = 0, group_s = 0, commit_s = 0;
  Clock::time_point at;
};

double MetricValue(const std::string& body, const std::string& series) {
  size_t at = body.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  at += series.size() + 2;
  return std::stod(body.substr(at, body.find('\n', at) - at));
}

WriterView ScrapeWriter(int port, const std::string& token) {
  vt::HttpClient c(port);
  c.set_token(token);
  auto r = c.Get("/metrics");
  WriterView v;
  v.at = Clock::now();
  if (r.status != 200) return v;
  v.commits = MetricValue(r.body, "vigil_writer_commits_total");
  v.jobs = MetricValue(r.body, "vigil_writer_jobs_total");
  v.group_s = MetricValue(r.body, "vigil_writer_group_duration_seconds_sum");
  v.commit_s = MetricValue(r.body, "vigil_writer_commit_duration_seconds_sum");
  return v;
}

// Between two scrapes: commits, jobs (requests) per commit, the mean time from taking a group to
// its commit returning and of the COMMIT alone (WAL write and fsync), and the share of the wall
// time the writer spent on groups at all.
json WriterBetween(const WriterView& a, const WriterView& b) {
  double commits = b.commits - a.commits, wall = std::chrono::duration<double>(b.at - a.at).count();
  double per = commits > 0 ? 1 / commits : 0;
  return {{"commits", commits},
          {"jobs_per_commit", (b.jobs - a.jobs) * per},
          {"group_ms_mean", (b.group_s - a.group_s) * per * 1000},
          {"commit_ms_mean", (b.commit_s - a.commit_s) * per * 1000},
          {"writer_busy_share", wall > 0 ? (b.group_s - a.group_s) / wall : 0}};
}

void PrintWriter(const char* lead, const json& w) {
  std::printf("%s server side: %.0f commits, %.1f requests a commit, a group %.2f ms from taking it "
              "to its commit (the COMMIT %.2f ms of it), writer busy %.0f%% of the phase\n",
              lead, w["commits"].get<double>(), w["jobs_per_commit"].get<double>(),
              w["group_ms_mean"].get<double>(), w["commit_ms_mean"].get<double>(),
              100 * w["writer_busy_share"].get<double>());
}

int Main(const Options& opt) {
  if (opt.keep) setenv("VIGIL_KEEP_TMP", "1", 1);
  vt::TempDir tmp("vigil-bench-ingest");
  std::cout << "bench_ingest: binary " << vt::BinaryPath() << ", dir " << tmp.path() << "\n";
  std::string data_dir;
  std::string token = vt::SetUpServerWithToken(tmp, "integration", &data_dir);
  // With automation on, it has real work: the starter policies and a term list.
  if (opt.automation) {
    // `vigil init` seeds the starter library already; the repository's copy replaces it.
    std::filesystem::copy(std::string(VIGIL_SOURCE_DIR) + "/policies", data_dir + "/policies",
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::overwrite_existing);
    std::filesystem::create_directories(data_dir + "/lists");
    std::ofstream(data_dir + "/lists/scam.list")
        << "@name scam-phrases\n@category scam\n@severity 4\nfree money\nfollowers\n";
  } else {
    std::ofstream(data_dir + "/vigil.yaml", std::ios::app) << "automation:\n  enabled: false\n";
  }
  std::cout << "automation: " << (opt.automation ? "on" : "off") << "\n";

  Phase single, batch;
  json single_writer, batch_writer;  // the server's side of each phase
  json single_cpu, batch_cpu;        // where the CPU went in each
  single.name = "single";
  batch.name = "batch";
  {
    vt::ServerProcess server;
    if (auto started = server.Start(data_dir); !started) {
      std::cerr << "server did not start: " << started.message() << "\n";
      return 2;
    }
    std::cout << "server on " << server.address() << ", log " << server.log_path() << "\n";

    std::cout << "single: " << opt.clients << " connections, " << opt.seconds
              << " s after 1 s warm-up ..." << std::endl;
    auto single_before = ScrapeWriter(server.port(), token);
    RunPhase(single, server.port(), server.pid(), token, opt.clients, 0, opt.seconds);
    single_writer = WriterBetween(single_before, ScrapeWriter(server.port(), token));
    std::sort(single.latencies_ms.begin(), single.latencies_ms.end());
    std::printf(
        "single: %.0f flags/s  p50 %.2f ms  p99 %.2f ms  p999 %.2f ms  (%lld requests, "
        "non-201: %lld)\n",
        single.FlagsPerSecond(), Percentile(single.latencies_ms, 0.5),
        Percentile(single.latencies_ms, 0.99), Percentile(single.latencies_ms, 0.999),
        static_cast<long long>(single.requests), static_cast<long long>(single.bad));
    PrintBad(single);
    PrintWriter("       ", single_writer);
    single_cpu = CpuBetween(single);
    PrintCpu("       ", single_cpu);

    std::cout << "batch: " << opt.batch_clients << " connections x " << opt.batch_size << " lines, "
              << opt.seconds << " s after 1 s warm-up ..." << std::endl;
    auto batch_before = ScrapeWriter(server.port(), token);
    RunPhase(batch, server.port(), server.pid(), token, opt.batch_clients, opt.batch_size,
             opt.seconds);
    batch_writer = WriterBetween(batch_before, ScrapeWriter(server.port(), token));
    std::sort(batch.latencies_ms.begin(), batch.latencies_ms.end());
    std::printf(
        "batch:  %.0f flags/s  p50 %.2f ms  p99 %.2f ms per request  (%lld requests, "
        "non-201 lines: %lld)\n",
        batch.FlagsPerSecond(), Percentile(batch.latencies_ms, 0.5),
        Percentile(batch.latencies_ms, 0.99), static_cast<long long>(batch.requests),
        static_cast<long long>(batch.bad));
    PrintBad(batch);
    PrintWriter("       ", batch_writer);
    batch_cpu = CpuBetween(batch);
    PrintCpu("       ", batch_cpu);

    int rc = server.Stop();
    if (rc != 0) std::cout << "  !! server exited with status " << rc << " on SIGTERM\n";
  }

  std::string baseline_dir = tmp.Join("baseline");
  std::filesystem::create_directories(baseline_dir);
  // The issue's baseline: "the same rows" Vigil writes, as single-row prepared statements in
  // 10,000-row transactions. Every flag here comes from a new reporter (user flags are rate
  // limited per reporter), so that is the reporter's account and its platform id mapping and the
  // case's reporter row as well as the content, case, flag and event rows.
  std::cout << "baseline: raw SQLite, the same rows, " << opt.baseline_rows << " flags ..."
            << std::endl;
  double baseline = RawSqliteBaselineFlagsPerSecond(baseline_dir, opt.baseline_rows,
                                                    /*with_reporter=*/true);
  double single_ratio = baseline > 0 ? single.FlagsPerSecond() / baseline : 0;
  double batch_ratio = baseline > 0 ? batch.FlagsPerSecond() / baseline : 0;
  std::printf("baseline: %.0f flags/s\n", baseline);
  std::printf("ratios: batch/baseline %.3f  single/baseline %.3f\n", batch_ratio, single_ratio);
  // Fewer rows than these flags need: an anonymous flag's (no reporter account, mapping or case
  // reporter row). Until 2026-12-06 this was printed as the baseline; kept for comparison.
  double anonymous = RawSqliteBaselineFlagsPerSecond(baseline_dir, opt.baseline_rows,
                                                     /*with_reporter=*/false);
  double batch_anonymous_ratio = anonymous > 0 ? batch.FlagsPerSecond() / anonymous : 0;
  std::printf("baseline without the reporter's rows: %.0f flags/s; batch/it %.3f\n", anonymous,
              batch_anonymous_ratio);
  // Those rows many a statement, as Vigil's writer inserts them: the ceiling of one connection.
  double many = RawSqliteManyAStatementFlagsPerSecond(baseline_dir, opt.baseline_rows);
  std::printf("the same rows %zu a statement: %.0f flags/s; batch/it %.3f\n",
              vigil::store::PendingTable::MaxRowsAStatement(), many,
              many > 0 ? batch.FlagsPerSecond() / many : 0);

  json result = {
      {"bench", "ingest"},
      {"seconds", opt.seconds},
      {"single", PhaseJson(single, opt.clients, single.latencies_ms)},
      {"batch", PhaseJson(batch, opt.batch_clients, batch.latencies_ms)},
      {"batch_size", opt.batch_size},
      {"baseline", {{"rows", opt.baseline_rows}, {"flags_per_s", baseline}}},
      {"ratio_batch_baseline", batch_ratio},
      {"ratio_single_baseline", single_ratio},
      {"baseline_without_reporter", {{"rows", opt.baseline_rows}, {"flags_per_s", anonymous}}},
      {"ratio_batch_baseline_without_reporter", batch_anonymous_ratio},
      {"baseline_many_a_statement", {{"rows", opt.baseline_rows}, {"flags_per_s", many}}}};
  result["single"]["server_side"] = single_writer;
  result["batch"]["server_side"] = batch_writer;
  result["single"]["cpu"] = single_cpu;
  result["batch"]["cpu"] = batch_cpu;
  result["batch"].erase("p999_ms");
  std::cout << result.dump() << std::endl;

  bool failed = single.bad > 0 || batch.bad > 0 || single.transport_errors > 0 ||
                batch.transport_errors > 0 || single.flags_ok == 0 || batch.flags_ok == 0;
  if (failed) std::cout << "bench_ingest: FAILED (non-201 results or transport errors above)\n";
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
    std::cerr << "bench_ingest: " << e.what() << "\n";
    return 2;
  }
}
