// Policy versions kept in the store: files become versions, saves are validated and written
// back, activation, shadow and rollback move what Running() serves, every change is an event.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/library.h"
#include "store/group_commit.h"
#include "store/store.h"
#include "support/test_support.h"

namespace vigil::policy {
namespace {

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string PolicyYaml(const std::string& id, const std::string& action = "remove") {
  return "id: " + id + "\ntitle: T " + id +
         "\ndsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD\n"
         "guidelines: g\nclauses: { S1: s }\ntree:\n  - if: analysis.domain_block\n"
         "    then: { action: " +
         action + ", clause: S1 }\n  - else: { needs_human_review: true }\n";
}

class PolicyVersionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Join("policies");
    std::filesystem::create_directories(dir_);
    Write(dir_ + "/scams.yaml", PolicyYaml("scams"));
    Open();
  }
  void Open() {
    lib_.reset();
    writer_.reset();
    store_ = store::OpenSqliteStore(tmp_.path());
    writer_ = std::make_unique<store::GroupCommitter>(*store_);
    lib_ = std::make_unique<PolicyLibrary>(dir_, *store_, *writer_, clock_);
    ASSERT_TRUE(lib_->Reload());
  }
  std::vector<std::string> EventTypes() {
    std::vector<std::string> out;
    store_->BeginRead()->ScanEvents(0, [&](events::Event& e) {
      if (e.subject.rfind("policy:", 0) == 0) out.push_back(e.type + " " + e.actor);
      return true;
    });
    return out;
  }
  // "id@version/mode" of everything running.
  std::vector<std::string> Running() {
    std::vector<std::string> out;
    for (const auto& r : *lib_->Running())
      out.push_back(r.policy->id + "@" + std::to_string(r.version) + "/" + ModeName(r.mode));
    return out;
  }

  testing::TempDir tmp_;
  std::string dir_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::GroupCommitter> writer_;
  std::unique_ptr<PolicyLibrary> lib_;
};

TEST_F(PolicyVersionsTest, AFileBecomesVersionOneActiveAndAnEditedFileTheNextVersion) {
  EXPECT_EQ(Running(), std::vector<std::string>{"scams@1/active"});
  EXPECT_EQ(EventTypes(),
            (std::vector<std::string>{"policy.version_created file", "policy.activated file"}));
  ASSERT_TRUE(lib_->Reload());  // unchanged file: nothing new
  EXPECT_EQ(lib_->Versions("scams").size(), 1u);

  Write(dir_ + "/scams.yaml", PolicyYaml("scams", "no_violation"));
  ASSERT_TRUE(lib_->Reload());
  auto versions = lib_->Versions("scams");
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[1].author, "file");
  EXPECT_EQ(versions[1].reason, "scams.yaml changed on disk");
  int version = 0;
  ASSERT_NE(lib_->Find("scams", &version), nullptr);
  EXPECT_EQ(version, 2);

  // Restart: the versions are the store's, not the files'.
  Open();
  EXPECT_EQ(lib_->Versions("scams").size(), 2u);
  EXPECT_EQ(Running(), std::vector<std::string>{"scams@2/active"});
}

TEST_F(PolicyVersionsTest, SaveActivateShadowAndRollBack) {
  auto saved =
      lib_->Save("scams", PolicyYaml("scams", "no_violation"), {"user:7", "too strict"}, false);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(saved->version, 2);
  EXPECT_EQ(Read(dir_ + "/scams.yaml"), PolicyYaml("scams", "no_violation"));
  EXPECT_EQ(Running(), std::vector<std::string>{"scams@1/active"});  // saved, not active

  ASSERT_TRUE(lib_->StartShadow("scams", 2, {"user:7", "try it"}));
  EXPECT_EQ(Running(), (std::vector<std::string>{"scams@1/active", "scams@2/shadow"}));
  EXPECT_EQ(lib_->StartShadow("scams", 1, {"user:7", "x"}).error().code, ErrorCode::kConflict);

  ASSERT_TRUE(lib_->Activate("scams", 2, {"user:7", "shadow agreed"}));
  EXPECT_EQ(Running(), std::vector<std::string>{"scams@2/active"});  // shadow ended
  EXPECT_EQ(lib_->Activate("scams", 2, {"user:7", "again"}).error().code, ErrorCode::kConflict);
  EXPECT_EQ(lib_->Activate("scams", 9, {"user:7", "x"}).error().code, ErrorCode::kNotFound);

  auto back = lib_->Rollback("scams", {"user:7", "complaints"});
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, 1);
  EXPECT_EQ(Running(), std::vector<std::string>{"scams@1/active"});
  EXPECT_EQ(lib_->Rollback("scams", {"user:7", "x"}).error().code, ErrorCode::kConflict);

  ASSERT_TRUE(lib_->StartShadow("scams", 2, {"user:7", "again"}));
  ASSERT_TRUE(lib_->StopShadow("scams", {"user:7", "enough"}));
  EXPECT_EQ(lib_->StopShadow("scams", {"user:7", "x"}).error().code, ErrorCode::kConflict);

  EXPECT_EQ(EventTypes(), (std::vector<std::string>{
                              "policy.version_created file", "policy.activated file",
                              "policy.version_created user:7", "policy.shadow_started user:7",
                              "policy.activated user:7", "policy.shadow_stopped user:7",
                              "policy.rolled_back user:7", "policy.shadow_started user:7",
                              "policy.shadow_stopped user:7"}));
  auto diff = lib_->Diff("scams", 1, 2);
  ASSERT_TRUE(diff);
  EXPECT_NE(diff->find("-    then: { action: remove, clause: S1 }\n"
                       "+    then: { action: no_violation, clause: S1 }\n"),
            std::string::npos)
      << *diff;
}

TEST_F(PolicyVersionsTest, AnInvalidTextIsRefusedWithItsPlaceAndChangesNothing) {
  std::string bad = PolicyYaml("scams");
  bad.replace(bad.find("analysis.domain_block"), 21, "analysis.domain_blok");
  Rejected rejected;
  auto saved = lib_->Save("scams", bad, {"user:7", "typo"}, true, &rejected);
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().field, "scams.yaml:7:9") << saved.error().message;
  ASSERT_FALSE(rejected.issues.empty());
  EXPECT_EQ(rejected.issues[0].kind, "unknown_signal");
  EXPECT_EQ(Read(dir_ + "/scams.yaml"), PolicyYaml("scams"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/scams.yaml.tmp"));
  EXPECT_EQ(lib_->Versions("scams").size(), 1u);
  EXPECT_EQ(EventTypes().size(), 2u);

  EXPECT_EQ(
      lib_->Save("other", PolicyYaml("scams", "no_violation"), {"u", "r"}, false).error().field,
      "id");
  EXPECT_EQ(lib_->Save("", PolicyYaml("scams", "no_violation"), {"u", "r"}, false).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(lib_->Save("scams", PolicyYaml("scams"), {"u", "r"}, false).error().code,
            ErrorCode::kConflict);  // identical to the latest version
  EXPECT_EQ(
      lib_->Save("scams", PolicyYaml("scams", "no_violation"), {"u", ""}, false).error().field,
      "reason");

  // A new policy gets its own file.
  auto created = lib_->Save("", PolicyYaml("abuse"), {"user:7", "new"}, true);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->id, "abuse");
  EXPECT_EQ(Read(dir_ + "/abuse.yaml"), PolicyYaml("abuse"));
  EXPECT_EQ(Running(), (std::vector<std::string>{"abuse@1/active", "scams@1/active"}));
}

}  // namespace
}  // namespace vigil::policy
