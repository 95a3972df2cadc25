// The list file format: parsing (with line-numbered errors), formatting, loading a directory.
#include "analysis/term_lists.h"

#include <hs/hs.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace vigil::analysis {
namespace {

Error LineError(int line, const std::string& why) {
  return Error::Invalid("line " + std::to_string(line), why);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

// Compiles the regex alone, so a bad one is reported on its own line with Hyperscan's reason.
std::string RegexProblem(const std::string& re) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(re.c_str(), HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST, HS_MODE_BLOCK, nullptr, &db,
                 &err) == HS_SUCCESS) {
    hs_free_database(db);
    return "";
  }
  std::string why = err && err->message ? err->message : "invalid regular expression";
  hs_free_compile_error(err);
  return why;
}

Status ApplyHeader(TermList& list, std::string_view key, std::string_view value, int line) {
  std::string v(value);
  if (key == "name") {
    if (!ValidName(v)) return LineError(line, "@name must be 1-64 characters a-z 0-9 . _ -");
    list.name = v;
  } else if (key == "kind") {
    if (v == "terms") list.kind = ListKind::kTerms;
    else if (v == "domains") list.kind = ListKind::kDomains;
    else return LineError(line, "@kind must be terms or domains");
  } else if (key == "category") {
    list.category = v;
  } else if (key == "severity") {
    if (v.size() != 1 || v[0] < '1' || v[0] > '5') return LineError(line, "@severity must be 1 to 5");
    list.severity = v[0] - '0';
  } else if (key == "language") {
    if (v.empty() || v.size() > 16) return LineError(line, "@language must be a language code or any");
    list.language = v;
  } else if (key == "owner") {
    list.owner = v;
  } else if (key == "description") {
    list.description = v;
  } else if (key == "action") {
    if (v == "block") list.action = DomainAction::kBlock;
    else if (v == "watch") list.action = DomainAction::kWatch;
    else return LineError(line, "@action must be block or watch");
  } else {
    return LineError(line, "unknown header @" + std::string(key) +
                               " (name, kind, category, severity, language, owner, description, action)");
  }
  return OkStatus();
}

bool ValidDomain(std::string_view d) {
  if (d.empty() || d.size() > 253 || d.front() == '.' || d.back() == '.') return false;
  return std::none_of(d.begin(), d.end(), [](char c) {
    return c == ' ' || c == '/' || c == ':' || c == '@' || c == '\t';
  });
}

Status ParseEntry(TermList& list, std::string_view body, int line) {
  ListEntry e;
  e.line = line;
  if (body[0] == '\\') {
    body.remove_prefix(1);  // escapes a leading # @ ! or prefix
  } else {
    if (body[0] == '!') {
      e.allow = true;
      body = Trim(body.substr(1));
    }
    if (body.starts_with("re:")) {
      e.kind = EntryKind::kRegex;
      body.remove_prefix(3);
    } else if (body.starts_with("sub:")) {
      e.kind = EntryKind::kSubstring;
      body.remove_prefix(4);
    }
  }
  if (body.empty()) return LineError(line, "empty entry");
  if (body.size() > kMaxEntryBytes)
    return LineError(line, "entry longer than " + std::to_string(kMaxEntryBytes) + " bytes");
  if (!IsValidUtf8(body)) return LineError(line, "not valid UTF-8");
  e.text = std::string(body);
  if (list.kind == ListKind::kDomains) {
    if (e.kind != EntryKind::kLiteral || e.allow)
      return LineError(line, "domain lists hold plain domains (no re:, sub: or !)");
    std::transform(e.text.begin(), e.text.end(), e.text.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; });
    if (!ValidDomain(e.text)) return LineError(line, "not a domain name: " + e.text);
  } else if (e.kind == EntryKind::kRegex) {
    if (std::string why = RegexProblem(e.text); !why.empty())
      return LineError(line, "invalid regular expression: " + why);
  } else if (NormalizeTerm(e.text).empty()) {
    return LineError(line, "entry is empty once normalized (only spaces or invisible characters)");
  }
  if (list.entries.size() >= kMaxListEntries)
    return LineError(line, "more than " + std::to_string(kMaxListEntries) + " entries");
  list.entries.push_back(std::move(e));
  return OkStatus();
}

}  // namespace

Result<TermList> ParseTermList(std::string_view text, std::string_view fallback_name) {
  if (text.size() > kMaxListFileBytes) return Error::Invalid("file", "list file larger than 64 MiB");
  TermList list;
  int line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line;
    if (raw.find('\0') != std::string_view::npos) return LineError(line, "contains a NUL byte");
    std::string_view body = Trim(raw);
    if (body.empty() || body[0] == '#') continue;
    if (body[0] == '@') {
      if (!list.entries.empty()) return LineError(line, "headers (@...) must come before the entries");
      size_t sp = body.find_first_of(" \t");
      std::string_view key = body.substr(1, sp == std::string_view::npos ? body.size() : sp - 1);
      std::string_view value = sp == std::string_view::npos ? "" : Trim(body.substr(sp));
      if (auto st = ApplyHeader(list, key, value, line); !st) return st.error();
      continue;
    }
    if (auto st = ParseEntry(list, body, line); !st) return st.error();
  }
  if (list.name.empty()) {
    std::string fallback(fallback_name);
    if (!ValidName(fallback)) return Error::Invalid("name", "the list has no valid @name line");
    list.name = fallback;
  }
  return list;
}

std::string FormatTermList(const TermList& l) {
  std::ostringstream out;
  out << "@name " << l.name << "\n";
  if (l.kind == ListKind::kDomains) {
    out << "@kind domains\n@action " << (l.action == DomainAction::kBlock ? "block" : "watch") << "\n";
  }
  if (!l.category.empty()) out << "@category " << l.category << "\n";
  out << "@severity " << l.severity << "\n@language " << l.language << "\n";
  if (!l.owner.empty()) out << "@owner " << l.owner << "\n";
  if (!l.description.empty()) out << "@description " << l.description << "\n";
  for (const auto& e : l.entries) {
    std::string prefix = e.allow ? "!" : "";
    if (e.kind == EntryKind::kRegex) prefix += "re:";
    if (e.kind == EntryKind::kSubstring) prefix += "sub:";
    bool needs_escape = prefix.empty() && (e.text[0] == '#' || e.text[0] == '@' || e.text[0] == '!' ||
                                           e.text[0] == '\\' || e.text.starts_with("re:") ||
                                           e.text.starts_with("sub:") || e.text[0] == ' ');
    out << (needs_escape ? "\\" : prefix) << e.text << "\n";
  }
  return out.str();
}

Result<std::vector<TermList>> LoadListDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<TermList> lists;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return lists;
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir, ec))
    if (f.is_regular_file() && f.path().extension() == ".list") files.push_back(f.path());
  std::sort(files.begin(), files.end());
  std::set<std::string> names;
  for (const auto& f : files) {
    if (fs::file_size(f, ec) > kMaxListFileBytes)
      return Error::Invalid(f.string(), "list file larger than 64 MiB");
    std::ifstream in(f, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto list = ParseTermList(text, f.stem().string());
    if (!list) return Error::Invalid(f.string() + ": " + list.error().field, list.error().message);
    if (!names.insert(list->name).second)
      return Error::Invalid(f.string(), "a list named " + list->name + " exists already");
    lists.push_back(std::move(list.value()));
  }
  return lists;
}

}  // namespace vigil::analysis
