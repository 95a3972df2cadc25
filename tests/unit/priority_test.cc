#include "cases/priority.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

namespace vigil::cases {
namespace {

constexpr Millis kMinute = 60 * 1000;
constexpr Millis kHour = 60 * kMinute;
constexpr Millis kDay = 24 * kHour;
constexpr Millis kNow = 1795617235123;  // 2026-11-25

ReporterSignal User(std::string id, int64_t past_flags = 0, int64_t past_actioned = 0) {
  ReporterSignal r;
  r.reporter_id = std::move(id);
  r.past_flags = past_flags;
  r.past_actioned = past_actioned;
  return r;
}

ReporterSignal Trusted(std::string id) {
  ReporterSignal r = User(std::move(id));
  r.source = FlagSource::kTrustedFlagger;
  return r;
}

// A case opened 30 minutes ago whose flags all arrived in the last hour.
PriorityInputs Case(int severity, std::vector<ReporterSignal> reporters) {
  PriorityInputs in;
  in.severity = severity;
  in.reporters = std::move(reporters);
  in.views = 1200;
  in.followers = 300;
  in.shares = 4;
  int flags = 0;
  for (const ReporterSignal& r : in.reporters) flags += r.flags_on_this_case;
  in.flags_total = in.flags_last_hour = flags;
  in.now = kNow;
  in.opened_at = kNow - 30 * kMinute;
  return in;
}

double Total(const PriorityInputs& in) { return ComputePriority(in).total; }

const PriorityTerm& Term(const PriorityScore& s, const std::string& name) {
  auto it = std::find_if(s.terms.begin(), s.terms.end(),
                         [&](const PriorityTerm& t) { return t.name == name; });
  EXPECT_NE(it, s.terms.end()) << name;
  return *it;
}

TEST(ReporterAccuracy, NewReporterIsNeutralAndHistoryMovesIt) {
  EXPECT_DOUBLE_EQ(ReporterAccuracy(0, 0), kNeutralAccuracy);
  EXPECT_DOUBLE_EQ(kNeutralAccuracy, 0.5);
  EXPECT_GT(ReporterAccuracy(40, 36), ReporterAccuracy(0, 0));
  EXPECT_LT(ReporterAccuracy(40, 2), ReporterAccuracy(0, 0));
  // One lucky flag does not make an expert: the prior damps short records.
  EXPECT_LT(ReporterAccuracy(1, 1), ReporterAccuracy(40, 36));
  // Nonsense records are clamped, not trusted.
  EXPECT_DOUBLE_EQ(ReporterAccuracy(5, 9), ReporterAccuracy(5, 5));
  EXPECT_DOUBLE_EQ(ReporterAccuracy(-3, -1), ReporterAccuracy(0, 0));
}

TEST(Priority, NewReporterCountsLikeABalancedRecord) {
  auto fresh = ComputePriority(Case(3, {User("new")}));
  auto balanced = ComputePriority(Case(3, {User("old", 20, 10)}));
  EXPECT_DOUBLE_EQ(fresh.total, balanced.total);
  EXPECT_NE(Term(fresh, "reporters").explanation.find("1.0 effective"), std::string::npos)
      << Term(fresh, "reporters").explanation;
}

TEST(Priority, AccurateReporterOutweighsInaccurateOne) {
  double accurate = Total(Case(3, {User("a", 50, 45)}));
  double fresh = Total(Case(3, {User("b")}));
  double inaccurate = Total(Case(3, {User("c", 50, 2)}));
  EXPECT_GT(accurate, fresh);
  EXPECT_GT(fresh, inaccurate);
}

TEST(Priority, TrustedFlaggerAheadOfUsersAtEqualSeverity) {
  for (int severity = 1; severity <= 5; ++severity) {
    double trusted = Total(Case(severity, {Trusted("tf")}));
    EXPECT_GT(trusted, Total(Case(severity, {User("u")}))) << severity;
    EXPECT_GT(trusted, Total(Case(severity, {User("u1"), User("u2"), User("u3")}))) << severity;
  }
  // A trusted flagger that lost its standing (Art. 22(6), Art. 23) gets no head start.
  ReporterSignal demoted = Trusted("tf");
  demoted.deprioritized = true;
  EXPECT_EQ(Term(ComputePriority(Case(3, {demoted})), "trusted_flagger").value, 0);
}

TEST(Priority, HigherSeverityRanksHigher) {
  for (int s = 1; s < 5; ++s) {
    EXPECT_LT(Total(Case(s, {User("u")})), Total(Case(s + 1, {User("u")}))) << s;
  }
  EXPECT_EQ(Total(Case(0, {User("u")})), Total(Case(1, {User("u")})));  // clamped
  EXPECT_EQ(Total(Case(9, {User("u")})), Total(Case(5, {User("u")})));
}

TEST(Priority, LegalOrderNearOrPastDeadlineGoesToTheTop) {
  // The strongest ordinary case we can build.
  std::vector<ReporterSignal> crowd = {Trusted("tf")};
  for (int i = 0; i < 500; ++i) crowd.push_back(User("u" + std::to_string(i), 100, 95));
  PriorityInputs strong = Case(5, crowd);
  strong.views = 50'000'000;
  strong.followers = 10'000'000;
  strong.shares = 2'000'000;
  strong.max_automated_score = 1.0;

  ReporterSignal authority = User("authority");
  authority.source = FlagSource::kLegalOrder;
  PriorityInputs legal = Case(1, {authority});
  legal.legal_deadline = kNow + 1 * kHour;
  double due_soon = Total(legal);
  EXPECT_GT(due_soon, Total(strong));

  legal.legal_deadline = kNow + 7 * kDay;
  double due_later = Total(legal);
  EXPECT_LT(due_later, due_soon);

  legal.legal_deadline = kNow - 1 * kMinute;
  double overdue = Total(legal);
  EXPECT_GT(overdue, due_soon);
  legal.legal_deadline = kNow - 2 * kDay;
  EXPECT_GT(Total(legal), overdue);  // most overdue first

  legal.legal_deadline.reset();
  EXPECT_GT(Total(legal), Total(Case(1, {User("u")})));  // an order without deadline still counts
}

// The demo's mass reporters: six accounts created within ten minutes of each other.
std::vector<ReporterSignal> MassReporters(int64_t past_flags) {
  std::vector<ReporterSignal> out;
  const Millis offsets[] = {0, 2 * kMinute, 3 * kMinute, 5 * kMinute, 8 * kMinute, 9 * kMinute};
  for (int i = 0; i < 6; ++i) {
    ReporterSignal r = User("mass" + std::to_string(i), past_flags, 0);
    r.account_created_at = kNow - 40 * kDay + offsets[i];
    out.push_back(r);
  }
  return out;
}

std::vector<ReporterSignal> IndependentAverageReporters() {
  std::vector<ReporterSignal> out;
  for (int i = 0; i < 3; ++i) {
    ReporterSignal r = User("genuine" + std::to_string(i), 20, 10);
    r.account_created_at = kNow - (200 + 300 * i) * kDay;
    out.push_back(r);
  }
  return out;
}

TEST(Priority, MassReportingCohortDoesNotOutrankIndependentReporters) {
  double genuine = Total(Case(3, IndependentAverageReporters()));
  // As in the demo: each account has flagged 150+ benign posts before.
  PriorityScore seasoned = ComputePriority(Case(3, MassReporters(160)));
  EXPECT_LT(seasoned.total, genuine);
  // Even brand-new accounts with a neutral record are capped as a cohort.
  PriorityScore fresh = ComputePriority(Case(3, MassReporters(0)));
  EXPECT_LT(fresh.total, genuine);
  EXPECT_NE(Term(fresh, "reporters").explanation.find("created within 10 min"), std::string::npos);

  // And both stay more than a severity level below one trusted notice of a severity-4 reason.
  double trusted = Total(Case(4, {Trusted("tf")}));
  double level = PriorityWeights::Default().severity_per_level;
  EXPECT_LT(seasoned.total + level, trusted);
  EXPECT_LT(fresh.total + level, trusted);
}

TEST(Priority, CohortNeedsEnoughAccountsCreatedTogether) {
  auto pair = MassReporters(0);
  pair.resize(2);  // two friends who signed up together are not a cohort
  double two_together = Total(Case(3, pair));
  auto apart = pair;
  apart[1].account_created_at = *apart[0].account_created_at + 3 * kDay;
  EXPECT_DOUBLE_EQ(two_together, Total(Case(3, apart)));

  // Six accounts spread over months count in full.
  auto spread = MassReporters(0);
  for (size_t i = 0; i < spread.size(); ++i) spread[i].account_created_at = kNow - 30 * i * kDay;
  EXPECT_GT(Total(Case(3, spread)), Total(Case(3, MassReporters(0))));
}

TEST(Priority, DeprioritizedReportersContributeNothing) {
  std::vector<ReporterSignal> with_abusers = {User("real")};
  for (int i = 0; i < 20; ++i) {
    ReporterSignal r = User("abuser" + std::to_string(i), 10, 5);
    r.deprioritized = true;
    with_abusers.push_back(r);
  }
  EXPECT_NEAR(Total(Case(3, with_abusers)), Total(Case(3, {User("real")})), 1e-9);
  EXPECT_NE(Term(ComputePriority(Case(3, with_abusers)), "reporters")
                .explanation.find("20 deprioritized"),
            std::string::npos);
}

TEST(Priority, RepeatFlagsFromOneReporterCountOnce) {
  double once = Total(Case(3, {User("u")}));
  ReporterSignal burst = User("u");
  burst.flags_on_this_case = 50;
  EXPECT_DOUBLE_EQ(Total(Case(3, {burst})), once);
  // The same burst reported as fifty separate entries.
  EXPECT_DOUBLE_EQ(Total(Case(3, std::vector<ReporterSignal>(50, User("u")))), once);
}

TEST(Priority, ReachRaisesScoreMonotonically) {
  PriorityInputs in = Case(3, {User("u")});
  in.views = in.followers = in.shares = 0;
  double last = Total(in);
  for (int64_t n : {10, 1000, 100'000, 10'000'000}) {
    PriorityInputs v = in, f = in, s = in;
    v.views = n;
    f.followers = n;
    s.shares = n;
    EXPECT_GT(Total(v), Total(in));
    EXPECT_GT(Total(f), Total(in));
    EXPECT_GT(Total(s), Total(in));
    in.views = in.followers = in.shares = n;
    EXPECT_GT(Total(in), last);
    last = Total(in);
  }
}

TEST(Priority, VelocityRaisesScoreAndRewardsSurgesOverSteadyStreams) {
  std::vector<ReporterSignal> five;
  for (int i = 0; i < 5; ++i) five.push_back(User("u" + std::to_string(i)));
  PriorityInputs in = Case(3, five);
  in.opened_at = kNow - 10 * kHour;
  double last = -1;
  for (int recent = 0; recent <= in.flags_total; ++recent) {
    in.flags_last_hour = recent;
    EXPECT_GT(Total(in), last) << recent;
    last = Total(in);
  }
  // Five flags in the last hour after a quiet day beat five after a steady stream of five an hour.
  PriorityInputs surge = Case(3, five);
  surge.opened_at = kNow - 24 * kHour;
  PriorityInputs steady = surge;
  steady.flags_total = 5 * 24;
  EXPECT_GT(Term(ComputePriority(surge), "velocity").value,
            Term(ComputePriority(steady), "velocity").value);
}

TEST(Priority, AgeRaisesScoreSlowlySoNothingStarves) {
  PriorityInputs in = Case(1, {User("u")});
  double fresh = Total(in);
  in.opened_at = kNow - 1 * kDay;
  double one_day = Total(in);
  EXPECT_GT(one_day, fresh);
  // A day's wait is worth less than one step of severity...
  EXPECT_LT(one_day - fresh, PriorityWeights::Default().severity_per_level);
  // ...but a month-old spam case overtakes a fresh severity-2 one.
  in.opened_at = kNow - 30 * kDay;
  EXPECT_GT(Total(in), Total(Case(2, {User("u")})));
  in.opened_at = kNow + kHour;  // clock skew: never negative
  EXPECT_EQ(Term(ComputePriority(in), "age").value, 0);
}

TEST(Priority, TotalIsTheSumOfExplainedTerms) {
  PriorityInputs in = Case(4, IndependentAverageReporters());
  in.reporters.push_back(Trusted("tf"));
  in.max_automated_score = 0.7;
  in.legal_deadline = kNow + 30 * kHour;
  in.opened_at = kNow - 3 * kDay;
  in.policy_adjustment = 20;
  in.policy_why = "spam_scams v1: +20";
  PriorityScore s = ComputePriority(in);
  ASSERT_EQ(s.terms.size(), 9u);
  double sum = 0;
  for (const PriorityTerm& t : s.terms) {
    sum += t.value;
    EXPECT_FALSE(t.name.empty());
    EXPECT_FALSE(t.explanation.empty()) << t.name;
    EXPECT_TRUE(std::isfinite(t.value)) << t.name;
  }
  EXPECT_DOUBLE_EQ(s.total, sum);
  EXPECT_EQ(Term(s, "legal_order").explanation, "Legal order due in 30.0 h.");
  EXPECT_EQ(Term(s, "severity").explanation, "Reason severity 4 of 5.");
  EXPECT_EQ(Term(s, "policy").value, 20);
  EXPECT_EQ(Term(s, "policy").explanation, "spam_scams v1: +20");
}

TEST(Priority, AutomatedOnlyCaseWorks) {
  PriorityInputs in = Case(3, {});
  in.flags_total = in.flags_last_hour = 4;
  in.max_automated_score = 0.2;
  PriorityScore low = ComputePriority(in);
  in.max_automated_score = 0.95;
  PriorityScore high = ComputePriority(in);
  EXPECT_GT(high.total, low.total);
  EXPECT_EQ(Term(high, "reporters").value, 0);
  EXPECT_EQ(Term(high, "velocity").value, 0);  // classifier re-scans are not a crowd
  EXPECT_TRUE(std::isfinite(high.total));
  in.max_automated_score = std::nan("");
  EXPECT_TRUE(std::isfinite(Total(in)));
}

TEST(Priority, IndependentOfReporterOrderAndBoundedForHugeCrowds) {
  std::vector<ReporterSignal> crowd = MassReporters(3);
  for (int i = 0; i < 5000; ++i) {
    ReporterSignal r = User("u" + std::to_string(i), i % 40, i % 17);
    r.account_created_at = kNow - static_cast<Millis>(i) * 7 * kHour;
    crowd.push_back(r);
  }
  PriorityInputs in = Case(3, crowd);
  double total = Total(in);
  std::mt19937 rng(42);
  std::shuffle(in.reporters.begin(), in.reporters.end(), rng);
  EXPECT_EQ(Total(in), total);
  EXPECT_LE(Term(ComputePriority(in), "reporters").value, PriorityWeights::Default().reporters_max);
}

}  // namespace
}  // namespace vigil::cases

namespace vigil::cases {
namespace {

TEST(Priority, TotalWithoutExplanationsIsTheSameNumber) {
  PriorityInputs in;
  in.severity = 4;
  in.views = 120000;
  in.flags_total = 3;
  in.flags_last_hour = 2;
  in.opened_at = 0;
  in.now = 5 * 3'600'000;
  in.reporters = {{"a", FlagSource::kUser, 10, 8, std::nullopt, false, 1},
                  {"b", FlagSource::kTrustedFlagger, 0, 0, std::nullopt, false, 2}};
  PriorityScore full = ComputePriority(in);
  EXPECT_DOUBLE_EQ(PriorityTotal(in), full.total);
  // Explanations are back for the next full computation.
  EXPECT_FALSE(ComputePriority(in).terms[0].explanation.empty());
}

// The total-only path skips each term's explanation, branch by branch: every branch must still
// give the value the explained term has.
TEST(Priority, TotalWithoutExplanationsIsTheSameNumberInEveryBranch) {
  constexpr Millis kHour = 3'600'000, kDay = 24 * kHour, kNow = 400 * kDay;
  std::vector<PriorityInputs> cases;
  PriorityInputs empty;  // no reporters, no flags, nothing automated or legal
  empty.now = kNow;
  empty.opened_at = kNow;
  cases.push_back(empty);
  PriorityInputs busy = empty;  // many reporters (capped), a cohort, a repeat, a deprioritized one
  busy.opened_at = kNow - 3 * kDay;
  busy.flags_total = 80;
  busy.flags_last_hour = 60;
  busy.views = 2'500'000;
  busy.followers = 1'200;
  busy.shares = 40;
  for (int i = 0; i < 40; ++i) {
    ReporterSignal r;
    r.reporter_id = "r" + std::to_string(i);
    r.source = i % 7 == 0 ? FlagSource::kTrustedFlagger : FlagSource::kUser;
    r.past_flags = i;
    r.past_actioned = i / 2;
    if (i < 5) r.account_created_at = kNow - 40 * kDay + i * 60'000;  // created together
    r.deprioritized = i == 9;
    busy.reporters.push_back(r);
  }
  busy.reporters.push_back(busy.reporters[3]);  // a repeat flag
  busy.max_automated_score = 0.73;
  busy.policy_adjustment = 12.5;
  busy.policy_why = "Raised by policy p1.";
  cases.push_back(busy);
  PriorityInputs legal = empty;
  ReporterSignal authority;
  authority.reporter_id = "authority";
  authority.source = FlagSource::kLegalOrder;
  legal.reporters = {authority};
  legal.flags_total = 1;
  cases.push_back(legal);                                        // a legal order without a deadline
  for (Millis deadline : {kNow + 5 * kHour, kNow - 3 * kDay}) {  // due, and overdue
    legal.legal_deadline = deadline;
    cases.push_back(legal);
  }
  PriorityInputs weighted_out = empty;  // flags, but every reporter weighs nothing
  weighted_out.flags_total = 2;
  ReporterSignal automated;
  automated.source = FlagSource::kAutomated;
  weighted_out.reporters = {automated};
  weighted_out.max_automated_score = std::numeric_limits<double>::quiet_NaN();
  cases.push_back(weighted_out);

  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    PriorityScore full = ComputePriority(cases[i]);
    EXPECT_DOUBLE_EQ(PriorityTotal(cases[i]), full.total);
    for (const PriorityTerm& t : ComputePriority(cases[i]).terms)
      EXPECT_FALSE(t.explanation.empty()) << t.name;
  }
}

}  // namespace
}  // namespace vigil::cases
