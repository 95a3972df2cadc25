#include "policy/backtest.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/domain.h"
#include "policy/facts.h"

namespace vigil::policy {
namespace {

using nlohmann::json;

// Labels as small integers: the decision action types, then needs_review and other.
std::vector<std::string> MakeLabels() {
  std::vector<std::string> l(std::begin(kActionTypes), std::end(kActionTypes));
  l.push_back(kNeedsReview);
  l.push_back("other");
  return l;
}
const std::vector<std::string>& Labels() {
  static const std::vector<std::string> labels = MakeLabels();
  return labels;
}
int8_t LabelIndex(const std::string& label) {
  const auto& l = Labels();
  for (size_t i = 0; i < l.size(); ++i)
    if (l[i] == label) return static_cast<int8_t>(i);
  return static_cast<int8_t>(l.size() - 1);  // other
}
const int8_t kReviewIndex = LabelIndex(kNeedsReview);

struct Item {
  int64_t case_id = 0;
  int64_t now_ms = 0;
  int8_t human = -1;  // label index of the standing human decision; -1 none
  CaseFacts facts;
};

struct Result {
  int64_t case_id = 0;
  int8_t human = -1, candidate = 0, baseline = -1;
  int32_t leaf = -1;
};

// The label a walk gives.
int8_t WalkLabel(const WalkResult& w, int32_t* leaf) {
  if (leaf) *leaf = w.status == WalkResult::Status::kOutcome ? w.leaf : -1;
  if (w.status != WalkResult::Status::kOutcome || w.outcome.needs_human_review ||
      w.outcome.actions.empty())
    return kReviewIndex;
  return LabelIndex(ActionLabel(w.outcome.actions.front()));
}

// A bounded queue of batches between the store reader and the workers.
class BatchQueue {
 public:
  explicit BatchQueue(size_t limit) : limit_(limit) {}
  void Push(std::vector<Item> batch) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < limit_; });
    q_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  bool Pop(std::vector<Item>* out) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    *out = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  size_t limit_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<std::vector<Item>> q_;
  bool closed_ = false;
};

// The standing decision by people: the newest one not taken by automation alone.
const store::HistoryDecision* HumanDecision(const store::HistoryCase& h) {
  for (auto it = h.decisions.rbegin(); it != h.decisions.rend(); ++it)
    if (it->automated_decision != "fully" && !it->action_types.empty()) return &*it;
  return nullptr;
}

std::vector<BacktestSample> Sample(const std::vector<const Result*>& rows, size_t n,
                                   const Policy& candidate, const std::string& link) {
  std::vector<BacktestSample> out;
  if (rows.empty() || n == 0) return out;
  const auto& labels = Labels();
  size_t take = std::min(n, rows.size());
  for (size_t i = 0; i < take; ++i) {
    const Result& r = *rows[i * rows.size() / take];  // evenly spread over the period
    BacktestSample s;
    s.case_id = r.case_id;
    s.human = r.human >= 0 ? labels[r.human] : "";
    s.candidate = labels[r.candidate];
    s.baseline = r.baseline >= 0 ? labels[r.baseline] : "";
    if (r.leaf >= 0) s.leaf = candidate.nodes[r.leaf].id;
    s.link = link + std::to_string(r.case_id);
    out.push_back(std::move(s));
  }
  return out;
}

std::string Pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", v * 100);
  return buf;
}

}  // namespace

std::string ActionLabel(const std::string& policy_action) {
  std::string best;
  for (const char* t : kActionTypes) {
    std::string_view type(t);
    if (policy_action.compare(0, type.size(), type) == 0 &&
        (policy_action.size() == type.size() || policy_action[type.size()] == '_') &&
        type.size() > best.size())
      best = type;
  }
  if (policy_action.rfind("suspend_account_perm", 0) == 0) return "terminate_account";
  return best.empty() ? policy_action : best;
}

bool PolicyApplies(const Policy& p, const Taxonomy& taxonomy, const std::vector<std::string>& reasons) {
  for (const auto& code : reasons) {
    const Reason* r = taxonomy.Find(code);
    if (r && r->dsa_category == p.dsa_category) return true;
  }
  return false;
}

BacktestReport RunBacktest(store::ReadTx& tx, const Taxonomy& taxonomy, const Policy& candidate,
                           int version, const Policy* baseline, int baseline_version,
                           const analysis::Analyzer* analyzer, const BacktestOptions& options) {
  auto started = std::chrono::steady_clock::now();
  BacktestReport report;
  report.policy_id = candidate.id;
  report.version = version;
  report.baseline_version = baseline ? baseline_version : 0;

  // Author strikes, by account, to count those active at each evaluation time.
  std::unordered_map<std::string, std::vector<store::HistoryStrike>> strikes;
  tx.ScanStrikes([&](const store::HistoryStrike& s) {
    if (!s.reversed) strikes[s.account_id].push_back(s);
  });

  int threads = std::max(1, options.threads);
  BatchQueue queue(static_cast<size_t>(threads) * 4);
  std::vector<std::vector<Result>> results(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      std::vector<Item> batch;
      while (queue.Pop(&batch)) {
        for (Item& item : batch) {
          if (analyzer && !item.facts.text.empty()) {
            item.facts.analysis = analyzer->Analyze(item.facts.text, item.facts.declared_language);
            item.facts.analysed = true;
          }
          Snapshot snap = ToSnapshot(item.facts, item.now_ms);
          Result r;
          r.case_id = item.case_id;
          r.human = item.human;
          r.candidate = WalkLabel(WalkOutcome(candidate, snap), &r.leaf);
          if (baseline) r.baseline = WalkLabel(WalkOutcome(*baseline, snap), nullptr);
          results[t].push_back(r);
        }
      }
    });

  // Reporters' records on the cases replayed so far: flags and flags on actioned cases.
  struct Record {
    int64_t flags = 0, actioned = 0;
  };
  std::unordered_map<std::string, Record> reporters;
  std::vector<Item> batch;
  std::vector<std::string> reasons;
  const int8_t no_violation = LabelIndex("no_violation");
  tx.ScanCaseHistory(options.since, [&](store::HistoryCase& h) {
    ++report.scanned;
    reasons.clear();
    for (const auto& f : h.flags)
      if (std::find(reasons.begin(), reasons.end(), f.reason) == reasons.end()) reasons.push_back(f.reason);
    if (reasons.empty()) reasons.push_back(h.reason);
    if (!PolicyApplies(candidate, taxonomy, reasons)) return;
    ++report.applicable;
    Item item;
    item.case_id = h.id;
    const store::HistoryDecision* human = HumanDecision(h);
    if (human) item.human = LabelIndex(human->action_types.front());
    // Evaluated as the first decision saw the case, else as of its latest flag.
    Millis at = h.opened_at;
    for (const auto& f : h.flags) at = std::max(at, f.received_at);
    if (!h.decisions.empty()) at = h.decisions.front().created_at;
    item.now_ms = at;
    CaseFacts& facts = item.facts;
    FillContentFacts(h.content.item, h.content.received_at, &facts);
    for (const auto& f : h.flags) {
      if (f.received_at > at) break;
      facts.flags.push_back({f.received_at, f.source, f.reason, f.reporter_id, f.duplicate});
    }
    if (!facts.flags.empty() && !facts.flags.back().reporter_id.empty()) {
      const Record& rec = reporters[facts.flags.back().reporter_id];
      facts.has_reporter = true;
      facts.reporter_past_flags = rec.flags;
      facts.reporter_past_actioned = rec.actioned;
    }
    if (auto it = strikes.find(facts.author_id); it != strikes.end())
      for (const auto& s : it->second)
        if (s.created_at <= at && s.expires_at > at) {
          facts.author_strikes += s.weight;
          facts.author_strike_times.push_back(s.created_at);
        }
    // This case now counts in its reporters' records for the cases after it.
    if (human)
      for (const auto& f : h.flags)
        if (!f.reporter_id.empty() && !f.duplicate) {
          Record& rec = reporters[f.reporter_id];
          ++rec.flags;
          if (item.human != no_violation) ++rec.actioned;
        }
    batch.push_back(std::move(item));
    if (batch.size() == 256) {
      queue.Push(std::move(batch));
      batch = {};
      batch.reserve(256);
    }
  });
  if (!batch.empty()) queue.Push(std::move(batch));
  queue.Close();
  for (auto& w : workers) w.join();

  std::vector<const Result*> all;
  for (const auto& part : results)
    for (const auto& r : part) all.push_back(&r);
  std::sort(all.begin(), all.end(), [](const Result* a, const Result* b) { return a->case_id < b->case_id; });
  const auto& labels = Labels();
  std::vector<const Result*> changed, disagreements;
  for (const Result* r : all) {
    ++report.candidate_labels[labels[r->candidate]];
    if (r->baseline >= 0) {
      ++report.baseline_labels[labels[r->baseline]];
      if (r->baseline != r->candidate) {
        ++report.changed;
        ++report.changes[{labels[r->baseline], labels[r->candidate]}];
        changed.push_back(r);
      }
    }
    if (r->human >= 0) {
      ++report.human_decided;
      ++report.confusion[{labels[r->human], labels[r->candidate]}];
      if (r->candidate != kReviewIndex && r->candidate != r->human) disagreements.push_back(r);
    }
  }
  report.changed_samples = Sample(changed, options.sample, candidate, options.case_link);
  report.disagreement_samples = Sample(disagreements, options.sample, candidate, options.case_link);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

std::map<std::string, BacktestReport::ActionStats> BacktestReport::PerAction() const {
  std::map<std::string, ActionStats> out;
  for (const auto& [k, n] : confusion) {
    const auto& [human, predicted] = k;
    if (predicted == kNeedsReview) {
      out[human].fn += n;
      continue;
    }
    if (human == predicted) {
      out[human].tp += n;
    } else {
      out[human].fn += n;
      out[predicted].fp += n;
    }
  }
  return out;
}

double BacktestReport::Coverage() const {
  int64_t decided = 0;
  for (const auto& [k, n] : confusion)
    if (k.second != kNeedsReview) decided += n;
  return human_decided ? double(decided) / double(human_decided) : 0;
}

double BacktestReport::Agreement() const {
  int64_t decided = 0, agree = 0;
  for (const auto& [k, n] : confusion)
    if (k.second != kNeedsReview) {
      decided += n;
      if (k.first == k.second) agree += n;
    }
  return decided ? double(agree) / double(decided) : 0;
}

json BacktestReport::ToJson() const {
  auto pairs = [](const std::map<std::pair<std::string, std::string>, int64_t>& m, const char* a,
                  const char* b) {
    json arr = json::array();
    for (const auto& [k, n] : m) arr.push_back({{a, k.first}, {b, k.second}, {"cases", n}});
    return arr;
  };
  auto samples = [](const std::vector<BacktestSample>& v) {
    json arr = json::array();
    for (const auto& s : v) {
      json j = {{"case_id", s.case_id}, {"candidate", s.candidate}, {"link", s.link}};
      if (!s.human.empty()) j["human"] = s.human;
      if (!s.baseline.empty()) j["baseline"] = s.baseline;
      if (!s.leaf.empty()) j["leaf"] = s.leaf;
      arr.push_back(std::move(j));
    }
    return arr;
  };
  json per_action = json::object();
  for (const auto& [action, st] : PerAction())
    per_action[action] = {{"precision", st.precision()}, {"recall", st.recall()},
                          {"true_positive", st.tp}, {"false_positive", st.fp},
                          {"false_negative", st.fn}};
  json j = {{"policy", policy_id},
            {"version", version},
            {"cases_scanned", scanned},
            {"cases_applicable", applicable},
            {"outcomes", candidate_labels},
            {"human_decided", human_decided},
            {"coverage", Coverage()},
            {"agreement", Agreement()},
            {"confusion", pairs(confusion, "human", "candidate")},
            {"per_action", per_action},
            {"disagreements", samples(disagreement_samples)},
            {"seconds", seconds}};
  if (baseline_version) {
    j["baseline_version"] = baseline_version;
    j["baseline_outcomes"] = baseline_labels;
    j["changed"] = changed;
    j["changes"] = pairs(changes, "from", "to");
    j["changed_samples"] = samples(changed_samples);
  }
  return j;
}

std::string BacktestReport::ToText() const {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "policy %s version %d", policy_id.c_str(), version);
  out += line;
  if (baseline_version) out += " against version " + std::to_string(baseline_version) + " in force";
  std::snprintf(line, sizeof line, "\n%lld cases read, %lld the policy applies to, %.2f s\n",
                static_cast<long long>(scanned), static_cast<long long>(applicable), seconds);
  out += line;
  out += "\noutcomes:";
  for (const auto& [l, n] : candidate_labels) out += " " + l + " " + std::to_string(n);
  out += "\n";
  if (baseline_version) {
    out += "changed against the version in force: " + std::to_string(changed) + "\n";
    for (const auto& [k, n] : changes)
      out += "  " + k.first + " -> " + k.second + ": " + std::to_string(n) + "\n";
  }
  out += "\nagainst " + std::to_string(human_decided) + " decisions by people: decides " +
         Pct(Coverage()) + " on its own, agreeing on " + Pct(Agreement()) + " of those\n";
  out += "confusion (people -> policy):\n";
  for (const auto& [k, n] : confusion)
    out += "  " + k.first + " -> " + k.second + ": " + std::to_string(n) + "\n";
  out += "per action:            precision  recall  support\n";
  for (const auto& [action, st] : PerAction()) {
    std::snprintf(line, sizeof line, "  %-20s %9.3f %7.3f %8lld\n", action.c_str(), st.precision(),
                  st.recall(), static_cast<long long>(st.tp + st.fn));
    out += line;
  }
  auto list = [&](const char* title, const std::vector<BacktestSample>& v) {
    if (v.empty()) return;
    out += title;
    for (const auto& s : v) {
      out += "  case " + std::to_string(s.case_id) + ": policy " + s.candidate;
      if (!s.human.empty()) out += ", people " + s.human;
      if (!s.baseline.empty()) out += ", in force " + s.baseline;
      if (!s.leaf.empty()) out += " (" + s.leaf + ")";
      out += "  " + s.link + "\n";
    }
  };
  list("\nsampled disagreements with people:\n", disagreement_samples);
  list("\nsampled changes:\n", changed_samples);
  return out;
}

}  // namespace vigil::policy
