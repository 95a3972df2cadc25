#include "cases/priority.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <tuple>

namespace vigil::cases {
namespace {

constexpr double kMillisPerHour = 3600.0 * 1000.0;
constexpr double kMillisPerDay = 24.0 * kMillisPerHour;

// Off while only a total is wanted (stored priorities): formatting the explanations costs more
// than the arithmetic.
thread_local bool t_explain = true;

__attribute__((format(printf, 1, 2))) std::string Fmt(const char* format, ...) {
  if (!t_explain) return {};
  char buf[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return buf;
}

// 950, 12.3k, 4.5M, 1.2B: what a reviewer reads at a glance.
std::string FormatCount(int64_t n) {
  if (n < 1000) return Fmt("%lld", static_cast<long long>(n));
  if (n < 1000000) return Fmt("%.1fk", n / 1e3);
  if (n < 1000000000) return Fmt("%.1fM", n / 1e6);
  return Fmt("%.1fB", n / 1e9);
}

std::string FormatHours(double hours) {
  if (hours < 48) return Fmt("%.1f h", hours);
  return Fmt("%.1f days", hours / 24);
}

const char* Plural(int64_t n, const char* one, const char* many) { return n == 1 ? one : many; }

// A fixed explanation, or none while only a total is wanted (most are past the 15 bytes a string
// holds without allocating).
std::string Say(const char* text) { return t_explain ? std::string(text) : std::string(); }

// Sources whose flags are notices by a person or organisation, weighed as reporters.
bool CountsAsReporter(FlagSource s) {
  return s == FlagSource::kUser || s == FlagSource::kTrustedFlagger || s == FlagSource::kInternal;
}

// One distinct reporter after merging repeat flags.
struct Reporter {
  const ReporterSignal* signal;
  bool deprioritized;
  double weight;
};

// Repeat entries for one id merge into one reporter (deprioritized if any entry says so). The
// full-key sort makes the result independent of input order.
std::vector<Reporter> DistinctReporters(const std::vector<ReporterSignal>& in,
                                        const PriorityWeights& w, int64_t* repeat_flags) {
  std::vector<const ReporterSignal*> sorted;
  sorted.reserve(in.size());
  for (const ReporterSignal& r : in) sorted.push_back(&r);
  auto key = [](const ReporterSignal* r) {
    return std::tie(r->reporter_id, r->source, r->past_flags, r->past_actioned,
                    r->account_created_at, r->deprioritized, r->flags_on_this_case);
  };
  std::sort(sorted.begin(), sorted.end(),
            [&](const ReporterSignal* a, const ReporterSignal* b) { return key(a) < key(b); });
  std::vector<Reporter> out;
  int64_t flags = 0;
  for (const ReporterSignal* r : sorted) {
    flags += std::max(1, r->flags_on_this_case);
    if (!out.empty() && out.back().signal->reporter_id == r->reporter_id) {
      out.back().deprioritized = out.back().deprioritized || r->deprioritized;
      continue;
    }
    out.push_back({r, r->deprioritized, 0});
  }
  for (Reporter& r : out) {
    r.weight = r.deprioritized ? w.deprioritized_weight
                               : ReporterAccuracy(r.signal->past_flags, r.signal->past_actioned) /
                                     kNeutralAccuracy;
  }
  *repeat_flags = flags - static_cast<int64_t>(out.size());
  return out;
}

struct ReporterTally {
  double effective = 0;  // E: weighted, cohort-capped count of reporters
  int distinct = 0;      // distinct reporters that count as reporters
  int cohort_members = 0;
  int cohorts = 0;
  int deprioritized = 0;
  int trusted = 0;  // trusted flaggers in good standing
  bool legal_order = false;
  int64_t repeat_flags = 0;
};

// Ordinary users whose accounts were created in a chain with gaps <= cohort_window form a
// cohort; each cohort of at least cohort_min_size weighs at most cohort_max_weight together.
// Marks members in `in_cohort` and returns the capped weight of all cohorts.
double CohortWeight(const std::vector<Reporter>& rs, const PriorityWeights& w,
                    std::vector<bool>* in_cohort, ReporterTally* t) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < rs.size(); ++i) {
    const ReporterSignal& s = *rs[i].signal;
    if (s.source == FlagSource::kUser && s.account_created_at) idx.push_back(i);
  }
  auto created = [&](size_t i) -> const Millis& { return *rs[i].signal->account_created_at; };
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    return std::tie(created(a), rs[a].signal->reporter_id) <
           std::tie(created(b), rs[b].signal->reporter_id);
  });
  double total = 0;
  for (size_t begin = 0; begin < idx.size();) {
    size_t end = begin + 1;
    while (end < idx.size() && created(idx[end]) - created(idx[end - 1]) <= w.cohort_window) ++end;
    if (static_cast<int>(end - begin) >= std::max(2, w.cohort_min_size)) {
      double sum = 0;
      for (size_t k = begin; k < end; ++k) {
        sum += rs[idx[k]].weight;
        (*in_cohort)[idx[k]] = true;
      }
      total += std::min(sum, w.cohort_max_weight);
      t->cohort_members += static_cast<int>(end - begin);
      ++t->cohorts;
    }
    begin = end;
  }
  return total;
}

ReporterTally TallyReporters(const std::vector<ReporterSignal>& in, const PriorityWeights& w) {
  ReporterTally t;
  std::vector<Reporter> rs = DistinctReporters(in, w, &t.repeat_flags);
  std::erase_if(rs, [&](const Reporter& r) {
    if (r.signal->source == FlagSource::kLegalOrder) t.legal_order = true;
    return !CountsAsReporter(r.signal->source);
  });
  std::vector<bool> in_cohort(rs.size(), false);
  t.effective = CohortWeight(rs, w, &in_cohort, &t);
  for (size_t i = 0; i < rs.size(); ++i) {
    ++t.distinct;
    if (rs[i].deprioritized) ++t.deprioritized;
    if (rs[i].signal->source == FlagSource::kTrustedFlagger && !rs[i].deprioritized) ++t.trusted;
    if (!in_cohort[i]) t.effective += rs[i].weight;
  }
  return t;
}

PriorityTerm SeverityTerm(int severity, const PriorityWeights& w) {
  return {"severity", w.severity_per_level * severity, Fmt("Reason severity %d of 5.", severity)};
}

PriorityTerm ReportersTerm(const ReporterTally& t, const PriorityWeights& w) {
  double value = std::min(w.reporters_max, w.reporters_per_doubling * std::log2(1 + t.effective));
  if (t.distinct == 0) return {"reporters", 0, Say("No human reporters.")};
  if (!t_explain) return {"reporters", value, {}};
  std::string text = Fmt("%.1f effective reporters from %d distinct", t.effective, t.distinct);
  std::vector<std::string> notes;
  if (t.cohort_members > 0) {
    notes.push_back(Fmt("%d accounts created within %lld min of each other count as at most %.1f",
                        t.cohort_members, static_cast<long long>(w.cohort_window / 60000),
                        w.cohort_max_weight * t.cohorts));
  }
  if (t.deprioritized > 0) notes.push_back(Fmt("%d deprioritized", t.deprioritized));
  if (t.repeat_flags > 0) {
    notes.push_back(Fmt("%lld repeat %s ignored", static_cast<long long>(t.repeat_flags),
                        Plural(t.repeat_flags, "flag", "flags")));
  }
  for (size_t i = 0; i < notes.size(); ++i) text += (i == 0 ? " (" : "; ") + notes[i];
  text += notes.empty() ? "." : ").";
  if (value >= w.reporters_max) text += " Capped.";
  return {"reporters", value, text};
}

PriorityTerm TrustedTerm(const ReporterTally& t, const PriorityWeights& w) {
  if (t.trusted == 0) return {"trusted_flagger", 0, Say("No trusted flagger.")};
  return {"trusted_flagger", w.trusted_flagger_bonus,
          Fmt("Flagged by %d trusted %s (DSA Art. 22).", t.trusted,
              Plural(t.trusted, "flagger", "flaggers"))};
}

PriorityTerm AutomatedTerm(std::optional<double> score, const PriorityWeights& w) {
  if (!score || std::isnan(*score)) return {"automated", 0, Say("No automated score.")};
  double s = std::clamp(*score, 0.0, 1.0);
  return {"automated", w.automated_max * s, Fmt("Highest automated score %.2f.", s)};
}

PriorityTerm LegalTerm(const PriorityInputs& in, bool legal_source, const PriorityWeights& w) {
  if (!in.legal_deadline) {
    if (!legal_source) return {"legal_order", 0, Say("No legal order.")};
    return {"legal_order", w.legal_no_deadline, Say("Legal order without a deadline.")};
  }
  double hours_left = static_cast<double>(*in.legal_deadline - in.now) / kMillisPerHour;
  if (hours_left <= 0) {
    return {"legal_order", w.legal_overdue + w.legal_overdue_per_hour * -hours_left,
            t_explain ? "Legal order overdue by " + FormatHours(-hours_left) + "." : std::string()};
  }
  double h = std::max(w.legal_half_life_hours, 1e-9);
  return {"legal_order", w.legal_near_max * h / (h + hours_left),
          t_explain ? "Legal order due in " + FormatHours(hours_left) + "." : std::string()};
}

PriorityTerm ReachTerm(int64_t views, int64_t followers, int64_t shares, const PriorityWeights& w) {
  views = std::max<int64_t>(views, 0);
  followers = std::max<int64_t>(followers, 0);
  shares = std::max<int64_t>(shares, 0);
  double value = w.views_per_decade * std::log10(1.0 + static_cast<double>(views)) +
                 w.followers_per_decade * std::log10(1.0 + static_cast<double>(followers)) +
                 w.shares_per_decade * std::log10(1.0 + static_cast<double>(shares));
  if (!t_explain) return {"reach", value, {}};
  return {"reach", value,
          FormatCount(views) + " views, " + FormatCount(followers) + " author followers, " +
              FormatCount(shares) + " shares."};
}

// Raw flag counts are scaled by E / flags_total: a flag is worth the effective reporters behind
// it, so a burst from one account or a cohort is no faster than its capped weight.
PriorityTerm VelocityTerm(const PriorityInputs& in, const ReporterTally& t,
                          const PriorityWeights& w) {
  double recent = std::max(in.flags_last_hour, 0);
  double total = std::max<double>(in.flags_total, recent);
  if (total == 0) return {"velocity", 0, Say("No flags yet.")};
  double per_flag = std::min(1.0, t.effective / total);
  if (per_flag == 0) return {"velocity", 0, Say("No flags from weighted reporters.")};
  double earlier_hours =
      std::max(1.0, static_cast<double>(in.now - in.opened_at) / kMillisPerHour - 1.0);
  double recent_eff = recent * per_flag;
  double rate_before = (total - recent) * per_flag / earlier_hours;
  double surge = std::max(0.0, recent_eff - rate_before);
  double value = std::min(w.velocity_max, w.velocity_per_doubling * std::log2(1 + surge));
  return {"velocity", value,
          Fmt("%.1f effective flags in the last hour vs %.1f/h before.", recent_eff, rate_before)};
}

PriorityTerm AgeTerm(Millis opened_at, Millis now, const PriorityWeights& w) {
  double days = std::max<double>(0, static_cast<double>(now - opened_at)) / kMillisPerDay;
  return {"age", w.age_per_day * days,
          t_explain ? "Open " + FormatHours(days * 24) + "." : std::string()};
}

PriorityTerm PolicyTerm(const PriorityInputs& in) {
  if (in.policy_adjustment == 0 || std::isnan(in.policy_adjustment))
    return {"policy", 0, Say("No policy adjustment.")};
  return {
      "policy", in.policy_adjustment,
      t_explain ? (in.policy_why.empty() ? "Adjusted by policy." : in.policy_why) : std::string()};
}

}  // namespace

double ReporterAccuracy(int64_t past_flags, int64_t past_actioned) {
  double flags = static_cast<double>(std::max<int64_t>(past_flags, 0));
  double actioned = std::clamp(static_cast<double>(past_actioned), 0.0, flags);
  return (actioned + kAccuracyPriorAlpha) / (flags + kAccuracyPriorAlpha + kAccuracyPriorBeta);
}

double PriorityTotal(const PriorityInputs& in, const PriorityWeights& w) {
  t_explain = false;
  double total = ComputePriority(in, w).total;
  t_explain = true;
  return total;
}

PriorityScore ComputePriority(const PriorityInputs& in, const PriorityWeights& w) {
  ReporterTally tally = TallyReporters(in.reporters, w);
  PriorityScore score;
  score.terms.reserve(9);  // moved in: an initializer list would copy every string
  score.terms.push_back(SeverityTerm(std::clamp(in.severity, 1, 5), w));
  score.terms.push_back(ReportersTerm(tally, w));
  score.terms.push_back(TrustedTerm(tally, w));
  score.terms.push_back(AutomatedTerm(in.max_automated_score, w));
  score.terms.push_back(LegalTerm(in, tally.legal_order, w));
  score.terms.push_back(ReachTerm(in.views, in.followers, in.shares, w));
  score.terms.push_back(VelocityTerm(in, tally, w));
  score.terms.push_back(AgeTerm(in.opened_at, in.now, w));
  score.terms.push_back(PolicyTerm(in));
  for (const PriorityTerm& t : score.terms) score.total += t.value;
  return score;
}

}  // namespace vigil::cases
