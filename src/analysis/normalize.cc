#include "analysis/normalize.h"

#include <algorithm>
#include <span>
#include <vector>

#include "analysis/normalize_internal.h"
#include "analysis/unicode_tables.h"

namespace vigil::analysis {
namespace {

using namespace internal;  // NOLINT: this file is the module the internal header serves

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
    std::stable_sort(v.begin() + i, v.begin() + j,
                     [](const Cp& a, const Cp& b) { return a.ccc < b.ccc; });
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

namespace internal {

void NormalizeStaged(const Tables& t, std::string_view text, const NormalizeOptions& opts,
                     Normalized* out) {
  const uint32_t consumed = static_cast<uint32_t>(text.size());
  out->dropped_marks = 0;
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

}  // namespace internal

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
  size_t hi_end =
      hi < original.size() ? hi + Utf8SequenceLength(static_cast<unsigned char>(original[hi])) : hi;
  // Characters folded away after the last source code point (repeated letters, zero-width
  // characters) belong to the match: extend to where the next normalized byte came from, then
  // give back trailing whitespace.
  size_t next = origin[end];
  if (next > hi_end && next <= original.size()) {
    hi_end = next;
    while (hi_end > hi + 1 && (original[hi_end - 1] == ' ' ||
                               (original[hi_end - 1] >= '\t' && original[hi_end - 1] <= '\r')))
      --hi_end;
  }
  return {lo, std::min(hi_end, original.size())};
}

void Normalizer::Normalize(std::string_view text, Normalized* out, const NormalizeOptions& opts) {
  const Tables& t = internal::GetTables();
  out->truncated = text.size() > opts.max_input_bytes;
  text = CutAtCodePoint(text, opts.max_input_bytes);
  if (NormalizeFused(t, text, opts, out)) {
    out->dropped_marks = 0;
    return;
  }
  NormalizeStaged(t, text, opts, out);
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