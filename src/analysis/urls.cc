#include "analysis/urls.h"

#include <unicode/uidna.h>

#include <algorithm>
#include <array>
#include <fstream>

namespace vigil::analysis {
namespace {

std::vector<std::string_view> Labels(std::string_view host) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    out.push_back(host.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string_view>& labels, size_t from) {
  std::string out;
  for (size_t i = from; i < labels.size(); ++i) {
    if (i > from) out.push_back('.');
    out.append(labels[i]);
  }
  return out;
}

bool IsHostChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c >= 0x80;
}

// Bytes that end a URL in running text (a table: this is asked about every byte of a post).
constexpr std::array<bool, 256> kUrlEnd = [] {
  std::array<bool, 256> a{};
  for (int c = 0; c <= ' '; ++c) a[c] = true;
  for (unsigned char c : {'"', '<', '>', '\'', '`', '{', '}', '|', '\\', '^'}) a[c] = true;
  return a;
}();
inline bool IsUrlEnd(unsigned char c) { return kUrlEnd[c]; }

// Sentence punctuation that ends a token without being part of its URL.
constexpr std::array<bool, 256> kTrailingPunctuation = [] {
  std::array<bool, 256> a{};
  for (unsigned char c : {'.', ',', ';', ':', '!', '?', ')', ']'}) a[c] = true;
  return a;
}();

// Where a rule of the public suffix list ends on its line.
bool IsRuleEnd(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

const std::unordered_set<std::string>& Shorteners() {
  static const std::unordered_set<std::string> kShorteners = {
      "bit.ly",    "bitly.com", "tinyurl.com", "t.co",     "goo.gl",   "ow.ly",    "is.gd",
      "buff.ly",   "rebrand.ly", "cutt.ly",    "shorturl.at", "tiny.cc", "rb.gy",   "bl.ink",
      "t.ly",      "s.id",      "lnkd.in",     "dlvr.it",  "v.gd",     "shorte.st", "adf.ly",
      "bit.do",    "mcaf.ee",   "su.pr",       "tr.im",    "cli.gs",   "qr.ae",    "x.co",
      "soo.gd",    "clck.ru",   "u.to",        "trib.al",  "ift.tt",   "linktr.ee", "t.me",
      "surl.li",   "shrtco.de", "tiny.one",    "gg.gg",    "urlz.fr",  "1url.com", "2u.pm"};
  return kShorteners;
}

}  // namespace

std::string HostToAscii(std::string_view host) {
  if (host.empty() || host.size() > 253) return "";
  bool ascii = std::all_of(host.begin(), host.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    std::string out(host);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; });
    return out;
  }
  UErrorCode st = U_ZERO_ERROR;
  static UIDNA* idna = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII, &st);
  if (!idna) return "";
  char buf[512];
  UIDNAInfo info = UIDNA_INFO_INITIALIZER;
  st = U_ZERO_ERROR;
  int32_t n = uidna_nameToASCII_UTF8(idna, host.data(), static_cast<int32_t>(host.size()), buf,
                                     sizeof buf, &info, &st);
  if (U_FAILURE(st) || info.errors != 0 || n <= 0 || n >= static_cast<int32_t>(sizeof buf)) return "";
  return std::string(buf, static_cast<size_t>(n));
}

// Every process that analyses a URL parses the whole list (~10,000 rules) once: lines are views
// of the text, and a rule's TLD is its last label, so neither a stream nor a label vector is built.
Result<PublicSuffixList> PublicSuffixList::Parse(std::string_view text) {
  PublicSuffixList psl;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    // A rule ends at the first space, tab or CR (find_first_of asks memchr about every byte).
    auto rule_end = std::find_if(line.begin(), line.end(), IsRuleEnd);
    line = line.substr(0, static_cast<size_t>(rule_end - line.begin()));
    if (line.empty() || line.starts_with("//")) continue;
    bool exception = line[0] == '!';
    bool wildcard = line.starts_with("*.");
    std::string rule = HostToAscii(line.substr(exception ? 1 : wildcard ? 2 : 0));
    if (rule.empty()) continue;
    const size_t last_dot = rule.rfind('.');
    psl.tlds_.emplace(last_dot == std::string::npos ? rule : rule.substr(last_dot + 1));
    if (exception)
      psl.exceptions_.insert(std::move(rule));
    else if (wildcard)
      psl.wildcards_.insert(std::move(rule));
    else
      psl.rules_.insert(std::move(rule));
  }
  if (psl.rules_.empty()) return Error::Invalid("public_suffix_list", "no rules found");
  return psl;
}

Result<PublicSuffixList> PublicSuffixList::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot read " + path);
  std::string text;
  std::array<char, 1 << 14> buf;
  while (in.read(buf.data(), buf.size()) || in.gcount() > 0)
    text.append(buf.data(), static_cast<size_t>(in.gcount()));
  return Parse(text);
}

const PublicSuffixList& PublicSuffixList::Default() {
  static const PublicSuffixList psl = [] {
    auto loaded = Load(kDefaultPublicSuffixList);
    return loaded ? std::move(loaded.value()) : PublicSuffixList();
  }();
  return psl;
}

std::string PublicSuffixList::PublicSuffix(std::string_view host) const {
  auto labels = Labels(host);
  // Longest matching rule wins; an exception rule makes its parent the suffix.
  for (size_t i = 0; i < labels.size(); ++i) {
    std::string candidate = Join(labels, i);
    if (exceptions_.count(candidate)) return Join(labels, i + 1);
    if (rules_.count(candidate)) return candidate;
    if (i + 1 < labels.size() && wildcards_.count(Join(labels, i + 1))) return candidate;
  }
  return std::string(labels.back());  // the implicit "*" rule
}

std::string PublicSuffixList::RegistrableDomain(std::string_view host) const {
  std::string suffix = PublicSuffix(host);
  if (host.size() <= suffix.size()) return "";
  std::string_view rest = host.substr(0, host.size() - suffix.size() - 1);
  size_t dot = rest.rfind('.');
  return std::string(dot == std::string_view::npos ? rest : rest.substr(dot + 1)) + "." + suffix;
}

bool PublicSuffixList::KnownTld(std::string_view host) const {
  size_t dot = host.rfind('.');
  return dot != std::string_view::npos && tlds_.count(std::string(host.substr(dot + 1)));
}

bool IsUrlShortener(std::string_view registrable_domain) {
  return Shorteners().count(std::string(registrable_domain)) > 0;
}

std::vector<UrlHit> ExtractUrls(std::string_view text, const PublicSuffixList& psl, size_t max_urls) {
  std::vector<UrlHit> out;
  size_t i = 0;
  while (i < text.size() && out.size() < max_urls) {
    // A candidate starts at a token boundary.
    if (i > 0 && !IsUrlEnd(static_cast<unsigned char>(text[i - 1])) && text[i - 1] != '(' &&
        text[i - 1] != '[') {
      ++i;
      continue;
    }
    // The token, and where its first dot is, in one pass (this runs over every byte of a post).
    size_t end = i, first_dot = std::string_view::npos;
    for (; end < text.size() && !IsUrlEnd(static_cast<unsigned char>(text[end])); ++end)
      if (text[end] == '.' && first_dot == std::string_view::npos) first_dot = end;
    std::string_view token = text.substr(i, end - i);
    // Trailing sentence punctuation is not part of the URL.
    while (!token.empty() && kTrailingPunctuation[static_cast<unsigned char>(token.back())])
      token.remove_suffix(1);
    if (first_dot >= i + token.size()) {  // no host in it: most words of a post
      i = std::max(end, i + 1);
      continue;
    }
    size_t host_start = 0;
    bool explicit_url = false;
    if (StartsWithNoCase(token, "http://") || StartsWithNoCase(token, "https://")) {
      host_start = token.find("://") + 3;
      explicit_url = true;
    } else if (StartsWithNoCase(token, "www.")) {
      explicit_url = true;
    }
    std::string_view rest = token.substr(std::min(host_start, token.size()));
    size_t at = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, at);
    if (size_t userinfo = authority.rfind('@'); userinfo != std::string_view::npos && explicit_url)
      authority = authority.substr(userinfo + 1);
    std::string_view host = authority.substr(0, authority.find(':'));
    bool host_ok = !host.empty() && host.find('.') != std::string_view::npos &&
                   std::all_of(host.begin(), host.end(), [](char c) { return IsHostChar(static_cast<unsigned char>(c)); });
    std::string ascii = host_ok ? HostToAscii(host) : "";
    if (!ascii.empty() && (explicit_url || psl.KnownTld(ascii))) {
      UrlHit hit;
      hit.url = std::string(token);
      hit.host = ascii;
      bool ip = std::all_of(ascii.begin(), ascii.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
      if (!ip) hit.registrable_domain = psl.RegistrableDomain(ascii);
      hit.span = {i, i + token.size()};
      hit.shortener = IsUrlShortener(hit.registrable_domain.empty() ? ascii : hit.registrable_domain);
      out.push_back(std::move(hit));
    }
    i = std::max(end, i + 1);
  }
  return out;
}

}  // namespace vigil::analysis
