#include "notify/notices.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace vigil::notify {
namespace {

constexpr const char* kDefaultYaml = R"YAML(# Notice templates: kind -> language -> {subject, body}. Placeholders: {{name}}.
receipt:
  en:
    subject: "We received your report about {{content_id}}"
    body: |
      Thank you. We received your report ({{reason_title}}) on {{received_at}} and will review it.
      We will tell you what we decide.
  de:
    subject: "Wir haben Ihre Meldung zu {{content_id}} erhalten"
    body: |
      Vielen Dank. Wir haben Ihre Meldung ({{reason_title}}) am {{received_at}} erhalten und pruefen sie.
      Wir informieren Sie ueber unsere Entscheidung.
outcome:
  en:
    subject: "Our decision on your report about {{content_id}}"
    body: |
      We reviewed the content you reported and decided: {{actions}}.
      {{explanation}}
      Automated means used: detection {{automated_detection}}, decision {{automated_decision}}.
      If you disagree you can appeal within six months: {{appeal_info}}
  de:
    subject: "Unsere Entscheidung zu Ihrer Meldung zu {{content_id}}"
    body: |
      Wir haben die gemeldeten Inhalte geprueft und entschieden: {{actions}}.
      {{explanation}}
      Automatisierte Mittel: Erkennung {{automated_detection}}, Entscheidung {{automated_decision}}.
      Sie koennen innerhalb von sechs Monaten widersprechen: {{appeal_info}}
statement_of_reasons:
  en:
    subject: "Why we restricted {{content_id}}"
    body: |
      Restriction: {{actions}} (territorial scope: {{scope}}; duration: {{duration}}).
      Facts and circumstances: {{facts}}
      This decision followed {{triggered_by}}.
      Automated means used: detection {{automated_detection}}, decision {{automated_decision}}.
      Ground: {{ground}}
      Explanation: {{explanation}}
      How to seek redress: you can appeal within six months ({{appeal_info}}), use an out-of-court
      dispute settlement body, or go to court.
  de:
    subject: "Warum wir {{content_id}} eingeschraenkt haben"
    body: |
      Massnahme: {{actions}} (raeumlicher Geltungsbereich: {{scope}}; Dauer: {{duration}}).
      Tatsachen und Umstaende: {{facts}}
      Die Entscheidung folgte {{triggered_by}}.
      Automatisierte Mittel: Erkennung {{automated_detection}}, Entscheidung {{automated_decision}}.
      Grundlage: {{ground}}
      Begruendung: {{explanation}}
      Rechtsbehelfe: Beschwerde innerhalb von sechs Monaten ({{appeal_info}}), aussergerichtliche
      Streitbeilegung oder Gerichte.
  by_action:
    suspend_account:
      en:
        subject: "Your account {{account_id}} is suspended"
        body: |
          We suspended your account {{account_id}} (duration: {{duration}}; territorial scope: {{scope}}).
          Facts and circumstances: {{facts}} (content {{content_id}}).
          This decision followed {{triggered_by}}.
          Automated means used: detection {{automated_detection}}, decision {{automated_decision}}.
          Ground: {{ground}}
          Explanation: {{explanation}}
          How to seek redress: you can appeal within six months ({{appeal_info}}), use an out-of-court
          dispute settlement body, or go to court.
      de:
        subject: "Ihr Konto {{account_id}} ist gesperrt"
        body: |
          Wir haben Ihr Konto {{account_id}} gesperrt (Dauer: {{duration}}; Geltungsbereich: {{scope}}).
          Tatsachen und Umstaende: {{facts}} (Inhalt {{content_id}}).
          Die Entscheidung folgte {{triggered_by}}.
          Automatisierte Mittel: Erkennung {{automated_detection}}, Entscheidung {{automated_decision}}.
          Grundlage: {{ground}}
          Begruendung: {{explanation}}
          Rechtsbehelfe: Beschwerde innerhalb von sechs Monaten ({{appeal_info}}), aussergerichtliche
          Streitbeilegung oder Gerichte.
    terminate_account:
      en:
        subject: "Your account {{account_id}} is closed"
        body: |
          We closed your account {{account_id}}.
          Facts and circumstances: {{facts}} (content {{content_id}}).
          This decision followed {{triggered_by}}.
          Automated means used: detection {{automated_detection}}, decision {{automated_decision}}.
          Ground: {{ground}}
          Explanation: {{explanation}}
          How to seek redress: you can appeal within six months ({{appeal_info}}), use an out-of-court
          dispute settlement body, or go to court.
misuse_warning:
  en:
    subject: "A warning about your reports"
    body: |
      {{unfounded_count}} of your recent reports were manifestly unfounded. Please report only
      content you believe breaks the law or our rules. If this continues, we will review your
      reports with lower priority for a period.
  de:
    subject: "Eine Warnung zu Ihren Meldungen"
    body: |
      {{unfounded_count}} Ihrer letzten Meldungen waren offensichtlich unbegruendet. Bitte melden
      Sie nur Inhalte, die Ihrer Ansicht nach gegen Gesetze oder unsere Regeln verstossen. Andernfalls
      bearbeiten wir Ihre Meldungen fuer einen Zeitraum mit geringerer Prioritaet.
misuse_deprioritized:
  en:
    subject: "Your reports will be reviewed with lower priority"
    body: |
      After our warning, {{unfounded_count}} of your recent reports were manifestly unfounded.
      Until {{deprioritized_until}} we will review your reports with lower priority. You can
      contest this by replying to this message.
  de:
    subject: "Ihre Meldungen werden mit geringerer Prioritaet bearbeitet"
    body: |
      Nach unserer Warnung waren {{unfounded_count}} Ihrer letzten Meldungen offensichtlich
      unbegruendet. Bis {{deprioritized_until}} bearbeiten wir Ihre Meldungen mit geringerer
      Prioritaet. Sie koennen dem widersprechen, indem Sie auf diese Nachricht antworten.
appeal_outcome:
  en:
    subject: "The outcome of the appeal about {{content_id}}"
    body: |
      A person who did not take the original decision reviewed the appeal. Outcome: {{appeal_outcome}}.
      {{explanation}}
      Actions now in force: {{actions}}.
      You can still use a certified out-of-court dispute settlement body or go to court.
  de:
    subject: "Das Ergebnis der Beschwerde zu {{content_id}}"
    body: |
      Eine Person, die die urspruengliche Entscheidung nicht getroffen hat, hat die Beschwerde geprueft.
      Ergebnis: {{appeal_outcome}}.
      {{explanation}}
      Jetzt geltende Massnahmen: {{actions}}.
      Sie koennen weiterhin eine zertifizierte aussergerichtliche Streitbeilegungsstelle oder ein
      Gericht anrufen.
)YAML";

// Kinds a notices.yaml must define; the others fall back to the built-in texts when absent.
constexpr const char* kRequiredKinds[] = {"receipt", "outcome", "statement_of_reasons"};
constexpr const char* kKinds[] = {"receipt",        "outcome",
                                  "statement_of_reasons", "misuse_warning",
                                  "misuse_deprioritized", "appeal_outcome"};

// Calls fn(name) for each {{name}}; returns false on an unterminated placeholder.
template <typename Fn>
bool ForEachPlaceholder(const std::string& text, Fn fn) {
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string::npos) {
    size_t end = text.find("}}", pos + 2);
    if (end == std::string::npos) return false;
    fn(text.substr(pos + 2, end - pos - 2), pos, end + 2);
    pos = end + 2;
  }
  return true;
}

}  // namespace

const std::vector<std::string>& NoticeVariables() {
  static const std::vector<std::string> vars = {
      "content_id",  "reason_title", "received_at",   "actions",     "scope",
      "duration",    "facts",        "explanation",   "ground",      "triggered_by",
      "automated_detection", "automated_decision", "appeal_info", "decision_date",
      "unfounded_count", "deprioritized_until", "appeal_outcome", "account_id"};
  return vars;
}

const std::vector<std::string>& NoticeKinds() {
  static const std::vector<std::string> kinds(std::begin(kKinds), std::end(kKinds));
  return kinds;
}

std::map<std::string, std::string> SampleNoticeVariables() {
  return {{"content_id", "post-123"},
          {"account_id", "acct-9"},
          {"reason_title", "Harassment or bullying"},
          {"received_at", "2026-11-25T09:30:00Z"},
          {"actions", "remove"},
          {"scope", "worldwide"},
          {"duration", "indefinite"},
          {"facts", "The post repeatedly insults a named person."},
          {"explanation", "Removed under our harassment policy, clause H2."},
          {"ground", "our terms of service, policy harassment version 3, clause H2"},
          {"triggered_by", "a notice"},
          {"automated_detection", "no"},
          {"automated_decision", "not_automated"},
          {"appeal_info", "reply to this message or use the appeal form of the service"},
          {"decision_date", "2026-11-25T10:00:00Z"},
          {"unfounded_count", "3"},
          {"deprioritized_until", "2026-12-25T10:00:00Z"},
          {"appeal_outcome", "overturned"}};
}

const char* NoticeTemplates::DefaultYaml() { return kDefaultYaml; }

const NoticeTemplates& NoticeTemplates::Default() {
  static const NoticeTemplates t = FromYaml(kDefaultYaml).value();
  return t;
}

Result<NoticeTemplates> NoticeTemplates::FromYaml(const std::string& text) {
  NoticeTemplates t;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) return Error::Invalid("notices.yaml", "expected kind: language: {subject, body}");
    for (const auto& kind : root) {
      std::string k = kind.first.as<std::string>();
      if (std::find(std::begin(kKinds), std::end(kKinds), k) == std::end(kKinds))
        return Error::Invalid(k, "unknown notice kind (receipt, outcome, statement_of_reasons, "
                                 "misuse_warning, misuse_deprioritized, appeal_outcome)");
      // Languages of one kind (or of one action's variant of it: "kind/action" internally).
      auto parse_languages = [&](const YAML::Node& node, const std::string& key,
                                 const std::string& where_prefix) -> Status {
        for (const auto& lang : node) {
          std::string l = lang.first.as<std::string>();
          std::string where = where_prefix + "." + l;
          if (!lang.second["subject"] || !lang.second["body"])
            return Error::Invalid(where, "needs subject and body");
          Template tpl{lang.second["subject"].as<std::string>(),
                       lang.second["body"].as<std::string>()};
          for (const auto* part : {&tpl.subject, &tpl.body}) {
            std::string bad;
            bool closed = ForEachPlaceholder(*part, [&](const std::string& name, size_t, size_t) {
              const auto& vars = NoticeVariables();
              if (std::find(vars.begin(), vars.end(), name) == vars.end() && bad.empty()) bad = name;
            });
            if (!closed) return Error::Invalid(where, "unterminated {{ placeholder");
            if (!bad.empty()) return Error::Invalid(where, "unknown placeholder {{" + bad + "}}");
          }
          t.by_kind_[key][l] = std::move(tpl);
        }
        if (!t.by_kind_[key].count("en"))
          return Error::Invalid(where_prefix + ".en", "an English template is required");
        return OkStatus();
      };
      YAML::Node languages = YAML::Clone(kind.second);
      if (auto by_action = kind.second["by_action"]) {
        for (const auto& action : by_action) {
          std::string a = action.first.as<std::string>();
          if (std::find_if(std::begin(kActionTypes), std::end(kActionTypes),
                           [&](const char* x) { return a == x; }) == std::end(kActionTypes))
            return Error::Invalid(k + ".by_action." + a, "unknown action");
          if (auto st = parse_languages(action.second, k + "/" + a, k + ".by_action." + a); !st)
            return st.error();
        }
        languages.remove("by_action");
      }
      if (auto st = parse_languages(languages, k, k); !st) return st.error();
    }
  } catch (const YAML::Exception& e) {
    return Error::Invalid("notices.yaml", std::string("YAML: ") + e.what());
  }
  for (const char* k : kRequiredKinds)
    if (!t.by_kind_.count(k)) return Error::Invalid(k, "is missing");
  return t;
}

Result<Notice> NoticeTemplates::Render(const std::string& kind, const std::string& language,
                                       const std::map<std::string, std::string>& vars,
                                       const std::string& action) const {
  auto k = action.empty() ? by_kind_.end() : by_kind_.find(kind + "/" + action);
  if (k == by_kind_.end()) k = by_kind_.find(kind);
  if (k == by_kind_.end()) {
    if (this != &Default()) return Default().Render(kind, language, vars, action);
    return Error::Invalid("kind", "unknown notice kind " + kind);
  }
  auto l = k->second.find(language);
  if (l == k->second.end()) l = k->second.find("en");
  auto fill = [&](const std::string& text) {
    std::string out;
    size_t last = 0;
    ForEachPlaceholder(text, [&](const std::string& name, size_t begin, size_t end) {
      out.append(text, last, begin - last);
      auto v = vars.find(name);
      if (v != vars.end()) out += v->second;
      last = end;
    });
    out.append(text, last, std::string::npos);
    return out;
  };
  return Notice{kind, l->first, "", fill(l->second.subject), fill(l->second.body)};
}

}  // namespace vigil::notify
