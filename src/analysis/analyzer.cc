#include "analysis/analyzer.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <type_traits>

namespace vigil::analysis {
namespace {

using nlohmann::json;

std::string Quote(std::string_view s) { return "\"" + std::string(s.substr(0, 200)) + "\""; }

// "%.0f%%" of v * 100 without printf (a tenth of a classifier signal's cost): nearbyint rounds
// halves to even, as printf does.
std::string Percent(double v) {
  double p = std::nearbyint(v * 100);
  if (!(std::fabs(p) < 1e15)) {  // out of range for the integer path (never a probability)
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.0f%%", v * 100);
    return buf;
  }
  std::string out = std::signbit(p) && p == 0 ? "-0" : std::to_string(static_cast<long long>(p));
  out += '%';
  return out;
}

// Scripts that hide Latin look-alikes; a word mixing them with Latin letters is a homoglyph tell.
enum Script { kNone = 0, kLatin = 1, kLookAlike = 2 };

constexpr int ScriptOf(char32_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return kLatin;
  if ((c >= 0x370 && c <= 0x3FF) || (c >= 0x400 && c <= 0x52F)) return kLookAlike;  // Greek, Cyrillic
  return kNone;
}

bool IsInvisible(char32_t c) {
  return c == 0xAD || c == 0x34F || c == 0x61C || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2069) || c == 0xFEFF;
}

char32_t Decode(std::string_view s, size_t i, size_t* len) {
  auto b = static_cast<unsigned char>(s[i]);
  *len = Utf8SequenceLength(b);
  if (*len == 1 || i + *len > s.size()) {
    *len = 1;
    return b;
  }
  char32_t c = b & (0xFF >> (*len + 1));
  for (size_t k = 1; k < *len; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return c;
}

// What an ASCII byte is to ObfuscationSignals' words: a break between words, a Latin letter, or
// neither (no ASCII byte is invisible).
constexpr int kWordBreak = 4;
constexpr std::array<uint8_t, 128> kAsciiWordRole = [] {
  std::array<uint8_t, 128> a{};
  for (int c = 0; c < 128; ++c) a[c] = static_cast<uint8_t>(ScriptOf(static_cast<char32_t>(c)));
  for (int c : {' ', '\n', '\t', ',', '.', '!', '?'}) a[c] = kWordBreak;
  return a;
}();

// Invisible characters and words mixing Latin with Greek/Cyrillic letters, with their spans.
void ObfuscationSignals(std::string_view text, std::vector<Signal>& out) {
  // Spans first, signals only when there is one (most posts have neither).
  std::vector<Span> invisible, mixed;
  size_t word_start = 0;
  int word_scripts = 0;
  auto end_word = [&](size_t at) {
    if (word_scripts == (kLatin | kLookAlike)) mixed.push_back({word_start, at});
    word_scripts = 0;
    word_start = at;
  };
  for (size_t i = 0; i < text.size();) {
    if (auto b = static_cast<unsigned char>(text[i]); b < 0x80) {
      if (uint8_t role = kAsciiWordRole[b]; role == kWordBreak) {
        end_word(i);
        word_start = i + 1;
      } else {
        word_scripts |= role;
      }
      ++i;
      continue;
    }
    size_t len = 1;
    char32_t c = Decode(text, i, &len);
    if (IsInvisible(c)) {
      if (!invisible.empty() && invisible.back().end == i)
        invisible.back().end = i + len;
      else
        invisible.push_back({i, i + len});
    } else if (c == ' ' || c == '\n' || c == '\t' || c == ',' || c == '.' || c == '!' || c == '?') {
      end_word(i);
      word_start = i + len;
    } else {
      word_scripts |= ScriptOf(c);
    }
    i += len;
  }
  end_word(text.size());
  if (!invisible.empty()) {
    std::string why = std::to_string(invisible.size()) +
                      " run(s) of zero-width or bidirectional control characters";
    out.push_back({"obfuscation", "invisible_characters", 0.5, std::move(why), std::move(invisible),
                   json::object()});
  }
  if (!mixed.empty()) {
    std::string why = std::to_string(mixed.size()) +
                      " word(s) mix Latin letters with Greek or Cyrillic look-alikes";
    out.push_back({"obfuscation", "mixed_script_words", 0.6, std::move(why), std::move(mixed),
                   json::object()});
  }
}

bool DomainListed(const UrlHit& u, const std::string& entry) {
  if (u.host == entry || u.registrable_domain == entry) return true;
  return u.host.size() > entry.size() && u.host.ends_with(entry) &&
         u.host[u.host.size() - entry.size() - 1] == '.';
}

void UrlSignals(std::string_view text, const TermMatcher& lists, size_t max_urls, std::vector<Signal>& out) {
  for (const UrlHit& u : ExtractUrls(text, PublicSuffixList::Default(), max_urls)) {
    json::object_t detail;
    detail.emplace("host", u.host);
    detail.emplace("registrable_domain", u.registrable_domain);
    detail.emplace("shortener", u.shortener);
    out.push_back({"url", u.url, 0.1, "link to " + (u.registrable_domain.empty() ? u.host : u.registrable_domain),
                   {u.span}, detail});
    if (u.shortener)
      out.push_back({"url_shortener", u.url, 0.4,
                     u.registrable_domain + " is a URL shortener: the destination is hidden", {u.span}, detail});
    for (const TermList& l : lists.lists()) {
      if (l.kind != ListKind::kDomains) continue;
      for (const ListEntry& e : l.entries) {
        if (!DomainListed(u, e.text)) continue;
        bool block = l.action == DomainAction::kBlock;
        json d = detail;
        d["list"] = l.name;
        d["entry"] = e.text;
        d["category"] = l.category;
        d["severity"] = l.severity;
        out.push_back({block ? "domain_block" : "domain_watch", u.url, l.severity / 5.0,
                       u.host + " is on the " + (block ? "block" : "watch") + " list " + l.name +
                           " (entry " + e.text + ", line " + std::to_string(e.line) + ")",
                       {u.span}, d});
        break;
      }
    }
  }
}

// One signal per model for its top label, and one for every other label scoring at least
// `min_score`; the whole distribution is in the top signal's detail.scores.
void ClassifierSignals(const ClassifierSet::Models& models, std::string_view normalized, double min_score,
                       std::vector<Signal>& out) {
  for (const auto& model : models) {
    const ModelInfo& info = model->info();
    std::vector<LabelScore> scores = model->PredictNormalized(normalized);
    // The explanation's numbers that every label of the model shares, formatted once.
    const std::string version = std::to_string(info.version);
    const std::string labels = std::to_string(scores.size());
    const std::string examples = std::to_string(info.examples);
    const std::string_view trained = std::string_view(info.created).substr(0, 10);
    for (size_t rank = 0; rank < scores.size(); ++rank) {
      const LabelScore& s = scores[rank];
      if (rank > 0 && s.score < min_score) break;
      // Built in place in `out`: no Signal, string or detail object to move afterwards.
      Signal& signal = out.emplace_back();
      signal.name = "classifier";
      signal.value = s.label;
      signal.score = s.score;
      std::string& why = signal.why;
      why.reserve(info.name.size() + s.label.size() + 120);
      why.append("classifier ").append(info.name).append(" v").append(version);
      why.append(" scores \"").append(s.label).append("\" ").append(Percent(s.score));
      if (rank == 0)
        why.append(" (its top label of ");
      else
        why.append(" (rank ").append(std::to_string(rank + 1)).append(" of ");
      why.append(labels).append("; trained ").append(trained).append(" on ").append(examples);
      why.append(" examples, normalized text)");
      // Members in the map's (alphabetical) order, each placed at the end without a search.
      json::object_t& detail = signal.detail.get_ref<json::object_t&>();
      detail.emplace_hint(detail.end(), "label", s.label);
      detail.emplace_hint(detail.end(), "model", info.name);
      detail.emplace_hint(detail.end(), "rank", rank + 1);
      if (rank == 0) {  // the whole distribution, once per model
        json& all = detail.emplace_hint(detail.end(), "scores", json::object())->second;
        json::object_t& by_label = all.get_ref<json::object_t&>();
        for (const auto& each : scores) by_label.emplace(each.label, each.score);
      }
      detail.emplace_hint(detail.end(), "version", info.version);
    }
  }
}

void ExternalSignals(ExternalClassifier& external, std::string_view text, std::vector<Signal>& out) {
  const auto& cfg = external.config();
  json detail = {{"kind", cfg.kind == ExternalClassifierConfig::kChat ? "chat" : "moderation"}, {"model", cfg.model}};
  auto labels = external.Classify(text);
  if (!labels) {
    bool budget = labels.error().code == ErrorCode::kRateLimited;
    out.push_back({"external_classifier_unavailable", budget ? "budget_spent" : "unavailable", 0,
                   "external classifier not consulted: " + labels.error().message, {}, detail});
    return;
  }
  for (const ExternalLabel& l : labels.value()) {
    json d = detail;
    d["label"] = l.label;
    out.push_back({"external_classifier", l.label, l.score, l.why, {}, d});
  }
}

}  // namespace

json AnalysisResult::ToJson() const {
  json signals_json = json::array();
  for (const Signal& s : signals) {
    json spans = json::array();
    for (const Span& sp : s.spans) spans.push_back({{"begin", sp.begin}, {"end", sp.end}});
    signals_json.push_back({{"name", s.name}, {"value", s.value}, {"score", s.score},
                            {"why", s.why}, {"spans", spans}, {"detail", s.detail}});
  }
  json top = json::array();
  for (const auto& [code, pct] : language.top) top.push_back({{"code", code}, {"percent", pct}});
  return {{"signals", signals_json},
          {"normalized", normalized},
          {"language", {{"code", language.code}, {"name", language.name}, {"percent", language.percent},
                        {"reliable", language.reliable}, {"top", top}}},
          {"truncated", truncated},
          {"span_unit", "bytes of the UTF-8 text"}};
}

namespace {
// Field readers for FromJson: a missing or mistyped field is an error naming its path.
template <typename T>
bool ReadField(const json& obj, const char* key, const std::string& path, T* out, Error* err) {
  auto it = obj.find(key);
  bool typed = it != obj.end() && (std::is_same_v<T, std::string>  ? it->is_string()
                                   : std::is_same_v<T, bool>       ? it->is_boolean()
                                                                   : it->is_number());
  if (!typed) {
    *err = Error::Invalid(path + key, "missing or not a " +
                                          std::string(std::is_same_v<T, std::string> ? "string"
                                                      : std::is_same_v<T, bool>      ? "boolean"
                                                                                     : "number"));
    return false;
  }
  *out = it->get<T>();
  return true;
}
}  // namespace

Result<AnalysisResult> AnalysisResult::FromJson(const json& j) {
  AnalysisResult r;
  Error err;
  if (!j.is_object()) return Error::Invalid("", "analysis must be an object");
  auto sigs = j.find("signals");
  if (sigs == j.end() || !sigs->is_array()) return Error::Invalid("signals", "missing or not an array");
  for (size_t i = 0; i < sigs->size(); ++i) {
    const json& sj = (*sigs)[i];
    std::string path = "signals/" + std::to_string(i) + "/";
    if (!sj.is_object()) return Error::Invalid(path, "not an object");
    Signal s;
    if (!ReadField(sj, "name", path, &s.name, &err) || !ReadField(sj, "value", path, &s.value, &err) ||
        !ReadField(sj, "score", path, &s.score, &err) || !ReadField(sj, "why", path, &s.why, &err))
      return err;
    if (auto sp = sj.find("spans"); sp != sj.end() && sp->is_array()) {
      for (size_t k = 0; k < sp->size(); ++k) {
        Span span;
        std::string sp_path = path + "spans/" + std::to_string(k) + "/";
        if (!(*sp)[k].is_object() || !ReadField((*sp)[k], "begin", sp_path, &span.begin, &err) ||
            !ReadField((*sp)[k], "end", sp_path, &span.end, &err))
          return (*sp)[k].is_object() ? err : Error::Invalid(sp_path, "not an object");
        s.spans.push_back(span);
      }
    }
    if (auto d = sj.find("detail"); d != sj.end() && d->is_object()) s.detail = *d;
    r.signals.push_back(std::move(s));
  }
  if (auto n = j.find("normalized"); n != j.end() && n->is_string()) r.normalized = *n;
  if (auto t = j.find("truncated"); t != j.end() && t->is_boolean()) r.truncated = *t;
  auto lang = j.find("language");
  if (lang != j.end() && lang->is_object()) {
    if (!ReadField(*lang, "code", "language/", &r.language.code, &err)) return err;
    if (auto v = lang->find("name"); v != lang->end() && v->is_string()) r.language.name = *v;
    if (auto v = lang->find("percent"); v != lang->end() && v->is_number()) r.language.percent = *v;
    if (auto v = lang->find("reliable"); v != lang->end() && v->is_boolean()) r.language.reliable = *v;
    if (auto top = lang->find("top"); top != lang->end() && top->is_array())
      for (const json& t : *top)
        if (t.is_object() && t.contains("code") && t["code"].is_string() && t.contains("percent") &&
            t["percent"].is_number())
          r.language.top.emplace_back(t["code"].get<std::string>(), t["percent"].get<int>());
  }
  return r;
}

Analyzer::Analyzer(std::string lists_dir, AnalyzerLimits limits, std::string models_dir)
    : lists_dir_(std::move(lists_dir)), limits_(limits), models_dir_(std::move(models_dir)) {}

Status Analyzer::Reload() { return terms_.LoadDirectory(lists_dir_); }

Status Analyzer::ReloadClassifiers() {
  if (models_dir_.empty()) return OkStatus();
  auto models = ModelStore(models_dir_).LoadActive();
  if (!models) return models.error();
  classifiers_.Replace(std::move(models.value()));
  return OkStatus();
}

Status Analyzer::SetLists(std::vector<TermList> lists) { return terms_.Replace(std::move(lists)); }

AnalysisResult Analyzer::Analyze(std::string_view text, std::string_view declared_language) const {
  AnalysisResult r;
  r.signals.reserve(8);  // a typical post's signals, without regrowing the vector
  NormalizeOptions opts;
  opts.max_input_bytes = limits_.max_text_bytes;
  thread_local Normalized n;
  Normalizer::Normalize(text, &n, opts);
  r.truncated = n.truncated;
  if (n.truncated) text = text.substr(0, n.origin.back());
  r.normalized = n.text;

  auto lists = terms_.Current();
  for (const TermMatch& m : lists->Match(text, n, limits_.max_term_matches)) {
    const TermList& l = lists->lists()[m.list];
    const ListEntry& e = l.entries[m.entry];
    std::string_view found = text.substr(m.span.begin, m.span.end - m.span.begin);
    std::string why = "matched " + Quote(e.text) + " of list " + l.name + " (line " +
                      std::to_string(e.line) + (l.category.empty() ? "" : ", " + l.category) +
                      ", severity " + std::to_string(l.severity) + ")";
    if (found != e.text) why += " as written " + Quote(found);
    json::object_t detail;
    detail.emplace("list", l.name);
    detail.emplace("category", l.category);
    detail.emplace("severity", l.severity);
    detail.emplace("language", l.language);
    detail.emplace("line", e.line);
    detail.emplace("kind", e.kind == EntryKind::kRegex       ? "regex"
                           : e.kind == EntryKind::kSubstring ? "substring"
                                                             : "literal");
    r.signals.push_back(
        {"term_match", e.text, l.severity / 5.0, std::move(why), {m.span}, std::move(detail)});
  }
  UrlSignals(text, *lists, limits_.max_urls, r.signals);
  ObfuscationSignals(text, r.signals);

  r.language = DetectLanguage(text, declared_language);
  json::object_t language_detail;
  language_detail.emplace("reliable", r.language.reliable);
  r.signals.push_back({"language",
                       r.language.code,
                       r.language.percent / 100.0,
                       "CLD2: " + r.language.name + ", " + std::to_string(r.language.percent) +
                           "% of the text" + (r.language.reliable ? "" : " (not reliable)"),
                       {},
                       std::move(language_detail)});
  if (!declared_language.empty() && r.language.reliable && r.language.code != "und" &&
      declared_language.substr(0, 2) != std::string_view(r.language.code).substr(0, 2)) {
    r.signals.push_back({"language_mismatch", r.language.code, 0.3,
                         "declared " + std::string(declared_language) + " but the text reads as " +
                             r.language.name + " (" + Percent(r.language.percent / 100.0) + ")",
                         {}, {{"declared", std::string(declared_language)}}});
  }
  ClassifierSignals(*classifiers_.Current(), n.text, limits_.min_classifier_score, r.signals);
  if (auto external = external_classifier(); external && external->config().enabled)
    ExternalSignals(*external, text, r.signals);
  if (r.truncated) {
    r.signals.push_back({"input_truncated", std::to_string(limits_.max_text_bytes), 0,
                         "only the first " + std::to_string(limits_.max_text_bytes) +
                             " bytes were analysed", {}, json::object()});
  }
  return r;
}

std::unique_ptr<Analyzer> Analyzer::LocalSnapshot() const {
  auto copy = std::make_unique<Analyzer>(lists_dir_, limits_, models_dir_);
  copy->terms_.Share(terms_.Current());
  if (auto models = classifiers_.Current()) copy->classifiers_.Replace(*models);
  return copy;
}

}  // namespace vigil::analysis
