// The SQLite driver's read half: pooled read connections, ReadTx and the row loaders.
#include <limits>
#include <nlohmann/json.hpp>

#include "store/sqlite_internal.h"
#include "store/sqlite_platform_ids.h"

namespace vigil::store {

std::string MediaToJson(const std::vector<MediaItem>& media) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& m : media) {
    nlohmann::json h = nlohmann::json::object();
    for (const auto& [alg, digest] : m.hashes) h[alg] = digest;
    nlohmann::json item = {{"url", m.url}};
    if (!h.empty()) item["hashes"] = h;
    arr.push_back(item);
  }
  return arr.dump();
}

std::vector<MediaItem> MediaFromJson(const std::string& json) {
  std::vector<MediaItem> out;
  if (json.empty()) return out;
  auto arr = nlohmann::json::parse(json, nullptr, false);
  if (!arr.is_array()) return out;
  for (const auto& item : arr) {
    MediaItem m;
    m.url = item.value("url", "");
    if (item.contains("hashes"))
      for (const auto& [alg, digest] : item["hashes"].items())
        m.hashes.emplace_back(alg, digest.get<std::string>());
    out.push_back(std::move(m));
  }
  return out;
}

std::string JoinTeams(const std::vector<std::string>& teams) {
  std::string out;
  for (const auto& t : teams) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

std::vector<std::string> SplitTeams(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

UserRow LoadUser(const Stmt& s) {
  UserRow u;
  u.id = s.Int(0);
  u.name = s.Text(1);
  u.role = ParseRole(s.Text(2)).value_or(Role::kAgent);
  u.password_hash = s.Text(3);
  u.teams = SplitTeams(s.Text(4));
  u.disabled = s.Int(5) != 0;
  u.created_at = s.Int(6);
  return u;
}

CaseRow LoadCase(const Stmt& s) {
  CaseRow c;
  c.id = s.Int(0);
  c.content_pk = s.Int(1);
  c.content_id = s.Text(2);
  c.status = s.Text(3);
  c.queue = s.Text(4);
  c.reason = s.Text(5);
  c.flag_count = s.Int(6);
  c.reporter_count = s.Int(7);
  c.opened_at = s.Int(8);
  c.updated_at = s.Int(9);
  c.version = s.Int(10);
  c.priority = s.Double(11);
  c.claimed_by = s.IsNull(12) ? 0 : s.Int(12);
  c.lease_until = s.OptInt(13);
  c.decided_at = s.OptInt(14);
  c.outcome = s.Text(15);
  c.first_action_at = s.OptInt(16);
  c.tier = s.Text(17);
  c.escalated_from = s.Text(18);
  return c;
}

FlagRow LoadFlag(const Stmt& s) {
  FlagRow f;
  f.id = s.Int(0);
  f.case_id = s.Int(1);
  f.content_pk = s.Int(2);
  f.content_id = s.Text(3);
  f.reason = s.Text(4);
  f.source = ParseFlagSource(s.Text(5)).value_or(FlagSource::kUser);
  f.reporter_id = s.Text(6);
  f.explanation = s.Text(7);
  f.location_url = s.Text(8);
  f.bona_fide = s.Int(9) != 0;
  f.contact_json = s.Text(10);
  f.legal_order_json = s.Text(11);
  f.metadata_json = s.IsNull(12) ? "{}" : s.Text(12);
  f.duplicate = s.Int(13) != 0;
  f.received_at = s.Int(14);
  f.principal = s.Text(15);
  return f;
}

ContentRow LoadContent(const Stmt& s, int at) {
  ContentRow r;
  r.pk = s.Int(at + 0);
  auto& c = r.item;
  c.id = s.Text(at + 1);
  c.type = ParseContentType(s.Text(at + 2)).value_or(ContentType::kText);
  c.text = s.Text(at + 3);
  c.url = s.Text(at + 4);
  c.media = MediaFromJson(s.Text(at + 5));
  if (!s.IsNull(at + 6)) c.author = Account{s.Text(at + 6), s.OptInt(at + 7), s.Text(at + 8)};
  c.created_at = s.OptInt(at + 9);
  c.reach = {s.Int(at + 10), s.Int(at + 11), s.Int(at + 12)};
  c.language = s.Text(at + 13);
  c.metadata_json = s.IsNull(at + 14) ? "{}" : s.Text(at + 14);
  r.received_at = s.Int(at + 15);
  return r;
}

events::Event LoadEvent(const Stmt& s) {
  events::Event e;
  e.seq = s.Int(0);
  e.ts = s.Int(1);
  e.type = s.Text(2);
  e.subject = s.Text(3);
  e.actor = s.Text(4);
  e.payload = s.Text(5);
  e.prev_hash = s.Text(6);
  e.hash = s.Text(7);
  return e;
}

std::unique_ptr<SqliteConn> ReadPool::Take() {
  {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      auto c = std::move(free_.back());
      free_.pop_back();
      return c;
    }
  }
  return std::make_unique<SqliteConn>(path_, /*readonly=*/true);
}

void ReadPool::Give(std::unique_ptr<SqliteConn> c) {
  std::lock_guard lock(mu_);
  if (free_.size() < 16) free_.push_back(std::move(c));
}

namespace {

class SqliteReadTx final : public ReadTx {
 public:
  // BEGIN and COMMIT as cached statements: sqlite3_exec parses them anew each time, which cost
  // more than a short read itself.
  explicit SqliteReadTx(ReadPool& pool) : pool_(pool), db_(pool.Take()) {
    db_->Prepare("BEGIN").Exec();
  }
  ~SqliteReadTx() override {
    try {
      db_->Prepare("COMMIT").Exec();
      pool_.Give(std::move(db_));
    } catch (...) {
    }
  }

  std::optional<UserRow> FindUserByName(const std::string& name) override {
    auto s = db_->Prepare("SELECT " VIGIL_USER_COLUMNS " FROM users WHERE name = ?1");
    s.Bind(1, name);
    if (s.Step()) return LoadUser(s);
    return std::nullopt;
  }
  std::optional<UserRow> FindUserById(int64_t id) override {
    auto s = db_->Prepare("SELECT " VIGIL_USER_COLUMNS " FROM users WHERE id = ?1");
    s.Bind(1, id);
    if (s.Step()) return LoadUser(s);
    return std::nullopt;
  }
  std::string UserPreferences(int64_t user_id) override {
    auto s = db_->Prepare("SELECT preferences FROM users WHERE id = ?1");
    s.Bind(1, user_id);
    return s.Step() ? s.Text(0) : std::string("{}");
  }
  std::vector<UserRow> ListUsers() override {
    std::vector<UserRow> out;
    auto s = db_->Prepare("SELECT " VIGIL_USER_COLUMNS " FROM users ORDER BY id");
    while (s.Step()) out.push_back(LoadUser(s));
    return out;
  }
  std::optional<TokenRow> FindActiveToken(const std::string& token_hash) override {
    auto s = db_->Prepare(
        "SELECT id, user_id, label, created_at, revoked_at FROM api_tokens "
        "WHERE token_hash = ?1 AND revoked_at IS NULL");
    s.BindBlob(1, token_hash);
    if (!s.Step()) return std::nullopt;
    return TokenRow{s.Int(0), s.Int(1), s.Text(2), s.Int(3), s.OptInt(4)};
  }
  std::vector<TokenRow> ListTokens(int64_t user_id) override {
    std::vector<TokenRow> out;
    auto s = db_->Prepare(
        "SELECT id, user_id, label, created_at, revoked_at FROM api_tokens WHERE user_id = ?1 "
        "ORDER BY id");
    s.Bind(1, user_id);
    while (s.Step()) out.push_back({s.Int(0), s.Int(1), s.Text(2), s.Int(3), s.OptInt(4)});
    return out;
  }
  std::optional<SessionRow> FindSession(const std::string& token_hash) override {
    auto s = db_->Prepare(
        "SELECT id, user_id, csrf, expires_at, revoked_at FROM sessions WHERE token_hash = ?1");
    s.BindBlob(1, token_hash);
    if (!s.Step()) return std::nullopt;
    return SessionRow{s.Int(0), s.Int(1), s.Text(2), s.Int(3), s.OptInt(4)};
  }

  std::optional<FlagRow> GetFlag(int64_t id) override {
    auto s = db_->Prepare("SELECT " VIGIL_FLAG_COLUMNS VIGIL_FLAG_FROM "WHERE f.id = ?1");
    s.Bind(1, id);
    if (s.Step()) return LoadFlag(s);
    return std::nullopt;
  }
  std::vector<FlagRow> FlagsOfCase(int64_t case_id, int limit) override {
    std::vector<FlagRow> out;
    auto s = db_->Prepare("SELECT " VIGIL_FLAG_COLUMNS VIGIL_FLAG_FROM
                          "WHERE f.case_id = ?1 ORDER BY f.id LIMIT ?2");
    s.Bind(1, case_id).Bind(2, limit);
    while (s.Step()) out.push_back(LoadFlag(s));
    return out;
  }
  std::optional<CaseRow> GetCase(int64_t id) override { return QueryCase(*db_, id); }
  CaseSignals LoadCaseSignals(int64_t case_id, Millis now, bool track_record) override {
    return QueryCaseSignals(*db_, case_id, now, track_record);
  }
  std::vector<DecisionRow> DecisionsOfCase(int64_t case_id) override {
    return QueryDecisions(*db_, case_id);
  }
  std::vector<WebhookRow> ListWebhooks() override { return QueryWebhooks(*db_); }
  std::optional<AccountProfile> GetAccountProfile(const std::string& platform_id,
                                                  Millis misuse_since) override {
    AccountProfile p;
    {
      auto s = db_->Prepare(
          "SELECT id, platform_id, created_at, display_name, suspension_proposed_at, "
          "suspended_until FROM accounts WHERE id = " VIGIL_ACCOUNT_PK_SQL("?1"));
      s.Bind(1, platform_id);
      if (!s.Step()) return std::nullopt;
      p.pk = s.Int(0);
      p.account = {s.Text(1), s.OptInt(2), s.Text(3)};
      p.suspension_proposed_at = s.OptInt(4);
      p.suspended_until = s.OptInt(5);
    }
    {
      auto s = db_->Prepare(
          "SELECT id, case_id, decision_id, weight, created_at, expires_at, reversed "
          "FROM strikes WHERE account_id = ?1 ORDER BY id");
      s.Bind(1, p.pk);
      while (s.Step())
        p.strikes.push_back({s.Int(0), s.Int(1), s.Int(2), s.Double(3), s.Int(4), s.Int(5),
                             s.Int(6) != 0});
    }
    auto s = db_->Prepare(
        "SELECT COUNT(*), SUM(CASE WHEN c.decided_at IS NOT NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.outcome = 'actioned' THEN 1 ELSE 0 END) "
        "FROM flags f JOIN cases c ON c.id = f.case_id WHERE f.reporter_id = ?1");
    s.Bind(1, p.pk);
    s.Step();
    p.flags_sent = s.Int(0);
    p.flags_decided = s.Int(1);
    p.flags_actioned = s.Int(2);
    p.standing = QueryReporterStanding(*db_, p.pk, misuse_since);
    return p;
  }
  std::vector<PolicyStateRow> ListPolicies() override { return QueryPolicies(*db_); }
  std::vector<PolicyVersionRow> PolicyVersions(const std::string& policy_id) override {
    return QueryPolicyVersions(*db_, policy_id, 0, false);
  }
  std::optional<PolicyVersionRow> GetPolicyVersion(const std::string& policy_id,
                                                   int version) override {
    auto rows = QueryPolicyVersions(*db_, policy_id, version, true);
    if (rows.empty()) return std::nullopt;
    return rows[0];
  }
  std::vector<AppealRow> AppealsOfCase(int64_t case_id) override {
    return QueryAppeals(*db_, case_id, 0);
  }
  std::vector<std::string> PendingSuspensionProposals(int limit) override {
    auto s = db_->Prepare(
        "SELECT platform_id FROM accounts WHERE suspension_proposed_at IS NOT NULL "
        "ORDER BY suspension_proposed_at, id LIMIT ?1");
    s.Bind(1, limit);
    std::vector<std::string> out;
    while (s.Step()) out.push_back(s.Text(0));
    return out;
  }
  std::vector<OutboxRow> DueOutbox(Millis now, int limit) override {
    return QueryOutbox(*db_, "pending", now, limit);
  }
  std::vector<OutboxRow> ListOutbox(const std::string& status, int limit) override {
    return QueryOutbox(*db_, status, std::numeric_limits<Millis>::max(), limit);
  }
  size_t ScanOpenCases(int64_t after, size_t limit,
                       const std::function<void(const OpenCaseSla&)>& fn) override {
    auto s = db_->Prepare(
        "SELECT id, version, queue, reason, opened_at, first_action_at, sla_breached_at, tier "
        "FROM cases WHERE status = 'open' AND id > ?1 ORDER BY id LIMIT ?2");
    s.Bind(1, after).Bind(2, static_cast<int64_t>(limit));
    size_t seen = 0;
    while (s.Step()) {
      ++seen;
      OpenCaseSla c;
      c.id = s.Int(0);
      c.version = s.Int(1);
      c.queue = s.Text(2);
      c.reason = s.Text(3);
      c.opened_at = s.Int(4);
      c.first_action_at = s.OptInt(5);
      c.breach_recorded = !s.IsNull(6);
      c.escalated = !s.IsNull(7);
      fn(c);
    }
    return seen;
  }
  void ScanCaseHistory(Millis since, const std::function<void(HistoryCase&)>& fn) override {
    auto cs = db_->Prepare("SELECT c.id, c.reason, c.opened_at, " VIGIL_CONTENT_COLUMNS
                           " FROM cases c JOIN content ct ON ct.id = c.content_id"
                           " LEFT JOIN accounts a ON a.id = ct.author_id"
                           " WHERE c.opened_at >= ?1 ORDER BY c.id");
    cs.Bind(1, since);
    // Flags and decisions of the same cases, in case order, merged below. Cases are opened in id
    // order, so the first case id bounds both scans.
    auto fs = db_->Prepare(
        "SELECT f.case_id, f.received_at, f.source, f.reason, r.platform_id, f.duplicate"
        " FROM flags f LEFT JOIN accounts r ON r.id = f.reporter_id"
        " WHERE f.case_id >= ?1 ORDER BY f.case_id, f.id");
    auto ds = db_->Prepare(
        "SELECT case_id, id, actions, reverses, created_at, automated_decision FROM decisions"
        " WHERE case_id >= ?1 ORDER BY case_id, id");
    bool started = false, flag_row = false, decision_row = false;
    HistoryCase h;
    while (cs.Step()) {
      h.id = cs.Int(0);
      h.reason = cs.Text(1);
      h.opened_at = cs.Int(2);
      h.content = LoadContent(cs, 3);
      h.flags.clear();
      h.decisions.clear();
      if (!started) {
        fs.Bind(1, h.id);
        ds.Bind(1, h.id);
        flag_row = fs.Step();
        decision_row = ds.Step();
        started = true;
      }
      while (flag_row && fs.Int(0) < h.id) flag_row = fs.Step();
      while (flag_row && fs.Int(0) == h.id) {
        HistoryFlag f;
        f.received_at = fs.Int(1);
        f.source = ParseFlagSource(fs.Text(2)).value_or(FlagSource::kUser);
        f.reason = fs.Text(3);
        f.reporter_id = fs.Text(4);
        f.duplicate = fs.Int(5) != 0;
        h.flags.push_back(std::move(f));
        flag_row = fs.Step();
      }
      while (decision_row && ds.Int(0) < h.id) decision_row = ds.Step();
      while (decision_row && ds.Int(0) == h.id) {
        HistoryDecision d;
        d.id = ds.Int(1);
        auto acts = nlohmann::json::parse(ds.Text(2), nullptr, false);
        if (acts.is_array())
          for (const auto& a : acts)
            if (a.is_object() && a.contains("type") && a["type"].is_string())
              d.action_types.push_back(a["type"].get<std::string>());
        d.reverses = ds.IsNull(3) ? 0 : ds.Int(3);
        d.created_at = ds.Int(4);
        d.automated_decision = ds.Text(5);
        h.decisions.push_back(std::move(d));
        decision_row = ds.Step();
      }
      fn(h);
    }
  }
  void ScanStrikes(const std::function<void(const HistoryStrike&)>& fn) override {
    auto s = db_->Prepare(
        "SELECT a.platform_id, s.weight, s.created_at, s.expires_at, s.reversed"
        " FROM strikes s JOIN accounts a ON a.id = s.account_id ORDER BY s.id");
    while (s.Step()) fn({s.Text(0), s.Double(1), s.Int(2), s.Int(3), s.Int(4) != 0});
  }
  int64_t CountOutbox(const std::string& status) override {
    auto s = db_->Prepare("SELECT COUNT(*) FROM outbox WHERE status = ?1");  // via outbox_due
    s.Bind(1, status);
    s.Step();
    return s.Int(0);
  }
  std::vector<QueueStats> OpenQueueStats(Millis now) override {
    // Through indexes, queue by queue: one query over every open case took 2.2 s at a million
    // and held its read snapshot (and so the WAL's checkpoints) that long. Counting a queue's
    // open cases still walks its index entries (~50 ms a million); the rest are seeks.
    std::vector<QueueStats> out;
    std::string queue;
    for (;;) {
      auto next = db_->Prepare("SELECT queue FROM cases WHERE queue > ?1 ORDER BY queue LIMIT 1");
      next.Bind(1, queue);
      if (!next.Step()) break;
      queue = next.Text(0);
      auto open = db_->Prepare("SELECT COUNT(*) FROM cases WHERE queue = ?1 AND status = 'open'");
      open.Bind(1, queue);
      open.Step();
      if (open.Int(0) == 0) continue;
      auto oldest = db_->Prepare(  // cases_open_age
          "SELECT MIN(opened_at) FROM cases WHERE queue = ?1 AND status = 'open'");
      oldest.Bind(1, queue);
      oldest.Step();
      out.push_back({queue, open.Int(0), 0, oldest.OptInt(0)});
    }
    // Only claimed cases are in cases_claimed; the planner would otherwise walk cases_next.
    auto claimed = db_->Prepare(
        "SELECT queue, COUNT(*) FROM cases INDEXED BY cases_claimed WHERE claimed_by IS NOT NULL "
        "AND status = 'open' AND lease_until >= ?1 GROUP BY queue");
    claimed.Bind(1, now);
    while (claimed.Step()) {
      std::string q = claimed.Text(0);
      for (auto& st : out)
        if (st.queue == q) st.claimed = claimed.Int(1);
    }
    return out;
  }
  std::vector<CaseRow> ListCases(const CaseFilter& f) override {
    // Filters are optional: a NULL parameter disables its condition, so one prepared statement
    // serves every combination. Queues are matched against a comma-joined list.
#define VIGIL_CASE_FILTERS                                                                 \
  "c.id > ?1 AND (?2 IS NULL OR c.status = ?2) AND (?3 IS NULL OR c.reason = ?3) "          \
  "AND (?4 IS NULL OR instr(',' || ?4 || ',', ',' || c.queue || ',') > 0) "                 \
  "AND (?6 IS NULL OR (?6 = 0 AND c.claimed_by IS NULL) OR c.claimed_by = ?6) "             \
  "AND (?7 IS NULL OR instr(lower(ct.text), lower(?7)) > 0) AND (?8 IS NULL OR c.tier = ?8) "
    // By author, the scan starts from the author's content instead of walking every case:
    // content_authors up to its watermark, then the content above it (migration 17). Each item's
    // author is checked too: an entry another process left behind is passed over.
    auto s = f.author.empty()
                 ? db_->Prepare("SELECT " VIGIL_CASE_COLUMNS
                                " FROM cases c JOIN content ct ON ct.id = c.content_id "
                                "WHERE " VIGIL_CASE_FILTERS "ORDER BY c.id LIMIT ?5")
                 : db_->Prepare("SELECT " VIGIL_CASE_COLUMNS
                                " FROM content ct JOIN cases c ON c.content_id = ct.id "
                                "WHERE ct.id IN (" VIGIL_AUTHOR_CONTENT_SQL(VIGIL_ACCOUNT_PK_SQL(
                                    "?9")) ") AND ct.author_id = " VIGIL_ACCOUNT_PK_SQL("?9")
                                " AND " VIGIL_CASE_FILTERS "ORDER BY c.id LIMIT ?5");
#undef VIGIL_CASE_FILTERS
    s.Bind(1, f.after_id).BindText(2, f.status).BindText(3, f.reason);
    if (f.queues.empty()) s.BindNull(4); else s.Bind(4, JoinTeams(f.queues));
    s.Bind(5, f.limit).BindOpt(6, f.claimed_by).BindText(7, f.text).BindText(8, f.tier);
    if (!f.author.empty()) s.Bind(9, f.author);
    std::vector<CaseRow> out;
    while (s.Step()) out.push_back(LoadCase(s));
    return out;
  }
  std::optional<ContentRow> GetContent(const std::string& platform_id) override {
    auto s = db_->Prepare("SELECT " VIGIL_CONTENT_COLUMNS VIGIL_CONTENT_FROM
                          "WHERE ct.id = " VIGIL_CONTENT_PK_SQL("?1"));
    s.Bind(1, platform_id);
    if (s.Step()) return LoadContent(s);
    return std::nullopt;
  }
  std::optional<ContentRow> GetContentByPk(int64_t pk) override {
    auto s = db_->Prepare("SELECT " VIGIL_CONTENT_COLUMNS VIGIL_CONTENT_FROM "WHERE ct.id = ?1");
    s.Bind(1, pk);
    if (s.Step()) return LoadContent(s);
    return std::nullopt;
  }
  std::vector<events::Event> EventsOfSubject(const std::string& subject, int limit) override {
    std::vector<events::Event> out;
    auto s = db_->Prepare("SELECT " VIGIL_EVENT_COLUMNS
                          " FROM events WHERE subject = ?1 ORDER BY seq LIMIT ?2");
    s.Bind(1, subject).Bind(2, limit);
    while (s.Step()) out.push_back(LoadEvent(s));
    return out;
  }

  std::vector<events::Event> CaseTimeline(int64_t case_id, int limit) override {
    std::vector<events::Event> out;
    auto s = db_->Prepare(
        "SELECT " VIGIL_EVENT_COLUMNS " FROM events WHERE seq IN ("
        " SELECT event_seq FROM flags WHERE case_id = ?1"
        " UNION ALL SELECT seq FROM events WHERE subject = 'case:' || ?1) ORDER BY seq LIMIT ?2");
    s.Bind(1, case_id).Bind(2, limit);
    while (s.Step()) out.push_back(LoadEvent(s));
    return out;
  }
  std::optional<ContentAnalysisRow> GetContentAnalysis(int64_t content_pk) override {
    return QueryContentAnalysis(*db_, content_pk);
  }
  int64_t ContentRevision(int64_t content_pk) override {
    return QueryContentRevision(*db_, content_pk);
  }
  std::vector<CasePolicyStateRow> PolicyStatesOfCase(int64_t case_id) override {
    return QueryPolicyStates(*db_, case_id);
  }
  std::optional<CaseAutomationRow> GetCaseAutomation(int64_t case_id) override {
    return QueryCaseAutomation(*db_, case_id);
  }
  std::vector<int64_t> OpenCasesOfContent(int64_t content_pk) override {
    return QueryOpenCasesOfContent(*db_, content_pk);
  }
  std::vector<int64_t> UnanalysedContent(int64_t after, int limit) override {
    return QueryUnanalysedContent(*db_, after, limit);
  }
  std::vector<int64_t> UnevaluatedCases(int64_t after, int limit) override {
    return QueryUnevaluatedCases(*db_, after, limit);
  }
  void ScanEvents(int64_t from_seq, const std::function<bool(events::Event&)>& fn) override {
    // Storage order (rowid), not ORDER BY: verification must see a swap, not sort it away.
    auto s = db_->Prepare("SELECT " VIGIL_EVENT_COLUMNS " FROM events WHERE rowid >= ?1");
    s.Bind(1, from_seq);
    while (s.Step()) {
      auto e = LoadEvent(s);
      if (!fn(e)) break;
    }
  }
  void ScanFlags(const std::function<bool(FlagRow&)>& fn) override {
    auto s = db_->Prepare("SELECT " VIGIL_FLAG_COLUMNS VIGIL_FLAG_FROM "ORDER BY f.id");
    while (s.Step()) {
      auto f = LoadFlag(s);
      if (!fn(f)) break;
    }
  }
  void ScanContent(const std::function<bool(ContentRow&)>& fn) override {
    auto s = db_->Prepare("SELECT " VIGIL_CONTENT_COLUMNS VIGIL_CONTENT_FROM "ORDER BY ct.id");
    while (s.Step()) {
      auto c = LoadContent(s);
      if (!fn(c)) break;
    }
  }
  void ScanDecidedCases(Millis since, const std::function<bool(DecidedCaseRow&)>& fn) override {
    auto s = db_->Prepare(
        "SELECT c.id, ct.platform_id, c.reason, c.outcome, c.decided_at, ct.text, ct.language "
        "FROM cases c JOIN content ct ON ct.id = c.content_id "
        "WHERE c.outcome IS NOT NULL AND c.decided_at >= ?1 ORDER BY c.id");
    s.Bind(1, since);
    DecidedCaseRow row;
    while (s.Step()) {
      row.case_id = s.Int(0);
      row.content_id = s.Text(1);
      row.reason = s.Text(2);
      row.outcome = s.Text(3);
      row.decided_at = s.Int(4);
      row.text = s.Text(5);
      row.language = s.Text(6);
      if (!fn(row)) break;
    }
  }
  int64_t CountFlagsWithoutEvent() override {
    return Count(
        "SELECT COUNT(*) FROM flags f LEFT JOIN events e ON e.seq = f.event_seq "
        "WHERE e.seq IS NULL OR e.type <> 'flag.received' OR e.subject <> 'flag:' || f.id");
  }
  int64_t CountFlagEventsWithoutFlag() override {
    return Count(
        "SELECT COUNT(*) FROM events e LEFT JOIN flags f ON f.event_seq = e.seq "
        "WHERE e.type = 'flag.received' AND f.id IS NULL");
  }
  int64_t CountRowsWithMissingReference() override {
    return Count("SELECT COUNT(*) FROM pragma_foreign_key_check");
  }
  int64_t CountFlags() override { return Count("SELECT COUNT(*) FROM flags"); }
  int64_t CountEvents() override { return Count("SELECT COUNT(*) FROM events"); }
  int64_t LastEventSeq() override { return Count("SELECT COALESCE(MAX(seq), 0) FROM events"); }

 private:
  int64_t Count(const char* sql) {
    auto s = db_->Prepare(sql);
    s.Step();
    return s.Int(0);
  }

  ReadPool& pool_;
  std::unique_ptr<SqliteConn> db_;
};

}  // namespace

SqliteReadOnly::SqliteReadOnly(const std::string& data_dir)
    : pool_(std::make_unique<ReadPool>(data_dir + "/vigil.db")) {}
SqliteReadOnly::~SqliteReadOnly() = default;
std::unique_ptr<ReadTx> SqliteReadOnly::BeginRead() { return MakeSqliteReadTx(*pool_); }

std::unique_ptr<ReadTx> MakeSqliteReadTx(ReadPool& pool) {
  return std::make_unique<SqliteReadTx>(pool);
}

}  // namespace vigil::store
