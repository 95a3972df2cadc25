// The `vigil` command as an operator uses it: idempotent init, users and tokens, import and
// export round trips, bad input that exits non-zero naming what is wrong and changes nothing.
#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

std::string Lines(const std::vector<json>& v) {
  std::string out;
  for (const auto& j : v) out += j.dump() + "\n";
  return out;
}

int RunCapturingAll(const std::vector<std::string>& args, std::string* out) {
  // Capture stderr as well by running through the shell.
  std::string cmd = BinaryPath();
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  out->clear();
  while (size_t n = fread(buf, 1, sizeof buf, p)) out->append(buf, n);
  int rc = pclose(p);
  return WEXITSTATUS(rc);
}

TEST(Cli, InitIsIdempotentAndPrintsTheAdminPasswordOnce) {
  TempDir tmp("vigil-cli");
  std::string dir = tmp.Join("data"), out;
  ASSERT_EQ(RunVigil({"init", "--data", dir}, &out), 0);
  EXPECT_NE(out.find("admin password: "), std::string::npos) << out;
  ASSERT_EQ(RunVigil({"init", "--data", dir}, &out), 0);
  EXPECT_NE(out.find("already initialised"), std::string::npos) << out;
  EXPECT_EQ(out.find("admin password"), std::string::npos);
}

TEST(Cli, TokenCreatePrintsOnlyTheToken) {
  TempDir tmp("vigil-cli");
  std::string dir = tmp.Join("data"), out;
  InitDataDir(dir);
  ASSERT_EQ(RunVigil({"user", "add", "--data", dir, "--name", "acme", "--role", "integration"}), 0);
  ASSERT_EQ(RunVigil({"token", "create", "--data", dir, "--user", "acme"}, &out), 0);
  ASSERT_EQ(out.back(), '\n');
  std::string token = out.substr(0, out.size() - 1);
  EXPECT_EQ(token.find('\n'), std::string::npos);
  EXPECT_EQ(token.rfind("vgl_", 0), 0u);
  EXPECT_GE(token.size(), 4u + 43u);  // 256 bits in base64url
}

TEST(Cli, BadInputExitsNonZeroNamingTheProblem) {
  TempDir tmp("vigil-cli");
  std::string dir = tmp.Join("data"), out;
  InitDataDir(dir);
  EXPECT_NE(RunCapturingAll({"user", "add", "--data", dir, "--name", "x", "--role", "wizard"}, &out), 0);
  EXPECT_NE(out.find("--role"), std::string::npos) << out;
  EXPECT_NE(RunCapturingAll({"user", "add", "--data", dir, "--name", "Bad Name", "--role", "agent"}, &out), 0);
  EXPECT_NE(out.find("name"), std::string::npos) << out;
  EXPECT_NE(RunCapturingAll({"user", "add", "--data", dir, "--name", "ann", "--role", "agent",
                             "--password", "short"}, &out), 0);
  EXPECT_NE(out.find("password"), std::string::npos) << out;
  EXPECT_NE(RunCapturingAll({"token", "create", "--data", dir, "--user", "ghost"}, &out), 0);
  EXPECT_NE(out.find("ghost"), std::string::npos) << out;
  EXPECT_NE(RunCapturingAll({"serve", "--data", tmp.Join("nowhere")}, &out), 0);
  EXPECT_NE(out.find("vigil init"), std::string::npos) << out;
  EXPECT_NE(RunCapturingAll({"export", "--data", dir, "--what", "secrets"}, &out), 0);
  // A negative count was once read as 2^64 - 5 items: a demo that never ended.
  EXPECT_NE(RunCapturingAll({"demo", "--data", dir, "--items", "-5"}, &out), 0);
  EXPECT_NE(out.find("--items"), std::string::npos) << out;
  EXPECT_NE(RunCapturingAll({"demo", "--data", dir, "--items", "0"}, &out), 0);
  EXPECT_NE(out.find("--items"), std::string::npos) << out;
  EXPECT_NE(
      RunCapturingAll(
          {"policy", "backtest", "--data", dir, "--policy", "spam", "--threads", "100000"}, &out),
      0);
  EXPECT_NE(out.find("--threads"), std::string::npos) << out;
  EXPECT_EQ(RunCapturingAll({"frobnicate"}, &out), 2);
  EXPECT_NE(out.find("unknown command 'frobnicate'"), std::string::npos) << out;
  // None of that created users.
  ASSERT_EQ(RunVigil({"user", "list", "--data", dir}, &out), 0);
  EXPECT_EQ(out.find("ann"), std::string::npos);
  EXPECT_EQ(out.find("Bad"), std::string::npos);
  EXPECT_EQ(out.find("agent.alex"), std::string::npos);  // nor a demo
}

TEST(Cli, ImportExportRoundTripAndLineNumbersForBadLines) {
  TempDir tmp("vigil-cli");
  std::string a = tmp.Join("a"), b = tmp.Join("b"), out;
  InitDataDir(a);
  InitDataDir(b);
  std::vector<json> flags;
  for (int i = 0; i < 50; ++i) {
    json f = SampleFlag("rt-" + std::to_string(i % 20), "rep-" + std::to_string(i), {{"n", i}});
    f["received_at"] = "2026-11-0" + std::to_string(1 + i % 9) + "T10:00:00Z";
    flags.push_back(f);
  }
  std::string good = tmp.Join("good.ndjson");
  std::ofstream(good) << Lines(flags);
  ASSERT_EQ(RunCapturingAll({"import", "--data", a, "--file", good}, &out), 0) << out;
  EXPECT_NE(out.find("imported 50 flags"), std::string::npos) << out;

  std::string exported;
  ASSERT_EQ(RunVigil({"export", "--data", a}, &exported), 0);
  auto rows = ParseNdjson(exported);
  ASSERT_EQ(rows.size(), 50u);
  EXPECT_EQ(rows[0]["received_at"], flags[0]["received_at"].get<std::string>().substr(0, 19) + ".000Z");
  EXPECT_EQ(rows[0]["content"]["text"], flags[0]["content"]["text"]);

  // The export imports as is into another data directory and exports identically (ids aside).
  std::string exp_file = tmp.Join("export.ndjson");
  std::ofstream(exp_file) << exported;
  ASSERT_EQ(RunCapturingAll({"import", "--data", b, "--file", exp_file}, &out), 0) << out;
  std::string exported_b;
  ASSERT_EQ(RunVigil({"export", "--data", b}, &exported_b), 0);
  EXPECT_EQ(exported_b, exported);

  // Bad lines: reported with their number, the valid ones kept, exit code 1.
  std::string bad = tmp.Join("bad.ndjson");
  std::ofstream(bad) << flags[0].dump() << "\n{broken\n"
                     << R"({"content_id": "rt-1", "reason": "nope", "source": "automated"})" << "\n";
  EXPECT_EQ(RunCapturingAll({"import", "--data", b, "--file", bad}, &out), 1);
  EXPECT_NE(out.find("line 2"), std::string::npos) << out;
  EXPECT_NE(out.find("line 3"), std::string::npos) << out;
  EXPECT_NE(out.find("reason"), std::string::npos) << out;
  EXPECT_NE(out.find("imported 1 flags, rejected 2 lines"), std::string::npos) << out;
  EXPECT_EQ(RunVigil({"audit", "verify", "--data", b}), 0);
}

TEST(Cli, DemoLoadsARealisticDataSetOnce) {
  TempDir tmp("vigil-cli");
  std::string dir = tmp.Join("data"), out;
  InitDataDir(dir);
  ASSERT_EQ(RunCapturingAll({"demo", "--data", dir, "--items", "400"}, &out), 0) << out;
  EXPECT_NE(out.find("0 rejected"), std::string::npos) << out;
  // The starter term lists come with the demo and the served analysis finds them valid.
  EXPECT_NE(out.find("starter term lists into"), std::string::npos) << out;
  std::string lists;
  ASSERT_EQ(RunVigil({"lists", "export", "--data", dir, "--name", "scam-phrases"}, &lists), 0);
  EXPECT_NE(lists.find("double your crypto"), std::string::npos) << lists;
  // A demo senior decided a share of the cases, so the analysis report has something to say.
  EXPECT_EQ(out.find(" 0 cases decided"), std::string::npos) << out;
  std::string report;
  ASSERT_EQ(RunVigil({"analysis", "report", "--data", dir, "--json"}, &report), 0);
  auto r = nlohmann::json::parse(report);
  EXPECT_GT(r["cases"].get<int>(), 20) << report;
  EXPECT_GT(r["actioned"].get<int>(), 0);
  EXPECT_GT(r["no_violation"].get<int>(), 0);
  EXPECT_FALSE(r["signals"].empty());
  ASSERT_EQ(RunCapturingAll({"demo", "--data", dir, "--if-empty"}, &out), 0);
  EXPECT_NE(out.find("already loaded"), std::string::npos) << out;
  std::string exported;
  ASSERT_EQ(RunVigil({"export", "--data", dir}, &exported), 0);
  auto rows = ParseNdjson(exported);
  EXPECT_GT(rows.size(), 1000u);
  std::set<std::string> sources, languages;
  for (const auto& r : rows) {
    sources.insert(r["source"].get<std::string>());
    if (r["content"].contains("language")) languages.insert(r["content"]["language"].get<std::string>());
  }
  EXPECT_TRUE(sources.count("trusted_flagger"));
  EXPECT_TRUE(sources.count("legal_order"));
  EXPECT_TRUE(sources.count("automated"));
  EXPECT_GE(languages.size(), 6u);
  EXPECT_EQ(RunVigil({"audit", "verify", "--data", dir}), 0);
}

TEST(Cli, HelpDescribesEverySubcommand) {
  std::string out;
  ASSERT_EQ(RunCapturingAll({"--help-all"}, &out), 0);
  for (const char* sub : {"init", "serve", "user", "token", "import", "export", "audit", "demo",
                          "--data", "--listen", "--what", "--items"})
    EXPECT_NE(out.find(sub), std::string::npos) << sub;
  // Nested subcommands have their own help.
  ASSERT_EQ(RunCapturingAll({"user", "add", "--help"}, &out), 0);
  for (const char* opt : {"--name", "--role", "--password", "--teams", "integration"})
    EXPECT_NE(out.find(opt), std::string::npos) << opt;
  ASSERT_EQ(RunCapturingAll({"token", "create", "--help"}, &out), 0);
  EXPECT_NE(out.find("--user"), std::string::npos);
  ASSERT_EQ(RunCapturingAll({"audit", "verify", "--help"}, &out), 0);
  EXPECT_NE(out.find("sequence number"), std::string::npos);
}

}  // namespace
}  // namespace vigil::testing
