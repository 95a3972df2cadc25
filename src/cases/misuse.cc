#include "cases/misuse.h"

#include <nlohmann/json.hpp>

#include "cases/case_service.h"

namespace vigil::cases {
namespace {

using nlohmann::json;

void NotifyReporter(store::WriteTx& tx, const notify::NoticeTemplates& notices, const char* kind,
                    const std::string& reporter, int64_t case_id,
                    std::map<std::string, std::string> vars, Millis now) {
  auto n = notices.Render(kind, "en", vars);
  if (!n) return;
  json nj = {{"kind", n->kind},       {"to", "notifier:" + reporter}, {"language", n->language},
             {"subject", n->subject}, {"body", n->body},              {"case_id", case_id}};
  tx.EnqueueOutbox(std::string("notice.") + kind, nj.dump(), now);
}

}  // namespace

std::vector<std::string> RecordUnfoundedNotices(store::WriteTx& tx, const Config& config,
                                                const notify::NoticeTemplates& notices,
                                                int64_t case_id, int64_t decision_id,
                                                const std::string& actor, Millis now) {
  std::vector<std::string> marked;
  // Trusted flaggers have their own procedure (Art. 22(6)); legal orders are not notices.
  for (const auto& [pk, reporter] : tx.CaseReporters(case_id, FlagSource::kUser)) {
    tx.InsertMisuseMark(pk, case_id, decision_id, now);
    marked.push_back(reporter);
    auto st = tx.GetReporterStanding(pk, now - config.misuse_window_ms);
    json payload = {{"reporter", reporter},
                    {"decision_id", decision_id},
                    {"unfounded_in_window", st.unfounded_in_window},
                    {"window_days", config.misuse_window_ms / 86'400'000}};
    tx.AppendEvent(CaseEvent("reporter.notice_unfounded", case_id, actor, now, payload));
    bool warned_recently = st.warned_at && *st.warned_at >= now - config.misuse_window_ms;
    bool deprioritized = st.deprioritized_until && *st.deprioritized_until > now;
    std::map<std::string, std::string> vars = {
        {"unfounded_count", std::to_string(st.unfounded_in_window)},
        {"decision_date", FormatIso8601(now)}};
    if (st.unfounded_in_window >= config.misuse_warn_at && !warned_recently) {
      // Art. 23(2): a prior warning, always before any deprioritization.
      tx.SetMisuseWarned(pk, now);
      tx.AppendEvent(CaseEvent("reporter.warned", case_id, "system", now, payload));
      NotifyReporter(tx, notices, "misuse_warning", reporter, case_id, vars, now);
    } else if (st.unfounded_in_window >= config.misuse_deprioritize_at && warned_recently &&
               !deprioritized) {
      Millis until = now + config.misuse_deprioritize_ms;
      tx.SetDeprioritizedUntil(pk, until);
      payload["until"] = FormatIso8601(until);
      tx.AppendEvent(CaseEvent("reporter.deprioritized", case_id, "system", now, payload));
      vars["deprioritized_until"] = FormatIso8601(until);
      NotifyReporter(tx, notices, "misuse_deprioritized", reporter, case_id, vars, now);
    }
  }
  return marked;
}

void ReverseUnfoundedNotices(store::WriteTx& tx, const Config& config, int64_t case_id,
                             int64_t decision_id, const std::string& actor, Millis now) {
  for (const auto& [pk, reporter] : tx.ReverseMisuseMarks(decision_id)) {
    auto st = tx.GetReporterStanding(pk, now - config.misuse_window_ms);
    json payload = {{"reporter", reporter},
                    {"decision_id", decision_id},
                    {"unfounded_in_window", st.unfounded_in_window}};
    tx.AppendEvent(CaseEvent("reporter.unfounded_reversed", case_id, actor, now, payload));
    if (st.deprioritized_until && *st.deprioritized_until > now &&
        st.unfounded_in_window < config.misuse_deprioritize_at) {
      tx.SetDeprioritizedUntil(pk, std::nullopt);
      tx.AppendEvent(CaseEvent("reporter.reinstated", case_id, actor, now, payload));
    }
  }
}

}  // namespace vigil::cases
