#include <gtest/gtest.h>
#include <unicode/normalizer2.h>
#include <unicode/uspoof.h>

#include <random>
#include <string>

#include "analysis/normalize.h"
#include "analysis/normalize_internal.h"

namespace vigil::analysis {
namespace {

std::string Utf8(char32_t c) {
  std::string s;
  icu::UnicodeString(static_cast<UChar32>(c)).toUTF8String(s);
  return s;
}

// ICU's own answers, one call per string: the reference the tables must reproduce.
class IcuReference {
 public:
  IcuReference() {
    UErrorCode st = U_ZERO_ERROR;
    spoof_ = uspoof_open(&st);
    cf_ = icu::Normalizer2::getNFKCCasefoldInstance(st);
    EXPECT_TRUE(U_SUCCESS(st));
  }
  ~IcuReference() { uspoof_close(spoof_); }
  std::string Skeleton(const std::string& s) const {
    UErrorCode st = U_ZERO_ERROR;
    std::string out(s.size() * 8 + 16, '\0');
    int32_t n = uspoof_getSkeletonUTF8(spoof_, 0, s.data(), static_cast<int32_t>(s.size()),
                                       out.data(), static_cast<int32_t>(out.size()), &st);
    EXPECT_TRUE(U_SUCCESS(st)) << u_errorName(st);
    out.resize(n);
    return out;
  }
  std::string SkeletonOfCaseFolded(const std::string& s) const {
    UErrorCode st = U_ZERO_ERROR;
    std::string folded;
    cf_->normalize(icu::UnicodeString::fromUTF8(s), st).toUTF8String(folded);
    return Skeleton(folded);
  }

 private:
  USpoofChecker* spoof_ = nullptr;
  const icu::Normalizer2* cf_ = nullptr;
};

TEST(AnalysisNormalize, SkeletonIsIcusForEveryCodePoint) {
  IcuReference icu;
  size_t checked = 0, mismatches = 0;
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;  // surrogates cannot appear in UTF-8
    std::string s = Utf8(c);
    std::string want = icu.Skeleton(s);
    std::string got = Normalizer::Skeleton(s);
    if (got != want && ++mismatches <= 10) ADD_FAILURE() << "skeleton of U+" << std::hex << unsigned(c);
    std::string want_cf = icu.SkeletonOfCaseFolded(s);
    std::string got_cf = Normalizer::Normalize(s, NormalizeOptions::Exact()).text;
    if (got_cf != want_cf && ++mismatches <= 10)
      ADD_FAILURE() << "skeleton of NFKC_Casefold of U+" << std::hex << unsigned(c);
    ++checked;
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(checked, 0x110000u - 0x800u);
}

// Strings exercise what single code points cannot: canonical reordering of combining marks
// across code points, Hangul, marks after removed characters.
TEST(AnalysisNormalize, SkeletonIsIcusOnRandomMixedStrings) {
  IcuReference icu;
  const std::vector<char32_t> pool = {
      'a', 'A', 'm', '0', '1', 'I', ' ', 0xE9, 0x301, 0x316, 0x323, 0x302, 0x327, 0x31B, 0x345,
      0x399, 0x3B9, 0x430, 0x435, 0x440, 0x456, 0xAC00, 0x1100, 0x1161, 0x11A8, 0x200D, 0x202E,
      0xFF46, 0x1D41F, 0xFB01, 0x2160, 0x5B4, 0x5B9, 0x5C1, 0x64B, 0x651, 0x1E9E, 0xDF, 0x130,
      0x3D3, 0x1F80, 0x0F73, 0x0F75, 0x0F81, 0x0E48, 0x0E38, 0x093C, 0x094D, 0x1E0A, 0x0307};
  std::mt19937 rng(42);
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    int len = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < len; ++k) s += Utf8(pool[rng() % pool.size()]);
    ASSERT_EQ(Normalizer::Skeleton(s), icu.Skeleton(s)) << s;
    ASSERT_EQ(Normalizer::Normalize(s, NormalizeOptions::Exact()).text, icu.SkeletonOfCaseFolded(s))
        << s;
  }
}

// The one-pass path (taken for most texts) against the staged path it stands in for, on mixed
// text, with every combination of the folding options: same text, same offset map.
TEST(AnalysisNormalize, FusedPassAgreesWithStagedPath) {
  const internal::Tables& t = internal::GetTables();
  const std::vector<std::string> pool = {
      "free", " money", "Hello", ", ", "? ", "'s", "\xD0\xBF\xD1\x80\xD0\xB8",
      " \xD0\xBC\xD0\xB8\xD1\x80", "\xE4\xBB\x8A\xE6\x97\xA5", "r", "o", "a", "m", "M", "rn",
      "e", "E", "l", "I", "0", "1", "3", "4", "@", "$", "!", "|", " ", "  ",
      "\t", ".", "-", "*", ",", "\xC2\xB7", "\xC2\xA0", "\xC3\xA9", "e\xCC\x81", "\xC3\x9F",
      "\xCC\xA3", "\xCC\x81", "\xD0\xB5", "\xD0\xB9", "\xD0\xBF", "\xD1\x80", "\xCE\xB1",
      "\xE3\x81\x8C", "\xE4\xBB\x8A", "\xE3\x80\x82", "\xEF\xBC\x8C", "\xD9\x85",
      "\xD9\x8B", "\xE2\x80\x8D", "\xE2\x80\xAE", "\xEF\xBD\x86", "\xF0\x9D\x90\x9F",
      "\xF0\x9F\x98\x82", "\xEF\xAC\x81", "\xEA\xB0\x80", "\xC3", "\xED\xA0\x80"};
  Normalized fused, staged;
  // A word after spaces, then one ending in a letter and an alphabetic mark (Thai sara u), then
  // two spaced letters: not a spaced run (the one-pass path once carried "after a separator"
  // over the first word and joined "l l").
  const std::string after_word = "! \xCF\xB3x fo\xE0\xB8\xB8 l l";
  ASSERT_TRUE(internal::NormalizeFused(t, after_word, {}, &fused));
  internal::NormalizeStaged(t, after_word, {}, &staged);
  EXPECT_EQ(fused.text, staged.text);
  EXPECT_EQ(fused.origin, staged.origin);
  EXPECT_NE(fused.text.find(" l l"), std::string::npos) << fused.text;

  std::mt19937 rng(7);
  size_t fused_taken = 0, rounds = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    int len = 1 + static_cast<int>(rng() % 16);
    for (int k = 0; k < len; ++k) s += pool[rng() % pool.size()];
    NormalizeOptions o;
    const unsigned bits = round % 4 == 0 ? 31u : static_cast<unsigned>(rng() % 32);
    o.collapse_space = bits & 1;
    o.join_spaced = bits & 2;
    o.fold_leet = bits & 4;
    o.fold_repeats = bits & 8;
    o.lower_skeleton = bits & 16;
    ++rounds;
    if (!internal::NormalizeFused(t, s, o, &fused)) continue;
    ++fused_taken;
    internal::NormalizeStaged(t, s, o, &staged);
    ASSERT_EQ(fused.text, staged.text) << s << " options " << bits;
    ASSERT_EQ(fused.origin, staged.origin) << s << " options " << bits;
  }
  EXPECT_GT(fused_taken, rounds / 2);  // the comparison is not vacuous
}

std::string Norm(const std::string& s) { return Normalizer::Normalize(s).text; }

TEST(AnalysisNormalize, EvasionsReadTheSame) {
  std::string plain = Norm("free money");
  EXPECT_EQ(plain, Norm("FREE MONEY"));
  EXPECT_EQ(plain, Norm("fr\xD0\xB5\xD0\xB5 money"));                // Cyrillic е
  EXPECT_EQ(plain, Norm("fr33 m0ney"));                              // leetspeak
  EXPECT_EQ(plain, Norm("f r e e  m o n e y"));                      // spaced letters
  EXPECT_EQ(plain, Norm("f.r.e.e m.o.n.e.y"));
  EXPECT_EQ(plain, Norm("fr\xE2\x80\x8D" "ee mo\xE2\x80\x8Bney"));  // ZWJ, ZWSP inside words
  EXPECT_EQ(plain, Norm("\xE2\x80\xAE" "free money\xE2\x80\xAC"));   // bidi override
  EXPECT_EQ(plain, Norm("\xEF\xBD\x86\xEF\xBD\x92\xEF\xBD\x85\xEF\xBD\x85 money"));  // fullwidth
  EXPECT_EQ(plain, Norm("freeeeee   moneyyy"));
  EXPECT_EQ(plain, Norm("  free\t\n money "));
  EXPECT_EQ(plain, Norm("\xF0\x9D\x90\x9F\xF0\x9D\x90\xAB\xF0\x9D\x90\x9E\xF0\x9D\x90\x9E money"));  // math bold
}

TEST(AnalysisNormalize, LeaveOrdinaryTextAlone) {
  EXPECT_NE(Norm("free!"), Norm("freei"));    // a trailing ! is punctuation, not an i
  EXPECT_EQ(Norm("$100"), Norm("$100"));
  EXPECT_NE(Norm("a b"), Norm("ab"));          // two single letters are not a spaced word
  EXPECT_NE(Norm("free money"), Norm("freemoney"));
  EXPECT_EQ(Norm("h@te"), Norm("hate"));
}

TEST(AnalysisNormalize, SpansMapBackToTheOriginalBytes) {
  // Cyrillic е (2 bytes each) and a zero-width joiner inside the word.
  std::string original = "Get fr\xD0\xB5\xE2\x80\x8D\xD0\xB5 cash";
  Normalized n = Normalizer::Normalize(original);
  size_t at = n.text.find(Norm("free"));
  ASSERT_NE(at, std::string::npos) << n.text;
  Span span = n.ToOriginal(original, at, at + Norm("free").size());
  EXPECT_EQ(original.substr(span.begin, span.end - span.begin), "fr\xD0\xB5\xE2\x80\x8D\xD0\xB5");

  std::string spaced = "win f r e e  m o n e y now";
  Normalized m = Normalizer::Normalize(spaced);
  std::string needle = Norm("money");
  at = m.text.find(needle);
  ASSERT_NE(at, std::string::npos) << m.text;
  span = m.ToOriginal(spaced, at, at + needle.size());
  EXPECT_EQ(spaced.substr(span.begin, span.end - span.begin), "m o n e y");
  ASSERT_EQ(m.origin.size(), m.text.size() + 1);
  EXPECT_EQ(m.origin.back(), spaced.size());
}

TEST(AnalysisNormalize, PathologicalInputIsBounded) {
  // 400,000 combining marks on one letter: kept to the run limit, no quadratic reordering.
  std::string zalgo = "a";
  for (int i = 0; i < 400000; ++i) zalgo += (i % 2) ? "\xCC\x81" : "\xCC\xA3";
  Normalized n = Normalizer::Normalize(zalgo);
  EXPECT_FALSE(n.truncated);
  EXPECT_EQ(n.dropped_marks, 400000u - 30u);
  EXPECT_LT(n.text.size(), 100u);
  // Exact ICU skeleton on the same input still finishes (stable sort, not insertion sort).
  EXPECT_FALSE(Normalizer::Skeleton(zalgo).empty());

  std::string huge(3 << 20, 'x');
  huge[1 << 20] = '\xC3';  // a 2-byte sequence straddling the default limit
  NormalizeOptions opts;
  Normalized h = Normalizer::Normalize(huge, opts);
  EXPECT_TRUE(h.truncated);
  EXPECT_LE(h.origin.back(), opts.max_input_bytes);
}

TEST(AnalysisNormalize, IllFormedUtf8ReadsAsReplacementCharacter) {
  std::string bad = "fr\xC3" "ee \xED\xA0\x80 \xF8";
  Normalized n = Normalizer::Normalize(bad);
  EXPECT_NE(n.text.find("\xEF\xBF\xBD"), std::string::npos);
  for (uint32_t o : n.origin) EXPECT_LE(o, bad.size());
}

}  // namespace
}  // namespace vigil::analysis
