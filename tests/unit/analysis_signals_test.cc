#include <gtest/gtest.h>

#include "analysis/analyzer.h"
#include "analysis/language.h"
#include "analysis/urls.h"

namespace vigil::analysis {
namespace {

TEST(AnalysisUrls, RegistrableDomainsFromThePublicSuffixList) {
  const auto& psl = PublicSuffixList::Default();
  ASSERT_GT(psl.rule_count(), 5000u) << "publicsuffix package missing?";
  EXPECT_EQ(psl.RegistrableDomain("www.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl.RegistrableDomain("a.b.example.com"), "example.com");
  EXPECT_EQ(psl.RegistrableDomain("co.uk"), "");
  EXPECT_EQ(psl.RegistrableDomain("foo.bar.kawasaki.jp"), "foo.bar.kawasaki.jp");  // *.kawasaki.jp
  EXPECT_EQ(psl.RegistrableDomain("www.city.kawasaki.jp"), "city.kawasaki.jp");    // !city.kawasaki.jp
  EXPECT_EQ(psl.RegistrableDomain("user.github.io"), "user.github.io");
  EXPECT_EQ(psl.RegistrableDomain(HostToAscii("www.пример.рф")), "xn--e1afmkfd.xn--p1ai");
}

// The list's text format: comments, blank lines, text after a rule, CRLF, wildcards,
// exceptions, IDN rules and a last line without its newline.
TEST(AnalysisUrls, ParsesThePublicSuffixListFormat) {
  auto psl = PublicSuffixList::Parse(
      "// ===BEGIN ICANN DOMAINS===\n\ncom\nuk\r\nco.uk extra words\n// comment\n"
      "*.kawasaki.jp\n!city.kawasaki.jp\n\xd1\x80\xd1\x84\njp");
  ASSERT_TRUE(psl.ok());
  EXPECT_EQ(psl->rule_count(), 7u);
  EXPECT_EQ(psl->RegistrableDomain("www.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl->RegistrableDomain("a.b.example.com"), "example.com");
  EXPECT_EQ(psl->RegistrableDomain("foo.bar.kawasaki.jp"), "foo.bar.kawasaki.jp");
  EXPECT_EQ(psl->RegistrableDomain("www.city.kawasaki.jp"), "city.kawasaki.jp");
  EXPECT_EQ(psl->PublicSuffix("shop.xn--p1ai"), "xn--p1ai");
  for (const char* tld : {"a.com", "a.uk", "a.jp", "a.xn--p1ai"})
    EXPECT_TRUE(psl->KnownTld(tld)) << tld;
  EXPECT_FALSE(psl->KnownTld("a.extra"));
  EXPECT_FALSE(psl->KnownTld("a.words"));
  EXPECT_FALSE(PublicSuffixList::Parse("// only a comment\n\n").ok());
}

TEST(AnalysisUrls, ExtractsUrlsWithSpansAndFlagsShorteners) {
  std::string text = "Claim at https://bit.ly/3xYz, see www.Example.co.uk/path. or shop.evil-deals.com! "
                     "not.a.domain.zzzz, version 1.2";
  auto urls = ExtractUrls(text, PublicSuffixList::Default());
  ASSERT_EQ(urls.size(), 3u);
  EXPECT_EQ(urls[0].url, "https://bit.ly/3xYz");
  EXPECT_EQ(text.substr(urls[0].span.begin, urls[0].span.end - urls[0].span.begin), "https://bit.ly/3xYz");
  EXPECT_TRUE(urls[0].shortener);
  EXPECT_EQ(urls[1].host, "www.example.co.uk");
  EXPECT_EQ(urls[1].registrable_domain, "example.co.uk");
  EXPECT_EQ(urls[1].url, "www.Example.co.uk/path");
  EXPECT_EQ(urls[2].registrable_domain, "evil-deals.com");
  EXPECT_FALSE(urls[2].shortener);
}

TEST(AnalysisLanguage, DetectsLanguagesOfShortPosts) {
  EXPECT_EQ(DetectLanguage("The quick brown fox jumps over the lazy dog and runs into the forest").code, "en");
  EXPECT_EQ(DetectLanguage("Le renard brun rapide saute par-dessus le chien paresseux et court dans la forêt").code, "fr");
  EXPECT_EQ(DetectLanguage("Быстрая коричневая лиса прыгает через ленивую собаку и убегает в лес").code, "ru");
  EXPECT_EQ(DetectLanguage("").code, "und");
}

TEST(AnalysisAnalyzer, ExplainedSignalsWithSpansInTheOriginal) {
  Analyzer a("/nonexistent");
  ASSERT_TRUE(a.SetLists({ParseTermList("@name scam\n@category scam\n@severity 4\nfree money\n", "scam").value(),
                          ParseTermList("@name bad-domains\n@kind domains\n@action block\nevil-deals.com\n", "d").value()})
                  .ok());
  std::string text = "Get fr\xD0\xB5\xE2\x80\x8D\xD0\xB5 money now at https://shop.evil-deals.com/x and bit.ly/abc";
  auto r = a.Analyze(text, "en");
  std::map<std::string, int> names;
  for (const auto& s : r.signals) ++names[s.name];
  EXPECT_EQ(names["term_match"], 1);
  EXPECT_EQ(names["domain_block"], 1);
  EXPECT_EQ(names["url_shortener"], 1);
  EXPECT_EQ(names["url"], 2);
  EXPECT_EQ(names["obfuscation"], 2);  // the zero-width joiner, the Latin/Cyrillic word
  EXPECT_EQ(names["language"], 1);
  for (const auto& s : r.signals) {
    EXPECT_FALSE(s.why.empty()) << s.name;
    if (s.name == "term_match") {
      ASSERT_EQ(s.spans.size(), 1u);
      EXPECT_EQ(text.substr(s.spans[0].begin, s.spans[0].end - s.spans[0].begin),
                "fr\xD0\xB5\xE2\x80\x8D\xD0\xB5 money");
      EXPECT_DOUBLE_EQ(s.score, 0.8);
      EXPECT_NE(s.why.find("list scam"), std::string::npos);
    }
  }
  auto j = r.ToJson();
  EXPECT_TRUE(j["signals"].is_array());
  EXPECT_EQ(j["language"]["code"], "en");
}

// A replay's analyzer shares the compiled lists and loaded models, and never the external
// classifier (its budget and latency are for live content).
TEST(AnalysisAnalyzer, LocalSnapshotSharesListsAndModelsButNotTheExternalClassifier) {
  Analyzer a("/nonexistent");
  ASSERT_TRUE(a.SetLists({ParseTermList("@name scam\n@category scam\n@severity 4\nfree money\n", "scam").value()})
                  .ok());
  ExternalClassifierConfig external;
  external.enabled = true;
  external.url = "http://127.0.0.1:9/v1/moderations";
  a.SetExternalClassifier(std::make_shared<ExternalClassifier>(external));
  auto copy = a.LocalSnapshot();
  EXPECT_EQ(copy->lists().get(), a.lists().get());
  EXPECT_EQ(copy->classifiers()->size(), a.classifiers()->size());
  EXPECT_EQ(copy->external_classifier(), nullptr);
  ASSERT_NE(a.external_classifier(), nullptr);
  auto r = copy->Analyze("free money here", "en");
  int terms = 0;
  for (const auto& s : r.signals) {
    terms += s.name == "term_match";
    EXPECT_NE(s.name.rfind("external_classifier", 0), 0u) << s.name;
  }
  EXPECT_EQ(terms, 1);
}

TEST(AnalysisAnalyzer, OversizedInputIsTruncatedNotStalled) {
  AnalyzerLimits limits;
  limits.max_text_bytes = 1000;
  Analyzer a("/nonexistent", limits);
  std::string text(5 << 20, 'a');
  auto r = a.Analyze(text);
  EXPECT_TRUE(r.truncated);
  bool flagged = false;
  for (const auto& s : r.signals) flagged |= s.name == "input_truncated";
  EXPECT_TRUE(flagged);
}

}  // namespace
}  // namespace vigil::analysis
