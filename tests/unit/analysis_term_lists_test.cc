#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "analysis/term_lists.h"

namespace vigil::analysis {
namespace {

const char* kScamList = R"(# Scam phrases
@name scam-phrases
@category scam
@severity 4
@language en
@owner trust-safety
free money
crypto giveaway
sub:cunt
!scunthorpe
re:double your (crypto|bitcoin|btc)
kill
)";

std::shared_ptr<const TermMatcher> Compile(const std::string& text) {
  auto list = ParseTermList(text, "fallback");
  EXPECT_TRUE(list.ok()) << (list.ok() ? "" : list.error().field + ": " + list.error().message);
  auto m = TermMatcher::Compile({list.value()});
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return m.value();
}

// The entries (as written) that matched, each with the original text it was found in.
std::vector<std::pair<std::string, std::string>> Find(const TermMatcher& m, const std::string& text) {
  Normalized n = Normalizer::Normalize(text);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& hit : m.Match(text, n)) {
    out.emplace_back(m.lists()[hit.list].entries[hit.entry].text,
                     text.substr(hit.span.begin, hit.span.end - hit.span.begin));
  }
  return out;
}

using Hits = std::vector<std::pair<std::string, std::string>>;

TEST(AnalysisTermLists, ParsesHeadersAndEntries) {
  auto list = ParseTermList(kScamList, "x");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->name, "scam-phrases");
  EXPECT_EQ(list->category, "scam");
  EXPECT_EQ(list->severity, 4);
  EXPECT_EQ(list->owner, "trust-safety");
  ASSERT_EQ(list->entries.size(), 6u);
  EXPECT_EQ(list->entries[2].kind, EntryKind::kSubstring);
  EXPECT_TRUE(list->entries[3].allow);
  EXPECT_EQ(list->entries[4].kind, EntryKind::kRegex);
  EXPECT_EQ(list->entries[4].line, 11);
  auto again = ParseTermList(FormatTermList(list.value()), "x");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(FormatTermList(again.value()), FormatTermList(list.value()));
}

TEST(AnalysisTermLists, MalformedListsNameTheLineAndReason) {
  auto bad_re = ParseTermList("@name a\nok\nre:(unclosed\n", "a");
  ASSERT_FALSE(bad_re.ok());
  EXPECT_EQ(bad_re.error().field, "line 3");
  EXPECT_NE(bad_re.error().message.find("invalid regular expression"), std::string::npos);
  auto header = ParseTermList("word\n@severity 3\n", "a");
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().field, "line 2");
  auto severity = ParseTermList("@severity 9\n", "a");
  ASSERT_FALSE(severity.ok());
  EXPECT_NE(severity.error().message.find("1 to 5"), std::string::npos);
  auto unknown = ParseTermList("@colour red\n", "a");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("@colour"), std::string::npos);
  auto invisible = ParseTermList("\xE2\x80\x8B\xE2\x80\x8D\n", "a");
  ASSERT_FALSE(invisible.ok());
  EXPECT_EQ(invisible.error().field, "line 1");
  auto utf8 = ParseTermList("ok\nbad \xFF\n", "a");
  ASSERT_FALSE(utf8.ok());
  EXPECT_EQ(utf8.error().field, "line 2");
  auto empty_re = ParseTermList("re:a*\n", "a");  // matches the empty string
  ASSERT_FALSE(empty_re.ok());
  EXPECT_EQ(empty_re.error().field, "line 1");
  EXPECT_FALSE(ParseTermList("x\n", "Bad Name!").ok());
}

TEST(AnalysisTermLists, MatchesEvasionsWithSpansInTheOriginal) {
  auto m = Compile(kScamList);
  EXPECT_EQ(Find(*m, "Get FREE MONEY today"), (Hits{{"free money", "FREE MONEY"}}));
  EXPECT_EQ(Find(*m, "get fr\xD0\xB5\xD0\xB5 money"),  // Cyrillic е
            (Hits{{"free money", "fr\xD0\xB5\xD0\xB5 money"}}));
  EXPECT_EQ(Find(*m, "fr33 m0ney!!"), (Hits{{"free money", "fr33 m0ney"}}));
  EXPECT_EQ(Find(*m, "win f r e e  m o n e y now"), (Hits{{"free money", "f r e e  m o n e y"}}));
  EXPECT_EQ(Find(*m, "win f r e e m o n e y now"), (Hits{{"free money", "f r e e m o n e y"}}));
  EXPECT_EQ(Find(*m, "fr\xE2\x80\x8D" "ee mon\xE2\x80\x8C" "ey"),
            (Hits{{"free money", "fr\xE2\x80\x8D" "ee mon\xE2\x80\x8C" "ey"}}));
  EXPECT_EQ(Find(*m, "CRYPTO   Giveaway"), (Hits{{"crypto giveaway", "CRYPTO   Giveaway"}}));
  EXPECT_EQ(Find(*m, "Double your BTC fast"), (Hits{{"double your (crypto|bitcoin|btc)", "Double your BTC"}}));
}

TEST(AnalysisTermLists, WholeWordsByDefaultAndAllowListExceptions) {
  auto m = Compile(kScamList);
  EXPECT_TRUE(Find(*m, "great skills").empty());            // "kill" is a whole-word entry
  EXPECT_EQ(Find(*m, "I will kill it").size(), 1u);
  EXPECT_TRUE(Find(*m, "Scunthorpe United won").empty());   // substring entry, allow-listed
  EXPECT_EQ(Find(*m, "you cunt").size(), 1u);
  EXPECT_TRUE(Find(*m, "freemoneyfest").empty());
}

TEST(AnalysisTermLists, HundredThousandEntryListCompilesAndMatches) {
  std::string text = "@name big\n";
  for (int i = 0; i < 100000; ++i) text += "term" + std::to_string(i) + "x\n";
  auto list = ParseTermList(text, "big");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->entries.size(), 100000u);
  auto m = TermMatcher::Compile({list.value()});
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m.value()->pattern_count(), 100000u);
  // "term31337x": digits in a word with letters fold as leetspeak on both sides, so entries that
  // fold to the same form ("term31337x", "term313337x") all match; the one written matches too.
  auto hits = Find(*m.value(), "this has term31337x in it");
  ASSERT_FALSE(hits.empty());
  EXPECT_TRUE(std::count(hits.begin(), hits.end(), std::pair<std::string, std::string>{"term31337x", "term31337x"}));
  EXPECT_TRUE(Find(*m.value(), "this has term31337y in it").empty());
}

TEST(AnalysisTermLists, ReloadSwapsWhileMatchingContinues) {
  TermLibrary lib;
  ASSERT_TRUE(lib.Replace({ParseTermList("@name a\nalpha\n", "a").value()}).ok());
  auto before = lib.Current();
  std::atomic<bool> stop{false};
  std::atomic<int> scans{0};
  std::thread reader([&] {
    while (!stop) {
      auto m = lib.Current();
      Normalized n = Normalizer::Normalize("alpha beta");
      EXPECT_EQ(m->Match("alpha beta", n).size(), 1u);
      ++scans;
    }
  });
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(lib.Replace({ParseTermList("@name a\nalpha\nbeta" + std::string(1, static_cast<char>('k' + i)) + "\n", "a").value()}).ok());
  while (scans < 100) std::this_thread::yield();
  stop = true;
  reader.join();
  // A bad list changes nothing.
  auto current = lib.Current();
  EXPECT_FALSE(lib.Replace({ParseTermList("@name a\nalpha\n", "a").value(),
                            ParseTermList("@name b\nre:(((\n", "b").ok()
                                ? TermList{}
                                : TermList{"b", ListKind::kTerms, "", 1, "any", "", "",
                                           DomainAction::kWatch, {{"(((", EntryKind::kRegex, false, 7}}}})
                   .ok());
  EXPECT_EQ(lib.Current(), current);
  EXPECT_NE(before, current);
}

}  // namespace
}  // namespace vigil::analysis
