// Normalization for matching: turns what a user wrote into one canonical form, so "FRЕЕ",
// "fr33", "f r e e", "fr\u200Dee" and "ｆｒｅｅ" all read "fre" (after folding), and maps every
// byte of that form back to the bytes of the original text, so a match is highlighted where the
// user wrote it.
//
// Pipeline: UTF-8 decode (ill-formed bytes become U+FFFD) -> NFKC_Casefold (which also drops
// zero-width and bidi controls, being default-ignorable) -> folding (whitespace runs, separator-
// spaced single letters joined, leetspeak inside words with letters, repeated letters) ->
// UTS #39 confusable skeleton -> ASCII lower-casing and repeated-letter folding again.
// With every folding option off the result is exactly ICU's
// uspoof_getSkeletonUTF8(NFKC_Casefold(text)); Skeleton() is exactly uspoof_getSkeletonUTF8.
// Everything is table lookups (tables built once from ICU's data, ~0.3 s on first use).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::analysis {

// A byte range [begin, end) of a text.
struct Span {
  size_t begin = 0;
  size_t end = 0;
  bool operator==(const Span&) const = default;
};

struct NormalizeOptions {
  bool collapse_space = true;  // every whitespace run becomes one ASCII space, trimmed
  bool join_spaced = true;     // "f r e e  m o n e y", "f.r.e.e" -> "free money", "free"
  bool fold_leet = true;       // in words that contain a letter: 0->o 1->i 3->e 4->a 5->s ...
  bool fold_repeats = true;    // "freeeee" -> "fre" (runs of one letter become one)
  bool lower_skeleton = true;  // ASCII-lower the skeleton ("0" skeletons to "O")
  // Bounds that keep pathological input cheap: longer input is cut at a code point boundary
  // (Normalized::truncated), and combining marks beyond this many in a row are dropped (as in
  // Unicode's Stream-Safe Text Format, UAX #15), which also bounds canonical reordering.
  size_t max_input_bytes = 1 << 20;
  size_t max_combining_run = 30;

  static NormalizeOptions Exact() {  // no folding: ICU's skeleton of NFKC_Casefold
    return {false, false, false, false, false};
  }
};

struct Normalized {
  std::string text;             // the normalized form (UTF-8)
  std::vector<uint32_t> origin;  // origin[i]: original byte offset of the code point that
                                 // produced text[i]; origin[text.size()] = consumed input size
  bool truncated = false;        // the input exceeded max_input_bytes
  size_t dropped_marks = 0;      // combining marks dropped by max_combining_run

  // The original byte span that produced normalized bytes [begin, end): from the first source
  // code point to the end of the last one. `original` is the text that was normalized.
  Span ToOriginal(std::string_view original, size_t begin, size_t end) const;
};

class Normalizer {
 public:
  // Normalizes `text` into *out (reusing its buffers). Thread-safe.
  static void Normalize(std::string_view text, Normalized* out, const NormalizeOptions& opts = {});
  static Normalized Normalize(std::string_view text, const NormalizeOptions& opts = {});

  // The UTS #39 skeleton of `text`, identical to ICU's uspoof_getSkeletonUTF8 (ill-formed UTF-8
  // is read as U+FFFD, where ICU would fail).
  static std::string Skeleton(std::string_view text);

  // Builds the tables now rather than on the first call (servers call this at start).
  static void Warm();
};

// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Length in bytes of the UTF-8 sequence starting with `lead` (1 for continuation/invalid bytes).
// Inline: the analyzer's per-character scans call it for every non-ASCII character.
inline size_t Utf8SequenceLength(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  if (lead >= 0xE0) return lead <= 0xEF ? 3 : 1;
  if (lead >= 0xC2) return 2;
  return 1;
}

}  // namespace vigil::analysis
