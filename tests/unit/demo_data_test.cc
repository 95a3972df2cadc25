#include "intake/demo_data.h"

#include "core/taxonomy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "core/clock.h"

namespace vigil::intake {
namespace {

using nlohmann::json;

constexpr Millis kMinute = 60'000;
constexpr Millis kDay = 24 * 60 * kMinute;

// The reasons the server accepts: every demo flag must use one of them.
const std::set<std::string> kReasons = [] {
  std::set<std::string> codes;
  for (const auto& r : Taxonomy::Default().reasons()) codes.insert(r.code);
  return codes;
}();
const std::set<std::string> kSources = {"user", "trusted_flagger", "automated", "legal_order",
                                        "internal"};
const std::set<std::string> kTypes = {"text", "image", "video", "url", "account", "product"};
const std::set<std::string> kFlagKeys = {"content",     "content_id",  "reason",       "source",
                                         "reporter",    "explanation", "location_url", "bona_fide",
                                         "legal_order", "metadata",    "received_at"};
const std::set<std::string> kContentKeys = {
    "id", "type", "text", "url", "media", "author", "created_at", "reach", "language", "metadata"};

Millis Time(const json& v) {
  EXPECT_TRUE(v.is_string());
  const std::string s = v.is_string() ? v.get<std::string>() : "";
  EXPECT_TRUE(!s.empty() && s.back() == 'Z') << s;
  const auto t = ParseIso8601(s);
  EXPECT_TRUE(t.has_value()) << s;
  return t.value_or(0);
}

bool IsHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) &&
                  !std::isupper(static_cast<unsigned char>(c));
         });
}

class DemoDataTest : public ::testing::Test {
 protected:
  static DemoOptions Options() {
    DemoOptions o;
    o.seed = 7;
    o.content_items = 3000;
    o.now = *ParseIso8601("2026-11-25T12:00:00Z");
    o.days = 14;
    return o;
  }
  static void SetUpTestSuite() { data_ = new DemoDataSet(GenerateDemoData(Options())); }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }
  static const DemoDataSet& Data() { return *data_; }

  static DemoDataSet* data_;
};
DemoDataSet* DemoDataTest::data_ = nullptr;

TEST_F(DemoDataTest, SameOptionsGiveByteIdenticalOutput) {
  const DemoDataSet again = GenerateDemoData(Options());
  ASSERT_EQ(again.flags.size(), Data().flags.size());
  for (size_t i = 0; i < again.flags.size(); ++i)
    ASSERT_EQ(again.flags[i].dump(), Data().flags[i].dump()) << i;
  EXPECT_EQ(again.trusted_flaggers, Data().trusted_flaggers);
  EXPECT_EQ(again.mass_reporters, Data().mass_reporters);
  EXPECT_EQ(again.burst_marker, Data().burst_marker);

  DemoOptions other = Options();
  other.seed = 8;
  const DemoDataSet different = GenerateDemoData(other);
  EXPECT_NE(different.flags.front().dump() + different.flags.back().dump(),
            Data().flags.front().dump() + Data().flags.back().dump());
}

TEST_F(DemoDataTest, EveryFlagIsWellFormed) {
  for (const json& f : Data().flags) {
    ASSERT_TRUE(f.is_object());
    for (const auto& [key, value] : f.items()) EXPECT_TRUE(kFlagKeys.count(key)) << key;
    ASSERT_TRUE(f.contains("reason") && f.contains("source") && f.contains("received_at"))
        << f.dump();
    EXPECT_TRUE(kReasons.count(f["reason"].get<std::string>())) << f["reason"];
    const std::string source = f["source"].get<std::string>();
    EXPECT_TRUE(kSources.count(source)) << source;
    EXPECT_NE(f.contains("content"), f.contains("content_id")) << f.dump();
    if (source == "user" || source == "trusted_flagger") {
      ASSERT_TRUE(f.contains("reporter")) << f.dump();
      EXPECT_TRUE(f["reporter"]["id"].is_string());
      Time(f["reporter"]["created_at"]);
    }
    if (f.contains("reporter") && f["reporter"].contains("contact")) {
      EXPECT_TRUE(f["reporter"]["contact"]["name"].is_string());
      EXPECT_NE(f["reporter"]["contact"]["email"].get<std::string>().find('@'), std::string::npos);
    }
    EXPECT_EQ(source == "legal_order", f.contains("legal_order")) << f.dump();
    if (f.contains("explanation")) {
      EXPECT_LE(f["explanation"].get<std::string>().size(), 5000u);
    }
    if (f.contains("bona_fide")) {
      EXPECT_TRUE(f["bona_fide"].is_boolean());
    }
    if (f.contains("metadata")) {
      EXPECT_TRUE(f["metadata"].is_object());
    }
    if (f.contains("location_url")) {
      EXPECT_EQ(f["location_url"].get<std::string>().rfind("https://", 0), 0u);
    }
    if (f.contains("content_id")) {
      EXPECT_TRUE(f["content_id"].is_string());
      continue;
    }
    const json& c = f["content"];
    for (const auto& [key, value] : c.items()) EXPECT_TRUE(kContentKeys.count(key)) << key;
    const std::string id = c["id"].get<std::string>();
    EXPECT_TRUE(!id.empty() && id.size() <= 256);
    const std::string type = c["type"].get<std::string>();
    EXPECT_TRUE(kTypes.count(type)) << type;
    EXPECT_LE(c["text"].get<std::string>().size(), 20000u);
    EXPECT_FALSE(c["text"].get<std::string>().empty());
    EXPECT_EQ(c["language"].get<std::string>().size(), 2u);
    ASSERT_TRUE(c["author"]["id"].is_string());
    EXPECT_LT(Time(c["author"]["created_at"]), Time(c["created_at"]) + 1);
    EXPECT_LT(Time(c["created_at"]), Time(f["received_at"])) << id;
    for (const char* k : {"views", "followers", "shares"})
      EXPECT_GE(c["reach"][k].get<int64_t>(), 0);
    EXPECT_EQ(type == "image" || type == "video", c.contains("media")) << id;
    if (c.contains("media")) {
      ASSERT_FALSE(c["media"].empty());
      for (const json& m : c["media"]) {
        EXPECT_EQ(m["url"].get<std::string>().rfind("https://", 0), 0u);
        EXPECT_TRUE(IsHex64(m["hashes"]["sha256"].get<std::string>()));
      }
    }
    if (type == "account") {
      EXPECT_EQ(id.rfind("acct-", 0), 0u);
      EXPECT_EQ(c["author"]["id"], c["id"]);
    }
  }
}

TEST_F(DemoDataTest, TimesAreOrderedInsideTheWindowAndContentComesFirst) {
  const DemoOptions o = Options();
  const Millis end = o.now / kDay * kDay;  // the window ends at the UTC midnight of `now`
  Millis prev = end - o.days * kDay;
  std::set<std::string> sent;
  for (const json& f : Data().flags) {
    const Millis t = Time(f["received_at"]);
    EXPECT_GE(t, prev);
    EXPECT_LE(t, end);
    prev = t;
    if (f.contains("content")) {
      sent.insert(f["content"]["id"].get<std::string>());
    } else {
      EXPECT_TRUE(sent.count(f["content_id"].get<std::string>())) << "refers to unsent content";
    }
  }
  // Later days are somewhat busier than earlier ones.
  size_t first_half = 0;
  for (const json& f : Data().flags)
    first_half += Time(f["received_at"]) < end - o.days * kDay / 2;
  EXPECT_LT(first_half, Data().flags.size() / 2);
}

TEST_F(DemoDataTest, CountsAndMixAreRealistic) {
  const size_t items = Options().content_items;
  std::set<std::string> contents, languages, types, user_reporters;
  std::map<std::string, size_t> by_source, user_reasons;
  for (const json& f : Data().flags) {
    const std::string source = f["source"].get<std::string>();
    ++by_source[source];
    if (f.contains("content")) {
      contents.insert(f["content"]["id"].get<std::string>());
      languages.insert(f["content"]["language"].get<std::string>());
      types.insert(f["content"]["type"].get<std::string>());
    }
    const std::string reporter =
        f.contains("reporter") ? f["reporter"]["id"].get<std::string>() : "";
    if (source == "user" && reporter.rfind("user-", 0) == 0) {
      user_reporters.insert(reporter);
      ++user_reasons[f["reason"].get<std::string>()];
    }
  }
  EXPECT_GE(Data().flags.size(), 3 * items);
  EXPECT_LE(Data().flags.size(), 5 * items);
  EXPECT_GE(contents.size(), items * 9 / 10);
  EXPECT_LE(contents.size(), items * 11 / 10);
  EXPECT_GE(languages.size(), 6u);
  EXPECT_EQ(types, kTypes);
  EXPECT_GE(user_reporters.size(), 1200u);
  EXPECT_LE(user_reporters.size(), 2000u);
  EXPECT_GE(by_source["legal_order"], 15u);
  EXPECT_LE(by_source["legal_order"], 25u);
  EXPECT_GE(by_source["automated"], 150u);
  EXPECT_LE(by_source["automated"], 800u);
  EXPECT_GE(by_source["internal"], 1u);
  EXPECT_EQ(user_reasons.size(), kReasons.size());  // every reason is used
  // Spam and harassment are the most common user reasons; child safety is rare.
  for (const auto& [reason, n] : user_reasons) {
    if (reason != "spam" && reason != "harassment") {
      EXPECT_LT(n, user_reasons["spam"]) << reason;
      EXPECT_LT(n, user_reasons["harassment"]) << reason;
    }
  }
  EXPECT_LT(user_reasons["child_safety"] * 100, Data().flags.size());
}

TEST_F(DemoDataTest, LegalOrdersAreComplete) {
  for (const json& f : Data().flags) {
    if (f["source"] != "legal_order") continue;
    EXPECT_FALSE(f.contains("reporter"));
    const json& lo = f["legal_order"];
    for (const char* k : {"authority", "legal_ground", "reference"})
      EXPECT_FALSE(lo[k].get<std::string>().empty()) << k;
    ASSERT_FALSE(lo["territorial_scope"].empty());
    for (const json& c : lo["territorial_scope"]) EXPECT_EQ(c.get<std::string>().size(), 2u);
    const Millis gap = Time(lo["deadline"]) - Time(f["received_at"]);
    EXPECT_GE(gap, 1 * kDay);
    EXPECT_LE(gap, 7 * kDay);
  }
}

TEST_F(DemoDataTest, TrustedFlaggersAreOrganisationsWithAccurateNotices) {
  ASSERT_EQ(Data().trusted_flaggers.size(), 5u);
  std::map<std::string, size_t> per_flagger;
  for (const json& f : Data().flags) {
    if (f["source"] != "trusted_flagger") continue;
    const std::string id = f["reporter"]["id"].get<std::string>();
    EXPECT_NE(std::find(Data().trusted_flaggers.begin(), Data().trusted_flaggers.end(), id),
              Data().trusted_flaggers.end());
    EXPECT_EQ(f.value("bona_fide", false), true);
    EXPECT_TRUE(f["reporter"]["contact"]["name"].is_string());
    EXPECT_TRUE(f["reporter"]["contact"]["email"].is_string());
    ++per_flagger[id];
  }
  for (const std::string& id : Data().trusted_flaggers) {
    EXPECT_EQ(id.rfind("tf-", 0), 0u);
    EXPECT_GE(per_flagger[id], 10u) << id;
  }
}

TEST_F(DemoDataTest, MassReportersActTogether) {
  ASSERT_GE(Data().mass_reporters.size(), 5u);
  std::map<std::string, std::set<std::string>> targets;
  std::map<std::string, Millis> created;
  Millis first = INT64_MAX, last = 0;
  for (const json& f : Data().flags) {
    if (!f.contains("reporter")) continue;
    const std::string id = f["reporter"]["id"].get<std::string>();
    if (std::find(Data().mass_reporters.begin(), Data().mass_reporters.end(), id) ==
        Data().mass_reporters.end())
      continue;
    EXPECT_EQ(f["source"], "user");
    const std::string reason = f["reason"].get<std::string>();
    EXPECT_TRUE(reason == "hate_speech" || reason == "harassment") << reason;
    targets[id].insert(f.contains("content") ? f["content"]["id"].get<std::string>()
                                             : f["content_id"].get<std::string>());
    created[id] = Time(f["reporter"]["created_at"]);
    first = std::min(first, Time(f["received_at"]));
    last = std::max(last, Time(f["received_at"]));
  }
  Millis min_created = INT64_MAX, max_created = 0;
  for (const std::string& id : Data().mass_reporters) {
    EXPECT_EQ(id.rfind("mr-", 0), 0u);
    EXPECT_GE(targets[id].size(), 150u) << id;
    min_created = std::min(min_created, created[id]);
    max_created = std::max(max_created, created[id]);
  }
  EXPECT_LE(max_created - min_created, 10 * kMinute);
  EXPECT_LE(last - first, 60 * kMinute);
  EXPECT_LT(max_created, first);
}

TEST_F(DemoDataTest, BurstOfNearIdenticalPosts) {
  const std::string& marker = Data().burst_marker;
  ASSERT_FALSE(marker.empty());
  std::map<std::string, std::string> posts;  // id -> text
  std::set<std::string> authors;
  Millis first = INT64_MAX, last = 0;
  for (const json& f : Data().flags) {
    if (!f.contains("content")) continue;
    const std::string text = f["content"]["text"].get<std::string>();
    if (text.find(marker) == std::string::npos) continue;
    posts[f["content"]["id"].get<std::string>()] = text;
    authors.insert(f["content"]["author"]["id"].get<std::string>());
    first = std::min(first, Time(f["content"]["created_at"]));
    last = std::max(last, Time(f["content"]["created_at"]));
  }
  EXPECT_GE(posts.size(), 100u);
  EXPECT_LE(posts.size(), 150u);
  EXPECT_GE(authors.size(), 30u);
  EXPECT_LE(last - first, 30 * kMinute);
  std::set<std::string> texts;
  for (const auto& [id, text] : posts) texts.insert(text);
  EXPECT_GT(texts.size(), posts.size() / 2);  // varied, not copies
}

TEST(DemoData, SmallAndShortRunsStayValid) {
  DemoOptions o;
  o.seed = 3;
  o.content_items = 200;
  o.now = *ParseIso8601("2026-03-01T00:00:00Z");
  o.days = 1;
  const DemoDataSet d = GenerateDemoData(o);
  ASSERT_FALSE(d.flags.empty());
  Millis prev = o.now - kDay;
  for (const json& f : d.flags) {
    const Millis t = *ParseIso8601(f["received_at"].get<std::string>());
    EXPECT_GE(t, prev);
    EXPECT_LE(t, o.now);
    prev = t;
    if (f.contains("content")) {
      EXPECT_LT(*ParseIso8601(f["content"]["created_at"].get<std::string>()), t);
    }
  }
  EXPECT_EQ(d.mass_reporters.size(), 6u);
}

TEST(DemoData, GeneratesThreeThousandItemsQuickly) {
  DemoOptions o;
  o.now = *ParseIso8601("2026-11-25T12:00:00Z");
  const auto start = std::chrono::steady_clock::now();
  const DemoDataSet d = GenerateDemoData(o);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  EXPECT_FALSE(d.flags.empty());
  EXPECT_LT(ms, 3000);  // typically well under a second; slack for loaded CI machines
}

}  // namespace
}  // namespace vigil::intake
