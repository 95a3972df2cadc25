#include "analysis/unicode_tables.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/utf16.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

namespace vigil::analysis::internal {

template <typename T>
void CodePointTable<T>::Build(const std::vector<T>& dense) {
  index_.clear();
  data_.clear();
  std::map<std::vector<T>, uint16_t> seen;
  for (size_t start = 0; start < dense.size(); start += kBlock) {
    std::vector<T> block(dense.begin() + start, dense.begin() + start + kBlock);
    auto [it, inserted] = seen.emplace(std::move(block), static_cast<uint16_t>(seen.size()));
    if (inserted) data_.insert(data_.end(), it->first.begin(), it->first.end());
    index_.push_back(it->second);
  }
}

template class CodePointTable<uint64_t>;
template class CodePointTable<uint32_t>;
template class CodePointTable<uint16_t>;

namespace {

[[noreturn]] void Die(const char* what, UErrorCode st) {
  std::fprintf(stderr, "vigil: ICU %s failed: %s\n", what, u_errorName(st));
  std::abort();
}

std::u32string ToCodePoints(const icu::UnicodeString& s) {
  std::u32string out;
  for (int32_t i = 0; i < s.length();) {
    UChar32 c = s.char32At(i);
    out.push_back(static_cast<char32_t>(c));
    i += U16_LENGTH(c);
  }
  return out;
}

// Appends `repl` to the pool unless it is just `c` itself; returns the mapping value.
uint32_t Store(std::vector<char32_t>& pool, char32_t c, const std::u32string& repl) {
  if (repl.size() == 1 && repl[0] == c) return 0;
  if (repl.size() > 63) {
    std::fprintf(stderr, "vigil: mapping of U+%04X longer than 63 code points\n", unsigned(c));
    std::abort();
  }
  uint32_t v = static_cast<uint32_t>(pool.size() << 6) | static_cast<uint32_t>(repl.size());
  pool.insert(pool.end(), repl.begin(), repl.end());
  return v;
}

// Code points ICU gives no data for map to themselves in every table: unassigned code points
// (except the default-ignorable reserved ranges, which NFKC_Casefold removes), private use and
// surrogates. Skipping them keeps start-up short; a unit test checks every code point anyway.
bool MayHaveMappings(UChar32 c) {
  int8_t type = u_charType(c);
  if (type == U_SURROGATE || type == U_PRIVATE_USE_CHAR) return false;
  if (type == U_UNASSIGNED) return u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
  return true;
}

// The UTF-8 of c, by hand: ICU's conversion costs tens of milliseconds over all of Unicode.
std::string Utf8(char32_t c) {
  auto byte = [](char32_t b) { return static_cast<char>(b); };
  if (c < 0x80) return {byte(c)};
  if (c < 0x800) return {byte(0xC0 | (c >> 6)), byte(0x80 | (c & 0x3F))};
  if (c < 0x10000)
    return {byte(0xE0 | (c >> 12)), byte(0x80 | ((c >> 6) & 0x3F)), byte(0x80 | (c & 0x3F))};
  return {byte(0xF0 | (c >> 18)), byte(0x80 | ((c >> 12) & 0x3F)), byte(0x80 | ((c >> 6) & 0x3F)),
          byte(0x80 | (c & 0x3F))};
}

// The PlainLetterSkeleton value of c.
uint64_t PackCodePoint(char32_t c) {
  const std::string utf8 = Utf8(c);
  uint32_t bytes = 0;
  std::memcpy(&bytes, utf8.data(), utf8.size());
  return PlainLetterSkeleton::Pack(bytes, static_cast<uint32_t>(utf8.size()), c);
}

// The values of Tables::punctuation.
std::vector<uint64_t> Punctuation(const Tables& t, const std::vector<uint16_t>& props,
                                  const std::vector<uint32_t>& cf_map,
                                  const std::vector<uint32_t>& skel_map) {
  std::vector<uint64_t> out(kMaxCodePoint + 1, 0);
  for (char32_t c = 0x80; c <= kMaxCodePoint; ++c) {
    const uint32_t v = cf_map[c];
    if (v != 0) {
      if ((v & 63) == 1 && t.pool[v >> 6] < 0x80) {
        const char32_t p = t.pool[v >> 6];
        out[c] = PlainLetterSkeleton::Pack(p, 1, p) | PlainLetterSkeleton::kFolded;
      }
      continue;
    }
    if ((props[c] & (kAlpha | kMark | kSpace | kCccMask)) != 0 || c == 0xB7) continue;
    const uint32_t m = skel_map[c];
    const char32_t r = m == 0 ? c : t.pool[m >> 6];
    if ((m != 0 && (m & 63) != 1) || (props[r] & kCccMask) != 0) continue;
    if ((r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) continue;
    out[c] = PackCodePoint(r);
  }
  return out;
}

// The letters LetterAndMark describes, into t.letter_and_mark; returns the dense index table.
std::vector<uint16_t> LettersAndMarks(Tables& t, const std::vector<uint16_t>& props,
                                      const std::vector<uint32_t>& cf_map,
                                      const std::vector<uint32_t>& skel_map,
                                      const std::vector<uint64_t>& plain) {
  std::vector<uint16_t> index(kMaxCodePoint + 1, 0);
  for (char32_t c = 0x80; c <= kMaxCodePoint; ++c) {
    const uint32_t v = cf_map[c];
    if (v == 0 || (v & 63) != 2) continue;
    const char32_t base = t.pool[v >> 6], mark = t.pool[(v >> 6) + 1];
    LetterAndMark lm{};
    std::string base_utf8, mark_utf8;
    if (base < 0x80) {  // an ASCII letter whose skeleton is itself
      if (base < 'a' || base > 'z' || skel_map[base] != 0) continue;
      lm.base_skeleton = base;
    } else if (plain[base] != 0) {
      lm.base_skeleton = PlainLetterSkeleton::CodePoint(plain[base]);
    } else {
      continue;
    }
    if (mark < 0x80 || (props[mark] & (kAlpha | kMark | kSpace)) != kMark ||
        (props[mark] & kCccMask) == 0 || skel_map[mark] != 0)
      continue;
    base_utf8 = Utf8(lm.base_skeleton);
    mark_utf8 = Utf8(mark);
    const std::string both = base_utf8 + mark_utf8;
    // At most four bytes out per byte in, as the one-pass path reserves.
    if (both.size() > 8 || t.letter_and_mark.size() >= 0xFFFF) continue;
    std::memcpy(lm.utf8, both.data(), both.size());
    lm.base = base;
    lm.mark = mark;
    lm.base_length = static_cast<uint8_t>(base_utf8.size());
    lm.length = static_cast<uint8_t>(both.size());
    lm.ccc = static_cast<uint8_t>(props[mark] & kCccMask);
    t.letter_and_mark.push_back(lm);
    index[c] = static_cast<uint16_t>(t.letter_and_mark.size());
  }
  return index;
}

}  // namespace

std::unique_ptr<Tables> Tables::Build() {
  UErrorCode st = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(st);
  const icu::Normalizer2* cf = icu::Normalizer2::getNFKCCasefoldInstance(st);
  if (U_FAILURE(st)) Die("normalizer", st);
  USpoofChecker* spoof = uspoof_open(&st);
  if (U_FAILURE(st)) Die("uspoof_open", st);

  auto t = std::make_unique<Tables>();
  t->pool.push_back(0);  // offset 0 is never a replacement, so value 0 can mean "identity"
  const size_t n = kMaxCodePoint + 1;
  std::vector<uint32_t> nfd_map(n, 0), cf_map(n, 0), skel_map(n, 0);
  std::vector<uint16_t> props(n, 0);
  icu::UnicodeString decomposition, folded, folded_nfd;
  UChar skel[256];
  for (UChar32 c = 0; c <= static_cast<UChar32>(kMaxCodePoint); ++c) {
    uint16_t p = u_getCombiningClass(c);
    if (u_hasBinaryProperty(c, UCHAR_ALPHABETIC)) p |= kAlpha;
    if (U_GET_GC_MASK(c) & U_GC_M_MASK) p |= kMark;
    if (u_hasBinaryProperty(c, UCHAR_WHITE_SPACE)) p |= kSpace;
    if (u_charType(c) == U_DECIMAL_DIGIT_NUMBER) p |= kDigit;
    props[c] = p;
    if (!MayHaveMappings(c)) continue;
    ++t->icu_calls;
    bool has_nfd = nfd->getDecomposition(c, decomposition);
    if (has_nfd) nfd_map[c] = Store(t->pool, c, ToCodePoints(decomposition));
    if (cf->getDecomposition(c, decomposition)) {
      st = U_ZERO_ERROR;
      cf->normalize(icu::UnicodeString(c), folded, st);
      nfd->normalize(folded, folded_nfd, st);
      if (U_FAILURE(st)) Die("normalize", st);
      cf_map[c] = Store(t->pool, c, ToCodePoints(folded_nfd));
    }
    // The skeleton table is only consulted for code points already in NFD form.
    if (!has_nfd) {
      UChar in[2];
      int32_t len = 0;
      U16_APPEND_UNSAFE(in, len, c);
      st = U_ZERO_ERROR;
      int32_t out = uspoof_getSkeleton(spoof, 0, in, len, skel, 256, &st);
      if (U_FAILURE(st)) Die("uspoof_getSkeleton", st);
      skel_map[c] = Store(t->pool, c, ToCodePoints(icu::UnicodeString(skel, out)));
    }
  }
  uspoof_close(spoof);
  for (char32_t c = 0x80; c <= kMaxCodePoint; ++c)
    if ((props[c] & (kAlpha | kMark | kSpace | kCccMask)) == kAlpha && cf_map[c] == 0 && c != 0xB7)
      props[c] |= kPlainLetter;
  std::vector<uint64_t> plain(n, 0);
  for (char32_t c = 0x80; c <= kMaxCodePoint; ++c) {
    if (!(props[c] & kPlainLetter)) continue;
    const uint32_t m = skel_map[c];
    const char32_t r = m == 0 ? c : t->pool[m >> 6];
    if ((m != 0 && (m & 63) != 1) || (props[r] & kCccMask) != 0) continue;
    plain[c] = PackCodePoint(r);
  }
  t->plain_letter.Build(plain);
  t->punctuation.Build(Punctuation(*t, props, cf_map, skel_map));
  t->letter_and_mark_index.Build(LettersAndMarks(*t, props, cf_map, skel_map, plain));
  t->nfd.Build(nfd_map);
  t->nfkc_cf.Build(cf_map);
  t->skeleton.Build(skel_map);
  t->props.Build(props);
  for (char32_t c = 0; c < 128; ++c) t->ascii_skeleton[c] = skel_map[c];
  t->pool.shrink_to_fit();
  return t;
}

const Tables& GetTables() {
  static std::once_flag once;
  static std::unique_ptr<Tables> tables;
  std::call_once(once, [] { tables = Tables::Build(); });
  return *tables;
}

}  // namespace vigil::analysis::internal
