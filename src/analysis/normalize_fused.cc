// The fused pass: NFKC_Casefold, joining spaced letters, folding, the skeleton and UTF-8 out in
// one pass over the text, without intermediate buffers. The staged path in normalize.cc is the
// reference for what every step does; this file does the same for the texts it accepts.
#include <algorithm>
#include <array>
#include <span>
#include <vector>

#include "analysis/normalize_internal.h"
#include "analysis/normalize_words.h"

namespace vigil::analysis::internal {
namespace {

constexpr std::array<char32_t, 128> kAsciiLower = [] {
  std::array<char32_t, 128> a{};
  for (int c = 0; c < 128; ++c) a[c] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
  return a;
}();

// The code points Decompose would produce (NFKC_Casefold in NFD, ASCII lower-cased), one at a
// time, expanding mappings lazily. Copying a cursor is how the fused pass looks ahead. It does
// not reorder combining marks: the fused pass gives up when they are out of canonical order.
struct Cursor {
  Cursor(const Tables& t, std::string_view text)
      : t(&t), s(reinterpret_cast<const unsigned char*>(text.data())), n(text.size()) {}

  // The next code point into *cp; false at the end of the text.
  [[gnu::always_inline]] bool Next(Cp* cp) {
    if (rep != rep_end) {
      Classify(*rep++, rep_origin, cp);
      return true;
    }
    while (i < n) {
      unsigned char b = s[i];
      if (b < 0x80) {
        *cp = {kAsciiLower[b], static_cast<uint32_t>(i++), 0, kAsciiClass[b]};
        return true;
      }
      if (NextMapped(cp)) return true;
    }
    return false;
  }
  // Whether the next code point is known to be an ASCII byte of the text, and its class then.
  bool NextIsAscii() const { return rep == rep_end && i < n && s[i] < 0x80; }

  [[gnu::always_inline]] bool NextMapped(Cp* cp) {
    uint32_t start = static_cast<uint32_t>(i);
    char32_t c = DecodeUtf8Fast(s, n, i);
    uint32_t v = t->nfkc_cf.Get(c);
    if (v == 0) {
      Classify(c, start, cp);
      return true;
    }
    std::span<const char32_t> r = t->Replacement(v);
    if (r.empty()) return false;  // removed (default ignorable)
    rep = r.data() + 1;
    rep_end = r.data() + r.size();
    rep_origin = start;
    Classify(r[0], start, cp);
    return true;
  }
  [[gnu::always_inline]] void Classify(char32_t c, uint32_t origin, Cp* cp) const {
    if (c < 0x80) {
      *cp = {c, origin, 0, kAsciiClass[c]};
      return;
    }
    uint16_t props = t->props.Get(c);
    *cp = {c, origin, static_cast<uint8_t>(props & kCccMask), ClassOfProps(c, props)};
  }

  const Tables* t;
  const unsigned char* s;
  size_t n;
  size_t i = 0;
  const char32_t* rep = nullptr;
  const char32_t* rep_end = nullptr;
  uint32_t rep_origin = 0;
};

// LetterAhead over the cursor's code points.
bool LetterAhead(Cursor ahead) {
  Cp cp;
  while (ahead.Next(&cp) && (cp.cls & kWordChar))
    if (cp.cls & kLetter) return true;
  return false;
}

// SingleLetterEnd over the cursor, `letter` having just been read from *ahead: skips its marks
// and returns the number of code points of the token (letter and marks), 0 when it is not a
// single-letter token; leaves the code point after it in *next (*has_next: there is one).
size_t SingleLetter(Cursor* ahead, Cp* next, bool* has_next) {
  size_t n = 1;
  while ((*has_next = ahead->Next(next)) && (next->cls & kMarkClass)) ++n;
  return (!*has_next || (next->cls & kJoinSep)) ? n : 0;
}

// Whether the cursor's next code point is one that continues a word (a letter that is no mark,
// as read from the text), so that the letter before it is no single-letter token; a quick
// answer for the common case, false when it would take more than one decoding.
bool ContinuesWord(const Cursor& cur) {
  if (cur.rep != cur.rep_end || cur.i >= cur.n) return false;
  if (cur.s[cur.i] < 0x80) return kAsciiClass[cur.s[cur.i]] == kLetter;
  size_t i = cur.i;
  return cur.t->props.Get(DecodeUtf8(cur.s, cur.n, i)) & kPlainLetter;
}

// Whether NFKC_Casefold maps c to a letter that continues a word (ASCII, or kPlainLetter)
// followed by one or more combining marks that are not letters, as precomposed accented letters.
bool DecomposesToLetterAndMarks(const Tables& t, char32_t c) {
  uint32_t v = t.nfkc_cf.Get(c);
  if (v == 0) return false;
  std::span<const char32_t> r = t.Replacement(v);
  if (r.size() < 2) return false;
  if (r[0] < 0x80 ? kAsciiClass[r[0]] != kLetter : !(t.props.Get(r[0]) & kPlainLetter))
    return false;
  for (size_t k = 1; k < r.size(); ++k)
    if (r[k] < 0x80 || (t.props.Get(r[k]) & (kAlpha | kMark | kSpace)) != kMark) return false;
  return true;
}

// Whether c is a code point that every step but the skeleton leaves alone and that is outside
// words: no letter, mark, space or middle dot, combining class 0, NFKC_Casefold maps it to itself.
bool IsPlainOther(const Tables& t, char32_t c, uint16_t props) {
  return (props & (kAlpha | kMark | kSpace | kCccMask)) == 0 && c != 0xB7 && t.nfkc_cf.Get(c) == 0;
}

// Whether the code point at s[i] is, or decomposes to, a letter that continues a word: then the
// letter before it is no single-letter token. False when it would take more to tell.
bool LetterAt(const Tables& t, const unsigned char* s, size_t n, size_t i) {
  if (i >= n) return false;
  if (s[i] < 0x80) return kAsciiClass[s[i]] == kLetter;
  char32_t c = DecodeUtf8(s, n, i);
  return (t.props.Get(c) & kPlainLetter) || DecomposesToLetterAndMarks(t, c);
}

// Whether s[i] starts two letters (LetterAt) of which the first is not ASCII.
bool WordAt(const Tables& t, const unsigned char* s, size_t n, size_t i) {
  size_t next = i;
  char32_t c = DecodeUtf8(s, n, next);
  return ((t.props.Get(c) & kPlainLetter) || DecomposesToLetterAndMarks(t, c)) &&
         LetterAt(t, s, n, next);
}

// Whether the space at s[i] is followed by a word that starts with two letters (ASCII, or
// kPlainLetter), of which the first is not ASCII.
bool WordAfterSpace(const Tables& t, const unsigned char* s, size_t n, size_t i) {
  size_t j = i + 1;
  for (int letters = 0; letters < 2; ++letters) {
    if (j >= n) return false;
    if (s[j] < 0x80) {
      if (kAsciiClass[s[j++]] != kLetter) return false;
    } else if (!(t.props.Get(DecodeUtf8(s, n, j)) & kPlainLetter)) {
      return false;
    }
  }
  return s[i + 1] >= 0x80;
}

// What JoinSpaced does with the run that starts at the letter just read from `ahead` (preceded
// by a separator): how many code points it spans, and whether it has three letters or more
// (then its separators are dropped). Length 0 when the letter is not a single-letter token.
struct SpacedRun {
  size_t length = 0;
  bool joined = false;
};
SpacedRun SpacedRunAt(Cursor ahead) {
  if (ContinuesWord(ahead)) return {};
  Cp sep, next;
  bool has_sep = false;
  size_t length = SingleLetter(&ahead, &sep, &has_sep);
  if (length == 0) return {};
  size_t letters = 1;
  const char32_t sep_c = sep.c;
  while (has_sep && sep.c == sep_c && (sep.cls & kJoinSep)) {
    Cursor after = ahead;
    if (!after.Next(&next) || !(next.cls & kLetter)) break;
    bool has_after = false;
    size_t token = SingleLetter(&after, &sep, &has_after);
    if (token == 0) break;
    ++letters;
    length += 1 + token;
    has_sep = has_after;
    ahead = after;
  }
  return {length, letters >= 3};
}

// Per-thread output buffers that only grow, so a text costs no allocation and no zero-filling.
// char8_t, unlike char, does not alias other types: the writing loops keep their state in
// registers.
struct OutputScratch {
  std::vector<char8_t> text;
  std::vector<uint32_t> origin;
};
OutputScratch& LocalOutput(size_t capacity) {
  thread_local OutputScratch scratch;
  if (scratch.text.size() < capacity) {
    scratch.text.resize(capacity);
    scratch.origin.resize(capacity);
  }
  return scratch;
}

// The UTF-8 output and the origin of every byte, as plain pointers so the writing loops keep
// them in registers (Grow returns new ones rather than taking the writer's address).
struct OutputWriter {
  struct Buffer {
    char8_t* text;
    uint32_t* origin;
    size_t cap;
  };
  [[gnu::noinline]] static Buffer Grow(size_t cap) {
    OutputScratch& s = LocalOutput(cap);
    return {s.text.data(), s.origin.data(), s.text.size()};
  }
  explicit OutputWriter(size_t expected) : buf(Grow(expected)) {}
  // Makes room for n more bytes.
  [[gnu::always_inline]] void Reserve(size_t n) {
    if (pos + n > buf.cap) buf = Grow(std::max(buf.cap * 2, pos + n));
  }
  [[gnu::always_inline]] void Byte(char32_t c, uint32_t origin) {
    buf.text[pos] = static_cast<char8_t>(c);
    buf.origin[pos++] = origin;
  }
  [[gnu::always_inline]] void CodePoint(char32_t c, uint32_t origin) {
    if (c < 0x80) return Byte(c, origin);
    char bytes[4];
    size_t len = EncodeUtf8(c, bytes);
    for (size_t k = 0; k < len; ++k) {
      buf.text[pos + k] = static_cast<char8_t>(bytes[k]);
      buf.origin[pos + k] = origin;
    }
    pos += len;
  }
  void Finish(uint32_t consumed, Normalized* out) const {
    out->text.assign(reinterpret_cast<const char*>(buf.text), pos);
    out->origin.reserve(pos + 1);
    out->origin.assign(buf.origin, buf.origin + pos);
    out->origin.push_back(consumed);
  }

  Buffer buf;
  size_t pos = 0;
};

// The state of the folding steps between code points (see Fold and JoinSpaced).
struct FoldState {
  // Decompose's checks.
  size_t mark_run = 0;
  uint8_t last_ccc = 0;
  // JoinSpaced: whether the previous code point separates, and what is left of the current run.
  bool after_sep = true;
  size_t run_left = 0;
  bool run_joined = false;
  // Fold.
  bool pending_space = false, in_word = false, seen_letter = false, wrote = false;
  uint32_t space_origin = 0;
  int word_has_letter = -1;  // -1: not looked ahead yet
  char32_t last_c = 0;       // the last code point folding kept
  // FastSkeleton and the encoder.
  char32_t out_last = 0;
  uint8_t out_last_ccc = 0;
};

}  // namespace

// Decompose, JoinSpaced, Fold and FastSkeleton (normalize.cc) in one pass over the text, without
// intermediate buffers. ASCII bytes take a byte loop that does every step with a few table lookups,
// unless they need a look ahead (digits and leetspeak symbols, a letter that may start a spaced
// run) or a multi-character skeleton. Returns false (having written nothing to *out) when the text
// needs what only the general path does: canonical reordering of combining marks, or dropping
// marks past the limit.

bool NormalizeFused(const Tables& t, std::string_view text, const NormalizeOptions& opts,
                    Normalized* out) {
  // Options as locals: the writes below cannot alias them.
  const bool collapse = opts.collapse_space, join = opts.join_spaced, leet = opts.fold_leet,
             repeats = opts.fold_repeats, lower = opts.lower_skeleton;
  const size_t max_run = opts.max_combining_run;
  Cursor cur(t, text);
  OutputWriter w(text.size() * 2 + 64);
  FoldState f;
  auto emit = [&](char32_t c, uint8_t ccc, uint32_t origin) __attribute__((always_inline)) {
    if (ccc != 0 && ccc < f.out_last_ccc) return false;
    f.out_last_ccc = ccc;
    if (lower && c - 'A' < 26u) c += 32;
    if (repeats && c == f.out_last && c - 'a' < 26u) return true;
    f.out_last = c;
    w.Reserve(4);
    w.CodePoint(c, origin);
    return true;
  };
  auto skeleton = [&](char32_t c, uint8_t ccc, uint32_t origin) __attribute__((always_inline)) {
    uint32_t m = c < 0x80 ? t.ascii_skeleton[c] : t.skeleton.Get(c);
    if (m == 0) return emit(c, ccc, origin);
    for (char32_t r : t.Replacement(m))
      if (!emit(r, Ccc(t, r), origin)) return false;
    return true;
  };
  // An ASCII code point whose skeleton is itself (or "rn" for 'm') and that needs no look
  // ahead: every step inline. Returns false, changing nothing, for any other.
  auto ascii = [&](unsigned char b, uint32_t origin) __attribute__((always_inline)) {
    const uint8_t cls = kAsciiClass[b];
    const char32_t c = kAsciiLower[b];
    if (f.run_left > 0 || (cls & (kAsciiDigit | kLeetSym)) ||
        (t.ascii_skeleton[c] != 0 && c != 'm') || ((cls & kSpaceClass) && !collapse))
      return false;
    f.mark_run = 0;
    f.last_ccc = 0;
    if (cls & kSpaceClass) {
      f.after_sep = true;
      if (!f.pending_space && f.wrote) f.space_origin = origin;
      f.pending_space = f.wrote;
      f.in_word = false;
      return true;
    }
    if (cls & kLetter) {
      // A letter after a separator may start a spaced run, unless the next byte continues a word.
      if (join && f.after_sep &&
          !(origin + 1 < cur.n && cur.s[origin + 1] < 0x80
                ? !(kAsciiClass[cur.s[origin + 1]] & kJoinSep)
                : LetterAt(t, cur.s, cur.n, origin + 1)))
        return false;
      f.after_sep = false;
    } else {
      f.after_sep = cls & kJoinSep;
    }
    if (f.pending_space) {
      w.Reserve(1);
      w.Byte(' ', f.space_origin);
      f.out_last = f.last_c = ' ';
      f.out_last_ccc = 0;
      f.pending_space = false;
    }
    if (cls & kLetter) {
      if (!f.in_word) {
        f.in_word = true;
        f.word_has_letter = -1;
      }
      f.seen_letter = true;
      if (repeats && f.wrote && f.last_c == c) return true;
    } else {
      f.in_word = false;
    }
    f.wrote = true;
    f.last_c = c;
    f.out_last_ccc = 0;
    w.Reserve(2);
    if (c == 'm') {
      if (!(repeats && f.out_last == 'r')) w.Byte('r', origin);
      w.Byte('n', origin);
      f.out_last = 'n';
    } else if (!(repeats && c == f.out_last && c - 'a' < 26u)) {
      w.Byte(c, origin);
      f.out_last = c;
    }
    return true;
  };

  // Letters inside a word, after a letter: WordLoop. Returns where they end.
  auto letters = [&](size_t i) __attribute__((always_inline)) {
    // Room for what WordLoop writes: up to four bytes a byte read (a two-byte letter with a
    // mark), eight at a time.
    w.Reserve(4 * (cur.n - i) + 8);
    WordState state{w.buf.text, w.buf.origin, w.pos, f.last_c, f.out_last, f.out_last_ccc, false};
    const bool marks = max_run > 0;
    auto word_loop = [&](size_t from) {
      return repeats
                 ? (lower ? WordLoop<true, true>(t, cur.s, cur.n, from, collapse, marks, &state)
                          : WordLoop<true, false>(t, cur.s, cur.n, from, collapse, marks, &state))
                 : (lower ? WordLoop<false, true>(t, cur.s, cur.n, from, collapse, marks, &state)
                          : WordLoop<false, false>(t, cur.s, cur.n, from, collapse, marks, &state));
    };
    size_t end = word_loop(i);
    // Punctuation between words (", ", ". ", "'"): the loop goes on after it.
    for (size_t next;
         end != i && end < cur.n &&
         (next = AfterPunctuation(t, cur.s, cur.n, end, collapse, marks, &state)) != end;)
      end = word_loop(next);
    if (end != i) {
      w.pos = state.pos;
      f.last_c = state.last_c;
      f.out_last = state.out_last;
      f.mark_run = state.ccc != 0;  // it ended on a letter, or a letter and a mark
      f.last_ccc = f.out_last_ccc = state.ccc;
      f.after_sep = false;
      if (state.new_word) {  // as at the first letter of a word
        f.in_word = f.seen_letter = true;
        f.word_has_letter = -1;
      }
    }
    return end;
  };
  // The same for non-ASCII letters that only the skeleton may change (kPlainLetter), and for
  // letters that NFKC_Casefold decomposes into such a letter (or an ASCII one) and combining
  // marks ("é", "й", "が"). Returns where they end, or kBail when the general path must redo
  // the text (marks out of canonical order or past the limit).
  constexpr size_t kBail = static_cast<size_t>(-1);
  bool ended_outside_word = false;  // plain_letters stopped after a code point outside words
  auto plain_letters = [&](size_t i) __attribute__((always_inline)) {
    const unsigned char* s = cur.s;
    const size_t n = cur.n;
    while (i < n && s[i] >= 0x80) {
      i = letters(i);
      if (i == n || s[i] < 0x80) break;
      size_t next = i;
      const char32_t c = DecodeUtf8Fast(s, n, next);
      const uint32_t origin = static_cast<uint32_t>(i);
      const uint16_t props = t.props.Get(c);
      if (!(props & kPlainLetter) && IsPlainOther(t, c, props)) {
        // Punctuation or a symbol that ends the word ("。", "،", an emoji): no word character,
        // no separator. A word of plain letters right after it starts here too.
        i = next;
        f.mark_run = 0;
        f.last_ccc = 0;
        f.in_word = false;
        f.last_c = c;
        if (!skeleton(c, 0, origin)) return kBail;
        size_t after = i;
        if (i < n && s[i] >= 0x80 && (t.props.Get(DecodeUtf8Fast(s, n, after)) & kPlainLetter)) {
          f.in_word = f.seen_letter = true;
          f.word_has_letter = -1;
          continue;
        }
        ended_outside_word = true;
        return i;
      }
      if (!(props & kPlainLetter)) {
        if (!DecomposesToLetterAndMarks(t, c)) break;
        i = next;
        std::span<const char32_t> r = t.Replacement(t.nfkc_cf.Get(c));
        f.mark_run = 0;
        f.last_ccc = 0;
        if (!(repeats && r[0] == f.last_c)) {
          f.last_c = r[0];
          if (!skeleton(r[0], 0, origin)) return kBail;
        }
        for (size_t k = 1; k < r.size(); ++k) {
          const uint8_t ccc = Ccc(t, r[k]);
          if (ccc == 0) {
            f.mark_run = 0;
          } else if (++f.mark_run > max_run || ccc < f.last_ccc) {
            return kBail;
          }
          f.last_ccc = ccc;
          f.wrote = true;
          f.last_c = r[k];
          if (!skeleton(r[k], ccc, origin)) return kBail;
        }
        continue;
      }
      const size_t len = next - i;
      i = next;
      f.mark_run = 0;
      f.last_ccc = 0;
      if (repeats && c == f.last_c) continue;
      f.last_c = c;
      if (uint32_t m = t.skeleton.Get(c)) {
        for (char32_t r : t.Replacement(m))
          if (!emit(r, Ccc(t, r), origin)) return kBail;
        continue;
      }
      f.out_last_ccc = 0;
      f.out_last = c;
      w.Reserve(len);
      w.Byte(s[origin], origin);
      w.Byte(s[origin + 1], origin);
      for (size_t k = 2; k < len; ++k) w.Byte(s[origin + k], origin);
    }
    return i;
  };

  Cp cp;
  bool after_letter = false;  // the last code point was a letter kept as it was
  while (true) {
    if (cur.rep == cur.rep_end) {
      while (cur.i < cur.n) {
        if (after_letter && f.run_left == 0) {
          while (true) {
            cur.i = letters(cur.i);
            if (cur.i == cur.n) break;
            const size_t at = cur.i;
            if (cur.s[at] == ' ' && collapse && WordAfterSpace(t, cur.s, cur.n, at)) {
              // As in WordLoop: the space is kept, the next word continues the loop.
              w.Reserve(1);
              w.Byte(' ', static_cast<uint32_t>(at));
              f.out_last = f.last_c = ' ';
              f.out_last_ccc = 0;
              f.word_has_letter = -1;
              ++cur.i;
            } else if (cur.s[at] < 0x80) {
              break;
            }
            const size_t letters_from = cur.i;
            cur.i = plain_letters(cur.i);
            if (cur.i == kBail) return false;
            if (cur.i != letters_from) f.after_sep = false;  // it ended on no separator
            if (ended_outside_word) {
              ended_outside_word = after_letter = false;
              break;
            }
            if (cur.i == at) break;
          }
          if (cur.i == cur.n) break;
        }
        const unsigned char b = cur.s[cur.i];
        if (b >= 0x80 || !ascii(b, static_cast<uint32_t>(cur.i))) break;
        after_letter = kAsciiClass[b] & kLetter;
        ++cur.i;
        if (f.pending_space && f.run_left == 0 && cur.i < cur.n && cur.s[cur.i] >= 0x80 &&
            WordAt(t, cur.s, cur.n, cur.i)) {
          // A word of non-ASCII letters after spaces: what the general path does at its first
          // letter (no spaced run, as a letter follows), then the letter loops.
          w.Reserve(1);
          w.Byte(' ', f.space_origin);
          f.out_last = f.last_c = ' ';
          f.out_last_ccc = 0;
          f.pending_space = false;
          f.in_word = f.seen_letter = true;
          f.word_has_letter = -1;
          after_letter = true;
        }
      }
    }
    if (!cur.Next(&cp)) break;
    after_letter = false;
    if (cp.ccc == 0) {
      f.mark_run = 0;
    } else if (++f.mark_run > max_run || cp.ccc < f.last_ccc) {
      return false;
    }
    f.last_ccc = cp.ccc;

    if (join) {
      bool at_start = f.after_sep;
      f.after_sep = cp.cls & kJoinSep;
      if (f.run_left > 0) {
        --f.run_left;
        if (f.run_joined && f.after_sep) continue;  // a separator between spaced letters
      } else if (at_start && (cp.cls & kLetter)) {
        SpacedRun run = SpacedRunAt(cur);
        f.run_left = run.length > 0 ? run.length - 1 : 0;
        f.run_joined = run.joined;
      }
    }

    if (collapse && (cp.cls & kSpaceClass)) {
      if (!f.pending_space && f.wrote) f.space_origin = cp.origin;
      f.pending_space = f.wrote;
      f.in_word = false;
      continue;
    }
    if (f.pending_space) {
      if (!skeleton(' ', 0, f.space_origin)) return false;
      f.last_c = ' ';
      f.pending_space = false;
    }
    char32_t c = cp.c;
    uint8_t cls = cp.cls;
    if (leet) {
      if (!(cls & kWordChar)) {
        f.in_word = false;
      } else {
        bool word_first = !f.in_word;
        if (word_first) {
          f.in_word = true;
          f.seen_letter = false;
          f.word_has_letter = -1;
        }
        if (cls & kLetter) {
          f.seen_letter = true;
        } else if (cls & (kAsciiDigit | kLeetSym)) {
          if (f.word_has_letter < 0) f.word_has_letter = f.seen_letter || LetterAhead(cur);
          if (f.word_has_letter) {
            Cp next;
            if (char32_t d = LeetDigit(c)) {
              c = d;
              cls = kLetter;
            } else if ((cls & kLeetSym) && !word_first && Cursor(cur).Next(&next) &&
                       (next.cls & (kLetter | kMarkClass | kAsciiDigit))) {
              c = LeetSymbol(c);
              cls = kLetter;
            }
          }
        }
      }
    }
    after_letter = cp.cls == kLetter && cls == kLetter && c == cp.c;
    if (repeats && (cls & kLetter) && f.wrote && f.last_c == c) continue;
    f.wrote = true;
    f.last_c = c;
    if (!skeleton(c, cp.ccc, cp.origin)) return false;
  }
  w.Finish(static_cast<uint32_t>(text.size()), out);
  return true;
}

}  // namespace vigil::analysis::internal
