// `vigil backup`: a copy of a data directory taken while the server ingests holds every flag
// acknowledged before the backup began, exactly once, verifies, and serves as a data directory of
// its own; bad arguments are refused with the option named, and nothing is created or changed.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace {

namespace vt = vigil::testing;
namespace fs = std::filesystem;

// Runs `vigil ARGS` with stderr joined to stdout; returns the exit code.
int VigilWithStderr(const std::string& args, std::string* out) {
  return vt::RunCommand({"sh", "-c", vt::BinaryPath() + " " + args + " 2>&1"}, out);
}

TEST(Backup, TakenWhileIngestingHoldsEveryFlagAcknowledgedBeforeItVerifiesAndServes) {
  vt::TempDir tmp("vigil-backup");
  std::string data;
  const std::string token = vt::SetUpServerWithToken(tmp, "integration", &data);
  vt::ServerProcess server;
  ASSERT_TRUE(server.Start(data));

  std::mutex mu;
  std::vector<std::string> acked;  // content ids of the flags answered 201
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::thread ingest([&] {
    vt::HttpClient http(server.port());
    http.set_token(token);
    for (int n = 0; !stop.load(); ++n) {
      const std::string id = "bk-" + std::to_string(n);
      auto r = http.PostJson("/v1/flags", vt::SampleFlag(id, "bk-reporter-" + std::to_string(n)));
      if (r.status != 201) {
        ++errors;
        continue;
      }
      std::lock_guard lock(mu);
      acked.push_back(id);
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } join{stop, ingest};
  auto count = [&] {
    std::lock_guard lock(mu);
    return acked.size();
  };
  for (int i = 0; i < 300 && count() < 300; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::vector<std::string> before;
  {
    std::lock_guard lock(mu);
    before = acked;
  }
  ASSERT_GE(before.size(), 300u);

  const std::string backup = tmp.Join("backup");
  std::string out;
  ASSERT_EQ(vt::RunVigil({"backup", "--data", data, "--out", backup}, &out), 0) << out;
  const size_t during = count();
  stop = true;
  ingest.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(count(), during) << "ingest went on after the backup";
  EXPECT_NE(out.find("event log head: seq "), std::string::npos) << out;
  EXPECT_NE(out.find("verified: event log intact"), std::string::npos) << out;

  // The configuration came along, the database's WAL files did not need to.
  for (const char* f : {"vigil.yaml", "taxonomy.yaml", "queues.yaml", "vigil.db"})
    EXPECT_TRUE(fs::exists(fs::path(backup) / f)) << f;
  EXPECT_FALSE(fs::exists(fs::path(backup) / "vigil.db-wal"));

  std::string audit;
  EXPECT_EQ(vt::RunVigil({"audit", "verify", "--data", backup}, &audit), 0) << audit;
  std::string exported;
  ASSERT_EQ(vt::RunVigil({"export", "--data", backup, "--what", "flags"}, &exported), 0);
  std::map<std::string, int> in_backup;
  for (const auto& j : vt::ParseNdjson(exported)) {
    ASSERT_FALSE(j.is_discarded());
    ++in_backup[j["content"]["id"].get<std::string>()];
  }
  for (const auto& id : before) {
    auto it = in_backup.find(id);
    ASSERT_TRUE(it != in_backup.end()) << "flag on " << id << " acknowledged before the backup";
    EXPECT_EQ(it->second, 1) << id;
  }
  EXPECT_LE(in_backup.size(), count()) << "the copy holds flags never acknowledged";

  // The copy is a data directory: a server runs on it with the same accounts and takes flags.
  vt::ServerProcess restored;
  ASSERT_TRUE(restored.Start(backup));
  vt::HttpClient http(restored.port());
  http.set_token(token);
  auto r = http.PostJson("/v1/flags", vt::SampleFlag("bk-after-restore", "bk-reporter-after"));
  EXPECT_EQ(r.status, 201) << r.body;
  restored.Stop();
  server.Stop();
  std::string source_audit;
  EXPECT_EQ(vt::RunVigil({"audit", "verify", "--data", data}, &source_audit), 0) << source_audit;
}

TEST(Backup, BadArgumentsNameTheOptionAndCreateOrChangeNothing) {
  vt::TempDir tmp("vigil-backup-args");
  const std::string data = tmp.Join("data");
  vt::InitDataDir(data);
  std::string out;

  // A directory with something in it is never written over.
  const std::string used = tmp.Join("used");
  fs::create_directories(used);
  std::ofstream(used + "/keep.txt") << "an earlier backup";
  EXPECT_NE(VigilWithStderr("backup --data " + data + " --out " + used, &out), 0);
  EXPECT_NE(out.find("--out"), std::string::npos) << out;
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(used)) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"keep.txt"});

  // Not a data directory.
  const std::string none = tmp.Join("none-copy");
  EXPECT_NE(VigilWithStderr("backup --data " + tmp.Join("missing") + " --out " + none, &out), 0);
  EXPECT_NE(out.find("--data"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(none));

  // Inside the data directory it copies.
  EXPECT_NE(VigilWithStderr("backup --data " + data + " --out " + data + "/copy", &out), 0);
  EXPECT_NE(out.find("--out"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(data + "/copy"));

  // Missing options: CLI11 names them.
  EXPECT_NE(VigilWithStderr("backup --data " + data, &out), 0);
  EXPECT_NE(out.find("--out"), std::string::npos) << out;
}

}  // namespace
