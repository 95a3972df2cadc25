// Term lists: named lists of words, phrases and regular expressions (with allow-list
// exceptions) matched in one Hyperscan pass over normalized text, and domain lists (block or
// watch) used by the URL analysis. A list is a text file (format in docs/analysis.md); a
// malformed one is refused whole with the line and the reason. A compiled TermMatcher is
// immutable; TermLibrary swaps in a new one atomically, so reloading never blocks matching.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/normalize.h"
#include "core/error.h"

namespace vigil::analysis {

enum class EntryKind { kLiteral, kSubstring, kRegex };

struct ListEntry {
  std::string text;  // as written in the list (without its prefix)
  EntryKind kind = EntryKind::kLiteral;
  bool allow = false;  // an exception: matches of the list's other entries inside it are dropped
  int line = 0;        // 1-based line in the list file
};

enum class ListKind { kTerms, kDomains };
enum class DomainAction { kBlock, kWatch };

struct TermList {
  std::string name;
  ListKind kind = ListKind::kTerms;
  std::string category;
  int severity = 1;  // 1-5
  std::string language = "any";
  std::string owner;
  std::string description;
  DomainAction action = DomainAction::kWatch;  // domain lists only
  std::vector<ListEntry> entries;
};

inline constexpr size_t kMaxListEntries = 1'000'000;
inline constexpr size_t kMaxEntryBytes = 1024;
inline constexpr size_t kMaxListFileBytes = 64u << 20;

// Parses a list file. `fallback_name` (e.g. the file name without extension) is used when the
// file has no @name line. Errors: field "line N", message naming the reason.
Result<TermList> ParseTermList(std::string_view text, std::string_view fallback_name);
// The file form of a list; ParseTermList(FormatTermList(l)) gives back l (minus line numbers).
std::string FormatTermList(const TermList& list);
// Reads and parses every *.list file of `dir` (sorted by name); a missing directory is empty.
// List names must be unique. The first bad file stops the load and is named in the error.
Result<std::vector<TermList>> LoadListDirectory(const std::string& dir);

struct TermMatch {
  size_t list = 0;   // index into TermMatcher::lists()
  size_t entry = 0;  // index into that list's entries
  Span span;         // in the original text
  Span normalized;   // in the normalized text
};

// The compiled form of every terms list: one Hyperscan database over normalized text.
class TermMatcher {
 public:
  ~TermMatcher();
  // Compiles the lists (domain lists are kept but not compiled). Errors name list and line.
  static Result<std::shared_ptr<const TermMatcher>> Compile(std::vector<TermList> lists);

  // Matches of block entries in `n` (the normalization of `original`), allow-list exceptions
  // applied, at most `max_matches`, ordered by position. Thread-safe.
  std::vector<TermMatch> Match(std::string_view original, const Normalized& n,
                               size_t max_matches = 1000) const;

  const std::vector<TermList>& lists() const { return lists_; }
  size_t pattern_count() const { return patterns_.size(); }

  struct Pattern {
    uint32_t list;
    uint32_t entry;
    uint32_t length;  // literal length in normalized bytes; 0 when the start is reported (SOM)
    bool whole_word;
    bool allow;
  };

 private:
  TermMatcher() = default;
  std::vector<TermList> lists_;
  std::vector<Pattern> patterns_;
  struct Db;
  std::unique_ptr<Db> db_;
};

// Holds the matcher in force; Replace compiles off to the side and swaps atomically, so
// in-flight matching finishes on the old database and nothing waits.
class TermLibrary {
 public:
  TermLibrary();
  std::shared_ptr<const TermMatcher> Current() const { return std::atomic_load(&current_); }
  Status Replace(std::vector<TermList> lists);
  Status LoadDirectory(const std::string& dir);  // LoadListDirectory + Replace
  // Shares an already compiled matcher (another library's Current()).
  void Share(std::shared_ptr<const TermMatcher> matcher) { std::atomic_store(&current_, std::move(matcher)); }

 private:
  std::shared_ptr<const TermMatcher> current_;
};

// The literal a list entry is matched as: the entry normalized like the text it is matched in.
std::string NormalizeTerm(std::string_view term);

}  // namespace vigil::analysis
