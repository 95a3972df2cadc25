// URLs in text: extraction (with or without a scheme), the host and its registrable domain by
// the public suffix list (Debian's publicsuffix package), known URL shorteners, and domain
// block/watch lists (TermList of kind domains: a listed domain also covers its subdomains).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "analysis/normalize.h"
#include "analysis/term_lists.h"
#include "core/error.h"

namespace vigil::analysis {

inline constexpr const char* kDefaultPublicSuffixList = "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
 public:
  // Parses the list's text format (rules, "*." wildcards, "!" exceptions); IDN rules are
  // converted to their ASCII (punycode) form, as hosts are before lookup.
  static Result<PublicSuffixList> Parse(std::string_view text);
  static Result<PublicSuffixList> Load(const std::string& path);
  // The system list, loaded once; empty (every host's last label is its suffix) if missing.
  static const PublicSuffixList& Default();

  // The public suffix of an ASCII, lower-case host ("co.uk" for "a.b.co.uk").
  std::string PublicSuffix(std::string_view host) const;
  // The suffix plus one label ("b.co.uk"); empty when the host is itself a public suffix.
  std::string RegistrableDomain(std::string_view host) const;
  // Whether the host's last label is a known top-level domain (to find URLs without a scheme).
  bool KnownTld(std::string_view host) const;
  size_t rule_count() const { return rules_.size() + wildcards_.size() + exceptions_.size(); }

 private:
  std::unordered_set<std::string> rules_, wildcards_, exceptions_, tlds_;
};

struct UrlHit {
  std::string url;                 // as written (trailing punctuation trimmed)
  std::string host;                // lower-case ASCII (IDNs in punycode)
  std::string registrable_domain;  // empty for IP addresses and bare suffixes
  Span span;                       // in the original text
  bool shortener = false;
};

// URLs of `text`, at most `max_urls`, in order. Finds "scheme://...", "www...." and bare
// "domain.tld/..." whose last label is a known TLD.
std::vector<UrlHit> ExtractUrls(std::string_view text, const PublicSuffixList& psl,
                                size_t max_urls = 100);

// Whether a registrable domain belongs to a well-known URL shortener (bit.ly, t.co, ...).
bool IsUrlShortener(std::string_view registrable_domain);

// The host in ASCII lower case (IDNA to punycode), or empty when it is not a valid host name.
std::string HostToAscii(std::string_view host);

}  // namespace vigil::analysis
