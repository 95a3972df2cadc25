// The event log's tamper evidence, end to end: flags are ingested into a real SQLite data
// directory, then the database file is tampered with behind Vigil's back, and both the library
// verifier and `vigil audit verify` must name the first bad sequence number.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>

#include "cli/services.h"
#include "events/audit.h"

namespace vigil {
namespace {

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-audit-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_TRUE(InitDataDir(dir_).ok());
    // Without the starter policies, whose versions would be the log's first events: the
    // sequence numbers below are those of the ten flags.
    std::filesystem::remove_all(dir_ + "/policies");
    auto s = Services::Open(dir_);
    ASSERT_TRUE(s.ok());
    std::vector<std::string> lines;
    for (int i = 0; i < 10; ++i)
      lines.push_back(R"({"content": {"id": "c)" + std::to_string(i % 4) +
                      R"(", "text": "hello"}, "reason": "spam", "source": "user", "reporter": {"id": "r)" +
                      std::to_string(i) + R"("}})");
    auto results = s.value()->intake->ImportLines(auth::Principal::Cli(), lines, 1);
    for (const auto& r : results) ASSERT_EQ(r["status"], 201) << r.dump();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  events::AuditReport Verify() {
    auto s = Services::Open(dir_);
    EXPECT_TRUE(s.ok());
    auto rtx = s.value()->store->BeginRead();
    return events::VerifyStore(*rtx);
  }

  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/vigil.db").c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_close(db);
  }

  // Runs `vigil audit verify` and returns {exit code, combined output}.
  std::pair<int, std::string> Cli() {
    std::string cmd = std::string(VIGIL_BINARY) + " audit verify --data " + dir_ + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (fgets(buf, sizeof buf, p)) out += buf;
    int rc = pclose(p);
    return {WEXITSTATUS(rc), out};
  }

  std::string dir_;
};

TEST_F(AuditTest, IntactLogVerifies) {
  auto r = Verify();
  EXPECT_TRUE(r.ok()) << r.Summary();
  EXPECT_EQ(r.chain.events_checked, 10);
  EXPECT_EQ(r.flags, 10);
  auto [rc, out] = Cli();
  EXPECT_EQ(rc, 0) << out;
}

TEST_F(AuditTest, AlteredByteIsFoundAtItsSequenceNumber) {
  // Change one character of event 4's payload ("spam" -> "spaM").
  Sql("UPDATE events SET payload = replace(payload, '\"spam\"', '\"spaM\"') WHERE seq = 4");
  auto r = Verify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.chain.first_bad_seq, 4);
  auto [rc, out] = Cli();
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("seq 4"), std::string::npos) << out;
}

TEST_F(AuditTest, AlteredActorOrTimeIsFound) {
  Sql("UPDATE events SET ts = ts + 1 WHERE seq = 7");
  EXPECT_EQ(Verify().chain.first_bad_seq, 7);
}

TEST_F(AuditTest, DeletedEventIsFound) {
  Sql("PRAGMA foreign_keys=OFF; DELETE FROM events WHERE seq = 6");
  auto r = Verify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.chain.first_bad_seq, 6);
  auto [rc, out] = Cli();
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("seq 6"), std::string::npos) << out;
}

TEST_F(AuditTest, DeletedLastEventIsFoundThroughTheProjection) {
  Sql("PRAGMA foreign_keys=OFF; DELETE FROM events WHERE seq = 10");
  auto r = Verify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.flags_without_event, 1);
}

// A projection row deleted behind the store's back (content with cases and flags on it): the log
// is intact, the rows that refer to it are not.
TEST_F(AuditTest, RowsReferringToADeletedRowAreFound) {
  ASSERT_TRUE(Verify().ok());
  Sql("PRAGMA foreign_keys=OFF; DELETE FROM content WHERE platform_id = 'c1'");
  auto r = Verify();
  EXPECT_TRUE(r.chain.ok);
  EXPECT_FALSE(r.ok());
  // c1 has one case and three flags (flags 2, 6 and 10).
  EXPECT_EQ(r.rows_missing_reference, 4);
  auto [rc, out] = Cli();
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("4 rows refer to a row that is not there"), std::string::npos) << out;
}

TEST_F(AuditTest, SwappedEventsAreFound) {
  // Swap the contents of events 3 and 5 (everything but their sequence numbers).
  Sql("CREATE TEMP TABLE t AS SELECT * FROM events WHERE seq IN (3, 5);"
      "UPDATE events SET ts=(SELECT ts FROM t WHERE seq=5), type=(SELECT type FROM t WHERE seq=5),"
      " subject=(SELECT subject FROM t WHERE seq=5), actor=(SELECT actor FROM t WHERE seq=5),"
      " payload=(SELECT payload FROM t WHERE seq=5), prev_hash=(SELECT prev_hash FROM t WHERE seq=5),"
      " hash=(SELECT hash FROM t WHERE seq=5) WHERE seq=3;"
      "UPDATE events SET ts=(SELECT ts FROM t WHERE seq=3), type=(SELECT type FROM t WHERE seq=3),"
      " subject=(SELECT subject FROM t WHERE seq=3), actor=(SELECT actor FROM t WHERE seq=3),"
      " payload=(SELECT payload FROM t WHERE seq=3), prev_hash=(SELECT prev_hash FROM t WHERE seq=3),"
      " hash=(SELECT hash FROM t WHERE seq=3) WHERE seq=5;");
  auto r = Verify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.chain.first_bad_seq, 3);
  auto [rc, out] = Cli();
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("seq 3"), std::string::npos) << out;
}

TEST_F(AuditTest, RecomputedHashesStillBreakTheLinks) {
  // An attacker who rewrites one event and its own hash still breaks the next event's link.
  Sql("UPDATE events SET hash = randomblob(32) WHERE seq = 2");
  EXPECT_EQ(Verify().chain.first_bad_seq, 2);
}

}  // namespace
}  // namespace vigil
