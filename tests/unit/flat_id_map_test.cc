// FlatIdMap (the platform-id tail's map): random inserts, erases and retains agree with
// std::unordered_map, through growth and backward-shift deletion; keys stay readable until the
// next Retain.
#include "store/flat_id_map.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>

namespace vigil::store {
namespace {

void ExpectSame(const FlatIdMap& m, const std::unordered_map<std::string, int64_t>& ref) {
  ASSERT_EQ(m.size(), ref.size());
  for (const auto& [k, v] : ref) {
    const int64_t* got = m.Find(k);
    ASSERT_TRUE(got) << k;
    EXPECT_EQ(*got, v) << k;
  }
  size_t seen = 0;
  m.ForEach([&](FlatIdMap::KeyRef key, int64_t value) {
    auto it = ref.find(std::string(m.Key(key)));
    ASSERT_NE(it, ref.end());
    EXPECT_EQ(it->second, value);
    ++seen;
  });
  EXPECT_EQ(seen, ref.size());
}

TEST(FlatIdMap, AgreesWithUnorderedMapUnderRandomOperations) {
  FlatIdMap m;
  std::unordered_map<std::string, int64_t> ref;
  std::mt19937_64 rng(7);
  // Few distinct keys, so inserts of present keys, erases of absent ones and long probe runs all
  // happen; some keys are long, some empty.
  auto key = [&] {
    uint64_t n = rng() % 3000;
    return n % 97 == 0 ? std::string()
                       : "platform-id-" + std::to_string(n) + std::string(n % 40, 'x');
  };
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 5000; ++i) {
      std::string k = key();
      if (rng() % 3) {
        auto r = m.Insert(k, static_cast<int64_t>(i));
        auto [it, inserted] = ref.emplace(k, i);
        EXPECT_EQ(r.inserted, inserted);
        EXPECT_EQ(r.value, it->second);
        if (r.inserted) {
          EXPECT_EQ(m.Key(r.key), k);
        }
      } else {
        EXPECT_EQ(m.Erase(k), ref.erase(k) == 1) << k;
      }
    }
    ExpectSame(m, ref);
    int64_t cut = static_cast<int64_t>(rng() % 5000);
    m.Retain([&](std::string_view, int64_t v) { return v > cut; });
    std::erase_if(ref, [&](const auto& e) { return e.second <= cut; });
    ExpectSame(m, ref);
  }
  m.Clear();
  EXPECT_TRUE(m.empty());
  EXPECT_FALSE(m.Find("platform-id-1"));
  EXPECT_FALSE(m.Erase("platform-id-1"));
}

TEST(FlatIdMap, AnAddedKeyStaysReadableThroughGrowthAndErasesOfOthers) {
  FlatIdMap m;
  auto first = m.Insert("first-key-longer-than-sso", 1).key;
  for (int i = 0; i < 100000; ++i) m.Insert("k" + std::to_string(i), i);
  for (int i = 0; i < 100000; i += 2) EXPECT_TRUE(m.Erase("k" + std::to_string(i)));
  EXPECT_EQ(m.Key(first), "first-key-longer-than-sso");
  EXPECT_EQ(*m.Find("first-key-longer-than-sso"), 1);
  EXPECT_EQ(m.size(), 50001u);
  for (int i = 1; i < 100000; i += 2) ASSERT_TRUE(m.Find("k" + std::to_string(i)));
}

}  // namespace
}  // namespace vigil::store
