// Compiling term lists into one Hyperscan database and matching normalized text with it.
#include <hs/hs.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "analysis/term_lists.h"

namespace vigil::analysis {

struct TermMatcher::Db {
  hs_database_t* db = nullptr;
  uint64_t generation = 0;  // scratch space is (re)allocated per thread when this changes
  ~Db() { hs_free_database(db); }
};

namespace {

std::atomic<uint64_t> g_generation{1};

// Hyperscan takes regex syntax; a literal becomes a byte-exact pattern with every non-alphanumeric
// byte hex-escaped. A space (a word gap once normalized) may also be absent: "free money" also
// matches "freemoney", which is what "f r e e m o n e y" normalizes to.
std::string LiteralPattern(const std::string& normalized, bool* has_space) {
  std::string out;
  *has_space = false;
  for (unsigned char c : normalized) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out += "\\x20?";
      *has_space = true;
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

inline bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

struct Raw {
  uint32_t pattern;
  uint32_t from;
  uint32_t to;
};

struct ScanContext {
  const std::vector<TermMatcher::Pattern>* patterns;
  const std::string* text;
  std::vector<Raw>* raw;
  size_t limit;
};

int OnMatch(unsigned int id, unsigned long long from, unsigned long long to, unsigned int,
            void* ctx_ptr) {
  auto* ctx = static_cast<ScanContext*>(ctx_ptr);
  const TermMatcher::Pattern& p = (*ctx->patterns)[id];
  if (p.length) from = to - p.length;
  if (p.whole_word) {
    const auto* s = reinterpret_cast<const unsigned char*>(ctx->text->data());
    if (from > 0 && IsWordByte(s[from - 1])) return 0;
    if (to < ctx->text->size() && IsWordByte(s[to])) return 0;
  }
  ctx->raw->push_back({id, static_cast<uint32_t>(from), static_cast<uint32_t>(to)});
  return ctx->raw->size() >= ctx->limit ? 1 : 0;  // non-zero stops the scan
}

hs_scratch_t* ThreadScratch(const hs_database_t* db, uint64_t generation) {
  thread_local hs_scratch_t* scratch = nullptr;
  thread_local uint64_t scratch_generation = 0;
  if (scratch_generation != generation) {
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) return nullptr;
    scratch_generation = generation;
  }
  return scratch;
}

}  // namespace

std::string NormalizeTerm(std::string_view term) { return Normalizer::Normalize(term).text; }

TermMatcher::~TermMatcher() = default;

Result<std::shared_ptr<const TermMatcher>> TermMatcher::Compile(std::vector<TermList> lists) {
  std::shared_ptr<TermMatcher> m(new TermMatcher());
  m->lists_ = std::move(lists);
  m->db_ = std::make_unique<Db>();
  m->db_->generation = g_generation.fetch_add(1);
  std::vector<std::string> exprs;
  std::vector<unsigned> flags;
  for (uint32_t li = 0; li < m->lists_.size(); ++li) {
    const TermList& list = m->lists_[li];
    if (list.kind != ListKind::kTerms) continue;
    for (uint32_t ei = 0; ei < list.entries.size(); ++ei) {
      const ListEntry& e = list.entries[ei];
      Pattern p{li, ei, 0, e.kind != EntryKind::kSubstring, e.allow};
      if (e.kind == EntryKind::kRegex) {
        exprs.push_back(e.text);
        flags.push_back(HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST);
      } else {
        std::string normalized = NormalizeTerm(e.text);
        bool has_space = false;
        exprs.push_back(LiteralPattern(normalized, &has_space));
        p.length = has_space ? 0 : static_cast<uint32_t>(normalized.size());
        flags.push_back(has_space ? HS_FLAG_SOM_LEFTMOST : 0);
      }
      m->patterns_.push_back(p);
    }
  }
  if (exprs.empty()) return std::shared_ptr<const TermMatcher>(std::move(m));
  std::vector<const char*> ptrs;
  std::vector<unsigned> ids;
  for (size_t i = 0; i < exprs.size(); ++i) {
    ptrs.push_back(exprs[i].c_str());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(), static_cast<unsigned>(ptrs.size()),
                       HS_MODE_BLOCK, nullptr, &m->db_->db, &err) != HS_SUCCESS) {
    std::string why = err && err->message ? err->message : "compile failed";
    std::string field = "lists";
    if (err && err->expression >= 0) {
      const Pattern& p = m->patterns_[static_cast<size_t>(err->expression)];
      field = m->lists_[p.list].name + ": line " + std::to_string(m->lists_[p.list].entries[p.entry].line);
    }
    hs_free_compile_error(err);
    return Error::Invalid(field, why);
  }
  return std::shared_ptr<const TermMatcher>(std::move(m));
}

std::vector<TermMatch> TermMatcher::Match(std::string_view original, const Normalized& n,
                                          size_t max_matches) const {
  std::vector<TermMatch> out;
  if (!db_->db || n.text.empty() || max_matches == 0) return out;
  hs_scratch_t* scratch = ThreadScratch(db_->db, db_->generation);
  if (!scratch) return out;
  thread_local std::vector<Raw> raw;
  raw.clear();
  // Allow-list hits and repeated reports count against the limit too, hence the headroom.
  ScanContext ctx{&patterns_, &n.text, &raw, max_matches * 4};
  hs_scan(db_->db, n.text.data(), static_cast<unsigned>(n.text.size()), 0, scratch, OnMatch, &ctx);

  std::sort(raw.begin(), raw.end(), [](const Raw& a, const Raw& b) {
    return a.from != b.from ? a.from < b.from : a.to > b.to;
  });
  // One report per pattern and start: the longest (regexes report every end they reach).
  std::vector<Raw> kept;
  for (const Raw& r : raw) {
    bool dup = std::any_of(kept.rbegin(), kept.rend(), [&](const Raw& k) {
      return k.from == r.from && k.pattern == r.pattern;
    });
    if (!dup) kept.push_back(r);
  }
  for (const Raw& r : kept) {
    const Pattern& p = patterns_[r.pattern];
    if (p.allow) continue;
    bool excepted = std::any_of(kept.begin(), kept.end(), [&](const Raw& a) {
      const Pattern& ap = patterns_[a.pattern];
      return ap.allow && ap.list == p.list && a.from <= r.from && a.to >= r.to;
    });
    if (excepted) continue;
    TermMatch m;
    m.list = p.list;
    m.entry = p.entry;
    m.normalized = {r.from, r.to};
    m.span = n.ToOriginal(original, r.from, r.to);
    out.push_back(m);
    if (out.size() >= max_matches) break;
  }
  return out;
}

TermLibrary::TermLibrary() : current_(TermMatcher::Compile({}).value()) {}

Status TermLibrary::Replace(std::vector<TermList> lists) {
  auto compiled = TermMatcher::Compile(std::move(lists));
  if (!compiled) return compiled.error();
  std::atomic_store(&current_, compiled.value());
  return OkStatus();
}

Status TermLibrary::LoadDirectory(const std::string& dir) {
  auto lists = LoadListDirectory(dir);
  if (!lists) return lists.error();
  return Replace(std::move(lists.value()));
}

}  // namespace vigil::analysis
