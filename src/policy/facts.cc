#include "policy/facts.h"

#include <algorithm>
#include <stdexcept>

#include "cases/priority.h"

namespace vigil::policy {
namespace {

void AddUnique(std::vector<std::string>& list, const std::string& v) {
  if (!v.empty() && std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

std::string DetailString(const nlohmann::json& detail, const char* key) {
  auto it = detail.find(key);
  return it != detail.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The schema's setters only fail on a name or type mismatch, which is a bug here, not input.
void Must(const Status& st) {
  if (!st) throw std::logic_error("policy facts: " + st.error().field + ": " + st.error().message);
}

void FlagSignals(const CaseFacts& f, Snapshot& s) {
  std::vector<int64_t> times, trusted;
  std::vector<std::string> sources, reasons, reporters;
  double counted = 0;
  for (const FlagFacts& flag : f.flags) {
    times.push_back(flag.received_at);
    if (flag.source == FlagSource::kTrustedFlagger) trusted.push_back(flag.received_at);
    AddUnique(sources, std::string(ToString(flag.source)));
    AddUnique(reasons, flag.reason);
    AddUnique(reporters, flag.reporter_id);
    if (!flag.duplicate) ++counted;
  }
  Must(s.SetSeries("flags", std::move(times)));
  Must(s.SetNumber("flags.count", counted));
  Must(s.SetNumber("flags.distinct_reporters", static_cast<double>(reporters.size())));
  Must(s.SetSeries("flags.trusted", std::move(trusted)));
  Must(s.SetList("flags.sources", std::move(sources)));
  Must(s.SetList("flags.reasons", std::move(reasons)));
  if (f.has_reporter)
    Must(s.SetNumber("reporter.accuracy",
                     cases::ReporterAccuracy(f.reporter_past_flags, f.reporter_past_actioned)));
  Must(s.SetBool("reporter.trusted",
                 !f.flags.empty() && f.flags.back().source == FlagSource::kTrustedFlagger));
}

void AuthorSignals(const CaseFacts& f, int64_t now_ms, Snapshot& s) {
  Must(s.SetNumber("author.strikes", f.author_strikes));
  Must(s.SetSeries("author.strike_times", f.author_strike_times));
  if (f.author_created_at)
    Must(s.SetDurationMs("author.account_age", std::max<int64_t>(0, now_ms - *f.author_created_at)));
  Must(s.SetBool("author.verified", f.author_verified));
  Must(s.SetNumber("author.followers", static_cast<double>(f.author_followers)));
}

void ContentSignals(const CaseFacts& f, Snapshot& s) {
  Must(s.SetString("content.type", std::string(PolicyContentType(f.content_type))));
  std::string language = f.declared_language;
  const std::string& detected = f.analysis.language.code;
  if (language.empty() && f.analysed && detected != "und") language = detected;
  Must(s.SetString("content.language", language));
  Must(s.SetNumber("content.reach.views", static_cast<double>(f.views)));
  Must(s.SetNumber("content.reach.shares", static_cast<double>(f.shares)));
  Must(s.SetBool("content.mentions_person", f.mentions_person));
  Must(s.SetTimeMs("content.created_at", f.content_created_at.value_or(f.content_received_at)));
  Must(s.SetNumber("content.text_length", static_cast<double>(f.text.size())));
}

void AnalysisSignals(const analysis::AnalysisResult& r, Snapshot& s) {
  std::vector<std::string> categories, lists, domains;
  double matches = 0, max_severity = 0;
  bool shortener = false, blocked = false, mismatch = false, obfuscation = false;
  for (const analysis::Signal& sig : r.signals) {
    if (sig.name == "term_match") {
      ++matches;
      max_severity = std::max(max_severity, sig.score);
      AddUnique(categories, DetailString(sig.detail, "category"));
      AddUnique(lists, DetailString(sig.detail, "list"));
    } else if (sig.name == "url") {
      std::string domain = DetailString(sig.detail, "registrable_domain");
      AddUnique(domains, domain.empty() ? DetailString(sig.detail, "host") : domain);
    } else if (sig.name == "url_shortener") {
      shortener = true;
    } else if (sig.name == "domain_block") {
      blocked = true;
    } else if (sig.name == "language_mismatch") {
      mismatch = true;
    } else if (sig.name == "obfuscation") {
      obfuscation = true;
    } else if (sig.name == "classifier" || sig.name == "external_classifier") {
      if (sig.score > s.ClassifierScore(sig.value)) s.SetClassifierScore(sig.value, sig.score);
    }
  }
  Must(s.SetList("analysis.term_match.category", std::move(categories)));
  Must(s.SetList("analysis.term_match.lists", std::move(lists)));
  Must(s.SetNumber("analysis.term_match.count", matches));
  Must(s.SetNumber("analysis.term_match.max_severity", max_severity));
  Must(s.SetList("analysis.url.domains", std::move(domains)));
  Must(s.SetBool("analysis.url_shortener", shortener));
  Must(s.SetBool("analysis.domain_block", blocked));
  Must(s.SetString("analysis.language", r.language.code));
  Must(s.SetBool("analysis.language_mismatch", mismatch));
  Must(s.SetBool("analysis.obfuscation", obfuscation));
}

}  // namespace

std::string_view PolicyContentType(ContentType t) {
  switch (t) {
    case ContentType::kUrl:
      return "link";
    case ContentType::kAccount:
      return "profile";
    default:
      return ToString(t);
  }
}

bool MentionsPerson(std::string_view text) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '@' || !IsNameChar(text[i + 1])) continue;
    if (i == 0 || !IsNameChar(text[i - 1])) return true;  // not the middle of an e-mail address
  }
  return false;
}

void FillContentFacts(const ContentItem& item, Millis received_at, CaseFacts* f) {
  f->content_id = item.id;
  f->content_type = item.type;
  f->text = item.text;
  f->declared_language = item.language;
  f->content_created_at = item.created_at;
  f->content_received_at = received_at;
  f->views = item.reach.views;
  f->shares = item.reach.shares;
  f->author_followers = item.reach.followers;
  if (item.author) {
    f->author_id = item.author->id;
    if (item.author->created_at) f->author_created_at = item.author->created_at;
  }
  auto meta = nlohmann::json::parse(item.metadata_json.empty() ? "{}" : item.metadata_json,
                                    nullptr, false);
  bool tagged = false;
  if (meta.is_object()) {
    if (auto it = meta.find("author_verified"); it != meta.end() && it->is_boolean())
      f->author_verified = it->get<bool>();
    if (auto it = meta.find("mentions"); it != meta.end() && it->is_array() && !it->empty())
      tagged = true;
  }
  f->mentions_person = tagged || MentionsPerson(item.text);
}

Snapshot ToSnapshot(const CaseFacts& facts, int64_t now_ms) {
  Snapshot s(now_ms);
  FlagSignals(facts, s);
  AuthorSignals(facts, now_ms, s);
  ContentSignals(facts, s);
  if (facts.analysed) AnalysisSignals(facts.analysis, s);
  Must(s.SetBool("campaign.member", facts.campaign_member));
  Must(s.SetNumber("campaign.score", facts.campaign_score));
  return s;
}

}  // namespace vigil::policy
