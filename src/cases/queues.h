// Queue configuration: which queue a new case opens in (ordered routing rules, first match wins),
// the SLA each queue promises (time to first action and to resolution, per severity and source),
// and the escalation tiers with the hand-off fields each requires. A QueueConfig is immutable once
// parsed; reloading parses a new one and the server swaps it atomically. Every function is pure.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/domain.h"
#include "core/error.h"
#include "core/taxonomy.h"

namespace YAML {
class Node;
}

namespace vigil::cases {

// What routing looks at: the flag's reason and its taxonomy entry, the source and the content.
struct RouteInput {
  std::string reason;        // taxonomy reason code
  std::string dsa_category;  // STATEMENT_CATEGORY_*
  int severity = 1;          // 1..5
  std::string language;      // ISO 639-1 ("de", "de-AT" matches "de"); empty when unknown
  FlagSource source = FlagSource::kUser;
  ContentType content_type = ContentType::kText;
};

// Both windows run from the moment the case opens.
struct SlaPolicy {
  Millis first_action = 0;
  Millis resolution = 0;
};

struct SlaDeadlines {
  Millis first_action_due = 0;
  Millis resolution_due = 0;
};

enum class SlaState { kOk, kNearBreach, kBreached, kMet };
std::string_view ToString(SlaState s);

struct Queue {
  std::string name;
  std::string title;
  std::vector<std::string> teams;  // teams whose members work this queue
  SlaPolicy default_sla;
  std::array<std::optional<SlaPolicy>, 5> severity_sla;  // [severity - 1]; unset = default_sla
  // Faster handling promised to some sources (DSA Art. 22 trusted flaggers, Art. 9 orders). A
  // source policy caps the severity policy: each window is the shorter of the two.
  std::vector<std::pair<FlagSource, SlaPolicy>> source_sla;
  double near_breach = 0.8;  // fraction of the running window after which a case is near breach
  std::optional<std::string> auto_escalate_on_breach;  // a tier name
};

// A rule matches when every matcher it sets matches; a list matches when any element does.
struct RouteMatch {
  std::vector<std::string> reasons;
  std::vector<std::string> categories;
  std::vector<FlagSource> sources;
  std::vector<ContentType> content_types;
  std::vector<std::string> languages;
  std::optional<int> severity_at_least;
};

struct RouteRule {
  std::optional<RouteMatch> match;  // nullopt: catch-all
  std::string queue;
};

enum class FieldType { kString, kBool, kTime, kChoice, kNumber };

struct HandoffField {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
  std::vector<std::string> choices;  // kChoice only
};

struct Tier {
  std::string name;
  std::string queue;  // an escalation to this tier moves the case here
  std::vector<HandoffField> fields;
};

// Longest string a hand-off field may carry.
inline constexpr size_t kMaxHandoffFieldBytes = 10000;

// The window and near-breach threshold that apply, evaluated at `now`. Until the first action
// only the first-action window runs; after it only the resolution window. A case resolved by
// its resolution deadline is kMet (resolving counts as the first action), otherwise kBreached.
SlaState EvaluateSla(const SlaPolicy& policy, double near_breach, Millis opened_at,
                     std::optional<Millis> first_action_at, std::optional<Millis> resolved_at,
                     Millis now);

class QueueConfig {
 public:
  // Parses and validates a queues.yaml. Errors are kInvalid and name the offending path, e.g.
  // "routing[3].match.severity_at_least" or "queues[1].sla.5.first_action". With a taxonomy,
  // reason codes in routing rules must exist in it; nullptr skips that check.
  static Result<QueueConfig> FromYaml(const std::string& text, const Taxonomy* taxonomy = nullptr);
  // The shipped configuration (config/queues.yaml); valid against Taxonomy::Default().
  static const char* DefaultYaml();

  // The queue of the first rule that matches. Always an existing queue: the last rule is a
  // catch-all.
  const std::string& Route(const RouteInput& in) const;

  // The policy for a case in `queue`. Severity is clamped to 1..5; a queue that no longer exists
  // (renamed on reload) gets the catch-all queue's policy, so open cases keep a deadline.
  SlaPolicy Policy(const std::string& queue, int severity,
                   std::optional<FlagSource> source = std::nullopt) const;
  SlaDeadlines Deadlines(const std::string& queue, int severity, Millis opened_at,
                         std::optional<FlagSource> source = std::nullopt) const;
  // EvaluateSla with the queue's policy and near-breach fraction.
  SlaState State(const std::string& queue, int severity, Millis opened_at,
                 std::optional<Millis> first_action_at, std::optional<Millis> resolved_at,
                 Millis now, std::optional<FlagSource> source = std::nullopt) const;

  const Queue* FindQueue(std::string_view name) const;
  const Tier* FindTier(std::string_view name) const;
  // Checks an escalation's structured hand-off against the tier's fields. kInvalid errors name
  // "tier" (unknown tier), "fields" (not an object) or "fields.<name>" (missing required, wrong
  // type, unknown field, value not among the choices). JSON null counts as absent.
  Status ValidateHandoff(std::string_view tier, const nlohmann::json& fields) const;
  // An automatic escalation's hand-off: the fields a policy wrote as text (its `fields:`),
  // typed as a person would send them (true/false for bool fields, numbers for number fields,
  // text otherwise). Nobody is there to complete it, so it is never refused: what is missing,
  // unknown or invalid is left out of `fields` and listed in `gaps` (field, reason) for the tier.
  struct AutoHandoff {
    nlohmann::json fields = nlohmann::json::object();
    std::vector<Error> gaps;
  };
  AutoHandoff HandoffFromText(std::string_view tier,
                              const std::map<std::string, std::string>& values) const;

  // Names of the queues any of `teams` works, in configuration order.
  std::vector<std::string> QueuesForTeams(const std::vector<std::string>& teams) const;
  // The tier a case in `queue` escalates to when its SLA is breached, if any. Such tiers never
  // require hand-off fields, since nobody fills them in.
  std::optional<std::string> AutoEscalation(const std::string& queue) const;

  const std::vector<Queue>& queues() const { return queues_; }
  const std::vector<RouteRule>& routing() const { return routing_; }
  const std::vector<Tier>& tiers() const { return tiers_; }

 private:
  QueueConfig() = default;  // only FromYaml makes one: routing always ends in a catch-all
  const Queue& QueueOrCatchAll(const std::string& name) const;
  Status ParseQueues(const YAML::Node& list);
  Status ParseTiers(const YAML::Node& map);
  Status ParseRouting(const YAML::Node& list, const Taxonomy* taxonomy);
  Status CheckAutoEscalations(const YAML::Node& list);

  std::vector<Queue> queues_;
  std::vector<RouteRule> routing_;
  std::vector<Tier> tiers_;
};

}  // namespace vigil::cases
