// The storage interface: the only door to persistent state. Write work runs inside a WriteTx
// (one transaction, possibly shared by many requests through group commit, each request isolated
// by a savepoint); reads run inside a ReadTx (a consistent snapshot). SQLite implements it now; the
// operations are plain portable SQL so a PostgreSQL driver can implement the same interface.
// SQL failures throw StoreError (see sqlite_db.h); expected outcomes are return values.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/domain.h"
#include "events/chain.h"

namespace vigil::store {

struct UserRow {
  int64_t id = 0;
  std::string name;
  Role role = Role::kAgent;
  std::string password_hash;  // argon2id string, empty for integration clients
  std::vector<std::string> teams;
  bool disabled = false;
  Millis created_at = 0;
};

struct TokenRow {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string label;
  Millis created_at = 0;
  std::optional<Millis> revoked_at;
};

struct SessionRow {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string csrf;
  Millis expires_at = 0;
  std::optional<Millis> revoked_at;
};

struct IdempotencyRow {
  std::string request_hash;
  int status = 0;
  std::string response;
};

struct FlagRow {
  int64_t id = 0;
  int64_t case_id = 0;
  int64_t content_pk = 0;
  std::string content_id;  // platform id
  std::string reason;
  FlagSource source = FlagSource::kUser;
  std::string reporter_id;  // platform account id, empty when anonymous
  std::string explanation;
  std::string location_url;
  bool bona_fide = false;
  std::string contact_json;      // "" when none
  std::string legal_order_json;  // "" when none
  std::string metadata_json;
  bool duplicate = false;
  Millis received_at = 0;
  std::string principal;  // "token:N" / "user:N" / "cli" that submitted it
};

struct CaseRow {
  int64_t id = 0;
  int64_t content_pk = 0;
  std::string content_id;
  std::string status;  // open | decided | closed
  std::string queue;
  std::string reason;  // reason of the flag that opened it
  int64_t flag_count = 0;
  int64_t reporter_count = 0;
  Millis opened_at = 0;
  Millis updated_at = 0;
  int64_t version = 0;
  double priority = 0;
  int64_t claimed_by = 0;  // user id, 0 when unclaimed
  std::optional<Millis> lease_until;
  std::optional<Millis> decided_at;
  std::string outcome;  // "actioned" | "no_violation" once decided
  std::optional<Millis> first_action_at;
  std::string tier;            // escalation tier while escalated
  std::string escalated_from;  // the queue to hand back to
};

struct WebhookRow {
  int64_t id = 0;
  std::string url;
  std::string secret;
  std::vector<std::string> events;  // event types delivered ("*" = all)
  Millis created_at = 0;
  bool disabled = false;
};

// One message to one webhook. Written in the transaction of the change it reports; its id is
// the idempotency id receivers see on every attempt.
struct OutboxRow {
  int64_t id = 0;
  int64_t webhook_id = 0;
  std::string event_type;
  std::string body;
  std::string status;  // pending | delivered | dead
  int attempts = 0;
  Millis next_attempt_at = 0;
  std::optional<int> last_status;
  std::string last_error;
  Millis created_at = 0;
  std::optional<Millis> delivered_at;
};

struct AppealRow {
  int64_t id = 0;
  int64_t case_id = 0;
  int64_t decision_id = 0;
  std::string appellant_role;  // affected_user | notifier
  std::string appellant_id;
  std::string grounds;
  std::string status;  // open | upheld | overturned
  Millis created_at = 0;
  std::optional<Millis> decided_at;
  std::string decided_by;
  std::string outcome_note;
};

struct StrikeRow {
  int64_t id = 0;
  int64_t case_id = 0;
  int64_t decision_id = 0;
  double weight = 0;
  Millis created_at = 0;
  Millis expires_at = 0;
  bool reversed = false;
};

// A reporter's standing as a notifier (DSA Art. 23(2)).
struct ReporterStanding {
  int64_t unfounded_in_window = 0;  // unreversed manifestly-unfounded marks since `since`
  std::optional<Millis> warned_at;
  std::optional<Millis> deprioritized_until;
};

// What Vigil knows of a platform account: as an author (strikes) and as a reporter.
struct AccountProfile {
  int64_t pk = 0;
  Account account;
  std::vector<StrikeRow> strikes;
  int64_t flags_sent = 0, flags_decided = 0, flags_actioned = 0;
  ReporterStanding standing;
  std::optional<Millis> suspension_proposed_at;  // pending proposal (Art. 23(1))
  std::optional<Millis> suspended_until;
};

// The fields of an open case the SLA sweep needs.
struct OpenCaseSla {
  int64_t id = 0;
  int64_t version = 0;
  std::string queue;
  std::string reason;
  Millis opened_at = 0;
  std::optional<Millis> first_action_at;
  bool breach_recorded = false;
  bool escalated = false;
};

struct QueueStats {
  std::string queue;
  int64_t open = 0;
  int64_t claimed = 0;
  std::optional<Millis> oldest_opened_at;
};

// What the priority score of a case is computed from (see cases/priority.h), as stored.
// With track_record false, past_decided/past_actioned stay 0: cheaper when only the reporters
// themselves are needed (notices), not their history (priority).
struct CaseSignals {
  struct Reporter {
    std::string id;
    FlagSource source = FlagSource::kUser;
    std::optional<Millis> account_created_at;
    int64_t flags_on_case = 0;
    int64_t past_decided = 0;   // their flags on other cases that were decided...
    int64_t past_actioned = 0;  // ...and of those, the ones that led to action
    std::optional<Millis> deprioritized_until;  // Art. 23(2) misuse
  };
  std::string reason;
  std::string author_id;  // platform account id of the content's author, "" when unknown
  std::string language;
  Millis opened_at = 0;
  int64_t views = 0, followers = 0, shares = 0;
  int64_t flags_total = 0, flags_last_hour = 0;
  std::vector<Reporter> reporters;
  std::vector<std::string> legal_orders;  // legal_order JSON of legal-order flags
  double policy_priority = 0;             // adjustment asked by policies (case_automation)
  std::string policy_priority_why;
};

struct DecisionRow {
  int64_t id = 0;
  int64_t case_id = 0;
  std::string decided_by;    // actor
  std::string actions_json;  // JSON array of action objects
  std::string outcome;       // "actioned" | "no_violation"
  std::string policy_json;   // {"id", "version", "clause"} or ""
  std::string facts;
  std::string explanation;
  bool automated_detection = false;
  std::string automated_decision = "not_automated";  // fully | partially | not_automated
  int64_t reverses = 0;
  int64_t case_version = 0;
  Millis created_at = 0;
};

struct ContentRow {
  int64_t pk = 0;
  ContentItem item;
  Millis received_at = 0;
};

// A case as a backtest replays it (ReadTx::ScanCaseHistory): the content, every flag and every
// decision, oldest first.
struct HistoryFlag {
  Millis received_at = 0;
  FlagSource source = FlagSource::kUser;
  std::string reason;
  std::string reporter_id;  // platform account id, "" when anonymous
  bool duplicate = false;
};
struct HistoryDecision {
  int64_t id = 0;
  std::vector<std::string> action_types;  // in the order decided
  int64_t reverses = 0;
  Millis created_at = 0;
  std::string automated_decision;  // fully | partially | not_automated
};
struct HistoryCase {
  int64_t id = 0;
  std::string reason;
  Millis opened_at = 0;
  ContentRow content;
  std::vector<HistoryFlag> flags;
  std::vector<HistoryDecision> decisions;
};
// A strike as recorded (ReadTx::ScanStrikes).
struct HistoryStrike {
  std::string account_id;  // platform account id
  double weight = 0;
  Millis created_at = 0, expires_at = 0;
  bool reversed = false;
};

// A case with a standing decision and the content it is about, for replaying analysis against
// what people decided (vigil analysis report). A reversal is a decision too, so `outcome` is
// what stands after any reversal.
struct DecidedCaseRow {
  int64_t case_id = 0;
  std::string content_id;
  std::string reason;   // the reason the case opened with
  std::string outcome;  // "actioned" | "no_violation"
  Millis decided_at = 0;
  std::string text;
  std::string language;
};

// The stored analysis of a content item (analysis::AnalysisResult in its JSON form) and the
// content revision it was made from; content.revision grows when the text or language changes.
struct ContentAnalysisRow {
  int64_t content_pk = 0;
  int64_t revision = 0;          // of the content when analysed
  int64_t content_revision = 0;  // of the content now (reads only)
  Millis analysed_at = 0;
  int64_t event_seq = 0;      // the content.analysed event, which holds the analysis
  std::string analysis_json;  // its payload's "analysis" (reads only)
};

// The latest evaluation of one policy on one case (the projection of its policy.evaluated
// events): what automation did, or the question the case waits on.
struct CasePolicyStateRow {
  int64_t case_id = 0;
  std::string policy_id;
  int version = 0;
  std::string mode;             // active | shadow
  std::string status;           // outcome | question | no_match
  std::string question;         // the question's name while status is question
  std::string digest;           // of the evaluation, so an identical one is not recorded twice
  std::string answers_json;     // a reviewer's answers so far ({question: answer}); the walk
                                // itself is the event at event_seq
  int64_t event_seq = 0;
  Millis updated_at = 0;
};

// What automation has seen of a case: the newest flag and content revision it evaluated, and
// the priority adjustment its policies ask for.
struct CaseAutomationRow {
  int64_t case_id = 0;
  int64_t last_flag_id = 0;
  int64_t content_revision = 0;
  double priority_adjust = 0;
  std::string priority_why;
  Millis evaluated_at = 0;
};

struct CaseFilter {
  std::string status;                 // "" = any
  std::vector<std::string> queues;    // empty = any
  std::string reason;                 // "" = any
  std::optional<int64_t> claimed_by;  // a user id; 0 = unclaimed; nullopt = any
  std::string text;                   // case-insensitive substring of the content text
  std::string tier;                   // escalation tier, "" = any
  std::string author;                 // platform id of the content's author, "" = any
  int64_t after_id = 0;               // keyset pagination
  int limit = 50;
};

// One stored version of a policy: its full YAML text and who made it, when and why.
struct PolicyVersionRow {
  std::string policy_id;
  int version = 0;
  std::string yaml;  // empty in listings
  std::string author;
  std::string reason;
  Millis created_at = 0;
};

// Which versions of a policy exist and run (0: none).
struct PolicyStateRow {
  std::string policy_id;
  int latest_version = 0;
  int active_version = 0;
  int shadow_version = 0;
};

class WriteTx {
 public:
  virtual ~WriteTx() = default;

  // Isolation of one request inside a shared group-commit transaction.
  virtual void Savepoint() = 0;
  virtual void RollbackToSavepoint() = 0;
  virtual void ReleaseSavepoint() = 0;

  // Appends an event to the hash chain; fills seq, prev_hash and hash. Returns seq.
  virtual int64_t AppendEvent(events::Event& e) = 0;
  int64_t AppendEvent(events::Event&& e) { return AppendEvent(e); }

  // Platform accounts (authors, reporters). Returns the row id; fills gaps on re-sight.
  // `*created` (when given) tells whether this call inserted the account.
  virtual int64_t UpsertAccount(const Account& a, Millis now, bool* created = nullptr) = 0;
  // Inserts or replaces a content item. Returns {pk, created}.
  virtual std::pair<int64_t, bool> UpsertContent(const ContentItem& c, int64_t author_pk,
                                                 Millis now) = 0;
  virtual std::optional<int64_t> FindContentPk(const std::string& platform_id) = 0;

  virtual std::optional<int64_t> FindOpenCase(int64_t content_pk) = 0;
  // Opens a case already counting its first flag (from reporter_pk, 0 when anonymous): the
  // same state as opening it, AddCaseReporter and BumpCase, in fewer writes. `priority` is its
  // initial score when the caller could compute it (0: scored later).
  virtual int64_t OpenCase(int64_t content_pk, const std::string& queue, const std::string& reason,
                           int64_t reporter_pk, Millis now, double priority) = 0;
  // Records that a reporter flagged a case; false when they already had.
  virtual bool AddCaseReporter(int64_t case_id, int64_t reporter_pk) = 0;
  // Counts one more flag on an existing case.
  virtual void BumpCase(int64_t case_id, bool new_reporter, Millis now) = 0;
  virtual int64_t InsertFlag(const FlagRow& f, int64_t reporter_pk, int64_t event_seq) = 0;
  virtual int64_t NextFlagId() = 0;

  // Case workflow.
  virtual std::optional<CaseRow> GetCase(int64_t id) = 0;
  virtual CaseSignals LoadCaseSignals(int64_t case_id, Millis now, bool track_record) = 0;
  virtual void SetCasePriority(int64_t case_id, double priority) = 0;
  // Claims the highest-priority open case of `queue` that is unclaimed or whose lease expired.
  virtual std::optional<int64_t> ClaimNext(const std::string& queue, int64_t user_id, Millis now,
                                           Millis lease_until) = 0;
  // Ends a claim held by `user_id` (any holder when user_id is 0). False when not held.
  virtual bool ReleaseClaim(int64_t case_id, int64_t user_id) = 0;
  // Records the decision and closes the case if it is still at `d.case_version`; returns the
  // decision id, or nullopt when the case moved on (stale version).
  virtual std::optional<int64_t> InsertDecision(const DecisionRow& d, int64_t event_seq) = 0;
  virtual std::vector<DecisionRow> DecisionsOfCase(int64_t case_id) = 0;
  // Moves an open case to `queue` (escalation or hand-back), ending any claim and counting as
  // a first action. `tier`/`from` empty clear the escalation. False when the case is not open
  // or not at `version`.
  virtual bool MoveCase(int64_t case_id, int64_t version, const std::string& queue,
                        const std::string& tier, const std::string& from, Millis now) = 0;
  // Automation (analysis and policies on intake).
  virtual void PutContentAnalysis(const ContentAnalysisRow& r) = 0;
  virtual void PutPolicyState(const CasePolicyStateRow& r) = 0;
  virtual void PutCaseAutomation(const CaseAutomationRow& r) = 0;
  virtual std::optional<CaseAutomationRow> GetCaseAutomation(int64_t case_id) = 0;
  // Webhooks and the outbox.
  virtual int64_t InsertWebhook(const WebhookRow& w) = 0;
  // Queues `body` for every active webhook subscribed to `event_type`; returns rows written.
  virtual int64_t EnqueueOutbox(const std::string& event_type, const std::string& body,
                                Millis now) = 0;
  // Outbox rows EnqueueOutbox wrote in this transaction so far (rolled-back ones included): a
  // job compares it before and after to know whether the delivery worker has anything new.
  virtual int64_t OutboxRowsQueued() const = 0;
  virtual void MarkOutbox(int64_t id, const std::string& status, int attempts,
                          Millis next_attempt_at, std::optional<int> last_status,
                          const std::string& last_error, std::optional<Millis> delivered_at) = 0;
  virtual std::optional<OutboxRow> GetOutbox(int64_t id) = 0;
  // Appeals: a decided case reopens in the appeals queue while its appeal is open.
  virtual int64_t InsertAppeal(const AppealRow& a) = 0;
  virtual std::optional<AppealRow> GetAppeal(int64_t id) = 0;
  virtual void CloseAppeal(int64_t id, const std::string& status, const std::string& decided_by,
                           const std::string& note, Millis now) = 0;
  // Reopens a decided case at `version` in `queue` (tier "appeal"); false when it moved on.
  virtual bool ReopenForAppeal(int64_t case_id, int64_t version, const std::string& queue,
                               Millis now) = 0;
  // Returns an appealed case to decided, back in the queue it came from.
  virtual bool CloseReopenedCase(int64_t case_id, int64_t version, Millis now) = 0;
  // Strikes against the author of a case's content. Returns the author's pk, 0 when none.
  virtual int64_t CaseAuthor(int64_t case_id) = 0;
  virtual void InsertStrike(int64_t account_pk, const StrikeRow& s) = 0;
  // Sum of the weights of unexpired, unreversed strikes.
  virtual double ActiveStrikeWeight(int64_t account_pk, Millis now) = 0;
  // Reverses the strikes a decision gave; returns how many.
  virtual int64_t ReverseStrikes(int64_t decision_id) = 0;
  // Suspension proposals: a pending proposal, resolved by a person (suspend or dismiss).
  virtual std::optional<int64_t> FindAccountPk(const std::string& platform_id) = 0;
  virtual void ProposeSuspension(int64_t account_pk, Millis now) = 0;
  // Clears a pending proposal, setting `suspended_until` when the account is suspended; false
  // (and nothing changed) when no proposal was pending.
  virtual bool ResolveSuspension(int64_t account_pk, std::optional<Millis> suspended_until) = 0;
  // Misuse by notifiers: the accounts (pk, platform id) that reported the case as `source`.
  virtual std::vector<std::pair<int64_t, std::string>> CaseReporters(int64_t case_id,
                                                                     FlagSource source) = 0;
  virtual void InsertMisuseMark(int64_t account_pk, int64_t case_id, int64_t decision_id,
                                Millis now) = 0;
  virtual ReporterStanding GetReporterStanding(int64_t account_pk, Millis since) = 0;
  virtual void SetMisuseWarned(int64_t account_pk, Millis at) = 0;
  virtual void SetDeprioritizedUntil(int64_t account_pk, std::optional<Millis> until) = 0;
  // Reverses the marks a decision gave; returns the accounts (pk, platform id) concerned.
  virtual std::vector<std::pair<int64_t, std::string>> ReverseMisuseMarks(int64_t decision_id) = 0;
  // Marks the case's SLA as breached; false when it already was.
  virtual bool RecordSlaBreach(int64_t case_id, Millis now) = 0;

  // Policy versions. InsertPolicyVersion stores the next version of `v.policy_id` (1 for a new
  // policy) and returns its number.
  virtual int InsertPolicyVersion(const PolicyVersionRow& v, int64_t event_seq) = 0;
  virtual std::optional<PolicyStateRow> GetPolicyState(const std::string& policy_id) = 0;
  // `version` 0: the latest.
  virtual std::optional<PolicyVersionRow> GetPolicyVersion(const std::string& policy_id,
                                                           int version) = 0;
  // Makes `version` the active one and records the activation.
  virtual void ActivatePolicyVersion(const std::string& policy_id, int version, Millis now) = 0;
  // Undoes the newest activation and makes the one before it active again; returns that
  // version, or nullopt (and nothing changed) when there is no earlier activation.
  virtual std::optional<int> RollBackPolicyActivation(const std::string& policy_id) = 0;
  // `version` 0: no shadow.
  virtual void SetPolicyShadow(const std::string& policy_id, int version) = 0;

  virtual std::optional<IdempotencyRow> FindIdempotency(const std::string& principal,
                                                        const std::string& key) = 0;
  virtual void SaveIdempotency(const std::string& principal, const std::string& key,
                               const IdempotencyRow& row, Millis now) = 0;

  virtual std::optional<UserRow> FindUserByName(const std::string& name) = 0;
  virtual int64_t InsertUser(const UserRow& u) = 0;
  virtual void SetUserDisabled(int64_t user_id, bool disabled) = 0;
  // A user's preferences, a JSON object (the console's wellness setting).
  virtual void SetUserPreferences(int64_t user_id, const std::string& json) = 0;
  virtual void SetUserPassword(int64_t user_id, const std::string& hash) = 0;
  virtual int64_t InsertToken(int64_t user_id, const std::string& token_hash,
                              const std::string& label, Millis now) = 0;
  virtual bool RevokeToken(int64_t token_id, Millis now) = 0;
  virtual int64_t InsertSession(int64_t user_id, const std::string& token_hash,
                                const std::string& csrf, Millis now, Millis expires) = 0;
  virtual bool RevokeSession(int64_t session_id, Millis now) = 0;
  virtual int64_t RevokeUserSessions(int64_t user_id, Millis now) = 0;
};

class ReadTx {
 public:
  virtual ~ReadTx() = default;
  virtual std::optional<UserRow> FindUserByName(const std::string& name) = 0;
  virtual std::optional<UserRow> FindUserById(int64_t id) = 0;
  virtual std::vector<UserRow> ListUsers() = 0;
  // "{}" when none were saved (or no such user).
  virtual std::string UserPreferences(int64_t user_id) = 0;
  // Active (not revoked) token by hash, with its row.
  virtual std::optional<TokenRow> FindActiveToken(const std::string& token_hash) = 0;
  virtual std::vector<TokenRow> ListTokens(int64_t user_id) = 0;
  virtual std::optional<SessionRow> FindSession(const std::string& token_hash) = 0;

  virtual std::optional<FlagRow> GetFlag(int64_t id) = 0;
  virtual std::vector<FlagRow> FlagsOfCase(int64_t case_id, int limit) = 0;
  virtual std::optional<CaseRow> GetCase(int64_t id) = 0;
  virtual CaseSignals LoadCaseSignals(int64_t case_id, Millis now, bool track_record) = 0;
  virtual std::vector<DecisionRow> DecisionsOfCase(int64_t case_id) = 0;
  virtual std::vector<QueueStats> OpenQueueStats(Millis now) = 0;
  // Open cases with id > `after`, in id order, at most `limit`; returns how many were seen. The
  // SLA sweep pages through them a read transaction per page.
  virtual size_t ScanOpenCases(int64_t after, size_t limit,
                               const std::function<void(const OpenCaseSla&)>& fn) = 0;
  // Every case opened at or after `since`, by id, with its content, flags and decisions;
  // streamed (three ordered scans merged by case id), so a million cases never load at once.
  virtual void ScanCaseHistory(Millis since, const std::function<void(HistoryCase&)>& fn) = 0;
  virtual void ScanStrikes(const std::function<void(const HistoryStrike&)>& fn) = 0;
  virtual std::vector<WebhookRow> ListWebhooks() = 0;
  virtual std::vector<AppealRow> AppealsOfCase(int64_t case_id) = 0;
  // Misuse marks are counted from `misuse_since` (the configured window).
  virtual std::optional<AccountProfile> GetAccountProfile(const std::string& platform_id,
                                                          Millis misuse_since) = 0;
  // Platform ids of accounts with a pending suspension proposal, oldest first.
  virtual std::vector<std::string> PendingSuspensionProposals(int limit) = 0;
  virtual std::vector<OutboxRow> DueOutbox(Millis now, int limit) = 0;
  virtual std::vector<OutboxRow> ListOutbox(const std::string& status, int limit) = 0;
  // Outbox rows waiting for delivery and dead-lettered (delivered ones are not counted).
  virtual int64_t CountOutbox(const std::string& status) = 0;
  virtual std::vector<CaseRow> ListCases(const CaseFilter& f) = 0;
  virtual std::optional<ContentRow> GetContent(const std::string& platform_id) = 0;
  virtual std::optional<ContentRow> GetContentByPk(int64_t pk) = 0;
  virtual std::vector<events::Event> EventsOfSubject(const std::string& subject, int limit) = 0;
  // Every event about the case and its flags, in log order.
  virtual std::vector<events::Event> CaseTimeline(int64_t case_id, int limit) = 0;

  // Every policy with its versions in force, ordered by id.
  virtual std::vector<PolicyStateRow> ListPolicies() = 0;
  // A policy's versions, oldest first, without their text.
  virtual std::vector<PolicyVersionRow> PolicyVersions(const std::string& policy_id) = 0;
  // `version` 0: the latest.
  virtual std::optional<PolicyVersionRow> GetPolicyVersion(const std::string& policy_id,
                                                           int version) = 0;
  // Automation: stored analyses, policy states, and the work left when the process stopped.
  virtual std::optional<ContentAnalysisRow> GetContentAnalysis(int64_t content_pk) = 0;
  virtual int64_t ContentRevision(int64_t content_pk) = 0;  // 0 when no such content
  virtual std::vector<CasePolicyStateRow> PolicyStatesOfCase(int64_t case_id) = 0;
  virtual std::optional<CaseAutomationRow> GetCaseAutomation(int64_t case_id) = 0;
  virtual std::vector<int64_t> OpenCasesOfContent(int64_t content_pk) = 0;
  // Content whose current revision has no analysis, and open cases with a flag or content
  // revision automation has not evaluated; ids above `after`, ascending, at most `limit`.
  virtual std::vector<int64_t> UnanalysedContent(int64_t after, int limit) = 0;
  virtual std::vector<int64_t> UnevaluatedCases(int64_t after, int limit) = 0;

  // Streams in id/seq order; the callback returns false to stop.
  virtual void ScanEvents(int64_t from_seq, const std::function<bool(events::Event&)>& fn) = 0;
  virtual void ScanFlags(const std::function<bool(FlagRow&)>& fn) = 0;
  virtual void ScanContent(const std::function<bool(ContentRow&)>& fn) = 0;
  // Cases whose standing decision was made at or after `since`, in case id order, one row at a
  // time (a million cases are never in memory at once).
  virtual void ScanDecidedCases(Millis since,
                                const std::function<bool(DecidedCaseRow&)>& fn) = 0;
  // Projection consistency: flags without a flag.received event and vice versa.
  virtual int64_t CountFlagsWithoutEvent() = 0;
  virtual int64_t CountFlagEventsWithoutFlag() = 0;
  // Rows whose reference to another row (a foreign key) finds none: a row deleted or written
  // behind the store's back.
  virtual int64_t CountRowsWithMissingReference() = 0;
  virtual int64_t CountFlags() = 0;
  // The newest event's sequence number (0 when none): O(log n), unlike counting.
  virtual int64_t LastEventSeq() = 0;
  virtual int64_t CountEvents() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Opens a write transaction (BEGIN IMMEDIATE). Commit() makes it durable; destroying an
  // uncommitted WriteTx rolls it back. Only one writer at a time: callers serialize.
  virtual std::unique_ptr<WriteTx> BeginWrite() = 0;
  virtual void Commit(WriteTx& tx) = 0;
  virtual std::unique_ptr<ReadTx> BeginRead() = 0;
  virtual int SchemaVersion() = 0;
  // Upkeep the writer runs between two transactions, after the answers of the last one went
  // out, so that no acknowledgement waits for it (SQLite: bringing a grown WAL back to its
  // start). `idle`: nothing is waiting for the writer.
  virtual void Maintain(bool idle) { (void)idle; }
};

// Opens the SQLite store in `data_dir/vigil.db`, applying pending migrations.
std::unique_ptr<Store> OpenSqliteStore(const std::string& data_dir);

class ReadPool;
// Reads of `data_dir/vigil.db` as it is: read-only connections, no migration, no writer (for
// checking a copy without changing it).
class SqliteReadOnly {
 public:
  explicit SqliteReadOnly(const std::string& data_dir);
  ~SqliteReadOnly();
  std::unique_ptr<ReadTx> BeginRead();  // valid while this object lives

 private:
  std::unique_ptr<ReadPool> pool_;
};

}  // namespace vigil::store
