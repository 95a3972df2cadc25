// The SQLite driver's write half: migrations, the single writer connection and WriteTx.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "store/sqlite_internal.h"
#include "store/sqlite_pending.h"
#include "store/sqlite_platform_ids.h"
#include "store/sqlite_schema.h"

namespace vigil::store {
namespace {

// A run of SqliteStore::IndexContentAuthors: the content items (author, id) in (from, to],
// sorted, put into content_authors from `next` on. `to` 0: no run.
struct AuthorRun {
  int64_t from = 0, to = 0;
  std::vector<std::pair<int64_t, int64_t>> items;
  size_t next = 0;
  bool stale = false;  // an item's author changed since the run read it
};

// Ids the writer connection has seen, so repeated accounts and content cost no lookups (and an
// unchanged account no write). Entries added in a transaction survive only if it commits: any
// rollback clears the whole cache. Another process writing (PRAGMA data_version tells) does too.
struct WriterCache {
  struct AccountState {
    int64_t id = 0;
    bool has_created_at = false;
    std::string display_name;
  };
  static constexpr size_t kMaxEntries = 200'000;  // then start over: a cache, not an index

  int64_t data_version = -1;
  FlatIdMap accounts;  // platform id -> index in account_states
  std::vector<AccountState> account_states;
  FlatIdMap content;  // platform id -> pk (content is never deleted)
  // Not a cache: the rows whose platform ids are not mapped yet (sqlite_platform_ids.h).
  PlatformIdTail content_tail{PlatformIdKind::kContent};
  PlatformIdTail account_tail{PlatformIdKind::kAccount};
  AuthorRun author_run;
  // The open transaction's inserts not written yet; the statements live as long as the cache.
  PendingInserts pending;
  PendingTable author_inserts{"INSERT OR IGNORE INTO content_authors(author_id, content_id)", 2};

  void Clear() {
    accounts.Clear();
    account_states.clear();
    content.Clear();
  }
  AccountState* FindAccount(std::string_view platform_id) {
    const int64_t* i = accounts.Find(platform_id);
    return i ? &account_states[static_cast<size_t>(*i)] : nullptr;
  }
  AccountState& RememberAccount(std::string_view platform_id, AccountState state) {
    if (accounts.size() >= kMaxEntries) {
      accounts.Clear();
      account_states.clear();
    }
    auto r = accounts.Insert(platform_id, static_cast<int64_t>(account_states.size()));
    if (r.inserted) return account_states.emplace_back(std::move(state));
    return account_states[static_cast<size_t>(r.value)] = std::move(state);
  }
  void RememberContent(std::string_view platform_id, int64_t pk) {
    if (content.size() >= kMaxEntries) content.Clear();
    content.Insert(platform_id, pk);
  }
};

class SqliteWriteTx final : public WriteTx {
 public:
  SqliteWriteTx(SqliteConn& db, WriterCache& cache)
      : db_(db), cache_(cache), began_(std::chrono::steady_clock::now()) {
    db_.Prepare("BEGIN IMMEDIATE").Exec();  // cached: sqlite3_exec would parse it every time
    auto v = db_.Prepare("PRAGMA data_version");
    v.Step();
    if (v.Int(0) != cache_.data_version) {  // another process committed since our last look
      cache_.Clear();
      cache_.content_tail.Sync(db_);
      cache_.account_tail.Sync(db_);
      cache_.data_version = v.Int(0);
    }
    // Re-read the chain head inside the transaction: another process (the CLI) may have appended.
    auto s = db_.Prepare("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
    if (s.Step()) {
      head_seq_ = s.Int(0);
      head_hash_ = s.Text(1);
    } else {
      head_seq_ = 0;
      head_hash_ = events::GenesisHash();
    }
    db_.SetBeforeStatement([this](sqlite3_stmt* s) { BeforeStatement(s); });
  }
  ~SqliteWriteTx() override {
    cache_.pending.Clear();  // empty after a commit; a rollback drops them
    db_.SetBeforeStatement(nullptr);
    if (!done_) {
      cache_.Clear();
      cache_.content_tail.RolledBack();
      cache_.account_tail.RolledBack();
      try {
        db_.Exec("ROLLBACK");
      } catch (...) {
      }
    }
  }
  std::chrono::steady_clock::duration Age() const {
    return std::chrono::steady_clock::now() - began_;
  }
  void MarkCommitted() {
    done_ = true;
    cache_.content_tail.Committed();
    cache_.account_tail.Committed();
  }

  void Savepoint() override {
    db_.Prepare("SAVEPOINT req").Exec();
    savepoints_.emplace_back(head_seq_, head_hash_);
    cache_.content_tail.Savepoint();
    cache_.account_tail.Savepoint();
  }
  void RollbackToSavepoint() override {
    cache_.pending.Clear();  // all written since the savepoint: Savepoint wrote what waited
    ForgetNextIds();
    cache_.Clear();  // it may hold ids created inside the rolled-back savepoint
    cache_.content_tail.RollbackToSavepoint();
    cache_.account_tail.RollbackToSavepoint();
    db_.Prepare("ROLLBACK TO req").Exec();
    db_.Prepare("RELEASE req").Exec();
    std::tie(head_seq_, head_hash_) = savepoints_.back();
    savepoints_.pop_back();
  }
  void ReleaseSavepoint() override {
    db_.Prepare("RELEASE req").Exec();
    savepoints_.pop_back();
    cache_.content_tail.ReleaseSavepoint();
    cache_.account_tail.ReleaseSavepoint();
  }

  int64_t AppendEvent(events::Event& e) override {
    e.seq = head_seq_ + 1;
    e.prev_hash = head_hash_;
    e.hash = events::ComputeHash(head_hash_, e);
    cache_.pending.events.Int(e.seq)
        .Int(e.ts)
        .Text(e.type)
        .Text(e.subject)
        .Text(e.actor)
        .Text(e.payload)
        .Blob(e.prev_hash)
        .Blob(e.hash);
    head_seq_ = e.seq;
    head_hash_ = e.hash;
    return e.seq;
  }

  // New rows' ids come from NextId: their inserts wait in cache_.pending (sqlite_pending.h).
  int64_t UpsertAccount(const Account& a, Millis now, bool* created) override {
    if (created) *created = false;
    WriterCache::AccountState* known = cache_.FindAccount(a.id);
    if (!known) {
      auto pk = cache_.account_tail.Find(db_, a.id);
      if (!pk) {
        int64_t id = NextId(next_account_id_, "SELECT COALESCE(MAX(id), 0) + 1 FROM accounts");
        auto& row = cache_.pending.accounts.Int(id).Text(a.id);
        if (a.created_at)
          row.Int(*a.created_at);
        else
          row.Null();
        row.TextOrNull(a.display_name).Int(now);
        cache_.account_tail.Added(a.id, id);
        // Remembered from the second sighting on: one-off reporters would only churn the cache.
        if (created) *created = true;
        return id;
      }
      auto sel =
          db_.Prepare("SELECT created_at IS NOT NULL, display_name FROM accounts WHERE id = ?1");
      sel.Bind(1, *pk);
      if (!sel.Step()) throw StoreError("account vanished during upsert");
      known = &cache_.RememberAccount(a.id, {*pk, sel.Int(0) != 0, sel.Text(1)});
    }
    auto& state = *known;
    // Fill gaps: keep the first known creation time, take a newly sent display name.
    bool set_created = a.created_at && !state.has_created_at;
    bool set_name = !a.display_name.empty() && a.display_name != state.display_name;
    if (set_created || set_name) {
      db_.Prepare(
             "UPDATE accounts SET created_at = COALESCE(created_at, ?2), "
             "display_name = COALESCE(?3, display_name) WHERE id = ?1")
          .Bind(1, state.id)
          .BindOpt(2, a.created_at)
          .BindText(3, a.display_name)
          .Exec();
      state.has_created_at = state.has_created_at || set_created;
      if (set_name) state.display_name = a.display_name;
    }
    return state.id;
  }

  // Insert first: new content (the common case) then costs one statement.
  std::pair<int64_t, bool> UpsertContent(const ContentItem& c, int64_t author_pk,
                                         Millis now) override {
    std::optional<int64_t> pk = FindContentPk(c.id);
    if (!pk) {
      int64_t id = NextId(next_content_id_, "SELECT COALESCE(MAX(id), 0) + 1 FROM content");
      AppendContentValues(cache_.pending.content.Int(id).Text(c.id), c, author_pk).Int(now);
      cache_.content_tail.Added(c.id, id);
      return {id, true};  // remembered when seen again
    }
    // content_authors follows a changed author at once (readers take it up to the watermark).
    int64_t old_author = 0;  // none (NULL)
    {
      auto old = db_.Prepare("SELECT author_id FROM content WHERE id = ?1");
      old.Bind(1, *pk);
      if (old.Step()) old_author = old.Int(0);
    }
    if (old_author != author_pk) {
      if (*pk > cache_.author_run.from && *pk <= cache_.author_run.to)
        cache_.author_run.stale = true;
      if (old_author)
        db_.Prepare("DELETE FROM content_authors WHERE author_id = ?1 AND content_id = ?2")
            .Bind(1, old_author)
            .Bind(2, *pk)
            .Exec();
      if (author_pk)
        db_.Prepare("INSERT OR IGNORE INTO content_authors(author_id, content_id) VALUES (?1, ?2)")
            .Bind(1, author_pk)
            .Bind(2, *pk)
            .Exec();
    }
    auto s = db_.Prepare(
        "UPDATE content SET revision = revision + CASE WHEN COALESCE(text, '') = COALESCE(?3, '') "
        "AND COALESCE(language, '') = COALESCE(?11, '') THEN 0 ELSE 1 END, "
        "type=?2, text=?3, url=?4, media=?5, author_id=?6, created_at=?7, "
        "views=?8, followers=?9, shares=?10, language=?11, metadata=?12 WHERE id=?1");
    StmtValues values{s, 2};
    AppendContentValues(values, c, author_pk);
    s.Bind(1, *pk).Exec();
    return {*pk, false};
  }

  std::optional<int64_t> FindContentPk(const std::string& platform_id) override {
    if (const int64_t* pk = cache_.content.Find(platform_id)) return *pk;
    auto pk = cache_.content_tail.Find(db_, platform_id);
    if (pk) cache_.RememberContent(platform_id, *pk);
    return pk;
  }

  std::optional<int64_t> FindOpenCase(int64_t content_pk) override {
    auto s = db_.Prepare(
        "SELECT id FROM cases WHERE content_id = ?1 AND status = 'open' ORDER BY id DESC LIMIT 1");
    s.Bind(1, content_pk);
    if (s.Step()) return s.Int(0);
    return std::nullopt;
  }

  int64_t OpenCase(int64_t content_pk, const std::string& queue, const std::string& reason,
                   int64_t reporter_pk, Millis now, double priority) override {
    // Counts and version as if opened (version 1) and then bumped by its first flag.
    int64_t id = NextId(next_case_id_, "SELECT COALESCE(MAX(id), 0) + 1 FROM cases");
    cache_.pending.cases.Int(id)
        .Int(content_pk)
        .Text("open")
        .Text(queue)
        .Text(reason)
        .Int(1)
        .Int(1)
        .Int(now)
        .Int(now)
        .Int(2)
        .Real(priority);
    if (reporter_pk) cache_.pending.case_reporters.Int(id).Int(reporter_pk);  // its first
    return id;
  }

  bool AddCaseReporter(int64_t case_id, int64_t reporter_pk) override {
    db_.Prepare(
           "INSERT INTO case_reporters(case_id, reporter_id) VALUES (?1, ?2) "
           "ON CONFLICT DO NOTHING")
        .Bind(1, case_id)
        .Bind(2, reporter_pk)
        .Exec();
    return db_.Changes() > 0;
  }

  void BumpCase(int64_t case_id, bool new_reporter, Millis now) override {
    db_.Prepare(
           "UPDATE cases SET flag_count = flag_count + 1, reporter_count = reporter_count + ?2, "
           "updated_at = ?3, version = version + 1 WHERE id = ?1")
        .Bind(1, case_id)
        .Bind(2, new_reporter ? 1 : 0)
        .Bind(3, now)
        .Exec();
  }

  int64_t NextFlagId() override {
    return NextId(next_flag_id_, "SELECT COALESCE(MAX(id), 0) + 1 FROM flags");
  }

  std::optional<CaseRow> GetCase(int64_t id) override { return QueryCase(db_, id); }
  CaseSignals LoadCaseSignals(int64_t case_id, Millis now, bool track_record) override {
    return QueryCaseSignals(db_, case_id, now, track_record);
  }
  std::vector<DecisionRow> DecisionsOfCase(int64_t case_id) override {
    return QueryDecisions(db_, case_id);
  }
  void PutContentAnalysis(const ContentAnalysisRow& r) override { PutContentAnalysisRow(db_, r); }
  void PutPolicyState(const CasePolicyStateRow& r) override { PutCasePolicyStateRow(db_, r); }
  void PutCaseAutomation(const CaseAutomationRow& r) override { PutCaseAutomationRow(db_, r); }
  std::optional<CaseAutomationRow> GetCaseAutomation(int64_t case_id) override {
    return QueryCaseAutomation(db_, case_id);
  }

  int64_t InsertWebhook(const WebhookRow& w) override {
    db_.Prepare("INSERT INTO webhooks(url, secret, events, created_at, disabled) "
                "VALUES (?1, ?2, ?3, ?4, ?5)")
        .Bind(1, w.url)
        .Bind(2, w.secret)
        .Bind(3, JoinTeams(w.events))
        .Bind(4, w.created_at)
        .Bind(5, w.disabled)
        .Exec();
    return db_.LastInsertId();
  }
  int64_t EnqueueOutbox(const std::string& event_type, const std::string& body,
                        Millis now) override {
    db_.Prepare(
           "INSERT INTO outbox(webhook_id, event_type, body, status, next_attempt_at, created_at) "
           "SELECT id, ?1, ?2, 'pending', ?3, ?3 FROM webhooks WHERE disabled = 0 AND "
           "(instr(',' || events || ',', ',' || ?1 || ',') > 0 OR events = '*')")
        .Bind(1, event_type)
        .Bind(2, body)
        .Bind(3, now)
        .Exec();
    outbox_rows_queued_ += db_.Changes();
    return db_.Changes();
  }
  int64_t OutboxRowsQueued() const override { return outbox_rows_queued_; }
  void MarkOutbox(int64_t id, const std::string& status, int attempts, Millis next_attempt_at,
                  std::optional<int> last_status, const std::string& last_error,
                  std::optional<Millis> delivered_at) override {
    auto s = db_.Prepare(
        "UPDATE outbox SET status = ?2, attempts = ?3, next_attempt_at = ?4, last_status = ?5, "
        "last_error = ?6, delivered_at = ?7 WHERE id = ?1");
    s.Bind(1, id).Bind(2, status).Bind(3, attempts).Bind(4, next_attempt_at);
    if (last_status) s.Bind(5, *last_status); else s.BindNull(5);
    s.BindText(6, last_error).BindOpt(7, delivered_at).Exec();
  }
  std::optional<OutboxRow> GetOutbox(int64_t id) override { return QueryOutboxRow(db_, id); }
  int64_t InsertAppeal(const AppealRow& a) override {
    db_.Prepare("INSERT INTO appeals(case_id, decision_id, appellant_role, appellant_id, grounds, "
                "status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6)")
        .Bind(1, a.case_id)
        .Bind(2, a.decision_id)
        .Bind(3, a.appellant_role)
        .Bind(4, a.appellant_id)
        .Bind(5, a.grounds)
        .Bind(6, a.created_at)
        .Exec();
    return db_.LastInsertId();
  }
  int InsertPolicyVersion(const PolicyVersionRow& v, int64_t event_seq) override {
    return InsertPolicyVersionRow(db_, v, event_seq);
  }
  std::optional<PolicyStateRow> GetPolicyState(const std::string& policy_id) override {
    return QueryPolicyState(db_, policy_id);
  }
  std::optional<PolicyVersionRow> GetPolicyVersion(const std::string& policy_id,
                                                   int version) override {
    auto rows = QueryPolicyVersions(db_, policy_id, version, true);
    if (rows.empty()) return std::nullopt;
    return rows[0];
  }
  void ActivatePolicyVersion(const std::string& policy_id, int version, Millis now) override {
    ActivatePolicyRow(db_, policy_id, version, now);
  }
  std::optional<int> RollBackPolicyActivation(const std::string& policy_id) override {
    return RollBackPolicyRow(db_, policy_id);
  }
  void SetPolicyShadow(const std::string& policy_id, int version) override {
    SetPolicyShadowRow(db_, policy_id, version);
  }
  std::optional<AppealRow> GetAppeal(int64_t id) override {
    auto rows = QueryAppeals(db_, 0, id);
    if (rows.empty()) return std::nullopt;
    return rows[0];
  }
  void CloseAppeal(int64_t id, const std::string& status, const std::string& decided_by,
                   const std::string& note, Millis now) override {
    db_.Prepare("UPDATE appeals SET status = ?2, decided_by = ?3, outcome_note = ?4, "
                "decided_at = ?5 WHERE id = ?1")
        .Bind(1, id)
        .Bind(2, status)
        .Bind(3, decided_by)
        .BindText(4, note)
        .Bind(5, now)
        .Exec();
  }
  bool ReopenForAppeal(int64_t case_id, int64_t version, const std::string& queue,
                       Millis now) override {
    db_.Prepare("UPDATE cases SET status = 'open', escalated_from = queue, queue = ?3, "
                "tier = 'appeal', claimed_by = NULL, lease_until = NULL, version = version + 1, "
                "updated_at = ?4 WHERE id = ?1 AND version = ?2 AND status = 'decided'")
        .Bind(1, case_id)
        .Bind(2, version)
        .Bind(3, queue)
        .Bind(4, now)
        .Exec();
    return db_.Changes() > 0;
  }
  bool CloseReopenedCase(int64_t case_id, int64_t version, Millis now) override {
    db_.Prepare("UPDATE cases SET status = 'decided', queue = COALESCE(escalated_from, queue), "
                "escalated_from = NULL, tier = NULL, claimed_by = NULL, lease_until = NULL, "
                "version = version + 1, updated_at = ?3 WHERE id = ?1 AND version = ?2")
        .Bind(1, case_id)
        .Bind(2, version)
        .Bind(3, now)
        .Exec();
    return db_.Changes() > 0;
  }
  int64_t CaseAuthor(int64_t case_id) override {
    auto s = db_.Prepare(
        "SELECT ct.author_id FROM cases c JOIN content ct ON ct.id = c.content_id WHERE c.id = ?1");
    s.Bind(1, case_id);
    if (!s.Step() || s.IsNull(0)) return 0;
    return s.Int(0);
  }
  void InsertStrike(int64_t account_pk, const StrikeRow& r) override {
    db_.Prepare("INSERT INTO strikes(account_id, case_id, decision_id, weight, created_at, "
                "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .Bind(1, account_pk)
        .Bind(2, r.case_id)
        .Bind(3, r.decision_id)
        .Bind(4, r.weight)
        .Bind(5, r.created_at)
        .Bind(6, r.expires_at)
        .Exec();
  }
  double ActiveStrikeWeight(int64_t account_pk, Millis now) override {
    auto s = db_.Prepare("SELECT COALESCE(SUM(weight), 0) FROM strikes WHERE account_id = ?1 "
                         "AND reversed = 0 AND expires_at > ?2");
    s.Bind(1, account_pk).Bind(2, now);
    s.Step();
    return s.Double(0);
  }
  int64_t ReverseStrikes(int64_t decision_id) override {
    db_.Prepare("UPDATE strikes SET reversed = 1 WHERE decision_id = ?1 AND reversed = 0")
        .Bind(1, decision_id)
        .Exec();
    return db_.Changes();
  }
  std::optional<int64_t> FindAccountPk(const std::string& platform_id) override {
    return cache_.account_tail.Find(db_, platform_id);
  }
  void ProposeSuspension(int64_t account_pk, Millis now) override {
    db_.Prepare("UPDATE accounts SET suspension_proposed_at = COALESCE(suspension_proposed_at, ?2) "
                "WHERE id = ?1")
        .Bind(1, account_pk)
        .Bind(2, now)
        .Exec();
  }
  bool ResolveSuspension(int64_t account_pk, std::optional<Millis> suspended_until) override {
    db_.Prepare("UPDATE accounts SET suspension_proposed_at = NULL, "
                "suspended_until = COALESCE(?2, suspended_until) "
                "WHERE id = ?1 AND suspension_proposed_at IS NOT NULL")
        .Bind(1, account_pk)
        .BindOpt(2, suspended_until)
        .Exec();
    return db_.Changes() > 0;
  }
  std::vector<std::pair<int64_t, std::string>> CaseReporters(int64_t case_id,
                                                             FlagSource source) override {
    auto s = db_.Prepare(
        "SELECT DISTINCT a.id, a.platform_id FROM flags f JOIN accounts a ON a.id = f.reporter_id "
        "WHERE f.case_id = ?1 AND f.source = ?2 ORDER BY a.id");
    s.Bind(1, case_id).Bind(2, ToString(source));
    std::vector<std::pair<int64_t, std::string>> out;
    while (s.Step()) out.emplace_back(s.Int(0), s.Text(1));
    return out;
  }
  void InsertMisuseMark(int64_t account_pk, int64_t case_id, int64_t decision_id,
                        Millis now) override {
    db_.Prepare("INSERT INTO misuse_marks(account_id, case_id, decision_id, created_at) "
                "VALUES (?1, ?2, ?3, ?4)")
        .Bind(1, account_pk)
        .Bind(2, case_id)
        .Bind(3, decision_id)
        .Bind(4, now)
        .Exec();
  }
  ReporterStanding GetReporterStanding(int64_t account_pk, Millis since) override {
    return QueryReporterStanding(db_, account_pk, since);
  }
  void SetMisuseWarned(int64_t account_pk, Millis at) override {
    db_.Prepare("UPDATE accounts SET misuse_warned_at = ?2 WHERE id = ?1")
        .Bind(1, account_pk)
        .Bind(2, at)
        .Exec();
  }
  void SetDeprioritizedUntil(int64_t account_pk, std::optional<Millis> until) override {
    db_.Prepare("UPDATE accounts SET deprioritized_until = ?2 WHERE id = ?1")
        .Bind(1, account_pk)
        .BindOpt(2, until)
        .Exec();
  }
  std::vector<std::pair<int64_t, std::string>> ReverseMisuseMarks(int64_t decision_id) override {
    std::vector<std::pair<int64_t, std::string>> out;
    {
      auto s = db_.Prepare(
          "SELECT DISTINCT a.id, a.platform_id FROM misuse_marks m JOIN accounts a "
          "ON a.id = m.account_id WHERE m.decision_id = ?1 AND m.reversed = 0");
      s.Bind(1, decision_id);
      while (s.Step()) out.emplace_back(s.Int(0), s.Text(1));
    }
    db_.Prepare("UPDATE misuse_marks SET reversed = 1 WHERE decision_id = ?1 AND reversed = 0")
        .Bind(1, decision_id)
        .Exec();
    return out;
  }
  bool RecordSlaBreach(int64_t case_id, Millis now) override {
    db_.Prepare("UPDATE cases SET sla_breached_at = ?2 WHERE id = ?1 AND sla_breached_at IS NULL")
        .Bind(1, case_id)
        .Bind(2, now)
        .Exec();
    return db_.Changes() > 0;
  }
  bool MoveCase(int64_t case_id, int64_t version, const std::string& queue,
                const std::string& tier, const std::string& from, Millis now) override {
    db_.Prepare(
           "UPDATE cases SET queue = ?3, tier = ?4, escalated_from = ?5, claimed_by = NULL, "
           "lease_until = NULL, version = version + 1, updated_at = ?6, "
           "first_action_at = COALESCE(first_action_at, ?6) "
           "WHERE id = ?1 AND version = ?2 AND status = 'open'")
        .Bind(1, case_id)
        .Bind(2, version)
        .Bind(3, queue)
        .BindText(4, tier)
        .BindText(5, from)
        .Bind(6, now)
        .Exec();
    return db_.Changes() > 0;
  }
  void SetCasePriority(int64_t case_id, double priority) override {
    db_.Prepare("UPDATE cases SET priority = ?2 WHERE id = ?1").Bind(1, case_id).Bind(2, priority).Exec();
  }

  std::optional<int64_t> ClaimNext(const std::string& queue, int64_t user_id, Millis now,
                                   Millis lease_until) override {
    std::optional<int64_t> id;
    {
      // A reviewer asking again gets the case they already hold.
      auto own = db_.Prepare(
          "SELECT id FROM cases WHERE claimed_by = ?2 AND +queue = ?1 AND +status = 'open' "
          "AND lease_until >= ?3 ORDER BY priority DESC, id LIMIT 1");  // via cases_claimed
      own.Bind(1, queue).Bind(2, user_id).Bind(3, now);
      if (own.Step()) id = own.Int(0);
    }
    if (!id) {
      auto top = db_.Prepare(
          "SELECT id FROM cases WHERE queue = ?1 AND status = 'open' "
          "AND (claimed_by IS NULL OR lease_until < ?2) ORDER BY priority DESC, id LIMIT 1");
      top.Bind(1, queue).Bind(2, now);
      if (top.Step()) id = top.Int(0);
    }
    if (!id) return std::nullopt;
    db_.Prepare("UPDATE cases SET claimed_by = ?2, lease_until = ?3 WHERE id = ?1")
        .Bind(1, *id)
        .Bind(2, user_id)
        .Bind(3, lease_until)
        .Exec();
    return id;
  }

  bool ReleaseClaim(int64_t case_id, int64_t user_id) override {
    db_.Prepare(
           "UPDATE cases SET claimed_by = NULL, lease_until = NULL WHERE id = ?1 "
           "AND claimed_by IS NOT NULL AND (?2 = 0 OR claimed_by = ?2)")
        .Bind(1, case_id)
        .Bind(2, user_id)
        .Exec();
    return db_.Changes() > 0;
  }

  std::optional<int64_t> InsertDecision(const DecisionRow& d, int64_t event_seq) override {
    db_.Prepare(
           "UPDATE cases SET status = 'decided', decided_at = ?3, outcome = ?4, "
           "version = version + 1, updated_at = ?3, claimed_by = NULL, lease_until = NULL, "
           "first_action_at = COALESCE(first_action_at, ?3) WHERE id = ?1 AND version = ?2")
        .Bind(1, d.case_id)
        .Bind(2, d.case_version)
        .Bind(3, d.created_at)
        .Bind(4, d.outcome)
        .Exec();
    if (db_.Changes() == 0) return std::nullopt;
    auto s = db_.Prepare(
        "INSERT INTO decisions(case_id, decided_by, actions, outcome, policy, facts, "
        "explanation, automated_detection, automated_decision, reverses, case_version, "
        "created_at, event_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    s.Bind(1, d.case_id)
        .Bind(2, d.decided_by)
        .Bind(3, d.actions_json)
        .Bind(4, d.outcome)
        .BindText(5, d.policy_json)
        .BindText(6, d.facts)
        .BindText(7, d.explanation)
        .Bind(8, d.automated_detection)
        .Bind(9, d.automated_decision)
        .Bind(11, d.case_version)
        .Bind(12, d.created_at)
        .Bind(13, event_seq);
    if (d.reverses) s.Bind(10, d.reverses); else s.BindNull(10);
    s.Exec();
    return db_.LastInsertId();
  }

  int64_t InsertFlag(const FlagRow& f, int64_t reporter_pk, int64_t event_seq) override {
    auto& row = cache_.pending.flags.Int(f.id)
                    .Int(f.case_id)
                    .Int(f.content_pk)
                    .Text(f.reason)
                    .Text(ToString(f.source));
    if (reporter_pk)
      row.Int(reporter_pk);
    else
      row.Null();
    row.TextOrNull(f.explanation)
        .TextOrNull(f.location_url)
        .Int(f.bona_fide ? 1 : 0)
        .TextOrNull(f.contact_json)
        .TextOrNull(f.legal_order_json)
        .TextOrNull(f.metadata_json)
        .Int(f.duplicate ? 1 : 0)
        .Int(f.received_at)
        .Text(f.principal)
        .Int(event_seq);
    return f.id;
  }

  std::optional<IdempotencyRow> FindIdempotency(const std::string& principal,
                                                const std::string& key) override {
    auto s = db_.Prepare(
        "SELECT request_hash, status, response FROM idempotency WHERE principal=?1 AND key=?2");
    s.Bind(1, principal).Bind(2, key);
    if (!s.Step()) return std::nullopt;
    return IdempotencyRow{s.Text(0), static_cast<int>(s.Int(1)), s.Text(2)};
  }

  void SaveIdempotency(const std::string& principal, const std::string& key,
                       const IdempotencyRow& row, Millis now) override {
    db_.Prepare(
           "INSERT INTO idempotency(principal, key, request_hash, status, response, created_at) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .Bind(1, principal)
        .Bind(2, key)
        .Bind(3, row.request_hash)
        .Bind(4, row.status)
        .Bind(5, row.response)
        .Bind(6, now)
        .Exec();
  }

  std::optional<UserRow> FindUserByName(const std::string& name) override {
    auto s = db_.Prepare("SELECT " VIGIL_USER_COLUMNS " FROM users WHERE name = ?1");
    s.Bind(1, name);
    if (s.Step()) return LoadUser(s);
    return std::nullopt;
  }

  int64_t InsertUser(const UserRow& u) override {
    auto s = db_.Prepare(
        "INSERT INTO users(name, role, password_hash, teams, disabled, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");
    s.Bind(1, u.name)
        .Bind(2, ToString(u.role))
        .BindText(3, u.password_hash)
        .Bind(4, JoinTeams(u.teams))
        .Bind(5, u.disabled)
        .Bind(6, u.created_at);
    if (!s.Step()) throw StoreError("user insert returned no row");
    return s.Int(0);
  }

  void SetUserPreferences(int64_t user_id, const std::string& json) override {
    db_.Prepare("UPDATE users SET preferences = ?2 WHERE id = ?1").Bind(1, user_id).Bind(2, json).Exec();
  }
  void SetUserDisabled(int64_t user_id, bool disabled) override {
    db_.Prepare("UPDATE users SET disabled = ?2 WHERE id = ?1")
        .Bind(1, user_id)
        .Bind(2, disabled)
        .Exec();
  }

  void SetUserPassword(int64_t user_id, const std::string& hash) override {
    db_.Prepare("UPDATE users SET password_hash = ?2 WHERE id = ?1")
        .Bind(1, user_id)
        .Bind(2, hash)
        .Exec();
  }

  int64_t InsertToken(int64_t user_id, const std::string& token_hash, const std::string& label,
                      Millis now) override {
    auto s = db_.Prepare(
        "INSERT INTO api_tokens(user_id, token_hash, label, created_at) VALUES (?1, ?2, ?3, ?4) "
        "RETURNING id");
    s.Bind(1, user_id).BindBlob(2, token_hash).Bind(3, label).Bind(4, now);
    if (!s.Step()) throw StoreError("token insert returned no row");
    return s.Int(0);
  }

  bool RevokeToken(int64_t token_id, Millis now) override {
    db_.Prepare("UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")
        .Bind(1, token_id)
        .Bind(2, now)
        .Exec();
    return db_.Changes() > 0;
  }

  int64_t InsertSession(int64_t user_id, const std::string& token_hash, const std::string& csrf,
                        Millis now, Millis expires) override {
    auto s = db_.Prepare(
        "INSERT INTO sessions(user_id, token_hash, csrf, created_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id");
    s.Bind(1, user_id).BindBlob(2, token_hash).Bind(3, csrf).Bind(4, now).Bind(5, expires);
    if (!s.Step()) throw StoreError("session insert returned no row");
    return s.Int(0);
  }

  bool RevokeSession(int64_t session_id, Millis now) override {
    db_.Prepare("UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")
        .Bind(1, session_id)
        .Bind(2, now)
        .Exec();
    return db_.Changes() > 0;
  }

  int64_t RevokeUserSessions(int64_t user_id, Millis now) override {
    db_.Prepare("UPDATE sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL")
        .Bind(1, user_id)
        .Bind(2, now)
        .Exec();
    return db_.Changes();
  }

 private:
  // A content row's values from `type` to `metadata`, in the table's column order: for the
  // insert that waits (PendingTable) and for the update (StmtValues) alike.
  template <typename Row>
  static Row& AppendContentValues(Row& row, const ContentItem& c, int64_t author_pk) {
    row.Text(ToString(c.type)).TextOrNull(c.text).TextOrNull(c.url);
    if (c.media.empty())
      row.Null();
    else
      row.Text(MediaToJson(c.media));
    if (author_pk)
      row.Int(author_pk);
    else
      row.Null();
    if (c.created_at)
      row.Int(*c.created_at);
    else
      row.Null();
    return row.Int(c.reach.views)
        .Int(c.reach.followers)
        .Int(c.reach.shares)
        .TextOrNull(c.language)
        .TextOrNull(c.metadata_json == "{}" ? std::string_view() : c.metadata_json);
  }

  // Ids are handed out here for inserts that wait: the table's highest, read once, then counted.
  int64_t NextId(int64_t& next, const char* max_sql) {
    if (next == 0) {
      auto s = db_.Prepare(max_sql);
      s.Step();
      next = s.Int(0);
    }
    return next++;
  }
  void ForgetNextIds() { next_flag_id_ = next_case_id_ = next_content_id_ = next_account_id_ = 0; }

  // Before any other statement on the connection: the waiting inserts go first, so it sees them.
  // One that may write could insert rows of its own, so the ids are read again after it.
  void BeforeStatement(sqlite3_stmt* s) {
    if (!cache_.pending.empty()) cache_.pending.Flush(db_);
    if (!s || !sqlite3_stmt_readonly(s)) ForgetNextIds();
  }

  SqliteConn& db_;
  WriterCache& cache_;
  bool done_ = false;
  std::chrono::steady_clock::time_point began_;
  int64_t head_seq_ = 0;
  std::string head_hash_;
  std::vector<std::pair<int64_t, std::string>> savepoints_;  // chain head at each savepoint
  // The next row ids of the tables whose inserts wait in cache_.pending; 0: read at first use.
  int64_t next_flag_id_ = 0, next_case_id_ = 0, next_content_id_ = 0, next_account_id_ = 0;
  int64_t outbox_rows_queued_ = 0;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::string& dir)
      : path_(dir + "/vigil.db"),
        writer_(path_, /*readonly=*/false, SqliteConn::Wal::kCoalescing),
        checkpointer_(path_, writer_),
        pool_(path_) {
    Migrate();
    cache_.content_tail.Load(writer_);
    cache_.account_tail.Load(writer_);
    // What the last process left unmapped (a CLI command's few thousand rows, a crash's run),
    // mapped now: readers otherwise scan it until intake next runs the indexer.
    try {
      while (MapPlatformIds(/*idle=*/true, /*force=*/true)) {
      }
      IndexContentAuthors(/*idle=*/true, /*force=*/true);
    } catch (const std::exception& e) {
      spdlog::warn("mapping platform ids at open failed (retried while serving): {}", e.what());
    }
  }

  std::unique_ptr<WriteTx> BeginWrite() override {
    return std::make_unique<SqliteWriteTx>(writer_, cache_);
  }
  // A due step of upkeep (platform ids, content authors) rides in a long group's transaction, in
  // a savepoint: its own transaction after the group cost a second commit and fsync, ~a fifth of
  // the writer's time under batch intake. A short group (interactive requests) commits without
  // it, and the step runs between groups as before: riding, it added ~1 ms to single-POST p99.
  // A step that fails is rolled back alone and retried later; the group commits regardless.
  static constexpr std::chrono::milliseconds kUpkeepRidesAfter{5};
  void Commit(WriteTx& tx) override {
    auto& sqlite_tx = static_cast<SqliteWriteTx&>(tx);
    AfterCommit after;
    if (sqlite_tx.Age() >= kUpkeepRidesAfter) after = UpkeepInGroup();
    try {
      writer_.Prepare("COMMIT").Exec();
    } catch (...) {
      if (after) after(false);
      throw;
    }
    sqlite_tx.MarkCommitted();
    if (after) after(true);
  }
  std::unique_ptr<ReadTx> BeginRead() override { return MakeSqliteReadTx(pool_); }
  void Maintain(bool idle) override {
    checkpointer_.Maintain(idle);
    // Between groups, a step of upkeep in a transaction of its own only when the last group
    // carried none (an idle writer: what waits under the thresholds).
    if (std::exchange(upkeep_rode_along_, false)) return;
    UpkeepStep(idle);
  }
  int SchemaVersion() override {
    auto s = writer_.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    s.Step();
    return static_cast<int>(s.Int(0));
  }

 private:
  void Migrate() {
    writer_.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
        "NOT NULL, applied_at INTEGER NOT NULL)");
    int current = SchemaVersion();
    for (const auto& m : SqliteMigrations()) {
      if (m.version <= current) continue;
      // Outside a transaction: SQLite ignores this pragma inside one.
      if (m.rebuilds_referenced_tables) writer_.Exec("PRAGMA foreign_keys=OFF");
      writer_.Exec("BEGIN IMMEDIATE");
      try {
        writer_.Exec(m.sql);
        if (m.rebuilds_referenced_tables) {
          auto check = writer_.Prepare("PRAGMA foreign_key_check");
          if (check.Step())
            throw StoreError("migration " + std::to_string(m.version) +
                             " would break a foreign key in table " + check.Text(0));
        }
        writer_.Prepare(
                   "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?1, ?2, "
                   "CAST(strftime('%s','now') AS INTEGER) * 1000)")
            .Bind(1, m.version)
            .Bind(2, m.name)
            .Exec();
        writer_.Exec("COMMIT");
      } catch (...) {
        writer_.Exec("ROLLBACK");
        if (m.rebuilds_referenced_tables) writer_.Exec("PRAGMA foreign_keys=ON");
        throw;
      }
      if (m.rebuilds_referenced_tables) writer_.Exec("PRAGMA foreign_keys=ON");
    }
  }

  // At most one step a transaction; when both indexers have work they take turns, so neither
  // starves the other through a long burst. Returns whether it wrote.
  bool UpkeepStep(bool idle) {
    author_turn_ = !author_turn_;
    if (author_turn_) return IndexContentAuthors(idle, false) || MapPlatformIds(idle, false);
    return MapPlatformIds(idle, false) || IndexContentAuthors(idle, false);
  }

  // What an upkeep step does once its transaction is over: committed (true) or not (false).
  using AfterCommit = std::function<void(bool committed)>;

  // A due step inside the open group's transaction, in a savepoint; returns what to do after the
  // group's COMMIT (empty when no step ran). A step that fails is rolled back to the savepoint,
  // unless the failure ended the transaction itself: then the group fails too.
  AfterCommit UpkeepInGroup() {
    AfterCommit after;
    writer_.Prepare("SAVEPOINT upkeep").Exec();
    in_group_ = &after;
    try {
      upkeep_rode_along_ = UpkeepStep(/*idle=*/false);
      in_group_ = nullptr;
      writer_.Prepare("RELEASE upkeep").Exec();
    } catch (const std::exception& e) {
      in_group_ = nullptr;
      upkeep_rode_along_ = false;
      if (!writer_.InTransaction()) throw;
      writer_.Exec("ROLLBACK TO upkeep; RELEASE upkeep");
      spdlog::warn("store upkeep failed (retried later): {}", e.what());
    }
    return after;
  }

  // Runs `write` (an upkeep step's statements) inside the group's transaction when Commit is
  // under way, `after` following the group's COMMIT; otherwise in a transaction of the writer's
  // own between two groups, committed, or rolled back and the exception passed on.
  template <typename Write>
  void InUpkeepTransaction(Write&& write, AfterCommit after) {
    if (in_group_) {
      try {
        write();
      } catch (...) {
        after(false);
        throw;
      }
      if (*in_group_) {  // a step that wrote nothing before this one
        *in_group_ = [first = std::move(*in_group_), after](bool c) {
          first(c);
          after(c);
        };
      } else {
        *in_group_ = std::move(after);
      }
      return;
    }
    writer_.Prepare("BEGIN IMMEDIATE").Exec();
    try {
      write();
      writer_.Prepare("COMMIT").Exec();
    } catch (...) {
      try {
        writer_.Exec("ROLLBACK");
      } catch (...) {
      }
      after(false);
      throw;
    }
    after(true);
  }

  // One step of the platform id mapping (sqlite_platform_ids.h) for both kinds, in one
  // transaction, if either is due (`force`: if either has a tail). Returns whether it wrote.
  bool MapPlatformIds(bool idle, bool force) {
    int64_t now = PlatformIdTail::NowMs();
    std::array<PlatformIdTail*, 2> tails = {&cache_.content_tail, &cache_.account_tail};
    bool any = force ? tails[0]->size() + tails[1]->size() > 0
                     : tails[0]->Due(idle, now) || tails[1]->Due(idle, now);
    if (!any) return false;
    std::array<bool, 2> due = {tails[0]->size() > 0, tails[1]->size() > 0};  // one step, both
    InUpkeepTransaction(
        [&] {
          for (int i = 0; i < 2; ++i)
            if (due[i]) tails[i]->WriteStep(writer_);
        },
        [tails, due, now](bool committed) {
          for (int i = 0; i < 2; ++i) {
            if (!due[i]) continue;
            if (committed) {
              tails[i]->StepCommitted(now);
            } else {
              tails[i]->StepFailed(now);
            }
          }
        });
    return true;
  }

  // content_authors (migration 17): once kAuthorIndexRunAt content items wait above its
  // watermark, or when the writer is idle and the last run is kIdleRunMs old (`force`: whatever
  // waits), a run reads them sorted by author and puts them in, a slice a transaction over
  // kAuthorRunSteps transactions, the last of which moves the watermark. Each run writes an
  // author's leaf page once for many items, where each commit used to write one per item; the
  // slices keep each pause between groups to a few milliseconds. Returns whether it wrote.
  static constexpr size_t kAuthorRunSteps = 8;
  bool IndexContentAuthors(bool idle, bool force) {
    AuthorRun& run = cache_.author_run;
    int64_t now = PlatformIdTail::NowMs();
    if (run.to == 0) {
      auto q = writer_.Prepare(
          "SELECT indexed_upto, (SELECT COALESCE(MAX(id), 0) FROM content) FROM "
          "platform_id_index WHERE kind = 'content_author'");
      if (!q.Step()) return false;
      int64_t from = q.Int(0), to = q.Int(1);
      if (to <= from) return false;
      bool due = force || to - from >= kAuthorIndexRunAt ||
                 (idle && now - last_author_run_ms_ >= PlatformIdTail::kIdleRunMs);
      if (!due) return false;
      last_author_run_ms_ = now;
      run.items.clear();
      // In id order, sorted here: SQLite's sorter cost several times std::sort of the pairs.
      auto sel = writer_.Prepare(
          "SELECT author_id, id FROM content WHERE id > ?1 AND id <= ?2 "
          "AND author_id IS NOT NULL");
      sel.Bind(1, from).Bind(2, to);
      while (sel.Step()) run.items.emplace_back(sel.Int(0), sel.Int(1));
      std::sort(run.items.begin(), run.items.end());
      // The run exists once its items are all read: a read that failed half way leaves none.
      run.from = from;
      run.to = to;
      run.stale = false;
      run.next = 0;
    }
    size_t slice =
        force ? run.items.size() : (run.items.size() + kAuthorRunSteps - 1) / kAuthorRunSteps;
    bool dropped = false;
    size_t end = std::min(run.items.size(), run.next + slice);
    InUpkeepTransaction(
        [&] {
          std::optional<int64_t> upto;
          {
            auto w = writer_.Prepare(
                "SELECT indexed_upto FROM platform_id_index WHERE kind = 'content_author'");
            if (w.Step()) upto = w.Int(0);
          }
          // Another process indexed, or an author in the run changed (UpsertContent moved it in
          // content_authors itself): the run is read again from the rows as they are now. (Another
          // process changing an author is not seen here; readers check each item's author.)
          if (upto != run.from || run.stale) {
            dropped = true;
            return;
          }
          for (size_t i = run.next; i < end; ++i)
            cache_.author_inserts.Int(run.items[i].first).Int(run.items[i].second);
          cache_.author_inserts.Flush(writer_);
          if (end == run.items.size())
            writer_
                .Prepare(
                    "UPDATE platform_id_index SET indexed_upto = MAX(indexed_upto, ?1) "
                    "WHERE kind = 'content_author'")
                .Bind(1, run.to)
                .Exec();
        },
        [this, end](bool committed) {
          AuthorRun& r = cache_.author_run;
          if (!committed || r.to == 0) {  // failed, or dropped
            r.to = 0;
            return;
          }
          r.next = end;
          if (end == r.items.size()) r.to = 0;
        });
    if (dropped) {
      run.to = 0;
      return false;
    }
    return true;
  }

  std::string path_;
  int64_t last_author_run_ms_ = 0;
  bool author_turn_ = false;
  AfterCommit* in_group_ = nullptr;  // set while Commit runs a step inside the group
  bool upkeep_rode_along_ = false;   // the last group's transaction carried a step
  SqliteConn writer_;
  WalCheckpointer checkpointer_;
  WriterCache cache_;
  ReadPool pool_;
};

}  // namespace

std::unique_ptr<Store> OpenSqliteStore(const std::string& data_dir) {
  struct stat st {};
  if (stat(data_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw StoreError("data directory " + data_dir + " does not exist (run `vigil init`)");
  return std::make_unique<SqliteStore>(data_dir);
}

}  // namespace vigil::store
