// `vigil case ...` as a reviewer uses it from a terminal against a running server: list, claim
// the next case, show it, decide it; bad input and stale versions fail with a message naming the
// field and a non-zero exit, and change nothing.
#include <gtest/gtest.h>

#include "support/workflow_fixture.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

class CaseCliTest : public WorkflowTest {
 protected:
  // Runs `vigil case ARGS --server S --token T` through a shell so stderr is captured too.
  int Case(const std::string& args, const std::string& token, std::string* out) {
    std::string cmd = std::string(VIGIL_BINARY) + " case " + args + " --server http://" +
                      server_.address() + " --token " + token + " 2>&1";
    return RunCommand({"sh", "-c", cmd}, out);
  }
  json CaseJson(int64_t id) { return WorkflowTest::Case(id); }
};

TEST_F(CaseCliTest, ListNextShowDecide) {
  int64_t id = Flag(SampleFlag("cli-1", "u1"));
  std::string out;
  ASSERT_EQ(Case("list --status open", a1_, &out), 0) << out;
  EXPECT_NE(out.find("cli-1"), std::string::npos) << out;

  ASSERT_EQ(Case("next general --json", a1_, &out), 0) << out;
  EXPECT_EQ(json::parse(out)["id"], id);
  ASSERT_EQ(Case("show " + std::to_string(id), a1_, &out), 0) << out;
  EXPECT_NE(out.find("priority"), std::string::npos) << out;
  EXPECT_NE(out.find("severity"), std::string::npos) << out;  // the breakdown's terms

  // Bad input names the field and changes nothing.
  EXPECT_NE(Case("decide " + std::to_string(id) + " --action obliterate", a1_, &out), 0);
  EXPECT_NE(out.find("actions[0]"), std::string::npos) << out;
  EXPECT_NE(Case("decide " + std::to_string(id) + " --action remove --policy ::", a1_, &out), 0);
  EXPECT_NE(out.find("--policy"), std::string::npos) << out;
  EXPECT_EQ(CaseJson(id)["status"], "open");
  // A stale version is refused with exit 4.
  int64_t version = CaseJson(id)["version"];
  EXPECT_EQ(Case("decide " + std::to_string(id) + " --action remove --version " +
                     std::to_string(version + 5),
                 a1_, &out),
            4)
      << out;

  ASSERT_EQ(Case("decide " + std::to_string(id) +
                     " --action remove --policy spam:3:S2 --facts 'Link farm' "
                     "--explanation 'Spam under S2'",
                 a1_, &out),
            0)
      << out;
  json c = CaseJson(id);
  EXPECT_EQ(c["status"], "decided");
  EXPECT_EQ(c["decisions"][0]["policy"]["clause"], "S2");
  EXPECT_EQ(c["decisions"][0]["facts"], "Link farm");
}

TEST_F(CaseCliTest, EscalateCommentAndErrorsWithoutServerOrToken) {
  ASSERT_EQ(RunVigil({"user", "add", "--data", data_, "--name", "lee", "--role", "legal",
                      "--teams", "legal"}),
            0);
  int64_t id = Flag(SampleFlag("cli-2", "u1"));
  std::string out;
  ASSERT_EQ(Case("comment " + std::to_string(id) + " --text 'Looks like a court order, cc @lee'", a1_, &out), 0) << out;
  EXPECT_NE(Case("escalate " + std::to_string(id) + " --tier legal --note 'Court order?'", a1_, &out), 0);
  EXPECT_NE(out.find("fields."), std::string::npos) << out;  // the legal tier's required fields
  EXPECT_NE(Case("escalate " + std::to_string(id) + " --tier legal --note x --field broken", a1_, &out), 0);
  EXPECT_NE(out.find("--field"), std::string::npos) << out;
  ASSERT_EQ(Case("escalate " + std::to_string(id) +
                     " --tier legal --note 'Court order?' --field jurisdiction=DE "
                     "--field 'legal_question=Is this unlawful?'",
                 a1_, &out),
            0)
      << out;
  EXPECT_EQ(CaseJson(id)["queue"], "legal");
  // Once in the legal queue, the agent's team no longer serves the case.
  EXPECT_EQ(Case("comment " + std::to_string(id) + " --text 'cc @lee'", a1_, &out), 1) << out;
  EXPECT_NE(out.find("HTTP 403"), std::string::npos) << out;

  // Without a token, or with a server that is not there, the command says which.
  std::string cmd = std::string(VIGIL_BINARY) + " case list --server http://" + server_.address() +
                    " 2>&1";
  EXPECT_NE(RunCommand({"sh", "-c", "VIGIL_TOKEN= " + cmd}, &out), 0);
  EXPECT_NE(out.find("--token"), std::string::npos) << out;
  EXPECT_NE(RunCommand({"sh", "-c", std::string(VIGIL_BINARY) +
                                        " case list --server http://127.0.0.1:1 --token x 2>&1"},
                       &out),
            0);
  EXPECT_NE(out.find("cannot reach"), std::string::npos) << out;
}

}  // namespace
}  // namespace vigil::testing
