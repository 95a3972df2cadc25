// vigil.yaml: the default text parses to the defaults, and a bad value names its key.
#include "core/config.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(Config, DefaultTextGivesTheDefaults) {
  auto c = Config::FromYaml(Config::DefaultYaml());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().max_group_commit, 4096u);
  EXPECT_EQ(c.value().background_max_wait_ms, 5000);
}

TEST(Config, BackgroundMaxWaitIsReadAndChecked) {
  auto c = Config::FromYaml("storage:\n  background_max_wait_ms: 250\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().background_max_wait_ms, 250);
  auto bad = Config::FromYaml("storage:\n  background_max_wait_ms: 0\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "storage.background_max_wait_ms");
  auto unknown = Config::FromYaml("storage:\n  background_wait: 5\n");
  ASSERT_FALSE(unknown);
}

}  // namespace
}  // namespace vigil
