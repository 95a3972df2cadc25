// Policy versions through the API and the CLI on a served data directory: the starter library
// seeded by init, create, an invalid edit refused with its place and nothing changed, activate,
// shadow, rollback, diff, flowcharts with a path, the events, and a restart keeping it all.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/workflow_fixture.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

std::string TreeYaml(const std::string& action) {
  return "id: t-scam\ntitle: Test scams\ndsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD\n"
         "severity: high\nguidelines: |\n  Scams are removed.\nclauses: { S1: Scams }\n"
         "examples:\n  - text: \"send 1 BTC get 2 back\"\n    decision: remove\n    clause: S1\n"
         "    why: classic doubling scam\ntree:\n"
         "  - if: analysis.domain_block\n    then: { action: " +
         action +
         ", clause: S1 }\n"
         "  - else: { question: scam }\nquestions:\n  scam:\n    ask: \"Is it a scam?\"\n"
         "    yes: { action: remove, clause: S1 }\n    no: { action: no_violation }\n";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class PolicyVersionsApiTest : public WorkflowTest {
 protected:
  json Get(const std::string& token, const std::string& target, int status = 200) {
    auto r = Client(token)->Get(target);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    return r.json();
  }
  json Post(const std::string& token, const std::string& target, const json& body, int status) {
    auto r = Client(token)->PostJson(target, body);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    return r.json();
  }
  // "type version" of the events about a policy, in log order.
  std::vector<std::string> Events(const std::string& id) {
    std::vector<std::string> out;
    json events = Get(admin_, "/v1/events?limit=1000");
    for (const auto& e : events["events"])
      if (e["subject"] == "policy:" + id) {
        const json& p = e["payload"];
        std::string v = p.contains("version") ? std::to_string(p["version"].get<int>())
                                              : std::to_string(p["to"].get<int>());
        out.push_back(e["type"].get<std::string>() + " " + v);
      }
    return out;
  }
};

TEST_F(PolicyVersionsApiTest, CreateEditActivateShadowRollBackAndRestart) {
  std::string senior = CreateUserWithToken(data_, "sen", "senior");
  // The starter library ships in the binary: init seeded it, the server runs version 1 of each.
  json list = Get(a1_, "/v1/policies");
  std::set<std::string> ids;
  for (const auto& p : list["policies"]) {
    ids.insert(p["id"].get<std::string>());
    EXPECT_EQ(p["active_version"], 1) << p;
    EXPECT_FALSE(p["title"].get<std::string>().empty());
  }
  EXPECT_TRUE(ids.count("harassment")) << list;
  EXPECT_TRUE(ids.count("child_safety")) << list;

  // Agents read, they do not write.
  Post(a1_, "/v1/policies", {{"yaml", TreeYaml("remove")}, {"reason", "x"}}, 403);
  json created =
      Post(senior, "/v1/policies",
           {{"yaml", TreeYaml("remove")}, {"reason", "new scam policy"}, {"activate", true}}, 201);
  EXPECT_EQ(created["id"], "t-scam");
  EXPECT_EQ(created["version"], 1);
  EXPECT_EQ(ReadFile(data_ + "/policies/t-scam.yaml"), TreeYaml("remove"));

  // An invalid edit: 422 naming file:line:column, and nothing changes.
  std::string bad = TreeYaml("remove");
  bad.replace(bad.find("analysis.domain_block"), 21, "analysis.domain_blok");
  json refused =
      Post(senior, "/v1/policies/t-scam/versions", {{"yaml", bad}, {"reason", "typo"}}, 422);
  EXPECT_EQ(refused["field"], "t-scam.yaml:14:9") << refused;
  ASSERT_FALSE(refused["issues"].empty());
  EXPECT_EQ(refused["issues"][0]["line"], 14);
  EXPECT_EQ(refused["issues"][0]["kind"], "unknown_signal");
  EXPECT_EQ(Get(a1_, "/v1/policies/t-scam/versions")["versions"].size(), 1u);
  EXPECT_EQ(ReadFile(data_ + "/policies/t-scam.yaml"), TreeYaml("remove"));
  json check = Post(senior, "/v1/policies:check", {{"yaml", bad}}, 200);
  EXPECT_EQ(check["ok"], false);
  EXPECT_EQ(check["issues"][0]["column"], 9);

  // Version 2, saved but not active; then activated, version 1 in shadow, and rolled back.
  Post(senior, "/v1/policies/t-scam/versions",
       {{"yaml", TreeYaml("no_violation")}, {"reason", "too strict"}}, 201);
  json v2 = Get(a1_, "/v1/policies/t-scam?version=2");
  EXPECT_EQ(v2["state"], "inactive");
  EXPECT_EQ(v2["author"].get<std::string>().rfind("user:", 0), 0u) << v2;
  EXPECT_EQ(v2["reason"], "too strict");
  EXPECT_EQ(v2["summary"]["title"], "Test scams");
  EXPECT_EQ(v2["summary"]["examples"][0]["clause"], "S1");
  EXPECT_EQ(Get(a1_, "/v1/policies/t-scam")["version"], 1);  // the active one
  json diff = Get(a1_, "/v1/policies/t-scam/diff?from=1&to=2");
  EXPECT_NE(diff["diff"].get<std::string>().find("+    then: { action: no_violation, clause: S1 }"),
            std::string::npos)
      << diff;

  Post(senior, "/v1/policies/t-scam/activate", {{"version", 2}, {"reason", "agreed"}}, 200);
  Post(senior, "/v1/policies/t-scam/activate", {{"version", 2}, {"reason", "again"}}, 409);
  Post(admin_, "/v1/policies/t-scam/shadow", {{"version", 1}, {"reason", "compare"}}, 200);
  json versions = Get(a1_, "/v1/policies/t-scam/versions");
  EXPECT_EQ(versions["active_version"], 2);
  EXPECT_EQ(versions["shadow_version"], 1);
  EXPECT_EQ(versions["versions"][0]["state"], "shadow");
  Post(senior, "/v1/policies/t-scam/rollback", {{"reason", "complaints"}}, 200);
  versions = Get(a1_, "/v1/policies/t-scam/versions");
  EXPECT_EQ(versions["active_version"], 1);
  EXPECT_TRUE(versions["shadow_version"].is_null());  // the shadow version became active
  Post(senior, "/v1/policies/t-scam/rollback", {{"reason", "again"}}, 409);
  Post(senior, "/v1/policies/t-scam/shadow", {{"version", 2}, {"reason", "watch it"}}, 200);
  json bad_body =
      Post(senior, "/v1/policies/t-scam/shadow", {{"version", "2"}, {"reason", "x"}}, 422);
  EXPECT_EQ(bad_body["field"], "version");

  // The flowchart of the active version with a decision's path highlighted.
  auto svg = Client(a1_)->Get(
      "/v1/policies/t-scam/render?format=svg&path=tree[0],tree[1].else,questions.scam");
  ASSERT_EQ(svg.status, 200) << svg.body;
  EXPECT_EQ(svg.header("content-type"), "image/svg+xml");
  EXPECT_EQ(svg.header("x-policy-version"), "1");
  EXPECT_NE(svg.body.find("Is it a scam?"), std::string::npos);
  EXPECT_NE(svg.body.find("class=\"node path\""), std::string::npos);
  auto mermaid =
      Client(a1_)->Get("/v1/policies/t-scam/render?format=mermaid&version=2&path=tree[0]");
  ASSERT_EQ(mermaid.status, 200);
  EXPECT_NE(mermaid.body.find("class n0 path"), std::string::npos) << mermaid.body;
  json unknown = Get(a1_, "/v1/policies/t-scam/render?path=tree[0],nowhere", 422);
  EXPECT_EQ(unknown["field"], "path");

  std::vector<std::string> expected = {"policy.version_created 1", "policy.activated 1",
                                       "policy.version_created 2", "policy.activated 2",
                                       "policy.shadow_started 1",  "policy.rolled_back 1",
                                       "policy.shadow_stopped 1",  "policy.shadow_started 2"};
  EXPECT_EQ(Events("t-scam"), expected);

  // A restart keeps the versions and what runs; an edited file becomes a version by "file".
  ASSERT_TRUE(server_.Start(data_));
  versions = Get(a1_, "/v1/policies/t-scam/versions");
  EXPECT_EQ(versions["versions"].size(), 2u);
  EXPECT_EQ(versions["active_version"], 1);
  EXPECT_EQ(versions["shadow_version"], 2);
  std::ofstream(data_ + "/policies/t-scam.yaml") << TreeYaml("suspend_account_7d");
  Post(senior, "/v1/policies:reload", json::object(), 200);
  versions = Get(a1_, "/v1/policies/t-scam/versions");
  EXPECT_EQ(versions["active_version"], 3);
  EXPECT_EQ(versions["versions"][2]["author"], "file");
  EXPECT_EQ(Events("t-scam").size(), expected.size() + 2);
}

TEST_F(PolicyVersionsApiTest, ADecisionCitingALibraryPolicyNamesAStoredVersion) {
  int64_t id = Flag(SampleFlag("pv-decide", "u1"));
  std::string path = "/v1/cases/" + std::to_string(id) + "/decisions";
  json unknown = Post(admin_, path,
                      {{"case_version", Case(id)["version"]},
                       {"actions", {"remove"}},
                       {"policy", {{"id", "harassment"}, {"version", "9"}}}},
                      422);
  EXPECT_EQ(unknown["field"], "policy.version");
  Post(admin_, path,
       {{"case_version", Case(id)["version"]},
        {"actions", {"remove"}},
        {"policy", {{"id", "harassment"}, {"clause", "H2"}}}},
       201);
  json decided = Case(id);
  EXPECT_EQ(decided["decisions"][0]["policy"]["version"], "1") << decided;  // the active one
}

TEST_F(PolicyVersionsApiTest, TheCliWorksOnTheSameVersions) {
  server_.Stop();
  std::string out;
  EXPECT_EQ(RunVigil({"policy", "versions", "--data", data_}, &out), 0);
  EXPECT_NE(out.find("harassment"), std::string::npos) << out;
  std::string harassment = ReadFile(data_ + "/policies/harassment.yaml");
  std::ofstream(data_ + "/policies/harassment.yaml") << harassment << "# v2\n";
  out.clear();
  EXPECT_EQ(RunVigil({"policy", "versions", "--data", data_, "harassment"}, &out), 0);
  EXPECT_NE(out.find("harassment.yaml changed on disk"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(RunVigil({"policy", "diff", "--data", data_, "harassment", "1", "2"}, &out), 0);
  EXPECT_NE(out.find("+# v2"), std::string::npos) << out;
  EXPECT_EQ(RunVigil({"policy", "rollback", "--data", data_, "harassment", "--reason", "test"}), 0);
  EXPECT_EQ(RunVigil({"policy", "shadow", "--data", data_, "harassment", "2", "--reason", "t"}), 0);
  EXPECT_EQ(RunVigil({"policy", "shadow", "--data", data_, "harassment", "1", "--reason", "t"}), 1);
  EXPECT_EQ(RunVigil({"policy", "activate", "--data", data_, "harassment", "7", "--reason", "t"}),
            1);
  EXPECT_EQ(RunVigil({"policy", "activate", "--data", data_, "nope", "1", "--reason", "t"}), 1);
  EXPECT_EQ(
      RunVigil({"policy", "shadow", "--data", data_, "harassment", "--stop", "--reason", "t"}), 0);
  out.clear();
  EXPECT_EQ(RunVigil({"policy", "versions", "--data", data_, "harassment"}, &out), 0);
  EXPECT_NE(out.find("active"), std::string::npos);
  EXPECT_EQ(out.find("shadow"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(RunVigil({"policy", "render", data_ + "/policies/harassment.yaml", "--format", "svg",
                      "--path", "tree[0]"},
                     &out),
            0);
  EXPECT_NE(out.find("class=\"node path\""), std::string::npos);
  EXPECT_EQ(
      RunVigil({"policy", "render", data_ + "/policies/harassment.yaml", "--path", "nowhere"}), 2);
}

}  // namespace
}  // namespace vigil::testing
