#include "cases/queues.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace vigil::cases {

void PrintTo(SlaState s, std::ostream* os) { *os << ToString(s); }

namespace {

using nlohmann::json;

constexpr Millis kMinute = 60'000;
constexpr Millis kHour = 60 * kMinute;
constexpr Millis kT0 = 1'795'617'235'000;  // any opening time

const QueueConfig& Default() {
  static const QueueConfig c =
      QueueConfig::FromYaml(QueueConfig::DefaultYaml(), &Taxonomy::Default()).value();
  return c;
}

// One rule per matcher kind, in the order a T&S lead would write them.
constexpr const char* kRoutingYaml = R"(
queues:
  - {name: general, teams: [ts], sla: {default: {first_action: 24h, resolution: 72h}}}
  - {name: child_safety, teams: [cs], sla: {default: {first_action: 1h, resolution: 24h}}}
  - {name: legal, teams: [legal], sla: {default: {first_action: 4h, resolution: 48h}}}
  - {name: high_risk, teams: [ts], sla: {default: {first_action: 1h, resolution: 8h}}}
  - {name: hate_speech_eu, teams: [eu], sla: {default: {first_action: 12h, resolution: 24h}}}
  - {name: media, teams: [ts], sla: {default: {first_action: 12h, resolution: 48h}}}
routing:
  - {match: {reason: [child_safety]}, queue: child_safety}
  - {match: {source: [legal_order]}, queue: legal}
  - {match: {severity_at_least: 5}, queue: high_risk}
  - {match: {language: [de, fr], category: [STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH]}, queue: hate_speech_eu}
  - {match: {content_type: [image, video]}, queue: media}
  - {queue: general}
)";

RouteInput Input(std::string reason, int severity = 2) {
  RouteInput in;
  in.reason = std::move(reason);
  in.dsa_category = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC";
  in.severity = severity;
  return in;
}

// The error's field when loading fails, or "" when it loads.
std::string LoadError(const std::string& yaml, const Taxonomy* taxonomy = nullptr) {
  auto r = QueueConfig::FromYaml(yaml, taxonomy);
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  return r.error().field;
}

std::string HandoffError(std::string_view tier, const json& fields) {
  auto s = Default().ValidateHandoff(tier, fields);
  if (s.ok()) return "";
  EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
  return s.error().field;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(QueueConfigDefault, LoadsWithTheQueuesTheProductNeeds) {
  auto r = QueueConfig::FromYaml(QueueConfig::DefaultYaml(), &Taxonomy::Default());
  ASSERT_TRUE(r.ok()) << r.error().field << ": " << r.error().message;
  for (const char* q : {"general", "high_risk", "child_safety", "legal", "escalations_senior",
                        "engineering", "appeals"})
    EXPECT_NE(r->FindQueue(q), nullptr) << q;
  for (const char* t : {"senior", "legal", "engineering", "child_safety"})
    EXPECT_NE(r->FindTier(t), nullptr) << t;
}

TEST(QueueConfigDefault, ShippedFileIsTheEmbeddedDefault) {
#ifdef VIGIL_SOURCE_DIR
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/config/queues.yaml");
#else
  std::ifstream in("config/queues.yaml");
#endif
  if (!in) GTEST_SKIP() << "config/queues.yaml not found from here";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), QueueConfig::DefaultYaml());
}

TEST(QueueConfigDefault, RoutesEveryDefaultReasonSensibly) {
  for (const Reason& r : Taxonomy::Default().reasons()) {
    RouteInput in = Input(r.code, r.severity);
    in.dsa_category = r.dsa_category;
    std::string expected = "general";
    if (r.code == "child_safety") expected = "child_safety";
    if (r.code == "ip_infringement") expected = "legal";
    if (r.code == "violent_extremism" || r.code == "self_harm" || r.code == "violence")
      expected = "high_risk";
    EXPECT_EQ(Default().Route(in), expected) << r.code;
  }
  RouteInput order = Input("violent_extremism", 5);
  order.source = FlagSource::kLegalOrder;
  EXPECT_EQ(Default().Route(order), "legal");
  RouteInput csam_order = Input("child_safety", 5);
  csam_order.source = FlagSource::kLegalOrder;
  EXPECT_EQ(Default().Route(csam_order), "child_safety");
}

TEST(QueueRouting, FirstMatchingRuleWinsForEachMatcherKind) {
  auto c = QueueConfig::FromYaml(kRoutingYaml).value();
  EXPECT_EQ(c.Route(Input("spam")), "general");

  RouteInput in = Input("child_safety", 5);
  in.source = FlagSource::kLegalOrder;
  in.content_type = ContentType::kImage;
  EXPECT_EQ(c.Route(in), "child_safety");  // reason rule comes first
  in.reason = "violence";
  EXPECT_EQ(c.Route(in), "legal");  // then source
  in.source = FlagSource::kUser;
  EXPECT_EQ(c.Route(in), "high_risk");  // then severity
  in.severity = 4;
  EXPECT_EQ(c.Route(in), "media");  // image, and neither language nor category match

  RouteInput hate = Input("hate_speech", 4);
  hate.dsa_category = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH";
  hate.language = "de";
  hate.content_type = ContentType::kVideo;
  EXPECT_EQ(c.Route(hate), "hate_speech_eu");  // all of a rule's matchers must match
  hate.language = "fr-BE";
  EXPECT_EQ(c.Route(hate), "hate_speech_eu");  // primary subtag
  hate.language = "en";
  EXPECT_EQ(c.Route(hate), "media");
  hate.content_type = ContentType::kText;
  EXPECT_EQ(c.Route(hate), "general");
  hate.language = "";
  EXPECT_EQ(c.Route(hate), "general");
}

TEST(QueueRouting, TheLastRuleMustBeACatchAll) {
  std::string no_catch_all = Replace(kRoutingYaml, "  - {queue: general}\n", "");
  EXPECT_EQ(LoadError(no_catch_all), "routing");
  std::string early_catch_all = Replace(
      kRoutingYaml, "  - {match: {source: [legal_order]}, queue: legal}", "  - {queue: legal}");
  EXPECT_EQ(LoadError(early_catch_all), "routing[2]");  // unreachable
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "{queue: general}", "{match: {}, queue: general}")),
            "routing[5].match");
}

TEST(QueueConfigErrors, NameThePathOfTheOffendingKey) {
  EXPECT_EQ(LoadError(kRoutingYaml), "");
  EXPECT_EQ(LoadError(std::string(kRoutingYaml) + "colour: red\n"), "colour");
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "teams: [cs]", "teams: [cs], colour: red")),
            "queues[1].colour");
  EXPECT_EQ(
      LoadError(Replace(kRoutingYaml, "{reason: [child_safety]}", "{reasons: [child_safety]}")),
      "routing[0].match.reasons");
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "queue: media}", "queue: pictures}")),
            "routing[4].queue");
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "{first_action: 1h, resolution: 24h}",
                              "{first_action: 1h, resolution: 24h}, 5: {first_action: soon}")),
            "queues[1].sla.5.first_action");
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "{first_action: 1h, resolution: 24h}",
                              "{first_action: 1h, resolution: 24h}, 6: {first_action: 1m}")),
            "queues[1].sla.6");
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "{first_action: 1h, resolution: 24h}",
                              "{first_action: 25h, resolution: 24h}")),
            "queues[1].sla.default");
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "severity_at_least: 5", "severity_at_least: 7")),
            "routing[2].match.severity_at_least");
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "[legal_order]", "[police]")),
            "routing[1].match.source[0]");
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "[image, video]", "[image, gif]")),
            "routing[4].match.content_type[1]");
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "[de, fr]", "[de, French]")),
            "routing[3].match.language[1]");
  EXPECT_EQ(
      LoadError(Replace(kRoutingYaml, "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "HATE")),
      "routing[3].match.category[0]");
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "name: media", "name: general")), "queues[5].name");
  EXPECT_EQ(LoadError("queues: [unclosed"), "queues.yaml");
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "name: media, ", "")), "queues[5].name");  // missing
  EXPECT_EQ(LoadError(Replace(kRoutingYaml, "queue: media}", "}")), "routing[4].queue");
}

TEST(QueueConfigErrors, ReasonsAreCheckedAgainstTheTaxonomyWhenGiven) {
  std::string yaml = Replace(kRoutingYaml, "[child_safety]", "[child_safety, csam]");
  EXPECT_EQ(LoadError(yaml), "");
  EXPECT_EQ(LoadError(yaml, &Taxonomy::Default()), "routing[0].match.reason[1]");
}

TEST(QueueConfigErrors, TiersAndAutoEscalationAreChecked) {
  std::string tiers = std::string(kRoutingYaml) +
                      "tiers:\n"
                      "  senior: {queue: high_risk}\n"
                      "  legal: {queue: legal, fields: [{name: jurisdiction, required: true}]}\n";
  EXPECT_EQ(LoadError(tiers), "");
  EXPECT_EQ(LoadError(Replace(tiers, "{queue: high_risk}", "{queue: seniors}")),
            "tiers.senior.queue");
  EXPECT_EQ(LoadError(Replace(tiers, "name: jurisdiction,", "name: jurisdiction, type: date,")),
            "tiers.legal.fields[0].type");
  std::string escalating =
      Replace(tiers, "teams: [cs],", "teams: [cs], auto_escalate_on_breach: senior,");
  EXPECT_EQ(LoadError(escalating), "");
  EXPECT_EQ(QueueConfig::FromYaml(escalating)->AutoEscalation("child_safety"), "senior");
  // An automatic escalation cannot fill in required hand-off fields.
  EXPECT_EQ(
      LoadError(Replace(tiers, "teams: [cs],", "teams: [cs], auto_escalate_on_breach: legal,")),
      "queues[1].auto_escalate_on_breach");
  EXPECT_EQ(
      LoadError(Replace(tiers, "teams: [cs],", "teams: [cs], auto_escalate_on_breach: boss,")),
      "queues[1].auto_escalate_on_breach");
}

TEST(QueueSla, DeadlinesPerSeverityFallBackToDefault) {
  const QueueConfig& c = Default();
  auto d5 = c.Deadlines("child_safety", 5, kT0);
  EXPECT_EQ(d5.first_action_due, kT0 + 15 * kMinute);
  EXPECT_EQ(d5.resolution_due, kT0 + 4 * kHour);
  auto d3 = c.Deadlines("child_safety", 3, kT0);  // no severity-3 entry
  EXPECT_EQ(d3.first_action_due, kT0 + 1 * kHour);
  EXPECT_EQ(d3.resolution_due, kT0 + 24 * kHour);
  EXPECT_EQ(c.Deadlines("child_safety", 9, kT0).first_action_due, d5.first_action_due);  // clamped
}

TEST(QueueSla, SourcesCapTheSeverityWindows) {
  const QueueConfig& c = Default();
  auto user = c.Deadlines("general", 1, kT0, FlagSource::kUser);
  EXPECT_EQ(user.first_action_due, kT0 + 24 * kHour);
  auto trusted = c.Deadlines("general", 1, kT0, FlagSource::kTrustedFlagger);
  EXPECT_EQ(trusted.first_action_due, kT0 + 4 * kHour);
  EXPECT_EQ(trusted.resolution_due, kT0 + 24 * kHour);
  // Severity 5 is already faster than the trusted-flagger window: the shorter one applies.
  EXPECT_EQ(c.Deadlines("general", 5, kT0, FlagSource::kTrustedFlagger).first_action_due,
            kT0 + 1 * kHour);
  // A removal order for terrorist content: one hour to resolve.
  EXPECT_EQ(c.Deadlines("legal", 5, kT0, FlagSource::kLegalOrder).resolution_due, kT0 + kHour);
}

TEST(QueueSla, AQueueRemovedOnReloadGetsTheCatchAllPolicy) {
  auto gone = Default().Deadlines("renamed_queue", 1, kT0);
  auto general = Default().Deadlines("general", 1, kT0);
  EXPECT_EQ(gone.first_action_due, general.first_action_due);
  EXPECT_EQ(gone.resolution_due, general.resolution_due);
}

TEST(QueueSla, StatesMoveFromOkToNearBreachToBreached) {
  // child_safety severity 3: first action 1h, resolution 24h, near breach at 0.5.
  auto state = [](Millis now, std::optional<Millis> first = {}, std::optional<Millis> done = {}) {
    auto at = [](std::optional<Millis> t) { return t ? std::optional(kT0 + *t) : std::nullopt; };
    return Default().State("child_safety", 3, kT0, at(first), at(done), kT0 + now);
  };
  EXPECT_EQ(state(0), SlaState::kOk);
  EXPECT_EQ(state(30 * kMinute - 1), SlaState::kOk);
  EXPECT_EQ(state(30 * kMinute), SlaState::kNearBreach);
  EXPECT_EQ(state(kHour), SlaState::kNearBreach);  // due, not yet late
  EXPECT_EQ(state(kHour + 1), SlaState::kBreached);
  // The first action stops the first-action clock; the resolution window runs on.
  EXPECT_EQ(state(2 * kHour, 20 * kMinute), SlaState::kOk);
  EXPECT_EQ(state(12 * kHour, 20 * kMinute), SlaState::kNearBreach);
  EXPECT_EQ(state(24 * kHour + 1, 20 * kMinute), SlaState::kBreached);
  // Resolved in time is met, whenever one asks; resolved late stays breached.
  EXPECT_EQ(state(30 * kHour, 20 * kMinute, 23 * kHour), SlaState::kMet);
  EXPECT_EQ(state(30 * kHour, {}, 10 * kMinute), SlaState::kMet);
  EXPECT_EQ(state(30 * kHour, 20 * kMinute, 25 * kHour), SlaState::kBreached);
}

TEST(QueueSla, NearBreachUsesTheQueueFraction) {
  SlaPolicy p{kHour, 10 * kHour};
  EXPECT_EQ(EvaluateSla(p, 0.8, kT0, {}, {}, kT0 + 48 * kMinute - 1), SlaState::kOk);
  EXPECT_EQ(EvaluateSla(p, 0.8, kT0, {}, {}, kT0 + 48 * kMinute), SlaState::kNearBreach);
  EXPECT_EQ(ToString(SlaState::kNearBreach), "near_breach");
}

TEST(QueueHandoff, LegalTierRequiresJurisdictionAndQuestion) {
  json ok = {{"jurisdiction", "DE"}, {"legal_question", "Is this §130 StGB?"}};
  EXPECT_EQ(HandoffError("legal", ok), "");
  json with_deadline = ok;
  with_deadline["deadline"] = "2026-12-01T12:00:00Z";
  EXPECT_EQ(HandoffError("legal", with_deadline), "");
  with_deadline["deadline"] = "next week";
  EXPECT_EQ(HandoffError("legal", with_deadline), "fields.deadline");

  json missing = {{"legal_question", "Is this §130 StGB?"}};
  EXPECT_EQ(HandoffError("legal", missing), "fields.jurisdiction");
  missing["jurisdiction"] = "  ";
  EXPECT_EQ(HandoffError("legal", missing), "fields.jurisdiction");
  missing["jurisdiction"] = nullptr;
  EXPECT_EQ(HandoffError("legal", missing), "fields.jurisdiction");
  missing["jurisdiction"] = 49;
  EXPECT_EQ(HandoffError("legal", missing), "fields.jurisdiction");

  json misspelt = {{"jurisdicton", "DE"}, {"legal_question", "?"}};
  EXPECT_EQ(HandoffError("legal", misspelt), "fields.jurisdicton");
}

TEST(QueueHandoff, ChoicesBoolsUnknownTiersAndEmptyHandoffs) {
  EXPECT_EQ(HandoffError("engineering", {{"component", "intake"}, {"severity", "high"}}), "");
  auto bad =
      Default().ValidateHandoff("engineering", {{"component", "intake"}, {"severity", "urgent"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "fields.severity");
  EXPECT_NE(bad.error().message.find("low, medium, high"), std::string::npos);

  EXPECT_EQ(HandoffError("child_safety", {{"ncmec_report_needed", false}}), "");
  EXPECT_EQ(HandoffError("child_safety", {{"ncmec_report_needed", "yes"}}),
            "fields.ncmec_report_needed");
  EXPECT_EQ(HandoffError("child_safety", json::object()), "fields.ncmec_report_needed");

  EXPECT_EQ(HandoffError("senior", nullptr), "");
  EXPECT_EQ(HandoffError("senior", json::object()), "");
  EXPECT_EQ(HandoffError("senior", json::array()), "fields");
  EXPECT_EQ(HandoffError("supreme_court", json::object()), "tier");
}

TEST(QueueTeams, QueuesForTeamsInConfigurationOrder) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Default().QueuesForTeams({"trust-safety"}), (V{"general", "high_risk", "appeals"}));
  EXPECT_EQ(Default().QueuesForTeams({"legal", "senior"}),
            (V{"legal", "escalations_senior", "appeals"}));
  EXPECT_EQ(Default().QueuesForTeams({"child-safety"}), (V{"child_safety"}));
  EXPECT_EQ(Default().QueuesForTeams({"marketing"}), V{});
  EXPECT_EQ(Default().QueuesForTeams({}), V{});
}

TEST(QueueEscalation, AutoEscalationOnBreach) {
  EXPECT_EQ(Default().AutoEscalation("high_risk"), "senior");
  EXPECT_EQ(Default().AutoEscalation("child_safety"), "senior");
  EXPECT_EQ(Default().AutoEscalation("general"), std::nullopt);
  EXPECT_EQ(Default().AutoEscalation("no_such_queue"), std::nullopt);
}

}  // namespace
}  // namespace vigil::cases
