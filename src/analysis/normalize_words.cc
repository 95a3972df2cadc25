#include "analysis/normalize_words.h"

#include <array>
#include <cstring>

#include "analysis/normalize_internal.h"

namespace vigil::analysis::internal {
namespace {

// Decodes the well-formed two- or three-byte sequence at s[i] (most non-ASCII text) into *c and
// *len; false for anything else (DecodeUtf8 does the rest).
[[gnu::always_inline]] inline bool DecodeTwoOrThree(const unsigned char* s, size_t n, size_t i,
                                                    char32_t* c, size_t* len) {
  const unsigned b = s[i];
  if (b - 0xC2u < 0x1Eu && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
    *c = ((b & 0x1F) << 6) | (s[i + 1] & 0x3F);
    *len = 2;
    return true;
  }
  if (b - 0xE0u < 0x10u && i + 2 < n && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
    *c = ((b & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
    *len = 3;
    return *c >= 0x800 && (*c < 0xD800 || *c > 0xDFFF);
  }
  return false;
}

// The length of the code point at s[i] when WordLoop takes it as a letter (an ASCII letter, one
// in Tables::plain_letter, or with `marks` one in Tables::letter_and_mark), else 0.
[[gnu::always_inline]] inline size_t WordLetterAt(const Tables& t, const unsigned char* s, size_t n,
                                                  size_t i, bool marks) {
  if (i >= n) return 0;
  if (s[i] < 0x80) return kAsciiClass[s[i]] == kLetter ? 1 : 0;
  char32_t c;
  size_t len;
  if (!DecodeTwoOrThree(s, n, i, &c, &len)) return 0;
  return t.plain_letter.Get(c) != 0 || (marks && t.letter_and_mark_index.Get(c) != 0) ? len : 0;
}

// Whether s[i] starts two letters that WordLoop takes (a word, no single-letter token).
[[gnu::always_inline]] inline bool WordStartsAt(const Tables& t, const unsigned char* s, size_t n,
                                                size_t i, bool marks) {
  const size_t first = WordLetterAt(t, s, n, i, marks);
  return first != 0 && WordLetterAt(t, s, n, i + first, marks) != 0;
}

}  // namespace

// At s[i], after a letter: punctuation that the steps leave alone or make one code point (",",
// ".", "?", "'", "，", "。"), then maybe a single space, before a word of two letters or more that
// WordLoop takes (so no spaced run). Writes what NormalizeFused writes for them and returns where
// the word starts; i (nothing written) for anything else.
size_t AfterPunctuation(const Tables& t, const unsigned char* s, size_t n, size_t i, bool collapse,
                        bool marks, WordState* state) {
  auto unchanged_ascii = [&](char32_t p) {
    return (kAsciiClass[p] & ~kJoinSep) == 0 && p != ' ' && t.ascii_skeleton[p] == 0;
  };
  size_t len = 1;
  uint64_t punct;  // as in Tables::punctuation
  char32_t last_c;
  if (s[i] < 0x80) {
    if (!unchanged_ascii(s[i])) return i;
    punct = PlainLetterSkeleton::Pack(s[i], 1, s[i]);
    last_c = s[i];
  } else {
    // Fullwidth and ideographic punctuation ("，", "。"): the same, NFKC_Casefold or the
    // skeleton making it what it is.
    char32_t c;
    if (!DecodeTwoOrThree(s, n, i, &c, &len) || (punct = t.punctuation.Get(c)) == 0) return i;
    const char32_t r = PlainLetterSkeleton::CodePoint(punct);
    const bool folded = punct & PlainLetterSkeleton::kFolded;
    if (folded && !unchanged_ascii(r)) return i;
    last_c = folded ? r : c;
  }
  const bool space = i + len < n && s[i + len] == ' ' && collapse;
  const size_t word = i + len + space;
  if (!WordStartsAt(t, s, n, word, marks)) return i;
  const uint32_t bytes = PlainLetterSkeleton::Utf8(punct);
  std::memcpy(state->text + state->pos, &bytes, 4);
  const uint32_t at = static_cast<uint32_t>(i);
  const uint32_t origins[4] = {at, at, at, at};
  std::memcpy(state->origin + state->pos, origins, sizeof origins);
  state->pos += PlainLetterSkeleton::Length(punct);
  if (space) {
    state->text[state->pos] = ' ';
    state->origin[state->pos++] = static_cast<uint32_t>(i + len);
  }
  state->last_c = space ? ' ' : last_c;
  state->out_last = space ? ' ' : PlainLetterSkeleton::CodePoint(punct);
  state->ccc = 0;
  state->new_word = true;
  return word;
}

// Letters inside words, after a letter, where only case, repeats and the skeleton change
// anything: see normalize_words.h.
template <bool kRepeats, bool kLower>
[[gnu::noinline]] size_t WordLoop(const Tables& t, const unsigned char* s, size_t n, size_t i,
                                  bool collapse, bool marks, WordState* state) {
  char8_t* const text = state->text;
  uint32_t* const origin = state->origin;
  size_t pos = state->pos;
  char32_t last_c = state->last_c, out_last = state->out_last;
  uint8_t ccc = state->ccc;
  bool new_word = false;
  while (i < n) {
    const unsigned b = s[i];
    const uint32_t at = static_cast<uint32_t>(i);
    if (b < 0x80) {
      char32_t c = b | 0x20u;  // in a..z exactly for ASCII letters
      if (c - 'a' >= 26u) {
        if (b != ' ' || !collapse || !WordStartsAt(t, s, n, i + 1, marks)) break;
        text[pos] = ' ';
        origin[pos++] = at;
        out_last = last_c = ' ';
        ccc = 0;
        new_word = true;
        ++i;
        continue;
      }
      ++i;
      ccc = 0;
      if (kRepeats && c == last_c) continue;
      last_c = c;
      if (c == 'm') {  // the only ASCII letter whose skeleton is not itself: "rn"
        if (!(kRepeats && out_last == 'r')) {
          text[pos] = 'r';
          origin[pos++] = at;
        }
        c = 'n';
      } else if (kRepeats && c == out_last) {
        continue;
      }
      text[pos] = static_cast<char8_t>(c);
      origin[pos++] = at;
      out_last = c;
      continue;
    }
    char32_t c;
    size_t len;
    if (!DecodeTwoOrThree(s, n, i, &c, &len)) break;
    const uint64_t skeleton = t.plain_letter.Get(c);
    if (skeleton == 0) {
      // A letter and a mark ("é"): what plain_letters in NormalizeFused does for them.
      const uint16_t k = marks ? t.letter_and_mark_index.Get(c) : 0;
      if (k == 0) break;
      const LetterAndMark& lm = t.letter_and_mark[k - 1];
      const bool base_kept = !(kRepeats && lm.base == last_c);
      if (!base_kept && lm.ccc < ccc) break;  // out of canonical order: the general path's
      i += len;
      size_t skip = lm.base_length;  // bytes of the letter's skeleton not written
      char32_t r = lm.base_skeleton;
      const bool lowered = kLower && r - 'A' < 26u;
      if (lowered) r += 32;
      if (base_kept && !(kRepeats && r == out_last && r - 'a' < 26u)) skip = 0;
      std::memcpy(text + pos, lm.utf8 + skip, 8);
      if (lowered && skip == 0) text[pos] = static_cast<char8_t>(r);
      const uint32_t origins[4] = {at, at, at, at};
      std::memcpy(origin + pos, origins, sizeof origins);
      std::memcpy(origin + pos + 4, origins, sizeof origins);
      pos += lm.length - skip;
      last_c = out_last = lm.mark;
      ccc = lm.ccc;
      continue;
    }
    i += len;
    ccc = 0;
    if (kRepeats && c == last_c) continue;
    last_c = c;
    // As emit in NormalizeFused: ASCII lower-casing and repeats apply to the skeleton too.
    char32_t r = PlainLetterSkeleton::CodePoint(skeleton);
    const bool lowered = kLower && r - 'A' < 26u;
    if (lowered) r += 32;
    if (kRepeats && r == out_last && r - 'a' < 26u) continue;
    out_last = r;
    // Four bytes and four origins whatever the length: the room reserved allows it (at most
    // four bytes written per byte read, and eight more).
    const uint32_t bytes = PlainLetterSkeleton::Utf8(skeleton);
    std::memcpy(text + pos, &bytes, 4);
    if (lowered) text[pos] = static_cast<char8_t>(r);
    const uint32_t origins[4] = {at, at, at, at};
    std::memcpy(origin + pos, origins, sizeof origins);
    pos += PlainLetterSkeleton::Length(skeleton);
  }
  state->pos = pos;
  state->last_c = last_c;
  state->out_last = out_last;
  state->ccc = ccc;
  state->new_word = new_word;
  return i;
}

template size_t WordLoop<true, true>(const Tables&, const unsigned char*, size_t, size_t, bool,
                                     bool, WordState*);
template size_t WordLoop<true, false>(const Tables&, const unsigned char*, size_t, size_t, bool,
                                      bool, WordState*);
template size_t WordLoop<false, true>(const Tables&, const unsigned char*, size_t, size_t, bool,
                                      bool, WordState*);
template size_t WordLoop<false, false>(const Tables&, const unsigned char*, size_t, size_t, bool,
                                       bool, WordState*);

}  // namespace vigil::analysis::internal
