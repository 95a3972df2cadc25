// The SQLite driver's case-workflow queries: case rows, priority signals, claims and decisions.
#include "store/sqlite_internal.h"

namespace vigil::store {

std::optional<CaseRow> QueryCase(SqliteConn& db, int64_t id) {
  auto s = db.Prepare("SELECT " VIGIL_CASE_COLUMNS
                      " FROM cases c JOIN content ct ON ct.id = c.content_id WHERE c.id = ?1");
  s.Bind(1, id);
  if (s.Step()) return LoadCase(s);
  return std::nullopt;
}

CaseSignals QueryCaseSignals(SqliteConn& db, int64_t case_id, Millis now, bool track_record) {
  CaseSignals sig;
  {
    auto s = db.Prepare(
        "SELECT c.reason, c.opened_at, ct.views, ct.followers, ct.shares, c.flag_count, "
        "(SELECT COUNT(*) FROM flags f WHERE f.case_id = c.id AND f.received_at >= ?2), "
        "a.platform_id, ct.language "
        "FROM cases c JOIN content ct ON ct.id = c.content_id "
        "LEFT JOIN accounts a ON a.id = ct.author_id WHERE c.id = ?1");
    s.Bind(1, case_id).Bind(2, now - 3'600'000);
    if (!s.Step()) return sig;
    sig.reason = s.Text(0);
    sig.opened_at = s.Int(1);
    sig.views = s.Int(2);
    sig.followers = s.Int(3);
    sig.shares = s.Int(4);
    sig.flags_total = s.Int(5);
    sig.flags_last_hour = s.Int(6);
    sig.author_id = s.Text(7);
    sig.language = s.Text(8);
  }
  {
    // One row per reporter (anonymous flags grouped by source), with their track record on
    // other decided cases: how many of those led to action.
    auto s = db.Prepare(
        "SELECT a.platform_id, MIN(f.source), a.created_at, COUNT(*), a.deprioritized_until, "
        " CASE WHEN ?2 THEN (SELECT COUNT(*) FROM flags pf JOIN cases pc ON pc.id = pf.case_id "
        "   WHERE pf.reporter_id = f.reporter_id AND pc.id <> ?1 AND pc.decided_at IS NOT NULL) "
        "   ELSE 0 END, "
        " CASE WHEN ?2 THEN (SELECT COUNT(*) FROM flags pf JOIN cases pc ON pc.id = pf.case_id "
        "   WHERE pf.reporter_id = f.reporter_id AND pc.id <> ?1 AND pc.outcome = 'actioned') "
        "   ELSE 0 END "
        "FROM flags f LEFT JOIN accounts a ON a.id = f.reporter_id "
        "WHERE f.case_id = ?1 GROUP BY f.reporter_id, CASE WHEN f.reporter_id IS NULL "
        "THEN f.source END");
    s.Bind(1, case_id).Bind(2, track_record);
    while (s.Step()) {
      CaseSignals::Reporter r;
      r.id = s.Text(0);
      r.source = ParseFlagSource(s.Text(1)).value_or(FlagSource::kUser);
      r.account_created_at = s.OptInt(2);
      r.flags_on_case = s.Int(3);
      r.deprioritized_until = s.OptInt(4);
      r.past_decided = s.Int(5);
      r.past_actioned = s.Int(6);
      sig.reporters.push_back(std::move(r));
    }
  }
  {
    auto s = db.Prepare(
        "SELECT legal_order FROM flags WHERE case_id = ?1 AND legal_order IS NOT NULL");
    s.Bind(1, case_id);
    while (s.Step()) sig.legal_orders.push_back(s.Text(0));
  }
  if (auto a = QueryCaseAutomation(db, case_id)) {
    sig.policy_priority = a->priority_adjust;
    sig.policy_priority_why = a->priority_why;
  }
  return sig;
}

ReporterStanding QueryReporterStanding(SqliteConn& db, int64_t account_pk, Millis since) {
  ReporterStanding st;
  auto s = db.Prepare(
      "SELECT (SELECT COUNT(*) FROM misuse_marks WHERE account_id = ?1 AND reversed = 0 "
      "AND created_at >= ?2), misuse_warned_at, deprioritized_until FROM accounts WHERE id = ?1");
  s.Bind(1, account_pk).Bind(2, since);
  if (!s.Step()) return st;
  st.unfounded_in_window = s.Int(0);
  st.warned_at = s.OptInt(1);
  st.deprioritized_until = s.OptInt(2);
  return st;
}

std::vector<DecisionRow> QueryDecisions(SqliteConn& db, int64_t case_id) {
  std::vector<DecisionRow> out;
  auto s = db.Prepare(
      "SELECT id, case_id, decided_by, actions, outcome, policy, facts, explanation, "
      "automated_detection, automated_decision, reverses, case_version, created_at "
      "FROM decisions WHERE case_id = ?1 ORDER BY id");
  s.Bind(1, case_id);
  while (s.Step()) {
    DecisionRow d;
    d.id = s.Int(0);
    d.case_id = s.Int(1);
    d.decided_by = s.Text(2);
    d.actions_json = s.Text(3);
    d.outcome = s.Text(4);
    d.policy_json = s.Text(5);
    d.facts = s.Text(6);
    d.explanation = s.Text(7);
    d.automated_detection = s.Int(8) != 0;
    d.automated_decision = s.Text(9);
    d.reverses = s.IsNull(10) ? 0 : s.Int(10);
    d.case_version = s.Int(11);
    d.created_at = s.Int(12);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<WebhookRow> QueryWebhooks(SqliteConn& db) {
  std::vector<WebhookRow> out;
  auto s = db.Prepare("SELECT id, url, secret, events, created_at, disabled FROM webhooks ORDER BY id");
  while (s.Step())
    out.push_back({s.Int(0), s.Text(1), s.Text(2), SplitTeams(s.Text(3)), s.Int(4), s.Int(5) != 0});
  return out;
}

namespace {
#define VIGIL_OUTBOX_COLUMNS                                                                  \
  "id, webhook_id, event_type, body, status, attempts, next_attempt_at, last_status, "         \
  "last_error, created_at, delivered_at"
OutboxRow LoadOutbox(const Stmt& s) {
  OutboxRow r;
  r.id = s.Int(0);
  r.webhook_id = s.Int(1);
  r.event_type = s.Text(2);
  r.body = s.Text(3);
  r.status = s.Text(4);
  r.attempts = static_cast<int>(s.Int(5));
  r.next_attempt_at = s.Int(6);
  if (!s.IsNull(7)) r.last_status = static_cast<int>(s.Int(7));
  r.last_error = s.Text(8);
  r.created_at = s.Int(9);
  r.delivered_at = s.OptInt(10);
  return r;
}
}  // namespace

std::vector<OutboxRow> QueryOutbox(SqliteConn& db, const std::string& status, Millis due_before,
                                   int limit) {
  std::vector<OutboxRow> out;
  auto s = db.Prepare("SELECT " VIGIL_OUTBOX_COLUMNS " FROM outbox WHERE status = ?1 "
                      "AND next_attempt_at <= ?2 ORDER BY next_attempt_at, id LIMIT ?3");
  s.Bind(1, status).Bind(2, due_before).Bind(3, limit);
  while (s.Step()) out.push_back(LoadOutbox(s));
  return out;
}

std::optional<OutboxRow> QueryOutboxRow(SqliteConn& db, int64_t id) {
  auto s = db.Prepare("SELECT " VIGIL_OUTBOX_COLUMNS " FROM outbox WHERE id = ?1");
  s.Bind(1, id);
  if (s.Step()) return LoadOutbox(s);
  return std::nullopt;
}

std::vector<AppealRow> QueryAppeals(SqliteConn& db, int64_t case_id, int64_t appeal_id) {
  std::vector<AppealRow> out;
  auto s = db.Prepare(
      "SELECT id, case_id, decision_id, appellant_role, appellant_id, grounds, status, "
      "created_at, decided_at, decided_by, outcome_note FROM appeals "
      "WHERE (?1 = 0 OR case_id = ?1) AND (?2 = 0 OR id = ?2) ORDER BY id");
  s.Bind(1, case_id).Bind(2, appeal_id);
  while (s.Step())
    out.push_back({s.Int(0), s.Int(1), s.Int(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6),
                   s.Int(7), s.OptInt(8), s.Text(9), s.Text(10)});
  return out;
}

}  // namespace vigil::store
