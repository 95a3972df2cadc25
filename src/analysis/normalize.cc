#include "analysis/normalize.h"

#include <algorithm>
#include <array>
#include <span>

#include "analysis/unicode_tables.h"

namespace vigil::analysis {
namespace {

using internal::CodePointTable;
using internal::Tables;

// Character classes the folding steps look at, computed once per code point.
enum CharClass : uint8_t {
  kLetter = 1,
  kMarkClass = 2,
  kSpaceClass = 4,
  kJoinSep = 8,     // separates the letters of "f r e e", "f.r.e.e"
  kAsciiDigit = 16,
  kLeetSym = 32,    // @ $ ! |
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
  if (props & internal::kAlpha) cls |= kLetter;
  if (props & internal::kMark) cls |= kMarkClass;
  if (props & internal::kSpace) cls |= kSpaceClass | kJoinSep;
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
  return c < 0x300 ? 0 : static_cast<uint8_t>(t.props.Get(c) & internal::kCccMask);
}

// Appends code points to a buffer with their class, tracking whether canonical reordering will
// be needed and dropping combining marks past the run limit. The buffer is sized up front and
// written through a pointer: this loop is most of the cost of normalizing.
class Sink {
 public:
  Sink(const Tables& t, std::vector<Cp>& out, size_t max_run, size_t expected)
      : t_(t), out_(out), max_run_(max_run) {
    out_.resize(expected + 64);
    p_ = out_.data();
    end_ = p_ + out_.size();
  }
  ~Sink() { out_.resize(static_cast<size_t>(p_ - out_.data())); }
  // Makes room for `n` more code points.
  void Reserve(size_t n) {
    if (static_cast<size_t>(end_ - p_) >= n) return;
    size_t used = static_cast<size_t>(p_ - out_.data());
    out_.resize(std::max(out_.size() * 2, used + n + 64));
    p_ = out_.data() + used;
    end_ = out_.data() + out_.size();
  }
  [[gnu::always_inline]] void Ascii(char32_t c, uint32_t origin) {
    run_ = 0;
    last_ccc_ = 0;
    *p_++ = {c, origin, 0, kAsciiClass[c]};
  }
  [[gnu::always_inline]] void Push(char32_t c, uint32_t origin) {
    if (c < 0x80) return Ascii(c, origin);
    uint16_t props = t_.props.Get(c);
    uint8_t ccc = static_cast<uint8_t>(props & internal::kCccMask);
    if (ccc == 0) {
      run_ = 0;
    } else if (++run_ > max_run_) {
      ++dropped_;
      return;
    } else if (ccc < last_ccc_) {
      reorder_ = true;
    }
    last_ccc_ = ccc;
    *p_++ = {c, origin, ccc, ClassOfProps(c, props)};
  }
  // Maps c through `table`; room for 63 code points must have been reserved.
  void Map(const CodePointTable<uint32_t>& table, char32_t c, uint32_t origin) {
    uint32_t v = table.Get(c);
    if (v == 0) return Push(c, origin);
    for (char32_t r : t_.Replacement(v)) Push(r, origin);
  }
  bool needs_reorder() const { return reorder_; }
  size_t dropped() const { return dropped_; }

 private:
  const Tables& t_;
  std::vector<Cp>& out_;
  Cp* p_;
  Cp* end_;
  size_t max_run_;
  size_t run_ = 0;
  uint8_t last_ccc_ = 0;
  bool reorder_ = false;
  size_t dropped_ = 0;
};

// Canonical ordering (Unicode 3.11): sorts each run of non-starters by combining class, stably
// (a stable sort, so even a million marks in a row cost n log n).
void Reorder(std::vector<Cp>& v) {
  size_t i = 0;
  while (i < v.size()) {
    if (v[i].ccc == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < v.size() && v[j].ccc != 0) ++j;
    std::stable_sort(v.begin() + i, v.begin() + j, [](const Cp& a, const Cp& b) { return a.ccc < b.ccc; });
    i = j;
  }
}

// Stage 1: decode and decompose with `table` (NFD or NFKC_Casefold).
void Decompose(const Tables& t, const CodePointTable<uint32_t>& table, bool fold_ascii,
               std::string_view text, size_t max_run, std::vector<Cp>& out, Normalized* stats) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  bool reorder = false;
  {
    // Every byte yields at most one code point except through a mapping (<= 63), so reserving
    // the remaining byte count plus 63 before each mapping keeps the ASCII path unchecked.
    Sink sink(t, out, max_run, n);
    size_t i = 0;
    while (i < n) {
      unsigned char b = s[i];
      if (b < 0x80) {
        char32_t c = (fold_ascii && b >= 'A' && b <= 'Z') ? b + 32u : b;
        sink.Ascii(c, static_cast<uint32_t>(i++));
        continue;
      }
      sink.Reserve(n - i + 63);
      uint32_t start = static_cast<uint32_t>(i);
      sink.Map(table, DecodeUtf8(s, n, i), start);
    }
    reorder = sink.needs_reorder();
    if (stats) stats->dropped_marks += sink.dropped();
  }
  if (reorder) Reorder(out);
}

// Stage 3 (general path): map every code point to its confusable prototype, then reorder.
void Skeletonize(const Tables& t, const std::vector<Cp>& in, std::vector<Cp>& out) {
  bool reorder = false;
  {
    Sink sink(t, out, static_cast<size_t>(-1), in.size());
    for (const Cp& cp : in) {
      sink.Reserve(63);
      sink.Map(t.skeleton, cp.c, cp.origin);
    }
    reorder = sink.needs_reorder();
  }
  if (reorder) Reorder(out);
}

// --- Stage 3+4: skeleton and UTF-8 out, with the origin of every byte. ---

class Encoder {
 public:
  Encoder(const NormalizeOptions& o, Normalized* out, size_t expected) : o_(o), out_(out) {
    Grow(expected * 3 + 64);
  }
  // Returns false when the output needs canonical reordering (the caller takes the general path).
  [[gnu::always_inline]] bool Emit(char32_t c, uint8_t ccc, uint32_t origin) {
    if (ccc != 0 && ccc < last_ccc_) return false;
    last_ccc_ = ccc;
    if (o_.lower_skeleton && c - 'A' < 26u) c += 32;
    if (o_.fold_repeats && c == last_ && c - 'a' < 26u) return true;
    last_ = c;
    if (pos_ + 4 > cap_) Grow(cap_ * 2);
    if (c < 0x80) {  // most output is ASCII
      text_[pos_] = static_cast<char>(c);
      origin_[pos_++] = origin;
      return true;
    }
    size_t len = EncodeUtf8(c, text_ + pos_);
    for (size_t k = 0; k < len; ++k) origin_[pos_ + k] = origin;
    pos_ += len;
    return true;
  }
  // Copies the output into *out, with origin's final entry `consumed`.
  void Finish(uint32_t consumed) {
    out_->text.assign(text_, pos_);
    out_->origin.reserve(pos_ + 1);
    out_->origin.assign(origin_, origin_ + pos_);
    out_->origin.push_back(consumed);
  }

 private:
  // Per-thread scratch that only grows: resizing the output strings for every text and
  // shrinking them after zero-filled a few kilobytes a post.
  struct Scratch {
    std::vector<char> text;
    std::vector<uint32_t> origin;
  };
  void Grow(size_t cap) {
    thread_local Scratch scratch;
    if (scratch.text.size() < cap) {
      scratch.text.resize(cap);
      scratch.origin.resize(cap);
    }
    cap_ = scratch.text.size();
    text_ = scratch.text.data();
    origin_ = scratch.origin.data();
  }
  const NormalizeOptions& o_;
  Normalized* out_;
  char* text_ = nullptr;
  uint32_t* origin_ = nullptr;
  size_t pos_ = 0, cap_ = 0;
  char32_t last_ = 0;
  uint8_t last_ccc_ = 0;
};

// The common case in one pass: skeleton lookups straight into the output as the folding step
// hands over code points. Stops (ok() false) when a skeleton needs canonical reordering across
// code points, which is rare; the caller then redoes the skeleton the general way.
class FastSkeleton {
 public:
  FastSkeleton(const Tables& t, const NormalizeOptions& o, Normalized* out, size_t expected)
      : t_(t), enc_(o, out, expected) {}
  [[gnu::always_inline]] void Add(const Cp& cp) {
    if (!ok_) return;
    uint32_t m = cp.c < 0x80 ? t_.ascii_skeleton[cp.c] : t_.skeleton.Get(cp.c);
    if (m == 0) {
      ok_ = enc_.Emit(cp.c, cp.ccc, cp.origin);
      return;
    }
    for (char32_t r : t_.Replacement(m))
      if (!(ok_ = enc_.Emit(r, Ccc(t_, r), cp.origin))) return;
  }
  bool ok() const { return ok_; }
  void Finish(uint32_t consumed) { enc_.Finish(consumed); }

 private:
  const Tables& t_;
  Encoder enc_;
  bool ok_ = true;
};

// --- Stage 2: folding over case-folded, decomposed code points. ---

char32_t LeetDigit(char32_t c) {
  switch (c) {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '8': return 'b';
    case '9': return 'g';
    default: return 0;
  }
}
char32_t LeetSymbol(char32_t c) {
  switch (c) {
    case '@': return 'a';
    case '$': return 's';
    case '!': return 'i';
    case '|': return 'l';
    default: return 0;
  }
}

constexpr uint8_t kWordChar = kLetter | kMarkClass | kAsciiDigit | kLeetSym;

// End of the letter (plus its combining marks) at i when it is a single-letter token.
size_t SingleLetterEnd(const std::vector<Cp>& v, size_t i) {
  if (i >= v.size() || !(v[i].cls & kLetter)) return 0;
  size_t k = i + 1;
  while (k < v.size() && (v[k].cls & kMarkClass)) ++k;
  return (k == v.size() || (v[k].cls & kJoinSep)) ? k : 0;
}

// Whether JoinSpaced could change anything: three single-letter tokens at least.
bool MaybeSpaced(const std::vector<Cp>& v) {
  int singles = 0;
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) {
    if (!(v[i].cls & kLetter) || (i > 0 && !(v[i - 1].cls & kJoinSep))) continue;
    if (i + 1 < n && !(v[i + 1].cls & (kJoinSep | kMarkClass))) continue;
    if (SingleLetterEnd(v, i) && ++singles >= 3) return true;
  }
  return false;
}

// "f r e e  m o n e y" -> "free  money": three or more single letters, each separated by the
// same single separator, lose their separators; a longer separator run still separates words.
void JoinSpaced(const std::vector<Cp>& v, std::vector<Cp>& out) {
  out.clear();
  size_t i = 0;
  while (i < v.size()) {
    bool at_start = i == 0 || (v[i - 1].cls & kJoinSep);
    size_t end = at_start ? SingleLetterEnd(v, i) : 0;
    if (end == 0) {
      out.push_back(v[i++]);
      continue;
    }
    size_t j = end, letters = 1;
    const char32_t sep = j < v.size() ? v[j].c : 0;
    while (j + 1 < v.size() && v[j].c == sep && (v[j].cls & kJoinSep)) {
      size_t e = SingleLetterEnd(v, j + 1);
      if (e == 0) break;
      ++letters;
      j = e;
    }
    for (size_t k = i; k < j; ++k)
      if (letters < 3 || !(v[k].cls & kJoinSep)) out.push_back(v[k]);
    i = j;
  }
}

bool LetterAhead(const std::vector<Cp>& v, size_t i) {
  for (; i < v.size() && (v[i].cls & kWordChar); ++i)
    if (v[i].cls & kLetter) return true;
  return false;
}

// Whitespace runs -> one space (trimmed); leetspeak inside words that contain a letter (digits
// anywhere, symbols only between word characters, so "free!" and "$100" stay); runs of one
// letter -> one letter. One pass, in place.
void Fold(std::vector<Cp>& v, const NormalizeOptions& o, FastSkeleton& fast) {
  size_t w = 0;
  const size_t n = v.size();
  bool pending_space = false, in_word = false, seen_letter = false;
  uint32_t space_origin = 0;
  size_t word_start = 0;
  int word_has_letter = -1;  // -1: not looked ahead yet
  for (size_t i = 0; i < n; ++i) {
    Cp cp = v[i];
    if (o.collapse_space && (cp.cls & kSpaceClass)) {
      if (!pending_space && w > 0) space_origin = cp.origin;
      pending_space = w > 0;
      in_word = false;
      continue;
    }
    if (pending_space) {
      v[w] = {' ', space_origin, 0, kSpaceClass | kJoinSep};
      fast.Add(v[w++]);
      pending_space = false;
    }
    if (o.fold_leet) {
      if (!(cp.cls & kWordChar)) {
        in_word = false;
      } else {
        if (!in_word) {
          in_word = true;
          word_start = i;
          seen_letter = false;
          word_has_letter = -1;
        }
        if (cp.cls & kLetter) {
          seen_letter = true;
        } else if (cp.cls & (kAsciiDigit | kLeetSym)) {
          if (word_has_letter < 0) word_has_letter = seen_letter || LetterAhead(v, i + 1);
          if (word_has_letter) {
            if (char32_t d = LeetDigit(cp.c)) {
              cp.c = d;
              cp.cls = kLetter;
            } else if ((cp.cls & kLeetSym) && i > word_start && i + 1 < n &&
                       (v[i + 1].cls & (kLetter | kMarkClass | kAsciiDigit))) {
              cp.c = LeetSymbol(cp.c);
              cp.cls = kLetter;
            }
          }
        }
      }
    }
    if (o.fold_repeats && (cp.cls & kLetter) && w > 0 && v[w - 1].c == cp.c) continue;
    v[w++] = cp;
    fast.Add(cp);
  }
  v.resize(w);
}

void EncodeAll(const std::vector<Cp>& v, const NormalizeOptions& o, uint32_t consumed,
               Normalized* out) {
  Encoder enc(o, out, v.size());
  for (const Cp& cp : v) enc.Emit(cp.c, 0, cp.origin);  // already in canonical order
  enc.Finish(consumed);
}

// --- The fused pass: decompose, join, fold, skeleton and encode in one go. ---

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
    *cp = {c, origin, static_cast<uint8_t>(props & internal::kCccMask), ClassOfProps(c, props)};
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
  return cur.t->props.Get(DecodeUtf8(cur.s, cur.n, i)) & internal::kPlainLetter;
}

// Whether NFKC_Casefold maps c to a letter that continues a word (ASCII, or kPlainLetter)
// followed by one or more combining marks that are not letters, as precomposed accented letters.
bool DecomposesToLetterAndMarks(const Tables& t, char32_t c) {
  uint32_t v = t.nfkc_cf.Get(c);
  if (v == 0) return false;
  std::span<const char32_t> r = t.Replacement(v);
  if (r.size() < 2) return false;
  if (r[0] < 0x80 ? kAsciiClass[r[0]] != kLetter : !(t.props.Get(r[0]) & internal::kPlainLetter))
    return false;
  for (size_t k = 1; k < r.size(); ++k)
    if (r[k] < 0x80 || (t.props.Get(r[k]) &
                        (internal::kAlpha | internal::kMark | internal::kSpace)) != internal::kMark)
      return false;
  return true;
}

// Whether c is a code point that every step but the skeleton leaves alone and that is outside
// words: no letter, mark, space or middle dot, combining class 0, NFKC_Casefold maps it to itself.
bool IsPlainOther(const Tables& t, char32_t c, uint16_t props) {
  return (props & (internal::kAlpha | internal::kMark | internal::kSpace | internal::kCccMask)) ==
             0 &&
         c != 0xB7 && t.nfkc_cf.Get(c) == 0;
}

// Whether the code point at s[i] is, or decomposes to, a letter that continues a word: then the
// letter before it is no single-letter token. False when it would take more to tell.
bool LetterAt(const Tables& t, const unsigned char* s, size_t n, size_t i) {
  if (i >= n) return false;
  if (s[i] < 0x80) return kAsciiClass[s[i]] == kLetter;
  char32_t c = DecodeUtf8(s, n, i);
  return (t.props.Get(c) & internal::kPlainLetter) || DecomposesToLetterAndMarks(t, c);
}

// Whether s[i] starts two letters (LetterAt) of which the first is not ASCII.
bool WordAt(const Tables& t, const unsigned char* s, size_t n, size_t i) {
  size_t next = i;
  char32_t c = DecodeUtf8(s, n, next);
  return ((t.props.Get(c) & internal::kPlainLetter) || DecomposesToLetterAndMarks(t, c)) &&
         LetterAt(t, s, n, next);
}

// Whether the space at s[i] is followed by a word that starts with two letters (ASCII, or
// kPlainLetter), neither an ASCII space's successor that ascii_letters already takes.
bool WordAfterSpace(const Tables& t, const unsigned char* s, size_t n, size_t i) {
  size_t j = i + 1;
  for (int letters = 0; letters < 2; ++letters) {
    if (j >= n) return false;
    if (s[j] < 0x80) {
      if (kAsciiClass[s[j++]] != kLetter) return false;
    } else if (!(t.props.Get(DecodeUtf8(s, n, j)) & internal::kPlainLetter)) {
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

// Decompose, JoinSpaced, Fold and FastSkeleton in one pass over the text, without intermediate
// buffers. ASCII bytes take a byte loop that does every step with a few table lookups, unless
// they need a look ahead (digits and leetspeak symbols, a letter that may start a spaced run)
// or a multi-character skeleton. Returns false (having written nothing to *out) when the text
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

  // Letters inside a word, after a letter: only case, repeats and the skeleton change anything;
  // the other steps' state is settled. Returns where the run of ASCII letters ends.
  auto ascii_letters = [&](size_t i) __attribute__((always_inline)) {
    const unsigned char* s = cur.s;
    const size_t n = cur.n;
    char32_t last_c = f.last_c, out_last = f.out_last;
    w.Reserve(2 * (n - i));
    size_t pos = w.pos;
    const size_t begin = i;
    bool new_word = false;
    for (; i < n; ++i) {
      char32_t c = s[i] | 0x20u;
      if (c - 'a' >= 26u || !(kAsciiClass[s[i]] & kLetter)) {
        // One space, then a word of two letters or more (so no spaced run): the space is
        // kept and the next word's first letter continues here.
        if (s[i] != ' ' || !collapse || i + 2 >= n || s[i + 1] >= 0x80 ||
            kAsciiClass[s[i + 1]] != kLetter ||
            !(s[i + 2] < 0x80 ? kAsciiClass[s[i + 2]] == kLetter : LetterAt(t, s, n, i + 2)))
          break;
        w.buf.text[pos] = ' ';
        w.buf.origin[pos++] = static_cast<uint32_t>(i);
        out_last = last_c = ' ';
        new_word = true;
        c = s[++i] | 0x20u;
      }
      if (repeats && c == last_c) continue;
      last_c = c;
      if (c == 'm') {  // the only ASCII letter whose skeleton is not itself: "rn"
        if (!(repeats && out_last == 'r')) {
          w.buf.text[pos] = 'r';
          w.buf.origin[pos++] = static_cast<uint32_t>(i);
        }
        c = 'n';
      } else if (repeats && c == out_last) {
        continue;
      }
      w.buf.text[pos] = static_cast<char8_t>(c);
      w.buf.origin[pos++] = static_cast<uint32_t>(i);
      out_last = c;
    }
    if (i != begin) {
      w.pos = pos;
      f.last_c = last_c;
      f.out_last = out_last;
      f.mark_run = 0;
      f.last_ccc = f.out_last_ccc = 0;
      if (new_word) f.word_has_letter = -1;
    }
    return i;
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
      size_t next = i;
      const char32_t c = DecodeUtf8Fast(s, n, next);
      const uint32_t origin = static_cast<uint32_t>(i);
      const uint16_t props = t.props.Get(c);
      if (!(props & internal::kPlainLetter) && IsPlainOther(t, c, props)) {
        // Punctuation or a symbol that ends the word ("。", "،", an emoji): no word character,
        // no separator. A word of plain letters right after it starts here too.
        i = next;
        f.mark_run = 0;
        f.last_ccc = 0;
        f.in_word = false;
        f.last_c = c;
        if (!skeleton(c, 0, origin)) return kBail;
        size_t after = i;
        if (i < n && s[i] >= 0x80 &&
            (t.props.Get(DecodeUtf8Fast(s, n, after)) & internal::kPlainLetter)) {
          f.in_word = f.seen_letter = true;
          f.word_has_letter = -1;
          continue;
        }
        ended_outside_word = true;
        return i;
      }
      if (!(props & internal::kPlainLetter)) {
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
            cur.i = ascii_letters(cur.i);
            if (cur.i == cur.n) break;
            const size_t at = cur.i;
            if (cur.s[at] == ' ' && collapse && WordAfterSpace(t, cur.s, cur.n, at)) {
              // As in ascii_letters: the space is kept, the next word continues the loop.
              w.Reserve(1);
              w.Byte(' ', static_cast<uint32_t>(at));
              f.out_last = f.last_c = ' ';
              f.out_last_ccc = 0;
              f.word_has_letter = -1;
              ++cur.i;
            } else if (cur.s[at] < 0x80) {
              break;
            }
            cur.i = plain_letters(cur.i);
            if (cur.i == kBail) return false;
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

struct Buffers {
  std::vector<Cp> a, b;
};

Buffers& LocalBuffers() {
  thread_local Buffers buffers;
  buffers.a.clear();
  buffers.b.clear();
  return buffers;
}

std::string_view CutAtCodePoint(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    size_t before = i;
    if (DecodeUtf8(s, text.size(), i) == 0xFFFD && i == before + 1) return false;
  }
  return true;
}

size_t Utf8SequenceLength(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  if (lead >= 0xE0) return lead <= 0xEF ? 3 : 1;
  if (lead >= 0xC2) return 2;
  return 1;
}

Span Normalized::ToOriginal(std::string_view original, size_t begin, size_t end) const {
  if (origin.empty()) return {};
  end = std::min(end, text.size());
  begin = std::min(begin, end);
  if (begin == end) return {origin[begin], origin[begin]};
  uint32_t lo = origin[begin], hi = origin[begin];
  for (size_t i = begin; i < end; ++i) {
    lo = std::min(lo, origin[i]);
    hi = std::max(hi, origin[i]);
  }
  size_t hi_end = hi < original.size() ? hi + Utf8SequenceLength(static_cast<unsigned char>(original[hi])) : hi;
  // Characters folded away after the last source code point (repeated letters, zero-width
  // characters) belong to the match: extend to where the next normalized byte came from, then
  // give back trailing whitespace.
  size_t next = origin[end];
  if (next > hi_end && next <= original.size()) {
    hi_end = next;
    while (hi_end > hi + 1 && (original[hi_end - 1] == ' ' || (original[hi_end - 1] >= '\t' &&
                                                                original[hi_end - 1] <= '\r')))
      --hi_end;
  }
  return {lo, std::min(hi_end, original.size())};
}

void Normalizer::Normalize(std::string_view text, Normalized* out, const NormalizeOptions& opts) {
  const Tables& t = internal::GetTables();
  out->truncated = text.size() > opts.max_input_bytes;
  out->dropped_marks = 0;
  text = CutAtCodePoint(text, opts.max_input_bytes);
  if (NormalizeFused(t, text, opts, out)) return;
  // The general path: stage by stage over code-point buffers, reordering combining marks.
  const uint32_t consumed = static_cast<uint32_t>(text.size());
  Buffers& buf = LocalBuffers();
  Decompose(t, t.nfkc_cf, true, text, opts.max_combining_run, buf.a, out);
  if (opts.join_spaced && MaybeSpaced(buf.a)) {
    JoinSpaced(buf.a, buf.b);
    buf.a.swap(buf.b);
    buf.b.clear();
  }
  FastSkeleton fast(t, opts, out, buf.a.size());
  if (opts.collapse_space || opts.fold_leet || opts.fold_repeats) {
    Fold(buf.a, opts, fast);
  } else {
    for (const Cp& cp : buf.a) fast.Add(cp);
  }
  if (fast.ok()) {
    fast.Finish(consumed);
  } else {
    Skeletonize(t, buf.a, buf.b);
    EncodeAll(buf.b, opts, consumed, out);
  }
}

Normalized Normalizer::Normalize(std::string_view text, const NormalizeOptions& opts) {
  Normalized n;
  Normalize(text, &n, opts);
  return n;
}

std::string Normalizer::Skeleton(std::string_view text) {
  const Tables& t = internal::GetTables();
  Buffers& buf = LocalBuffers();
  Decompose(t, t.nfd, false, text, static_cast<size_t>(-1), buf.a, nullptr);
  Skeletonize(t, buf.a, buf.b);
  std::string out(buf.b.size() * 4, '\0');
  size_t pos = 0;
  for (const Cp& cp : buf.b) pos += EncodeUtf8(cp.c, out.data() + pos);
  out.resize(pos);
  return out;
}

void Normalizer::Warm() { internal::GetTables(); }

}  // namespace vigil::analysis
