#include "cases/queues.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace vigil::cases {
namespace {

// Kept byte-for-byte equal to config/queues.yaml (a unit test compares them).
constexpr const char* kDefaultYaml =
    R"YAML(# Vigil queues: where cases open, what each queue promises, and who an escalation goes to.
# Reloadable; an invalid file is rejected with the path of the offending key and the running
# configuration stays in force. Durations: 500ms, 45s, 15m, 4h, 2d.
#
# sla: per severity (1..5) or "default", each {first_action, resolution}, both measured from
# the moment the case opens; a severity entry may omit one key to inherit it from "default".
# sla.sources: faster windows for some sources (trusted_flagger, legal_order, ...); each window
# is the shorter of the severity's and the source's. near_breach: fraction of the running window
# after which a case shows as near breach. auto_escalate_on_breach: a tier without required
# hand-off fields.
queues:
  - name: general
    title: General
    teams: [trust-safety]
    sla:
      default: {first_action: 24h, resolution: 72h}
      3: {first_action: 12h, resolution: 48h}
      4: {first_action: 4h, resolution: 24h}
      5: {first_action: 1h, resolution: 12h}
      sources:
        trusted_flagger: {first_action: 4h, resolution: 24h}
        legal_order: {first_action: 4h, resolution: 24h}
    near_breach: 0.8
  - name: high_risk
    title: High risk (violence, extremism, self-harm)
    teams: [trust-safety]
    sla:
      default: {first_action: 4h, resolution: 24h}
      5: {first_action: 30m, resolution: 4h}
      sources:
        trusted_flagger: {first_action: 1h, resolution: 8h}
    near_breach: 0.75
    auto_escalate_on_breach: senior
  - name: child_safety
    title: Child safety
    teams: [child-safety]
    sla:
      default: {first_action: 1h, resolution: 24h}
      5: {first_action: 15m, resolution: 4h}
    near_breach: 0.5
    auto_escalate_on_breach: senior
  - name: legal
    title: Legal (orders, intellectual property)
    teams: [legal]
    sla:
      default: {first_action: 24h, resolution: 5d}
      5: {first_action: 30m, resolution: 1h}   # terrorist content removal orders: 1 hour (TCO Art. 3)
      sources:
        legal_order: {first_action: 4h, resolution: 48h}
    near_breach: 0.8
  - name: escalations_senior
    title: Senior review
    teams: [senior]
    sla:
      default: {first_action: 8h, resolution: 48h}
      5: {first_action: 1h, resolution: 8h}
    near_breach: 0.8
  - name: engineering
    title: Engineering hand-offs
    teams: [engineering]
    sla:
      default: {first_action: 24h, resolution: 5d}
    near_breach: 0.8
  - name: appeals
    title: Appeals (DSA Art. 20)
    teams: [trust-safety, senior]
    sla:
      default: {first_action: 48h, resolution: 7d}
    near_breach: 0.8

# Ordered; the first rule that matches wins. Matchers: reason, category, source, content_type,
# language (lists; any element matches) and severity_at_least. A rule sets any of them and
# matches when all match. The last rule must be the catch-all (no match).
routing:
  - {match: {reason: [child_safety]}, queue: child_safety}
  - {match: {source: [legal_order]}, queue: legal}
  - {match: {reason: [ip_infringement]}, queue: legal}
  - {match: {reason: [violent_extremism, self_harm, violence]}, queue: high_risk}
  - {match: {severity_at_least: 5}, queue: high_risk}
  - {queue: general}

# Escalation tiers and the structured hand-off each requires. Field types: string (default),
# bool, time (ISO-8601), number, choice (with choices).
tiers:
  senior: {queue: escalations_senior, fields: [{name: note, required: false}]}
  legal:
    queue: legal
    fields:
      - {name: jurisdiction, required: true}
      - {name: legal_question, required: true}
      - {name: deadline, type: time, required: false}
  engineering:
    queue: engineering
    fields:
      - {name: component, required: true}
      - {name: severity, type: choice, choices: [low, medium, high], required: true}
  child_safety:
    queue: child_safety
    fields:
      - {name: ncmec_report_needed, type: bool, required: true}
)YAML";

constexpr int kSourceCount = static_cast<int>(FlagSource::kInternal) + 1;
constexpr int kContentTypeCount = static_cast<int>(ContentType::kProduct) + 1;

#define VIGIL_TRY(expr)                           \
  do {                                            \
    if (auto _s = (expr); !_s) return _s.error(); \
  } while (0)

template <typename Range>
std::string JoinList(const Range& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + std::string(i);
  return out;
}

template <typename E>
std::string Names(int count) {
  std::vector<std::string_view> names;
  for (int i = 0; i < count; ++i) names.push_back(ToString(static_cast<E>(i)));
  return JoinList(names);
}

// An error naming `path`, with the YAML line when the node knows it.
Error Bad(const std::string& path, std::string message, const YAML::Node& at = YAML::Node()) {
  if (at.IsDefined() && at.Mark().line >= 0)
    message += " (line " + std::to_string(at.Mark().line + 1) + ")";
  return Error::Invalid(path, std::move(message));
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// Rejects keys outside `allowed` (naming them) and duplicate keys, which YAML would otherwise
// resolve silently.
Status CheckKeys(const YAML::Node& n, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
  if (!n.IsMap()) return Bad(path, "expected a mapping", n);
  std::set<std::string> seen;
  for (const auto& kv : n) {
    auto key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Bad(Join(path, key), "unknown key; expected one of " + JoinList(allowed), kv.first);
    }
    if (!seen.insert(key).second) return Bad(Join(path, key), "duplicate key", kv.first);
  }
  return OkStatus();
}

Result<std::string> Str(const YAML::Node& n, const std::string& path) {
  if (!n.IsDefined()) return Bad(path, "missing");
  if (!n.IsScalar() || n.Scalar().empty()) return Bad(path, "expected a non-empty string", n);
  return n.Scalar();
}

Result<std::vector<std::string>> StrList(const YAML::Node& n, const std::string& path) {
  if (!n.IsDefined()) return Bad(path, "missing");
  if (!n.IsSequence()) return Bad(path, "expected a list", n);
  if (n.size() == 0) return Bad(path, "empty list", n);
  std::vector<std::string> out;
  for (size_t i = 0; i < n.size(); ++i) {
    auto s = Str(n[i], path + "[" + std::to_string(i) + "]");
    if (!s) return s.error();
    out.push_back(std::move(s.value()));
  }
  return out;
}

Result<Millis> Duration(const YAML::Node& n, const std::string& path) {
  auto d = n.IsDefined() && n.IsScalar() ? ParseDuration(n.Scalar()) : std::nullopt;
  if (!d || *d <= 0) return Bad(path, "expected a positive duration such as 15m, 4h or 2d", n);
  return *d;
}

Result<int> Int(const YAML::Node& n, const std::string& path) {
  int v = 0;
  const std::string& s = n.IsDefined() && n.IsScalar() ? n.Scalar() : std::string();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    return Bad(path, "expected an integer", n);
  return v;
}

bool IsName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool IsLanguage(std::string_view s) {
  return (s.size() == 2 || s.size() == 3) &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// "de-AT" -> "de", "EN" -> "en": rules name primary language subtags.
std::string PrimaryLanguage(std::string_view tag) {
  std::string out(tag.substr(0, tag.find_first_of("-_")));
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// `inherit` supplies keys the entry leaves out; without it both keys are required.
Result<SlaPolicy> ParseWindow(const YAML::Node& n, const std::string& path,
                              const SlaPolicy* inherit) {
  VIGIL_TRY(CheckKeys(n, path, {"first_action", "resolution"}));
  SlaPolicy p;
  for (auto [key, out] :
       {std::pair{"first_action", &p.first_action}, std::pair{"resolution", &p.resolution}}) {
    if (n[key]) {
      auto d = Duration(n[key], path + "." + key);
      if (!d) return d.error();
      *out = *d;
    } else if (inherit) {
      *out = key == std::string_view("first_action") ? inherit->first_action : inherit->resolution;
    } else {
      return Bad(path + "." + key, "missing", n);
    }
  }
  if (p.first_action > p.resolution)
    return Bad(path, "first_action must not be longer than resolution", n);
  return p;
}

Status ParseSla(const YAML::Node& n, const std::string& path, Queue* q) {
  if (!n.IsMap()) return Bad(path, "expected a mapping", n);
  if (!n["default"]) return Bad(path + ".default", "missing", n);
  auto def = ParseWindow(n["default"], path + ".default", nullptr);
  if (!def) return def.error();
  q->default_sla = *def;
  std::set<std::string> seen;
  for (const auto& kv : n) {
    std::string key = kv.first.Scalar();
    std::string at = path + "." + key;
    if (!seen.insert(key).second) return Bad(at, "duplicate key", kv.first);
    if (key == "default") continue;
    if (key == "sources") {
      if (!kv.second.IsMap())
        return Bad(at, "expected source: {first_action, resolution}", kv.second);
      for (const auto& src : kv.second) {
        std::string sat = at + "." + src.first.Scalar();
        auto source = ParseFlagSource(src.first.Scalar());
        if (!source)
          return Bad(sat, "unknown source; expected one of " + Names<FlagSource>(kSourceCount),
                     src.first);
        for (const auto& [seen_source, _] : q->source_sla)
          if (seen_source == *source) return Bad(sat, "duplicate key", src.first);
        auto w = ParseWindow(src.second, sat, nullptr);
        if (!w) return w.error();
        q->source_sla.emplace_back(*source, *w);
      }
      continue;
    }
    auto sev = Int(kv.first, at);
    if (!sev || *sev < 1 || *sev > 5)
      return Bad(at, "unknown key; expected default, a severity 1..5 or sources", kv.first);
    auto w = ParseWindow(kv.second, at, &q->default_sla);
    if (!w) return w.error();
    q->severity_sla[*sev - 1] = *w;
  }
  return OkStatus();
}

Result<Queue> ParseQueue(const YAML::Node& n, const std::string& path) {
  VIGIL_TRY(CheckKeys(n, path,
                      {"name", "title", "teams", "sla", "near_breach", "auto_escalate_on_breach"}));
  Queue q;
  auto name = Str(n["name"], path + ".name");
  if (!name) return name.error();
  if (!IsName(*name)) return Bad(path + ".name", "use lowercase letters, digits, _ and -", n);
  q.name = *name;
  q.title = q.name;
  if (n["title"]) {
    auto t = Str(n["title"], path + ".title");
    if (!t) return t.error();
    q.title = *t;
  }
  if (!n["teams"]) return Bad(path + ".teams", "missing: a queue nobody works never gets done", n);
  auto teams = StrList(n["teams"], path + ".teams");
  if (!teams) return teams.error();
  q.teams = std::move(teams.value());
  if (!n["sla"]) return Bad(path + ".sla", "missing", n);
  VIGIL_TRY(ParseSla(n["sla"], path + ".sla", &q));
  if (auto nb = n["near_breach"]) {
    try {
      q.near_breach = nb.as<double>();
    } catch (const YAML::Exception&) {
      q.near_breach = -1;
    }
    if (!(q.near_breach > 0 && q.near_breach < 1))
      return Bad(path + ".near_breach", "expected a fraction between 0 and 1, such as 0.8", nb);
  }
  if (auto ae = n["auto_escalate_on_breach"]) {
    auto t = Str(ae, path + ".auto_escalate_on_breach");
    if (!t) return t.error();
    q.auto_escalate_on_breach = *t;
  }
  return q;
}

Result<HandoffField> ParseField(const YAML::Node& n, const std::string& path) {
  VIGIL_TRY(CheckKeys(n, path, {"name", "type", "required", "choices"}));
  HandoffField f;
  auto name = Str(n["name"], path + ".name");
  if (!name) return name.error();
  if (!IsName(*name)) return Bad(path + ".name", "use lowercase letters, digits, _ and -", n);
  f.name = *name;
  if (auto t = n["type"]) {
    static constexpr std::pair<std::string_view, FieldType> kTypes[] = {
        {"string", FieldType::kString},
        {"bool", FieldType::kBool},
        {"time", FieldType::kTime},
        {"choice", FieldType::kChoice},
        {"number", FieldType::kNumber}};
    auto it = std::find_if(std::begin(kTypes), std::end(kTypes),
                           [&](const auto& p) { return t.IsScalar() && p.first == t.Scalar(); });
    if (it == std::end(kTypes))
      return Bad(path + ".type", "expected one of string, bool, time, number, choice", t);
    f.type = it->second;
  }
  if (auto r = n["required"]) {
    try {
      f.required = r.as<bool>();
    } catch (const YAML::Exception&) {
      return Bad(path + ".required", "expected true or false", r);
    }
  }
  if (f.type == FieldType::kChoice) {
    if (!n["choices"])
      return Bad(path + ".choices", "missing: a choice field lists its choices", n);
    auto c = StrList(n["choices"], path + ".choices");
    if (!c) return c.error();
    f.choices = std::move(c.value());
  } else if (n["choices"]) {
    return Bad(path + ".choices", "only a field of type choice has choices", n["choices"]);
  }
  return f;
}

Result<Tier> ParseTier(const std::string& name, const YAML::Node& n, const std::string& path) {
  VIGIL_TRY(CheckKeys(n, path, {"queue", "fields"}));
  Tier t;
  t.name = name;
  auto q = Str(n["queue"], path + ".queue");
  if (!q) return q.error();
  t.queue = *q;
  if (auto fields = n["fields"]) {
    if (!fields.IsSequence()) return Bad(path + ".fields", "expected a list", fields);
    for (size_t i = 0; i < fields.size(); ++i) {
      std::string at = path + ".fields[" + std::to_string(i) + "]";
      auto f = ParseField(fields[i], at);
      if (!f) return f.error();
      for (const auto& other : t.fields)
        if (other.name == f->name)
          return Bad(at + ".name", "duplicate field " + f->name, fields[i]);
      t.fields.push_back(std::move(f.value()));
    }
  }
  return t;
}

// One list matcher: each value parsed by `parse` (nullopt: invalid, and `why` says why).
template <typename T, typename Parse>
Status ParseMatcher(const YAML::Node& m, const char* key, const std::string& path,
                    std::vector<T>* out, const std::string& why, Parse parse) {
  if (!m[key]) return OkStatus();
  std::string at = path + "." + key;
  auto list = StrList(m[key], at);
  if (!list) return list.error();
  for (size_t i = 0; i < list->size(); ++i) {
    std::optional<T> v = parse((*list)[i]);
    if (!v)
      return Bad(at + "[" + std::to_string(i) + "]", "'" + (*list)[i] + "' " + why, m[key][i]);
    out->push_back(std::move(*v));
  }
  return OkStatus();
}

std::optional<std::string> If(bool valid, const std::string& s) {
  return valid ? std::optional(s) : std::nullopt;
}

Result<RouteMatch> ParseMatch(const YAML::Node& m, const std::string& path, const Taxonomy* tax) {
  VIGIL_TRY(CheckKeys(
      m, path, {"reason", "category", "source", "content_type", "language", "severity_at_least"}));
  if (m.size() == 0) return Bad(path, "empty; leave out match for a catch-all rule", m);
  RouteMatch r;
  VIGIL_TRY(ParseMatcher(m, "reason", path, &r.reasons, "is not a reason code of the taxonomy",
                         [&](const std::string& s) { return If(!tax || tax->Find(s), s); }));
  VIGIL_TRY(ParseMatcher(m, "category", path, &r.categories, "is not a DSA statement category",
                         [](const std::string& s) { return If(IsDsaCategory(s), s); }));
  VIGIL_TRY(ParseMatcher(m, "source", path, &r.sources,
                         "is not a source; expected one of " + Names<FlagSource>(kSourceCount),
                         [](const std::string& s) { return ParseFlagSource(s); }));
  VIGIL_TRY(ParseMatcher(
      m, "content_type", path, &r.content_types,
      "is not a content type; expected one of " + Names<ContentType>(kContentTypeCount),
      [](const std::string& s) { return ParseContentType(s); }));
  VIGIL_TRY(ParseMatcher(m, "language", path, &r.languages,
                         "is not a lowercase ISO 639 language code",
                         [](const std::string& s) { return If(IsLanguage(s), s); }));
  if (auto sev = m["severity_at_least"]) {
    auto v = Int(sev, path + ".severity_at_least");
    if (!v || *v < 1 || *v > 5)
      return Bad(path + ".severity_at_least", "expected a severity 1..5", sev);
    r.severity_at_least = *v;
  }
  return r;
}

Status CheckHandoffField(const HandoffField& f, const nlohmann::json& fields,
                         const std::string& tier) {
  std::string at = "fields." + f.name;
  auto it = fields.find(f.name);
  bool blank = it == fields.end() || it->is_null() ||
               (it->is_string() && it->get_ref<const std::string&>().find_first_not_of(" \t\r\n") ==
                                       std::string::npos);
  if (blank)
    return f.required ? Status(Error::Invalid(at, "required by the " + tier + " tier"))
                      : OkStatus();
  const nlohmann::json& v = *it;
  switch (f.type) {
    case FieldType::kString:
      if (!v.is_string()) return Error::Invalid(at, "expected a string");
      if (v.get_ref<const std::string&>().size() > kMaxHandoffFieldBytes)
        return Error::Invalid(at,
                              "longer than " + std::to_string(kMaxHandoffFieldBytes) + " bytes");
      break;
    case FieldType::kBool:
      if (!v.is_boolean()) return Error::Invalid(at, "expected true or false");
      break;
    case FieldType::kNumber:
      if (!v.is_number()) return Error::Invalid(at, "expected a number");
      break;
    case FieldType::kTime:
      if (!v.is_string() || !ParseIso8601(v.get_ref<const std::string&>()))
        return Error::Invalid(at, "expected an ISO-8601 time such as 2026-11-25T14:00:00Z");
      break;
    case FieldType::kChoice: {
      if (!v.is_string() || std::find(f.choices.begin(), f.choices.end(),
                                      v.get_ref<const std::string&>()) == f.choices.end())
        return Error::Invalid(at, "expected one of " + JoinList(f.choices));
      break;
    }
  }
  return OkStatus();
}

template <typename T>
bool AnyOf(const std::vector<T>& list, const T& v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

bool Matches(const RouteMatch& m, const RouteInput& in, const std::string& language) {
  return AnyOf(m.reasons, in.reason) && AnyOf(m.categories, in.dsa_category) &&
         AnyOf(m.sources, in.source) && AnyOf(m.content_types, in.content_type) &&
         AnyOf(m.languages, language) &&
         (!m.severity_at_least || in.severity >= *m.severity_at_least);
}

}  // namespace

std::string_view ToString(SlaState s) {
  constexpr std::string_view kNames[] = {"ok", "near_breach", "breached", "met"};
  return kNames[static_cast<size_t>(s)];
}

SlaState EvaluateSla(const SlaPolicy& policy, double near_breach, Millis opened_at,
                     std::optional<Millis> first_action_at, std::optional<Millis> resolved_at,
                     Millis now) {
  if (resolved_at)
    return *resolved_at - opened_at <= policy.resolution ? SlaState::kMet : SlaState::kBreached;
  Millis window = first_action_at ? policy.resolution : policy.first_action;
  Millis elapsed = now - opened_at;
  if (elapsed > window) return SlaState::kBreached;
  // Rounded to whole milliseconds so "80% of 1h" is exactly 48 minutes.
  auto near = static_cast<Millis>(std::llround(near_breach * static_cast<double>(window)));
  return elapsed >= near ? SlaState::kNearBreach : SlaState::kOk;
}

const char* QueueConfig::DefaultYaml() { return kDefaultYaml; }

Result<QueueConfig> QueueConfig::FromYaml(const std::string& text, const Taxonomy* taxonomy) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) return Bad("queues", "expected a mapping with queues, routing and tiers");
    VIGIL_TRY(CheckKeys(root, "", {"queues", "routing", "tiers"}));
    QueueConfig c;
    VIGIL_TRY(c.ParseQueues(root["queues"]));
    VIGIL_TRY(c.ParseTiers(root["tiers"]));
    VIGIL_TRY(c.ParseRouting(root["routing"], taxonomy));
    VIGIL_TRY(c.CheckAutoEscalations(root["queues"]));
    return c;
  } catch (const YAML::Exception& e) {
    return Error::Invalid("queues.yaml", std::string("YAML: ") + e.what());
  }
}

Status QueueConfig::ParseQueues(const YAML::Node& list) {
  if (!list || !list.IsSequence() || list.size() == 0)
    return Bad("queues", "expected a non-empty list of queues", list);
  for (size_t i = 0; i < list.size(); ++i) {
    std::string at = "queues[" + std::to_string(i) + "]";
    auto q = ParseQueue(list[i], at);
    if (!q) return q.error();
    if (FindQueue(q->name)) return Bad(at + ".name", "duplicate queue " + q->name, list[i]);
    queues_.push_back(std::move(q.value()));
  }
  return OkStatus();
}

Status QueueConfig::ParseTiers(const YAML::Node& map) {
  if (!map) return OkStatus();
  if (!map.IsMap()) return Bad("tiers", "expected a mapping of tier name: {queue, fields}", map);
  std::set<std::string> seen;
  for (const auto& kv : map) {
    std::string name = kv.first.Scalar();
    std::string at = "tiers." + name;
    if (!IsName(name))
      return Bad(at, "use lowercase letters, digits, _ and - in tier names", kv.first);
    if (!seen.insert(name).second) return Bad(at, "duplicate tier", kv.first);
    auto t = ParseTier(name, kv.second, at);
    if (!t) return t.error();
    if (!FindQueue(t->queue))
      return Bad(at + ".queue", "unknown queue '" + t->queue + "'", kv.second["queue"]);
    tiers_.push_back(std::move(t.value()));
  }
  return OkStatus();
}

Status QueueConfig::ParseRouting(const YAML::Node& list, const Taxonomy* taxonomy) {
  if (!list || !list.IsSequence() || list.size() == 0)
    return Bad("routing", "expected a non-empty list of rules ending with a catch-all", list);
  for (size_t i = 0; i < list.size(); ++i) {
    std::string at = "routing[" + std::to_string(i) + "]";
    const YAML::Node& n = list[i];
    VIGIL_TRY(CheckKeys(n, at, {"match", "queue"}));
    if (!routing_.empty() && !routing_.back().match)
      return Bad(at, "unreachable: the catch-all before it matches everything", n);
    RouteRule rule;
    auto q = Str(n["queue"], at + ".queue");
    if (!q) return q.error();
    if (!FindQueue(*q)) return Bad(at + ".queue", "unknown queue '" + *q + "'", n["queue"]);
    rule.queue = *q;
    if (n["match"]) {
      auto m = ParseMatch(n["match"], at + ".match", taxonomy);
      if (!m) return m.error();
      rule.match = std::move(m.value());
    }
    routing_.push_back(std::move(rule));
  }
  if (routing_.back().match)
    return Bad("routing", "the last rule must be a catch-all without match, e.g. {queue: general}",
               list[list.size() - 1]);
  return OkStatus();
}

// Auto-escalation happens without a person, so nobody can fill in required hand-off fields, and
// escalating into the same queue would only repeat the breach.
Status QueueConfig::CheckAutoEscalations(const YAML::Node& list) {
  for (size_t i = 0; i < queues_.size(); ++i) {
    const Queue& q = queues_[i];
    if (!q.auto_escalate_on_breach) continue;
    std::string at = "queues[" + std::to_string(i) + "].auto_escalate_on_breach";
    const YAML::Node& n = list[i]["auto_escalate_on_breach"];
    const Tier* t = FindTier(*q.auto_escalate_on_breach);
    if (!t) return Bad(at, "unknown tier '" + *q.auto_escalate_on_breach + "'", n);
    for (const auto& f : t->fields)
      if (f.required)
        return Bad(at,
                   "tier " + t->name + " requires hand-off field " + f.name +
                       ", which an automatic escalation cannot provide",
                   n);
    if (t->queue == q.name) return Bad(at, "tier " + t->name + " leads back to this queue", n);
  }
  return OkStatus();
}

Status QueueConfig::ValidateHandoff(std::string_view tier, const nlohmann::json& fields) const {
  const Tier* t = FindTier(tier);
  if (!t) return Error::Invalid("tier", "unknown escalation tier '" + std::string(tier) + "'");
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json& j = fields.is_null() ? kEmpty : fields;
  if (!j.is_object()) return Error::Invalid("fields", "expected an object");
  // Unknown names first: a misspelt field would otherwise surface as "required".
  for (const auto& item : j.items()) {
    const std::string& key = item.key();  // not a structured binding: clang 14 can't capture those
    if (std::none_of(t->fields.begin(), t->fields.end(),
                     [&](const HandoffField& f) { return f.name == key; })) {
      std::vector<std::string> names;
      for (const auto& f : t->fields) names.push_back(f.name);
      return Error::Invalid("fields." + key,
                            "unknown field for the " + t->name + " tier" +
                                (names.empty() ? "" : "; expected " + JoinList(names)));
    }
  }
  for (const auto& f : t->fields) VIGIL_TRY(CheckHandoffField(f, j, t->name));
  return OkStatus();
}

QueueConfig::AutoHandoff QueueConfig::HandoffFromText(
    std::string_view tier, const std::map<std::string, std::string>& values) const {
  AutoHandoff out;
  const Tier* t = FindTier(tier);
  if (!t) {
    out.gaps.push_back(Error::Invalid("tier", "unknown escalation tier '" + std::string(tier) + "'"));
    return out;
  }
  for (const auto& [name, text] : values) {
    if (std::none_of(t->fields.begin(), t->fields.end(),
                     [&](const HandoffField& f) { return f.name == name; }))
      out.gaps.push_back(Error::Invalid("fields." + name, "unknown field for the " + t->name + " tier"));
  }
  for (const auto& f : t->fields) {
    nlohmann::json one = nlohmann::json::object();
    if (auto it = values.find(f.name); it != values.end()) {
      const std::string& text = it->second;
      nlohmann::json v = text;
      if (f.type == FieldType::kBool && (text == "true" || text == "false")) {
        v = text == "true";
      } else if (f.type == FieldType::kNumber && !text.empty()) {
        char* end = nullptr;
        double d = std::strtod(text.c_str(), &end);
        if (end && *end == '\0') v = d;
      }
      one[f.name] = std::move(v);
    }
    if (Status st = CheckHandoffField(f, one, t->name); !st) {
      out.gaps.push_back(st.error());
    } else if (one.contains(f.name)) {
      out.fields[f.name] = std::move(one[f.name]);
    }
  }
  return out;
}

const Queue* QueueConfig::FindQueue(std::string_view name) const {
  for (const auto& q : queues_)
    if (q.name == name) return &q;
  return nullptr;
}

const Tier* QueueConfig::FindTier(std::string_view name) const {
  for (const auto& t : tiers_)
    if (t.name == name) return &t;
  return nullptr;
}

const std::string& QueueConfig::Route(const RouteInput& in) const {
  std::string language = PrimaryLanguage(in.language);
  for (const auto& rule : routing_)
    if (!rule.match || Matches(*rule.match, in, language)) return rule.queue;
  return routing_.back().queue;  // unreachable: the last rule is a catch-all
}

const Queue& QueueConfig::QueueOrCatchAll(const std::string& name) const {
  const Queue* q = FindQueue(name);
  return q ? *q : *FindQueue(routing_.back().queue);
}

SlaPolicy QueueConfig::Policy(const std::string& queue, int severity,
                              std::optional<FlagSource> source) const {
  const Queue* q = &QueueOrCatchAll(queue);
  severity = std::clamp(severity, 1, 5);
  SlaPolicy p = q->severity_sla[severity - 1].value_or(q->default_sla);
  if (source)
    for (const auto& [s, cap] : q->source_sla)
      if (s == *source) {
        p.first_action = std::min(p.first_action, cap.first_action);
        p.resolution = std::min(p.resolution, cap.resolution);
      }
  return p;
}

SlaDeadlines QueueConfig::Deadlines(const std::string& queue, int severity, Millis opened_at,
                                    std::optional<FlagSource> source) const {
  SlaPolicy p = Policy(queue, severity, source);
  return {opened_at + p.first_action, opened_at + p.resolution};
}

SlaState QueueConfig::State(const std::string& queue, int severity, Millis opened_at,
                            std::optional<Millis> first_action_at,
                            std::optional<Millis> resolved_at, Millis now,
                            std::optional<FlagSource> source) const {
  return EvaluateSla(Policy(queue, severity, source), QueueOrCatchAll(queue).near_breach, opened_at,
                     first_action_at, resolved_at, now);
}

std::vector<std::string> QueueConfig::QueuesForTeams(const std::vector<std::string>& teams) const {
  std::vector<std::string> out;
  for (const auto& q : queues_)
    if (std::any_of(q.teams.begin(), q.teams.end(), [&](const std::string& t) {
          return std::find(teams.begin(), teams.end(), t) != teams.end();
        }))
      out.push_back(q.name);
  return out;
}

std::optional<std::string> QueueConfig::AutoEscalation(const std::string& queue) const {
  const Queue* q = FindQueue(queue);
  return q ? q->auto_escalate_on_breach : std::nullopt;
}

}  // namespace vigil::cases
