// Case priority: one score per open case, ordering the review queues, computed as a sum of named
// terms so the case page can show why a case sits where it does. Pure, deterministic (independent
// of the order reporters are given in) and O(n log n) in the number of reporters; it is recomputed
// on every flag arrival.
//
// The score, term by term (weights in PriorityWeights, defaults in brackets):
//   severity         severity_per_level x the reason's severity (1..5) [20/level].
//   reporters        reporters_per_doubling x log2(1 + E), capped at reporters_max [12, 60], where
//                    E = effective reporters: each distinct reporter counts once however often it
//                    flagged, weighted by ReporterAccuracy / kNeutralAccuracy (0..2, new = 1);
//                    deprioritized reporters (DSA Art. 23) weigh deprioritized_weight [0]; ordinary
//                    users whose accounts were created in a chain of gaps <= cohort_window
//                    [10 min], at least cohort_min_size [3] of them, form a cohort whose combined
//                    weight is capped at cohort_max_weight [1.5]. Automated and legal-order sources
//                    do not count here; they have their own terms.
//   trusted_flagger  a flat trusted_flagger_bonus [30] when a trusted flagger (Art. 22) that is not
//                    deprioritized flagged the case: one trusted notice outranks about ten average
//                    users at equal severity.
//   automated        automated_max x the highest classifier score in [0, 1] [30].
//   legal_order      legal_near_max x h / (h + hours to deadline), h = legal_half_life_hours
//                    [500, 24 h]: rises as the deadline nears. Overdue: legal_overdue +
//                    legal_overdue_per_hour x hours overdue [10000 + 10/h], above any other
//                    case. An order without deadline adds legal_no_deadline [50].
//   reach            per decade (log10(1 + n)) of views, followers and shares [3, 1.5, 3].
//   velocity         velocity_per_doubling x log2(1 + surge), capped at velocity_max [6, 30]:
//                    surge = effective flags in the last hour minus the hourly rate before, raw
//                    flags scaled by E / flags_total so repeat flags and cohorts buy no speed.
//   age              age_per_day x days open [4/day]: unbounded, so nothing starves.
//   policy           the sum of the priority adjustments the policies' outcomes ask for
//                    (`priority: +20` in a tree), as automation last evaluated them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/domain.h"

namespace vigil::cases {

// Beta(2, 2) prior on a reporter's accuracy: a reporter with no history scores
// kNeutralAccuracy = 0.5, and a record only moves the estimate once it has a few flags in it.
inline constexpr double kAccuracyPriorAlpha = 2.0;
inline constexpr double kAccuracyPriorBeta = 2.0;
inline constexpr double kNeutralAccuracy =
    kAccuracyPriorAlpha / (kAccuracyPriorAlpha + kAccuracyPriorBeta);

// One reporter of a case, with what the platform knows about them.
struct ReporterSignal {
  std::string reporter_id;  // platform account id; all empty ids are treated as one reporter
  FlagSource source = FlagSource::kUser;
  int64_t past_flags = 0;     // flags on earlier, decided cases
  int64_t past_actioned = 0;  // of those, how many led to action
  std::optional<Millis> account_created_at;
  bool deprioritized = false;  // notices from this reporter are deprioritized (Art. 23)
  int flags_on_this_case = 1;  // repeat flags count once; only reported in the explanation
};

struct PriorityInputs {
  int severity = 1;                       // of the case's reason, 1..5 (clamped)
  std::vector<ReporterSignal> reporters;  // may repeat ids; may be empty (automated-only case)
  int64_t views = 0;
  int64_t followers = 0;  // of the content's author
  int64_t shares = 0;
  int flags_last_hour = 0;  // all flags on the case in (now - 1 h, now]
  int flags_total = 0;      // all flags on the case
  Millis opened_at = 0;
  Millis now = 0;
  std::optional<Millis> legal_deadline;       // set when a legal order with a deadline applies
  std::optional<double> max_automated_score;  // highest classifier score, 0..1 (clamped)
  double policy_adjustment = 0;               // asked by policies; taken as given
  std::string policy_why;                     // which policies asked for it
};

// One line of the breakdown: {"reporters", 24.0, "3.0 effective reporters from 3 distinct"}.
struct PriorityTerm {
  std::string name;
  double value = 0;
  std::string explanation;  // one short sentence with the numbers behind value
};

struct PriorityScore {
  double total = 0;                 // the sum of terms[i].value, higher first
  std::vector<PriorityTerm> terms;  // always the same nine names, in the order listed above
};

struct PriorityWeights {
  double severity_per_level = 20;
  double reporters_per_doubling = 12;
  double reporters_max = 60;
  double deprioritized_weight = 0;
  Millis cohort_window = 10 * 60 * 1000;
  int cohort_min_size = 3;
  double cohort_max_weight = 1.5;
  double trusted_flagger_bonus = 30;
  double automated_max = 30;
  double legal_no_deadline = 50;
  double legal_near_max = 500;
  double legal_half_life_hours = 24;
  double legal_overdue = 10000;
  double legal_overdue_per_hour = 10;
  double views_per_decade = 3;
  double followers_per_decade = 1.5;
  double shares_per_decade = 3;
  double velocity_per_doubling = 6;
  double velocity_max = 30;
  double age_per_day = 4;

  static PriorityWeights Default() { return {}; }
};

// The priority of a case. Out-of-range inputs are clamped (negative counts to 0, severity to
// 1..5, scores to [0, 1], now before opened_at to age 0), never rejected: the queue must always
// be orderable.
PriorityScore ComputePriority(const PriorityInputs& in,
                              const PriorityWeights& w = PriorityWeights::Default());
// The same total without the explanations (what queues store and sort by).
double PriorityTotal(const PriorityInputs& in,
                     const PriorityWeights& w = PriorityWeights::Default());

// Posterior mean of the share of a reporter's flags that lead to action under the Beta prior
// above: (actioned + alpha) / (flags + alpha + beta). past_actioned is clamped to [0, past_flags].
double ReporterAccuracy(int64_t past_flags, int64_t past_actioned);

}  // namespace vigil::cases
