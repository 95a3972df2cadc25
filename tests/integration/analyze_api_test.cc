// POST /v1/analyze and the lists workflow end to end: `vigil lists import` into a data directory,
// a served analysis with spans in the original text, hot reload, and refused bad lists.
#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(AnalyzeApi, ListsImportedByCliAreMatchedAndReloadedWithoutRestart) {
  TempDir tmp("vigil-analyze");
  std::string data;
  std::string token = SetUpServerWithToken(tmp, "integration", &data);
  std::string admin = CreateUserWithToken(data, "eng-1", "engineering");

  Write(tmp.Join("scam.list"), "@name scam\n@category scam\n@severity 4\nfree money\n");
  std::string out;
  ASSERT_EQ(RunVigil({"lists", "import", "--data", data, "--file", tmp.Join("scam.list")}, &out), 0);
  EXPECT_NE(out.find("imported list scam (1 entries)"), std::string::npos) << out;

  // A malformed list is refused with its line and reason, and nothing is installed.
  Write(tmp.Join("bad.list"), "@name bad\nfine\nre:(oops\n");
  EXPECT_EQ(RunVigil({"lists", "check", tmp.Join("bad.list")}), 1);
  EXPECT_EQ(RunVigil({"lists", "import", "--data", data, "--file", tmp.Join("bad.list")}), 1);
  EXPECT_FALSE(std::ifstream(data + "/lists/bad.list").good());

  ServerProcess server;
  ASSERT_TRUE(server.Start(data));
  HttpClient c(server.port());
  c.set_token(token);
  std::string text = "Get fr\xD0\xB5\xD0\xB5 m0ney at https://bit.ly/x";
  auto r = c.PostJson("/v1/analyze", {{"text", text}, {"language", "en"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json body = r.json();
  int terms = 0, shorteners = 0;
  for (const auto& s : body["signals"]) {
    EXPECT_FALSE(s["why"].get<std::string>().empty());
    if (s["name"] == "term_match") {
      ++terms;
      EXPECT_EQ(s["value"], "free money");
      size_t b = s["spans"][0]["begin"], e = s["spans"][0]["end"];
      EXPECT_EQ(text.substr(b, e - b), "fr\xD0\xB5\xD0\xB5 m0ney");
    }
    shorteners += s["name"] == "url_shortener";
  }
  EXPECT_EQ(terms, 1) << r.body;
  EXPECT_EQ(shorteners, 1) << r.body;

  // Bad requests are problem+json naming the field.
  auto bad = c.PostJson("/v1/analyze", {{"txt", "x"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["field"], "txt");

  // A second list, imported while serving, applies on reload.
  Write(tmp.Join("crypto.list"), "@name crypto\ncrypto giveaway\n");
  ASSERT_EQ(RunVigil({"lists", "import", "--data", data, "--file", tmp.Join("crypto.list")}), 0);
  c.set_token(admin);
  auto reload = c.Post("/v1/lists:reload", "{}");
  ASSERT_EQ(reload.status, 200) << reload.body;
  EXPECT_EQ(reload.json()["lists"].size(), 2u);
  c.set_token(token);
  r = c.PostJson("/v1/analyze", {{"text", "CRYPTO  GIVEAWAY!!"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"crypto giveaway\""), std::string::npos) << r.body;

  ASSERT_EQ(RunVigil({"lists", "export", "--data", data, "--name", "scam"}, &out), 0);
  EXPECT_NE(out.find("@name scam"), std::string::npos);
  EXPECT_NE(out.find("free money"), std::string::npos);
}

}  // namespace
}  // namespace vigil::testing
