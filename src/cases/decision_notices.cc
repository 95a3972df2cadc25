#include "cases/decision_notices.h"

namespace vigil::cases {

std::vector<notify::Notice> DecisionNotices(const notify::NoticeTemplates& templates,
                                            const store::CaseSignals& signals,
                                            const Taxonomy& taxonomy, const std::string& content_id,
                                            const DecisionInput& d, Millis now) {
  std::string actions, scope, duration = "indefinite";
  for (const auto& a : d.actions) {
    actions += (actions.empty() ? "" : ", ") + a.type;
    for (const auto& c : a.territorial_scope) scope += (scope.empty() ? "" : ", ") + c;
    if (a.duration) duration = std::to_string(*a.duration / 3'600'000) + " hours";
  }
  if (scope.empty()) scope = "worldwide";
  bool from_notice = false;
  for (const auto& r : signals.reporters)
    from_notice = from_notice || r.source == FlagSource::kUser ||
                  r.source == FlagSource::kTrustedFlagger || r.source == FlagSource::kLegalOrder;
  const Reason* reason = taxonomy.Find(signals.reason);
  std::string ground = d.policy_id.empty()
                           ? "our terms of service"
                           : "our terms of service, policy " + d.policy_id +
                                 (d.policy_version.empty() ? "" : " version " + d.policy_version) +
                                 (d.clause.empty() ? "" : ", clause " + d.clause);
  std::map<std::string, std::string> vars = {
      {"content_id", content_id},
      {"account_id", signals.author_id},
      {"reason_title", reason ? reason->title : signals.reason},
      {"actions", actions},
      {"scope", scope},
      {"duration", duration},
      {"facts", d.facts},
      {"explanation", d.explanation},
      {"ground", ground},
      {"triggered_by", from_notice ? "a notice" : "our own initiative"},
      {"automated_detection", d.automated_detection ? "yes" : "no"},
      {"automated_decision", d.automated_decision},
      {"appeal_info", "reply to this message or use the appeal form of the service"},
      {"decision_date", FormatIso8601(now)}};
  std::string lang = signals.language.empty() ? "en" : signals.language;
  std::vector<notify::Notice> out;
  for (const auto& r : signals.reporters) {
    if (r.id.empty() || r.source == FlagSource::kAutomated || r.source == FlagSource::kInternal)
      continue;
    auto n = templates.Render("outcome", lang, vars, d.actions[0].type);
    if (!n) continue;
    n->to = "notifier:" + r.id;
    out.push_back(std::move(n.value()));
  }
  bool restricts = !d.actions.empty() && d.actions[0].type != "no_violation";
  if (restricts && !signals.author_id.empty()) {
    auto n = templates.Render("statement_of_reasons", lang, vars, d.actions[0].type);
    if (n) {
      n->to = "affected_user:" + signals.author_id;
      out.push_back(std::move(n.value()));
    }
  }
  return out;
}

}  // namespace vigil::cases
