// Per-code-point tables built once from ICU's own data (NFD, NFKC_Casefold, UTS #39 confusable
// skeletons, canonical combining classes, character classes), so normalizing a post is a few
// table lookups per code point instead of several ICU calls per string. Internal to analysis/.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace vigil::analysis::internal {

inline constexpr char32_t kMaxCodePoint = 0x10FFFF;

// A two-stage table over 0..0x10FFFF: blocks of 128 values, identical blocks stored once
// (most of Unicode maps to itself, so the tables stay well under a megabyte each).
template <typename T>
class CodePointTable {
 public:
  static constexpr int kShift = 7;
  static constexpr char32_t kBlock = 1u << kShift;

  T Get(char32_t c) const {
    return data_[(static_cast<size_t>(index_[c >> kShift]) << kShift) | (c & (kBlock - 1))];
  }

  // Builds from a dense vector of kMaxCodePoint + 1 values.
  void Build(const std::vector<T>& dense);

 private:
  std::vector<uint16_t> index_;
  std::vector<T> data_;
};

// Character properties packed in 16 bits: the canonical combining class in the low byte.
enum PropBits : uint16_t {
  kCccMask = 0xFF,
  kAlpha = 1u << 8,   // Alphabetic (letters of any script)
  kMark = 1u << 9,    // general category M (combining marks stay inside a word)
  kSpace = 1u << 10,  // White_Space
  kDigit = 1u << 11,  // decimal digit
  // A non-ASCII letter that every step but the skeleton leaves alone: Alphabetic, not a mark,
  // combining class 0, and NFKC_Casefold maps it to itself.
  kPlainLetter = 1u << 12,
};

// A value of Tables::plain_letter: the skeleton's UTF-8 bytes (as they lie in memory, to be
// copied out with memcpy), their count and the code point.
struct PlainLetterSkeleton {
  static uint64_t Pack(uint32_t utf8, uint32_t length, char32_t c) {
    return utf8 | (uint64_t{length} << 32) | (uint64_t{c} << 40);
  }
  static uint32_t Utf8(uint64_t v) { return static_cast<uint32_t>(v); }
  static size_t Length(uint64_t v) { return (v >> 32) & 7; }
  static char32_t CodePoint(uint64_t v) { return static_cast<char32_t>(v >> 40); }
  // In Tables::punctuation: the code point is what NFKC_Casefold gives, not the skeleton.
  static constexpr uint64_t kFolded = uint64_t{1} << 35;
};

// A letter that NFKC_Casefold decomposes into a letter and one combining mark ("é", "й", "ё"),
// where the skeleton keeps the mark and makes the letter one code point of combining class 0:
// everything the one-pass path needs to write it.
struct LetterAndMark {
  char8_t utf8[16];        // the skeleton of the letter, then the mark, in UTF-8 (zero-padded)
  char32_t base;           // the letter NFKC_Casefold gives (before the skeleton)
  char32_t base_skeleton;  // its skeleton
  char32_t mark;
  uint8_t base_length;  // UTF-8 bytes of base_skeleton
  uint8_t length;       // UTF-8 bytes of both
  uint8_t ccc;          // the mark's canonical combining class (not 0)
};

// A mapping value: 0 = the code point maps to itself; otherwise (pool offset << 6) | length,
// the replacement being pool[offset, offset + length) (length 0: the code point is removed).
struct Tables {
  CodePointTable<uint32_t> nfd;       // canonical decomposition (NFD of the code point)
  CodePointTable<uint32_t> nfkc_cf;   // NFD(NFKC_Casefold(c)): compatibility + case folding
  CodePointTable<uint32_t> skeleton;  // NFD(confusable prototype of c), c itself in NFD
  CodePointTable<uint16_t> props;
  // For a kPlainLetter whose skeleton is one code point of combining class 0 (often itself), that
  // code point and its UTF-8 in one lookup (PlainLetterSkeleton); 0 for every other code point.
  CodePointTable<uint64_t> plain_letter;
  // Punctuation outside words: for a code point that NFKC_Casefold turns into one ASCII
  // character, that character (with PlainLetterSkeleton::kFolded); for one that every step but
  // the skeleton leaves alone, no letter, mark or space, its skeleton when that is one code point
  // of combining class 0 and no ASCII letter; 0 for every other code point.
  CodePointTable<uint64_t> punctuation;
  // For such a letter and mark, 1 + its index in letter_and_mark; 0 for every other code point.
  CodePointTable<uint16_t> letter_and_mark_index;
  std::vector<LetterAndMark> letter_and_mark;
  std::vector<char32_t> pool;
  uint32_t ascii_skeleton[128] = {};  // skeleton.Get(c) for c < 0x80, without the trie
  size_t icu_calls = 0;               // how many code points needed ICU when building (for tests)

  std::span<const char32_t> Replacement(uint32_t v) const {
    return {pool.data() + (v >> 6), static_cast<size_t>(v & 63)};
  }
  static std::unique_ptr<Tables> Build();  // ~0.3 s; aborts if ICU data is missing
};

const Tables& GetTables();  // built on first use, thread-safe

}  // namespace vigil::analysis::internal
