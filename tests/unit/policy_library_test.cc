// The running policy library: loads DATA/policies, refuses a bad file without changing what runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "policy/library.h"
#include "support/test_support.h"

namespace vigil::policy {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string PolicyYaml(const std::string& id) {
  return "id: " + id + "\ntitle: T\ndsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD\n"
         "guidelines: g\nclauses: { S1: s }\ntree:\n  - if: analysis.domain_block\n"
         "    then: { action: remove, clause: S1 }\n  - else: { needs_human_review: true }\n";
}

TEST(PolicyLibrary, LoadsEveryFileAndKeepsTheOldSetOnAnError) {
  testing::TempDir tmp;
  std::string dir = tmp.Join("policies");
  PolicyLibrary missing(dir);
  ASSERT_TRUE(missing.Reload());
  EXPECT_TRUE(missing.Running()->empty());

  std::filesystem::create_directories(dir);
  Write(dir + "/b.yaml", PolicyYaml("scams"));
  Write(dir + "/a.yaml", PolicyYaml("abuse"));
  Write(dir + "/notes.txt", "not a policy");
  PolicyLibrary lib(dir);
  ASSERT_TRUE(lib.Reload());
  auto set = lib.Running();
  ASSERT_EQ(set->size(), 2u);
  EXPECT_EQ((*set)[0].policy->id, "abuse");
  EXPECT_EQ((*set)[1].policy->id, "scams");
  EXPECT_EQ((*set)[0].mode, Mode::kActive);
  int version = 0;
  ASSERT_NE(lib.Find("scams", &version), nullptr);
  EXPECT_EQ(version, 1);
  EXPECT_EQ(lib.Find("nope"), nullptr);

  Write(dir + "/c.yaml", "id: broken\ntree: [");
  auto st = lib.Reload();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().field.find("c.yaml"), std::string::npos) << st.error().field;
  EXPECT_EQ(lib.Running(), set);  // unchanged

  std::filesystem::remove(dir + "/c.yaml");
  Write(dir + "/d.yaml", PolicyYaml("abuse"));
  st = lib.Reload();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("also used"), std::string::npos);
}

}  // namespace
}  // namespace vigil::policy
