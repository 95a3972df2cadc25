// The word loops of the one-pass path (normalize_fused.cc): most text is letters inside words
// and what lies between words, where only case, repeats and the skeleton change anything; these
// loops do what NormalizeFused does there with their state in registers. Internal to analysis/.
#pragma once

#include <cstddef>
#include <cstdint>

#include "analysis/unicode_tables.h"

namespace vigil::analysis::internal {

// The output and folding state a word loop works on, copied in and out so that the loop keeps it
// in registers.
struct WordState {
  char8_t* text;
  uint32_t* origin;
  size_t pos;
  char32_t last_c;    // FoldState::last_c
  char32_t out_last;  // FoldState::out_last
  uint8_t ccc;        // FoldState::out_last_ccc (and last_ccc): a mark's when it ended on one
  bool new_word;      // the loop went on past a space into the next word
};

// At s[i], after a letter: punctuation that the steps leave alone or make one code point (",",
// ".", "?", "'", "，", "。"), then maybe a single space, before a word of two letters or more that
// WordLoop takes (so no spaced run). Writes what NormalizeFused writes for them and returns where
// the word starts; i (nothing written) for anything else.
size_t AfterPunctuation(const Tables& t, const unsigned char* s, size_t n, size_t i, bool collapse,
                        bool marks, WordState* state);

// Letters inside words, after a letter, where only case, repeats and the skeleton change
// anything (the other steps' state is settled): ASCII letters, non-ASCII letters that every step
// but the skeleton leaves alone and whose skeleton is one code point (Tables::plain_letter), with
// `marks` letters that NFKC_Casefold makes a letter and a mark (Tables::letter_and_mark), and
// single spaces between words of two such letters or more (so no spaced run). What NormalizeFused
// does for them, with room for four output bytes per input byte and eight more; returns where
// they end. A function of its own, specialised for the two options it looks at (instantiated for
// all four combinations), so that it keeps its state in registers: most text is this loop.
template <bool kRepeats, bool kLower>
size_t WordLoop(const Tables& t, const unsigned char* s, size_t n, size_t i, bool collapse,
                bool marks, WordState* state);

}  // namespace vigil::analysis::internal
