// The pieces the two ways of normalizing share (normalize.cc: stage by stage over code-point
// buffers; normalize_fused.cc: one pass over the text): the character classes folding looks at,
// UTF-8 decoding and encoding, leetspeak. Internal to analysis/.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "analysis/normalize.h"
#include "analysis/unicode_tables.h"

namespace vigil::analysis::internal {

// Character classes the folding steps look at, computed once per code point.
enum CharClass : uint8_t {
  kLetter = 1,
  kMarkClass = 2,
  kSpaceClass = 4,
  kJoinSep = 8,  // separates the letters of "f r e e", "f.r.e.e"
  kAsciiDigit = 16,
  kLeetSym = 32,  // @ $ ! |
};

constexpr std::array<uint8_t, 128> kAsciiClass = [] {
  std::array<uint8_t, 128> a{};
  for (int c = 'a'; c <= 'z'; ++c) a[c] = a[c - 32] = kLetter;
  for (int c = '0'; c <= '9'; ++c) a[c] = kAsciiDigit;
  for (int c : {' ', '\t', '\n', '\v', '\f', '\r'}) a[c] = kSpaceClass | kJoinSep;
  for (int c : {'.', '-', '_', '*', '~', '+'}) a[c] = kJoinSep;
  for (int c : {'@', '$', '!', '|'}) a[c] = kLeetSym;
  return a;
}();

inline uint8_t ClassOfProps(char32_t c, uint16_t props) {
  uint8_t cls = 0;
  if (props & kAlpha) cls |= kLetter;
  if (props & kMark) cls |= kMarkClass;
  if (props & kSpace) cls |= kSpaceClass | kJoinSep;
  if (c == 0xB7) cls |= kJoinSep;  // middle dot
  return cls;
}

// A code point on its way through the pipeline, with the byte offset it came from.
struct Cp {
  // Deliberately leaves the members uninitialized: buffers are resized to an upper bound before
  // every string, and zero-filling them showed up as a tenth of the time in profiles.
  Cp() {}  // NOLINT
  Cp(char32_t c_, uint32_t origin_, uint8_t ccc_, uint8_t cls_)
      : c(c_), origin(origin_), ccc(ccc_), cls(cls_) {}
  char32_t c;
  uint32_t origin;
  uint8_t ccc;
  uint8_t cls;
};

// Decodes one code point at s[i] and advances i; ill-formed sequences (overlong, surrogates,
// truncated, > U+10FFFF) read as U+FFFD and consume one byte, as the WHATWG decoder does.
inline char32_t DecodeUtf8(const unsigned char* s, size_t n, size_t& i) {
  unsigned char b = s[i];
  size_t len = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  char32_t c = b < 0xE0 ? (b & 0x1F) : b < 0xF0 ? (b & 0x0F) : (b & 0x07);
  if (b < 0xC2 || b > 0xF4 || i + len > n) {
    ++i;
    return 0xFFFD;
  }
  for (size_t k = 1; k < len; ++k) {
    unsigned char t = s[i + k];
    if ((t & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    c = (c << 6) | (t & 0x3F);
  }
  if ((len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
      (len == 4 && (c < 0x10000 || c > 0x10FFFF))) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return c;
}

// DecodeUtf8 with the well-formed two- and three-byte sequences (most non-ASCII text) first.
[[gnu::always_inline]] inline char32_t DecodeUtf8Fast(const unsigned char* s, size_t n, size_t& i) {
  const unsigned b = s[i];
  if (b - 0xC2u < 0x1Eu && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
    i += 2;
    return ((b & 0x1F) << 6) | (s[i - 1] & 0x3F);
  }
  if (b - 0xE0u < 0x10u && i + 2 < n && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
    char32_t c = ((b & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
    if (c >= 0x800 && (c < 0xD800 || c > 0xDFFF)) {
      i += 3;
      return c;
    }
  }
  return DecodeUtf8(s, n, i);
}

inline size_t EncodeUtf8(char32_t c, char* p) {
  if (c < 0x80) {
    p[0] = static_cast<char>(c);
    return 1;
  }
  if (c < 0x800) {
    p[0] = static_cast<char>(0xC0 | (c >> 6));
    p[1] = static_cast<char>(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    p[0] = static_cast<char>(0xE0 | (c >> 12));
    p[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    p[2] = static_cast<char>(0x80 | (c & 0x3F));
    return 3;
  }
  p[0] = static_cast<char>(0xF0 | (c >> 18));
  p[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
  p[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  p[3] = static_cast<char>(0x80 | (c & 0x3F));
  return 4;
}

inline uint8_t Ccc(const Tables& t, char32_t c) {
  return c < 0x300 ? 0 : static_cast<uint8_t>(t.props.Get(c) & kCccMask);
}

// Leetspeak: the letter an ASCII digit or symbol stands for inside a word (0 for none).
constexpr std::array<char, 128> LeetTable(std::string_view from, std::string_view to) {
  std::array<char, 128> a{};
  for (size_t k = 0; k < from.size(); ++k) a[static_cast<unsigned char>(from[k])] = to[k];
  return a;
}
inline constexpr std::array<char, 128> kLeetDigits = LeetTable("01345789", "oieastbg");
inline constexpr std::array<char, 128> kLeetSymbols = LeetTable("@$!|", "asil");
inline char32_t LeetDigit(char32_t c) { return c < 0x80 ? kLeetDigits[c] : 0; }
inline char32_t LeetSymbol(char32_t c) { return c < 0x80 ? kLeetSymbols[c] : 0; }

// What a word is made of, for leetspeak.
constexpr uint8_t kWordChar = kLetter | kMarkClass | kAsciiDigit | kLeetSym;

// The common case in one pass over the text (normalize_fused.cc). Returns false, having written
// nothing to *out, when the text needs what only the staged path does: canonical reordering of
// combining marks, or dropping marks past the limit.
bool NormalizeFused(const Tables& t, std::string_view text, const NormalizeOptions& opts,
                    Normalized* out);

// The staged path (normalize.cc), which handles every text; Normalizer::Normalize takes it when
// NormalizeFused declines. Exposed so tests can check both agree.
void NormalizeStaged(const Tables& t, std::string_view text, const NormalizeOptions& opts,
                     Normalized* out);

}  // namespace vigil::analysis::internal
