#include "automation/case_facts.h"

#include <algorithm>

namespace vigil::automation {

std::optional<LoadedCase> LoadCase(store::ReadTx& rtx, int64_t case_id, const Taxonomy& taxonomy,
                                   Millis now, const analysis::AnalysisResult* fresh) {
  auto row = rtx.GetCase(case_id);
  if (!row) return std::nullopt;
  LoadedCase out;
  out.row = std::move(*row);
  policy::CaseFacts& f = out.facts;
  if (auto content = rtx.GetContentByPk(out.row.content_pk))
    policy::FillContentFacts(content->item, content->received_at, &f);
  out.content_revision = rtx.ContentRevision(out.row.content_pk);

  for (const auto& flag : rtx.FlagsOfCase(case_id, 1000)) {
    f.flags.push_back(
        {flag.received_at, flag.source, flag.reason, flag.reporter_id, flag.duplicate});
    out.last_flag_id = std::max(out.last_flag_id, flag.id);
    if (const Reason* r = taxonomy.Find(flag.reason);
        r && std::find(out.dsa_categories.begin(), out.dsa_categories.end(), r->dsa_category) ==
                 out.dsa_categories.end())
      out.dsa_categories.push_back(r->dsa_category);
  }
  if (!f.flags.empty() && !f.flags.back().reporter_id.empty()) {
    f.has_reporter = true;
    const std::string& id = f.flags.back().reporter_id;
    for (const auto& r : rtx.LoadCaseSignals(case_id, now, /*track_record=*/true).reporters) {
      if (r.id != id) continue;
      f.reporter_past_flags = r.past_decided;
      f.reporter_past_actioned = r.past_actioned;
    }
  }
  if (!f.author_id.empty()) {
    if (auto author = rtx.GetAccountProfile(f.author_id, now)) {
      for (const auto& s : author->strikes) {
        if (s.reversed || s.expires_at <= now) continue;
        f.author_strikes += s.weight;
        f.author_strike_times.push_back(s.created_at);
      }
    }
  }
  if (fresh) {
    f.analysed = true;
    f.analysis = *fresh;
  } else if (auto stored = rtx.GetContentAnalysis(out.row.content_pk)) {
    auto parsed = analysis::AnalysisResult::FromJson(
        nlohmann::json::parse(stored->analysis_json, nullptr, false));
    if (parsed) {
      f.analysed = true;
      f.analysis = std::move(parsed.value());
    }
  }
  return out;
}

}  // namespace vigil::automation
