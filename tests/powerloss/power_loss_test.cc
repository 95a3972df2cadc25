// Power loss during intake: client threads submit flags to a store running in this process while,
// at random instants, PowerLoss() takes what a power cut would leave on disk (the synced state plus
// a random part of what was written since; see power_loss_vfs.h). Each such image must open as a
// sound database holding every flag acknowledged before that instant exactly once, with an intact
// event log, and must take new flags. The durability test (SIGKILL) cannot check this: a killed
// process loses nothing the kernel already holds.
//
// Knobs (env): VIGIL_POWERLOSS_ROUNDS (default 24), VIGIL_POWERLOSS_SEED.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/services.h"
#include "events/audit.h"
#include "powerloss/power_loss_vfs.h"
#include "store/sqlite_db.h"
#include "support/sqlite_queries.h"
#include "support/test_support.h"

namespace vigil {
namespace {

namespace vt = vigil::testing;
using json = nlohmann::json;

constexpr int kClients = 4;
constexpr int kSharedContents = 12;  // content ids flags share: cases joined, content updated

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

// One NDJSON line: a flag whose explanation is its marker. Every few flags share content.
std::string FlagLine(const std::string& marker, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> pick(0, 2 * kSharedContents - 1);
  int c = pick(rng);
  std::string content = c < kSharedContents ? "pl-shared-" + std::to_string(c) : "pl-c-" + marker;
  // ~700 bytes of text: commits span several pages, and the WAL reaches the checkpointer soon.
  std::string text = "power loss test " + marker + " " + std::string(680, 'x');
  return json{{"content",
               {{"id", content}, {"type", "text"}, {"text", text}, {"author", {{"id", "pl-a"}}}}},
              {"reason", "spam"},
              {"source", "user"},
              {"reporter", {{"id", "pl-r-" + marker}}},
              {"explanation", marker}}
      .dump();
}

class Acked {
 public:
  void Add(const std::string& marker) {
    std::lock_guard lock(mu_);
    markers_.insert(marker);
  }
  std::set<std::string> Copy() {
    std::lock_guard lock(mu_);
    return markers_;
  }

 private:
  std::mutex mu_;
  std::set<std::string> markers_;
};

// Submits batches of 1-6 flags until `stop`; each line answered 201 is acknowledged.
void Client(Services& s, int id, uint64_t seed, std::atomic<bool>& stop, Acked& acked,
            std::atomic<int>& failures) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> lines(1, 6);
  for (int n = 0; !stop.load(); ++n) {
    std::vector<std::string> markers;
    std::string body;
    for (int i = lines(rng); i > 0; --i) {
      markers.push_back("pl-" + std::to_string(id) + "-" + std::to_string(n) + "-" +
                        std::to_string(i));
      body += FlagLine(markers.back(), rng) + "\n";
    }
    std::promise<intake::BatchOutcome> answered;
    auto outcome = answered.get_future();
    s.intake->SubmitBatch(auth::Principal::Cli(), body, {}, [&answered](intake::BatchOutcome o) {
      answered.set_value(std::move(o));
    });
    intake::BatchOutcome o = outcome.get();
    if (o.status != 200) {
      ++failures;
      continue;
    }
    std::istringstream results(o.body);
    std::string line;
    for (size_t i = 0; std::getline(results, line) && i < markers.size(); ++i) {
      if (json::parse(line).value("status", 0) == 201) {
        acked.Add(markers[i]);
      } else {
        ++failures;
      }
    }
  }
}

// What an image holds: how many flag rows each marker has.
std::map<std::string, int> FlagsByMarker(const std::string& db) {
  store::SqliteConn c(db);
  std::map<std::string, int> out;
  auto q = c.Prepare(
      "SELECT explanation, COUNT(*) FROM flags WHERE explanation LIKE 'pl-%' "
      "GROUP BY explanation");
  while (q.Step()) out[q.Text(0)] = static_cast<int>(q.Int(1));
  return out;
}

// Client threads submitting flags to `s` until destroyed.
class Workload {
 public:
  Workload(Services& s, uint64_t seed) {
    for (int i = 0; i < kClients; ++i)
      clients_.emplace_back(Client, std::ref(s), i, seed + 1 + static_cast<uint64_t>(i),
                            std::ref(stop_), std::ref(acked_), std::ref(failures_));
  }
  ~Workload() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& t : clients_)
      if (t.joinable()) t.join();
  }
  Acked& acked() { return acked_; }
  int failures() const { return failures_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> failures_{0};
  Acked acked_;
  std::vector<std::thread> clients_;
};

// What `image` must be: a sound database holding each flag of `durable` once and no flag twice,
// with an intact event log, and a store that takes a new flag.
void CheckImage(const std::string& image, const std::set<std::string>& durable,
                std::mt19937_64& rng) {
  {  // SQLite's own check first, before Vigil opens (and writes to) the image
    store::SqliteConn c(image + "/vigil.db");
    std::string integrity = vt::IntegrityCheck(c);
    ASSERT_TRUE(integrity == "ok")
        << "the image's database is damaged: " << integrity.substr(0, 400);
  }
  auto flags = FlagsByMarker(image + "/vigil.db");
  for (const auto& m : durable) {
    auto it = flags.find(m);
    ASSERT_TRUE(it != flags.end()) << "acknowledged flag " << m << " lost";
  }
  for (const auto& [m, n] : flags) ASSERT_EQ(n, 1) << "flag " << m << " stored " << n << " times";

  auto restarted = Services::Open(image);
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  {
    auto rtx = restarted.value()->store->BeginRead();
    auto report = events::VerifyStore(*rtx);
    ASSERT_TRUE(report.ok()) << report.Summary();
  }
  auto after = restarted.value()->intake->ImportLines(
      auth::Principal::Cli(), {FlagLine("pl-after-" + std::to_string(rng()), rng)}, 1);
  ASSERT_EQ(after.size(), 1u);
  ASSERT_EQ(after[0]["status"], 201) << after[0].dump();
}

// A fresh data directory under `tmp` for a store in this process, without the starter policies
// (automation is not what these tests are about).
std::string InitData(vt::TempDir& tmp) {
  const std::string data = tmp.Join("data");
  EXPECT_TRUE(InitDataDir(data).ok());
  std::filesystem::remove_all(data + "/policies");
  return data;
}

TEST(PowerLoss, EveryImageOpensWithEveryAcknowledgedFlagOnceAndAnIntactLog) {
  const int rounds = std::max(EnvInt("VIGIL_POWERLOSS_ROUNDS", 24), 1);
  const auto seed = static_cast<uint64_t>(EnvInt("VIGIL_POWERLOSS_SEED", 20261206));
  std::mt19937_64 rng(seed);
  vt::TempDir tmp("vigil-powerloss");
  const std::string data = InitData(tmp);
  auto opened = Services::Open(data);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Workload work(*opened.value(), seed);

  std::uniform_int_distribution<int> pause_ms(20, 250);
  const double keeps[] = {0.0, 0.5, 1.0};  // none, some or all of the unsynced sectors persist
  size_t unsynced = 0, lost = 0, checked_acked = 0;
  for (int r = 0; r < rounds; ++r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    const std::string image = tmp.Join("image-" + std::to_string(r));
    std::filesystem::create_directories(image);
    std::set<std::string> durable;  // acknowledged before the power went
    const double keep = keeps[r % 3];
    vt::PowerLossImage loss =
        vt::PowerLoss(data, image, rng, keep, [&] { durable = work.acked().Copy(); });
    unsynced += loss.unsynced_sectors;
    lost += loss.lost_sectors;
    SCOPED_TRACE("round " + std::to_string(r) + ", keep " + std::to_string(keep) + ", " +
                 std::to_string(loss.lost_sectors) + " of " +
                 std::to_string(loss.unsynced_sectors) + " unsynced sectors lost, " +
                 std::to_string(durable.size()) + " flags acknowledged");
    ASSERT_NO_FATAL_FAILURE(CheckImage(image, durable, rng));
    checked_acked += durable.size();
    std::filesystem::remove_all(image);
  }
  work.Stop();  // before the counts below

  EXPECT_EQ(work.failures(), 0) << "requests not acknowledged while the store ran";
  // The test saw what it is about: commits synced their WAL, checkpoints synced the database,
  // and power losses cut writes that were not synced yet.
  EXPECT_GT(vt::Syncs(data + "/vigil.db-wal"), 10u);
  EXPECT_GT(vt::Syncs(data + "/vigil.db"), 0u) << "no checkpoint ran: the WAL never grew enough";
  EXPECT_GT(unsynced, 0u);
  EXPECT_GT(lost, 0u);
  EXPECT_GT(checked_acked, 0u);
  std::cout << "[ power loss ] " << rounds << " images; " << work.acked().Copy().size()
            << " flags acknowledged in all, " << checked_acked
            << " looked for in the images taken after their acknowledgement; " << lost << " of "
            << unsynced << " unsynced sectors lost\n";
}

// A disk that fills up or whose fsyncs fail, for a while, under load: what fails is not
// acknowledged (503), nothing acknowledged is lost, and once the disk works again the store takes
// flags again without a restart. Then a power loss must still leave a sound image.
TEST(PowerLoss, AFailingDiskLosesNothingAcknowledgedAndTheStoreGoesOnAfterIt) {
  const auto seed = static_cast<uint64_t>(EnvInt("VIGIL_POWERLOSS_SEED", 20261206));
  std::mt19937_64 rng(seed);
  vt::TempDir tmp("vigil-diskfault");
  const std::string data = InitData(tmp);
  auto opened = Services::Open(data);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Workload work(*opened.value(), seed);
  struct Heal {  // also when an assertion returns early
    ~Heal() { vt::SetDiskFault(vt::DiskFault::kNone); }
  } heal;

  std::uniform_int_distribution<int> pause_ms(50, 200);
  const size_t failed_before = vt::FailedCalls();
  for (int r = 0; r < 8; ++r) {
    const auto fault = r % 2 ? vt::DiskFault::kSyncFails : vt::DiskFault::kFull;
    SCOPED_TRACE(std::string("round ") + std::to_string(r) +
                 (fault == vt::DiskFault::kFull ? ": disk full" : ": fsync fails"));
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    vt::SetDiskFault(fault);
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    vt::SetDiskFault(vt::DiskFault::kNone);
    // The store goes on: flags are acknowledged again within a few seconds.
    const size_t healed_at = work.acked().Copy().size();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (work.acked().Copy().size() < healed_at + 100 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_GE(work.acked().Copy().size(), healed_at + 100)
        << "no flags acknowledged in 10 s after the disk worked again";
  }
  EXPECT_GT(vt::FailedCalls(), failed_before) << "the faults failed no write or sync";
  EXPECT_GT(work.failures(), 0) << "no request was refused while the disk failed";

  // Power lost after all that: only what was acknowledged, all of it, in a sound database.
  const std::string image = tmp.Join("image");
  std::filesystem::create_directories(image);
  std::set<std::string> durable;
  vt::PowerLoss(data, image, rng, 0.0, [&] { durable = work.acked().Copy(); });
  ASSERT_NO_FATAL_FAILURE(CheckImage(image, durable, rng));
  work.Stop();
  std::cout << "[ disk faults ] " << vt::FailedCalls() - failed_before
            << " writes and syncs failed, " << work.failures() << " requests refused, "
            << durable.size() << " flags acknowledged, all in the image taken after\n";
}

}  // namespace
}  // namespace vigil

int main(int argc, char** argv) {
  // SQLite's process-wide settings first, as the first connection of a server makes them; then
  // this VFS as the default, under the store's own.
  { vigil::store::SqliteConn configure(":memory:"); }
  vigil::testing::RegisterPowerLossVfs();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
