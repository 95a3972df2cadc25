// Crash test for intake durability: client threads POST flags (singles and small NDJSON batches)
// while a killer SIGKILLs the server at random moments and restarts it on the same data dir.
// Afterwards every acknowledged flag (201) must be in `vigil export --what flags` exactly once,
// no flag may appear twice, and `vigil audit verify` must pass after every restart and at the end.
//
// Knobs (env): VIGIL_DURABILITY_ROUNDS (default 40, min 20), VIGIL_DURABILITY_SEED,
// VIGIL_KEEP_TMP (keep the data dir), VIGIL_SERVER_LOG=stderr (server log to stderr).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace {

namespace vt = vigil::testing;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kClients = 4;
constexpr int kSharedContents = 16;        // content ids reused across flags (case joining)
constexpr int kBatchEvery = 10;            // every 10th request is a batch ...
constexpr int kBatchLines = 5;             // ... of 5 lines
constexpr int kIdempotentEvery = 7;        // every 7th single carries an Idempotency-Key
constexpr int kMaxIdempotentAttempts = 6;  // first try + retries across restarts
constexpr auto kTimeBudget = std::chrono::seconds(70);

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

struct Ack {
  int64_t id = -1;
  int64_t case_id = -1;
  std::string content_id;
  bool idempotent_retry = false;  // acknowledged on a replay after a failed attempt
};

// One flag as the client sent it.
struct SentFlag {
  std::string marker;
  std::string content_id;
  json body;
};

struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  bool paused = false;  // set while the server is down / being verified
  int port = 0;
  std::atomic<bool> stop{false};

  std::mutex results_mu;
  std::map<std::string, Ack> acked;  // marker -> ack
  std::map<int, int> statuses;       // HTTP status of single/batch requests (0 = no response)
  std::map<int, int> line_statuses;  // per-line status inside batch responses
  std::vector<std::string> anomalies;
  int64_t singles_acked = 0, batch_acked = 0, idempotent_retries = 0, idempotent_acked = 0;

  void Anomaly(std::string what) {
    std::lock_guard lk(results_mu);
    if (anomalies.size() < 40) anomalies.push_back(std::move(what));
  }
  void Status(int s) {
    std::lock_guard lk(results_mu);
    ++statuses[s];
  }
  void Acknowledge(const SentFlag& f, const json& result, bool batch, bool retry) {
    Ack a;
    a.id = result.value("id", int64_t{-1});
    a.case_id = result.value("case_id", int64_t{-1});
    a.content_id = f.content_id;
    a.idempotent_retry = retry;
    if (a.id < 0) Anomaly("201 without integer id for " + f.marker + ": " + result.dump());
    if (result.value("duplicate", false)) {
      Anomaly("201 with duplicate=true for a unique reporter/content pair, marker " + f.marker +
              ": " + result.dump());
    }
    std::lock_guard lk(results_mu);
    auto [it, inserted] = acked.emplace(f.marker, a);
    if (!inserted) {
      anomalies.push_back("marker " + f.marker + " acknowledged twice");
      return;
    }
    (batch ? batch_acked : singles_acked)++;
    if (retry) ++idempotent_acked;
  }
};

class Client {
 public:
  Client(int index, Shared& shared, const std::string& token, uint32_t seed)
      : index_(index), shared_(shared), http_(0), rng_(seed) {
    http_.set_token(token);
    http_.set_timeout(std::chrono::seconds(15));
  }

  void Run() {
    while (!shared_.stop.load()) {
      WaitUntilServing();
      if (shared_.stop.load()) break;
      if (pending_) {
        RetryPending();
        continue;
      }
      ++requests_;
      if (requests_ % kBatchEvery == 0) {
        SendBatch();
      } else {
        SendSingle(requests_ % kIdempotentEvery == 0);
      }
    }
  }

 private:
  struct Pending {
    SentFlag flag;
    std::string key;
    int attempts = 1;
  };

  void WaitUntilServing() {
    std::unique_lock lk(shared_.mu);
    shared_.cv.wait(lk, [&] { return !shared_.paused || shared_.stop.load(); });
    http_.set_port(shared_.port);
  }

  // After a transport error: back off briefly; the killer pauses everybody while restarting.
  void BackOff() { std::this_thread::sleep_for(milliseconds(2)); }

  SentFlag NextFlag() {
    SentFlag f;
    int n = next_flag_++;
    f.marker = "c" + std::to_string(index_) + "-n" + std::to_string(n);
    std::string text, author;
    if (std::uniform_int_distribution<int>(0, 3)(rng_) == 0) {  // ~25%: repeat earlier content
      int k = std::uniform_int_distribution<int>(0, kSharedContents - 1)(rng_);
      f.content_id = "shared-" + std::to_string(k);
      text = "shared content number " + std::to_string(k);
      author = "acct-shared-" + std::to_string(k % 5);
    } else {
      f.content_id = "dur-" + f.marker;
      text = "durability test content " + f.marker;
      author = "acct-" + std::to_string(index_) + "-" + std::to_string(n % 13);
    }
    f.body = {
        {"content",
         {{"id", f.content_id}, {"type", "text"}, {"text", text}, {"author", {{"id", author}}}}},
        {"reason", "spam"},
        {"source", "user"},
        {"reporter", {{"id", "reporter-" + f.marker}}},
        {"explanation", "crash test flag " + f.marker},
        {"metadata", {{"client", index_}, {"n", n}, {"marker", f.marker}}},
    };
    return f;
  }

  void SendSingle(bool idempotent) {
    SentFlag f = NextFlag();
    std::map<std::string, std::string> headers;
    std::string key;
    if (idempotent) {
      key = "dur-key-" + f.marker;
      headers["Idempotency-Key"] = key;
    }
    vt::HttpResponse r = http_.Post("/v1/flags", f.body.dump(), headers);
    shared_.Status(r.status);
    HandleSingle(f, r, /*retry=*/false);
    if (r.status == 0) {
      if (idempotent) pending_ = Pending{std::move(f), key, 1};
      BackOff();
    }
  }

  void RetryPending() {
    Pending& p = *pending_;
    ++p.attempts;
    {
      std::lock_guard lk(shared_.results_mu);
      ++shared_.idempotent_retries;
    }
    vt::HttpResponse r = http_.Post("/v1/flags", p.flag.body.dump(), {{"Idempotency-Key", p.key}});
    shared_.Status(r.status);
    if (r.status == 0 && p.attempts < kMaxIdempotentAttempts) {
      BackOff();
      return;  // keep pending, try again after the next restart
    }
    HandleSingle(p.flag, r, /*retry=*/true);
    pending_.reset();
  }

  void HandleSingle(const SentFlag& f, const vt::HttpResponse& r, bool retry) {
    // Only a 201 acknowledges (a replay of an Idempotency-Key returns the original 201).
    if (r.status == 201) {
      json j = r.json();
      if (!j.is_object()) {
        shared_.Anomaly("201 with non-JSON body for " + f.marker + ": " + r.body.substr(0, 200));
        return;
      }
      shared_.Acknowledge(f, j, /*batch=*/false, retry);
    } else if (r.status != 0) {
      shared_.Anomaly("POST /v1/flags -> " + std::to_string(r.status) + " for " + f.marker + ": " +
                      r.body.substr(0, 300));
    }
  }

  void SendBatch() {
    std::vector<SentFlag> flags;
    std::string body;
    for (int i = 0; i < kBatchLines; ++i) {
      flags.push_back(NextFlag());
      body += flags.back().body.dump();
      body += '\n';
    }
    vt::HttpResponse r =
        http_.Post("/v1/flags:batch", body, {{"Content-Type", "application/x-ndjson"}});
    shared_.Status(r.status);
    if (r.status == 0) {
      BackOff();
      return;
    }
    if (r.status != 200) {
      shared_.Anomaly("POST /v1/flags:batch -> " + std::to_string(r.status) + ": " +
                      r.body.substr(0, 300));
      return;
    }
    std::vector<json> results = vt::ParseNdjson(r.body);
    if (results.size() != flags.size()) {
      shared_.Anomaly("batch of " + std::to_string(flags.size()) + " lines returned " +
                      std::to_string(results.size()) + " results: " + r.body.substr(0, 300));
    }
    bool zero_based = false;
    for (const json& res : results) {
      if (res.is_object() && res.value("line", int64_t{-1}) == 0) zero_based = true;
    }
    for (const json& res : results) {
      if (!res.is_object()) {
        shared_.Anomaly("unparsable batch result line in: " + r.body.substr(0, 300));
        continue;
      }
      int status = res.value("status", 0);
      {
        std::lock_guard lk(shared_.results_mu);
        ++shared_.line_statuses[status];
      }
      if (status != 201) {
        shared_.Anomaly("batch line -> " + res.dump().substr(0, 300));
        continue;
      }
      const json flag = res.value("flag", json::object());
      // Identify the input line: by the marker echoed in metadata if present, else by "line".
      const SentFlag* sent = nullptr;
      if (flag.contains("metadata") && flag["metadata"].is_object() &&
          flag["metadata"].contains("marker")) {
        std::string marker = flag["metadata"]["marker"].get<std::string>();
        for (const auto& f : flags) {
          if (f.marker == marker) sent = &f;
        }
      } else {
        int64_t line = res.value("line", int64_t{-1}) - (zero_based ? 0 : 1);
        if (line >= 0 && line < static_cast<int64_t>(flags.size())) sent = &flags[line];
      }
      if (sent == nullptr) {
        shared_.Anomaly("cannot match batch result to an input line: " + res.dump());
        continue;
      }
      shared_.Acknowledge(*sent, flag, /*batch=*/true, /*retry=*/false);
    }
  }

  int index_;
  Shared& shared_;
  vt::HttpClient http_;
  std::mt19937 rng_;
  int64_t requests_ = 0;
  int next_flag_ = 0;
  std::optional<Pending> pending_;
};

std::string Summarize(const std::map<int, int>& m) {
  std::ostringstream os;
  os << "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    os << (first ? "" : ", ") << k << ": " << v;
    first = false;
  }
  os << "}";
  return os.str();
}

TEST(DurabilityTest, AcknowledgedFlagsSurviveSigkill) {
  const int rounds = std::max(20, EnvInt("VIGIL_DURABILITY_ROUNDS", 40));
  const uint32_t seed = static_cast<uint32_t>(
      EnvInt("VIGIL_DURABILITY_SEED", static_cast<int>(std::random_device{}())));
  std::cout << "[durability] seed " << seed << " (VIGIL_DURABILITY_SEED to reuse), rounds "
            << rounds << std::endl;

  vt::TempDir tmp("vigil-durability");
  std::string data_dir;
  std::string token;
  ASSERT_NO_THROW(token = vt::SetUpServerWithToken(tmp, "integration", &data_dir));

  vt::ServerProcess server;
  ASSERT_TRUE(server.Start(data_dir));
  std::string verify_out;  // last `vigil audit verify` stdout
  auto verify = [&] { return vt::RunVigil({"audit", "verify", "--data", data_dir}, &verify_out); };

  Shared shared;
  shared.port = server.port();
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(
        std::make_unique<Client>(c, shared, token, seed * 31u + static_cast<uint32_t>(c)));
  }
  auto started = Clock::now();
  for (auto& c : clients) threads.emplace_back([&c] { c->Run(); });

  std::mt19937 rng(seed);
  std::vector<std::string> failures;  // fatal problems found by the killer loop
  int done_rounds = 0;
  for (int round = 1; round <= rounds; ++round) {
    if (round > 20 && Clock::now() - started > kTimeBudget) {
      std::cout << "[durability] time budget reached after " << done_rounds << " rounds\n";
      break;
    }
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(50, 400)(rng)));
    int killed = server.Kill(SIGKILL);
    {
      std::lock_guard lk(shared.mu);
      shared.paused = true;
    }
    if (killed != 128 + SIGKILL) {
      failures.push_back("round " + std::to_string(round) +
                         ": server was not alive when killed (wait status " +
                         std::to_string(killed) + "); log tail:\n" + server.LogTail());
      break;
    }
    ::testing::AssertionResult started_ok = server.Start(data_dir);
    if (!started_ok) {
      failures.push_back("round " + std::to_string(round) +
                         ": restart failed: " + started_ok.message());
      break;
    }
    int rc = verify();
    if (rc != 0) {
      failures.push_back("round " + std::to_string(round) + ": `vigil audit verify` exited " +
                         std::to_string(rc) + " after restart; stdout: " + verify_out);
    }
    ++done_rounds;
    {
      std::lock_guard lk(shared.mu);
      shared.port = server.port();
      shared.paused = false;
    }
    shared.cv.notify_all();
  }
  // Let the clients run briefly against the last server, then stop them.
  if (failures.empty()) std::this_thread::sleep_for(milliseconds(300));
  shared.stop.store(true);
  {
    std::lock_guard lk(shared.mu);
    shared.paused = false;
  }
  shared.cv.notify_all();
  for (auto& t : threads) t.join();
  auto load_time = Clock::now() - started;

  int stop_rc = server.Stop();
  EXPECT_TRUE(stop_rc == 0 || stop_rc == -1)
      << "server did not exit cleanly on SIGTERM (status " << stop_rc << "); log tail:\n"
      << server.LogTail();
  for (const auto& f : failures) ADD_FAILURE() << f;

  int verify_rc = verify();
  EXPECT_EQ(verify_rc, 0) << "`vigil audit verify --data " << data_dir
                          << "` failed at the end; stdout: " << verify_out;

  std::string exported;
  int export_rc = vt::RunVigil({"export", "--data", data_dir, "--what", "flags"}, &exported);
  ASSERT_EQ(export_rc, 0) << "`vigil export --data " << data_dir << " --what flags` failed";
  std::vector<json> lines = vt::ParseNdjson(exported);

  struct Seen {
    int count = 0;
    int64_t id = -1;
    int64_t case_id = -1;
    std::string content_id;
  };
  std::map<std::string, Seen> seen;
  std::map<std::string, std::set<int64_t>> cases_by_content;
  int bad_lines = 0, without_marker = 0;
  for (const json& j : lines) {
    if (!j.is_object()) {
      ++bad_lines;
      continue;
    }
    const json meta = j.value("metadata", json::object());
    if (!meta.is_object() || !meta.contains("marker") || !meta["marker"].is_string()) {
      ++without_marker;
      continue;
    }
    Seen& s = seen[meta["marker"].get<std::string>()];
    ++s.count;
    s.id = j.value("id", int64_t{-1});
    s.case_id = j.value("case_id", int64_t{-1});
    if (j.contains("content") && j["content"].is_object()) {
      s.content_id = j["content"].value("id", "");
    }
    cases_by_content[s.content_id].insert(s.case_id);
  }

  std::lock_guard lk(shared.results_mu);
  int64_t acked = static_cast<int64_t>(shared.acked.size());
  int missing = 0, duplicated = 0, wrong_id = 0, wrong_content = 0, case_moved = 0;
  int64_t unacked_present = 0;
  std::ostringstream problems;
  auto note = [&problems](int count, const std::string& msg) {
    if (count <= 15) problems << "  " << msg << "\n";
  };
  for (const auto& [marker, s] : seen) {
    auto it = shared.acked.find(marker);
    bool retry = it != shared.acked.end() && it->second.idempotent_retry;
    if (s.count > 1) {
      note(++duplicated, "marker " + marker + " exported " + std::to_string(s.count) + " times" +
                             (retry ? " (acknowledged on an Idempotency-Key replay)" : ""));
    }
    if (it == shared.acked.end()) ++unacked_present;
  }
  for (const auto& [marker, a] : shared.acked) {
    auto it = seen.find(marker);
    if (it == seen.end()) {
      note(++missing, "acknowledged marker " + marker + " (flag id " + std::to_string(a.id) +
                          ") missing from export");
      continue;
    }
    if (it->second.count == 1 && a.id >= 0 && it->second.id != a.id) {
      note(++wrong_id, "marker " + marker + " acknowledged as flag " + std::to_string(a.id) +
                           " but exported as flag " + std::to_string(it->second.id));
    }
    if (it->second.content_id != a.content_id) {
      note(++wrong_content, "marker " + marker + " sent with content " + a.content_id +
                                " but exported with content '" + it->second.content_id + "'");
    }
    if (a.case_id >= 0 && it->second.case_id != a.case_id) ++case_moved;
  }
  int split_contents = 0;
  for (const auto& [content, cases] : cases_by_content) {
    if (cases.size() > 1) ++split_contents;
  }

  std::cout << "[durability] " << verify_out;
  std::cout << "[durability] rounds=" << done_rounds << " acknowledged=" << acked
            << " (single=" << shared.singles_acked << " batch=" << shared.batch_acked
            << " idempotent-replays=" << shared.idempotent_acked << "/" << shared.idempotent_retries
            << " attempts)"
            << " exported=" << lines.size() << " unacknowledged-but-present=" << unacked_present
            << " load=" << std::chrono::duration_cast<milliseconds>(load_time).count() << "ms"
            << std::endl;
  std::cout << "[durability] request statuses " << Summarize(shared.statuses)
            << ", batch line statuses " << Summarize(shared.line_statuses) << std::endl;
  if (case_moved > 0 || split_contents > 0) {
    std::cout << "[durability] note: " << case_moved
              << " acknowledged flags are exported with a different case_id than acknowledged; "
              << split_contents << " content ids span more than one case" << std::endl;
  }
  if (!shared.anomalies.empty()) {
    std::cout << "[durability] first anomalies:\n";
    for (const auto& a : shared.anomalies) std::cout << "  " << a << "\n";
  }

  EXPECT_GT(acked, 0) << "no flag was ever acknowledged; the test exercised nothing";
  EXPECT_EQ(bad_lines, 0) << "export printed lines that are not JSON objects";
  EXPECT_EQ(without_marker, 0) << "exported flags without our metadata marker (metadata not kept "
                                  "as sent?)";
  EXPECT_EQ(missing, 0) << "acknowledged flags lost:\n" << problems.str();
  EXPECT_EQ(duplicated, 0) << "flags stored more than once:\n" << problems.str();
  EXPECT_EQ(wrong_id, 0) << "acknowledged ids differ from exported ids:\n" << problems.str();
  EXPECT_EQ(wrong_content, 0) << "exported content differs from sent content:\n" << problems.str();
  if (::testing::Test::HasFailure()) {
    std::cout << "[durability] data dir " << data_dir << " (set VIGIL_KEEP_TMP=1 to keep it), "
              << "server log " << server.log_path() << std::endl;
  }
}

}  // namespace
