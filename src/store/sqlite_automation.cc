// The automation state of the SQLite driver: stored analyses per content item, the latest
// policy evaluation per case and policy, and what automation has seen of each case.
#include <nlohmann/json.hpp>

#include "store/sqlite_internal.h"

namespace vigil::store {

void PutContentAnalysisRow(SqliteConn& db, const ContentAnalysisRow& r) {
  db.Prepare(
        "INSERT INTO content_analysis(content_id, revision, analysed_at, event_seq) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(content_id) DO UPDATE SET "
        "revision = excluded.revision, analysed_at = excluded.analysed_at, "
        "event_seq = excluded.event_seq")
      .Bind(1, r.content_pk)
      .Bind(2, r.revision)
      .Bind(3, r.analysed_at)
      .Bind(4, r.event_seq)
      .Exec();
}

void PutCasePolicyStateRow(SqliteConn& db, const CasePolicyStateRow& r) {
  db.Prepare(
        "INSERT INTO case_policy_state(case_id, policy_id, version, mode, status, question, "
        "digest, "
        "answers, event_seq, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "ON CONFLICT(case_id, policy_id) DO UPDATE SET version = excluded.version, "
        "mode = excluded.mode, status = excluded.status, question = excluded.question, "
        "digest = excluded.digest, answers = excluded.answers, "
        "event_seq = excluded.event_seq, updated_at = excluded.updated_at")
      .Bind(1, r.case_id)
      .Bind(2, r.policy_id)
      .Bind(3, r.version)
      .Bind(4, r.mode)
      .Bind(5, r.status)
      .Bind(6, r.question)
      .Bind(7, r.digest)
      .Bind(8, r.answers_json)
      .Bind(9, r.event_seq)
      .Bind(10, r.updated_at)
      .Exec();
}

void PutCaseAutomationRow(SqliteConn& db, const CaseAutomationRow& r) {
  db.Prepare(
        "INSERT INTO case_automation(case_id, last_flag_id, content_revision, priority_adjust, "
        "priority_why, evaluated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
        "ON CONFLICT(case_id) DO UPDATE SET last_flag_id = excluded.last_flag_id, "
        "content_revision = excluded.content_revision, priority_adjust = excluded.priority_adjust, "
        "priority_why = excluded.priority_why, evaluated_at = excluded.evaluated_at")
      .Bind(1, r.case_id)
      .Bind(2, r.last_flag_id)
      .Bind(3, r.content_revision)
      .Bind(4, r.priority_adjust)
      .Bind(5, r.priority_why)
      .Bind(6, r.evaluated_at)
      .Exec();
}

std::optional<CaseAutomationRow> QueryCaseAutomation(SqliteConn& db, int64_t case_id) {
  auto s = db.Prepare(
      "SELECT case_id, last_flag_id, content_revision, priority_adjust, priority_why, evaluated_at "
      "FROM case_automation WHERE case_id = ?1");
  s.Bind(1, case_id);
  if (!s.Step()) return std::nullopt;
  return CaseAutomationRow{s.Int(0), s.Int(1), s.Int(2), s.Double(3), s.Text(4), s.Int(5)};
}

std::optional<ContentAnalysisRow> QueryContentAnalysis(SqliteConn& db, int64_t content_pk) {
  auto s = db.Prepare(
      "SELECT a.content_id, a.revision, c.revision, a.analysed_at, a.event_seq, e.payload "
      "FROM content_analysis a JOIN content c ON c.id = a.content_id "
      "JOIN events e ON e.seq = a.event_seq WHERE a.content_id = ?1");
  s.Bind(1, content_pk);
  if (!s.Step()) return std::nullopt;
  // The event's payload is {content_id, revision, analysis}; readers want the analysis.
  auto payload = nlohmann::json::parse(s.Text(5), nullptr, false);
  std::string analysis = payload.is_object() && payload.contains("analysis")
                             ? payload["analysis"].dump()
                             : std::string("{}");
  return ContentAnalysisRow{s.Int(0), s.Int(1), s.Int(2), s.Int(3), s.Int(4), std::move(analysis)};
}

int64_t QueryContentRevision(SqliteConn& db, int64_t content_pk) {
  auto s = db.Prepare("SELECT revision FROM content WHERE id = ?1");
  s.Bind(1, content_pk);
  return s.Step() ? s.Int(0) : 0;
}

std::vector<CasePolicyStateRow> QueryPolicyStates(SqliteConn& db, int64_t case_id) {
  auto s = db.Prepare(
      "SELECT case_id, policy_id, version, mode, status, question, digest, answers, event_seq, "
      "updated_at FROM case_policy_state WHERE case_id = ?1 ORDER BY policy_id");
  s.Bind(1, case_id);
  std::vector<CasePolicyStateRow> out;
  while (s.Step())
    out.push_back({s.Int(0), s.Text(1), static_cast<int>(s.Int(2)), s.Text(3), s.Text(4), s.Text(5),
                   s.Text(6), s.Text(7), s.Int(8), s.Int(9)});
  return out;
}

std::vector<int64_t> QueryOpenCasesOfContent(SqliteConn& db, int64_t content_pk) {
  auto s = db.Prepare("SELECT id FROM cases WHERE content_id = ?1 AND status = 'open' ORDER BY id");
  s.Bind(1, content_pk);
  std::vector<int64_t> out;
  while (s.Step()) out.push_back(s.Int(0));
  return out;
}

std::vector<int64_t> QueryUnanalysedContent(SqliteConn& db, int64_t after, int limit) {
  auto s = db.Prepare(
      "SELECT c.id FROM content c LEFT JOIN content_analysis a ON a.content_id = c.id "
      "WHERE c.id > ?1 AND (a.content_id IS NULL OR a.revision < c.revision) ORDER BY c.id LIMIT "
      "?2");
  s.Bind(1, after).Bind(2, limit);
  std::vector<int64_t> out;
  while (s.Step()) out.push_back(s.Int(0));
  return out;
}

std::vector<int64_t> QueryUnevaluatedCases(SqliteConn& db, int64_t after, int limit) {
  auto s = db.Prepare(
      "SELECT c.id FROM cases c JOIN content ct ON ct.id = c.content_id "
      "LEFT JOIN case_automation a ON a.case_id = c.id "
      "WHERE c.id > ?1 AND c.status = 'open' AND (a.case_id IS NULL OR a.content_revision < "
      "ct.revision "
      "OR a.last_flag_id < (SELECT MAX(f.id) FROM flags f WHERE f.case_id = c.id)) "
      "ORDER BY c.id LIMIT ?2");
  s.Bind(1, after).Bind(2, limit);
  std::vector<int64_t> out;
  while (s.Step()) out.push_back(s.Int(0));
  return out;
}

}  // namespace vigil::store
