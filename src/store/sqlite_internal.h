// Shared pieces of the SQLite driver's write and read halves.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite_db.h"
#include "store/store.h"

namespace vigil::store {

std::string MediaToJson(const std::vector<MediaItem>& media);
std::vector<MediaItem> MediaFromJson(const std::string& json);
std::string JoinTeams(const std::vector<std::string>& teams);
std::vector<std::string> SplitTeams(const std::string& s);

// Column lists shared by the queries that load a row of each kind, and the loaders.
#define VIGIL_USER_COLUMNS "id, name, role, password_hash, teams, disabled, created_at"
UserRow LoadUser(const Stmt& s);
#define VIGIL_CASE_COLUMNS                                                                  \
  "c.id, c.content_id, ct.platform_id, c.status, c.queue, c.reason, c.flag_count, "          \
  "c.reporter_count, c.opened_at, c.updated_at, c.version, c.priority, c.claimed_by, "       \
  "c.lease_until, c.decided_at, c.outcome, c.first_action_at, c.tier, c.escalated_from"
CaseRow LoadCase(const Stmt& s);
#define VIGIL_FLAG_COLUMNS                                                                  \
  "f.id, f.case_id, f.content_id, ct.platform_id, f.reason, f.source, a.platform_id, "       \
  "f.explanation, f.location_url, f.bona_fide, f.contact, f.legal_order, f.metadata, "       \
  "f.duplicate, f.received_at, f.principal"
#define VIGIL_FLAG_FROM \
  " FROM flags f JOIN content ct ON ct.id = f.content_id LEFT JOIN accounts a ON a.id = f.reporter_id "
FlagRow LoadFlag(const Stmt& s);
#define VIGIL_CONTENT_COLUMNS                                                               \
  "ct.id, ct.platform_id, ct.type, ct.text, ct.url, ct.media, a.platform_id, a.created_at, " \
  "a.display_name, ct.created_at, ct.views, ct.followers, ct.shares, ct.language, "          \
  "ct.metadata, ct.received_at"
#define VIGIL_CONTENT_FROM " FROM content ct LEFT JOIN accounts a ON a.id = ct.author_id "
// The VIGIL_CONTENT_COLUMNS starting at column `at`.
ContentRow LoadContent(const Stmt& s, int at = 0);
events::Event LoadEvent(const Stmt& s);
// Shared by the read and write halves (sqlite_cases.cc).
std::optional<CaseRow> QueryCase(SqliteConn& db, int64_t id);
CaseSignals QueryCaseSignals(SqliteConn& db, int64_t case_id, Millis now, bool track_record);
std::vector<DecisionRow> QueryDecisions(SqliteConn& db, int64_t case_id);
ReporterStanding QueryReporterStanding(SqliteConn& db, int64_t account_pk, Millis since);
std::vector<WebhookRow> QueryWebhooks(SqliteConn& db);
std::vector<AppealRow> QueryAppeals(SqliteConn& db, int64_t case_id, int64_t appeal_id);
std::vector<OutboxRow> QueryOutbox(SqliteConn& db, const std::string& status, Millis due_before,
                                   int limit);
std::optional<OutboxRow> QueryOutboxRow(SqliteConn& db, int64_t id);
// Policy versions (sqlite_policies.cc). QueryPolicyVersions: one version (version > 0), the
// latest (version 0, with_text), or every version without text (version 0, !with_text).
std::optional<PolicyStateRow> QueryPolicyState(SqliteConn& db, const std::string& policy_id);
std::vector<PolicyStateRow> QueryPolicies(SqliteConn& db);
std::vector<PolicyVersionRow> QueryPolicyVersions(SqliteConn& db, const std::string& policy_id,
                                                  int version, bool with_text);
int InsertPolicyVersionRow(SqliteConn& db, const PolicyVersionRow& v, int64_t event_seq);
void ActivatePolicyRow(SqliteConn& db, const std::string& policy_id, int version, Millis now);
std::optional<int> RollBackPolicyRow(SqliteConn& db, const std::string& policy_id);
void SetPolicyShadowRow(SqliteConn& db, const std::string& policy_id, int version);
// Automation state (sqlite_automation.cc), shared by the read and write halves.
void PutContentAnalysisRow(SqliteConn& db, const ContentAnalysisRow& r);
void PutCasePolicyStateRow(SqliteConn& db, const CasePolicyStateRow& r);
void PutCaseAutomationRow(SqliteConn& db, const CaseAutomationRow& r);
std::optional<CaseAutomationRow> QueryCaseAutomation(SqliteConn& db, int64_t case_id);
std::optional<ContentAnalysisRow> QueryContentAnalysis(SqliteConn& db, int64_t content_pk);
int64_t QueryContentRevision(SqliteConn& db, int64_t content_pk);
std::vector<CasePolicyStateRow> QueryPolicyStates(SqliteConn& db, int64_t case_id);
std::vector<int64_t> QueryOpenCasesOfContent(SqliteConn& db, int64_t content_pk);
std::vector<int64_t> QueryUnanalysedContent(SqliteConn& db, int64_t after, int limit);
std::vector<int64_t> QueryUnevaluatedCases(SqliteConn& db, int64_t after, int limit);
#define VIGIL_EVENT_COLUMNS "seq, ts, type, subject, actor, payload, prev_hash, hash"

// A pool of read-only connections so concurrent readers never wait for each other or the writer.
class ReadPool {
 public:
  explicit ReadPool(std::string path) : path_(std::move(path)) {}
  std::unique_ptr<SqliteConn> Take();
  void Give(std::unique_ptr<SqliteConn> c);

 private:
  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<SqliteConn>> free_;
};

std::unique_ptr<ReadTx> MakeSqliteReadTx(ReadPool& pool);

}  // namespace vigil::store
