#include "store/sqlite_schema.h"

namespace vigil::store {

const std::vector<Migration>& SqliteMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "core: events, accounts, content, cases, flags, users, tokens, sessions", R"SQL(
CREATE TABLE events (
  seq        INTEGER PRIMARY KEY,
  ts         INTEGER NOT NULL,
  type       TEXT NOT NULL,
  subject    TEXT NOT NULL,
  actor      TEXT NOT NULL,
  payload    TEXT NOT NULL,
  prev_hash  BLOB NOT NULL,
  hash       BLOB NOT NULL
);
CREATE INDEX events_subject ON events(subject, seq);

CREATE TABLE accounts (
  id           INTEGER PRIMARY KEY,
  platform_id  TEXT NOT NULL UNIQUE,
  created_at   INTEGER,
  display_name TEXT,
  first_seen   INTEGER NOT NULL
);

CREATE TABLE content (
  id           INTEGER PRIMARY KEY,
  platform_id  TEXT NOT NULL UNIQUE,
  type         TEXT NOT NULL,
  text         TEXT,
  url          TEXT,
  media        TEXT,
  author_id    INTEGER REFERENCES accounts(id),
  created_at   INTEGER,
  views        INTEGER NOT NULL DEFAULT 0,
  followers    INTEGER NOT NULL DEFAULT 0,
  shares       INTEGER NOT NULL DEFAULT 0,
  language     TEXT,
  metadata     TEXT,
  received_at  INTEGER NOT NULL
);
CREATE INDEX content_author ON content(author_id);

CREATE TABLE cases (
  id             INTEGER PRIMARY KEY,
  content_id     INTEGER NOT NULL REFERENCES content(id),
  status         TEXT NOT NULL,
  queue          TEXT NOT NULL,
  reason         TEXT NOT NULL,
  flag_count     INTEGER NOT NULL DEFAULT 0,
  reporter_count INTEGER NOT NULL DEFAULT 0,
  opened_at      INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX cases_content_status ON cases(content_id, status);
CREATE INDEX cases_queue_status ON cases(queue, status, id);

CREATE TABLE case_reporters (
  case_id     INTEGER NOT NULL REFERENCES cases(id),
  reporter_id INTEGER NOT NULL REFERENCES accounts(id),
  PRIMARY KEY (case_id, reporter_id)
);

CREATE TABLE flags (
  id           INTEGER PRIMARY KEY,
  case_id      INTEGER NOT NULL REFERENCES cases(id),
  content_id   INTEGER NOT NULL REFERENCES content(id),
  reason       TEXT NOT NULL,
  source       TEXT NOT NULL,
  reporter_id  INTEGER REFERENCES accounts(id),
  explanation  TEXT,
  location_url TEXT,
  bona_fide    INTEGER NOT NULL DEFAULT 0,
  contact      TEXT,
  legal_order  TEXT,
  metadata     TEXT,
  duplicate    INTEGER NOT NULL DEFAULT 0,
  received_at  INTEGER NOT NULL,
  principal    TEXT NOT NULL,
  event_seq    INTEGER NOT NULL UNIQUE REFERENCES events(seq)
);
CREATE INDEX flags_case ON flags(case_id, id);
CREATE INDEX flags_reporter ON flags(reporter_id, id);

CREATE TABLE idempotency (
  principal    TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status       INTEGER NOT NULL,
  response     TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (principal, key)
);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  role          TEXT NOT NULL,
  password_hash TEXT,
  teams         TEXT NOT NULL DEFAULT '',
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  token_hash BLOB NOT NULL UNIQUE,
  label      TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

CREATE TABLE sessions (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  token_hash BLOB NOT NULL UNIQUE,
  csrf       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
)SQL"},
      {2, "case workflow: priority, claims, decisions", R"SQL(
ALTER TABLE cases ADD COLUMN priority REAL NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN claimed_by INTEGER REFERENCES users(id);
ALTER TABLE cases ADD COLUMN lease_until INTEGER;
ALTER TABLE cases ADD COLUMN first_action_at INTEGER;
ALTER TABLE cases ADD COLUMN decided_at INTEGER;
ALTER TABLE cases ADD COLUMN outcome TEXT;
CREATE INDEX cases_next ON cases(queue, status, priority DESC, id);

CREATE TABLE decisions (
  id                  INTEGER PRIMARY KEY,
  case_id             INTEGER NOT NULL REFERENCES cases(id),
  decided_by          TEXT NOT NULL,
  actions             TEXT NOT NULL,
  outcome             TEXT NOT NULL,
  policy              TEXT,
  facts               TEXT,
  explanation         TEXT,
  automated_detection INTEGER NOT NULL DEFAULT 0,
  automated_decision  TEXT NOT NULL,
  reverses            INTEGER REFERENCES decisions(id),
  case_version        INTEGER NOT NULL,
  created_at          INTEGER NOT NULL,
  event_seq           INTEGER NOT NULL REFERENCES events(seq)
);
CREATE INDEX decisions_case ON decisions(case_id, id);
)SQL"},
      {3, "escalation tiers", R"SQL(
ALTER TABLE cases ADD COLUMN tier TEXT;
ALTER TABLE cases ADD COLUMN escalated_from TEXT;
)SQL"},
      {4, "SLA breaches", R"SQL(
ALTER TABLE cases ADD COLUMN sla_breached_at INTEGER;
)SQL"},
      {5, "enforcement webhooks and their outbox", R"SQL(
CREATE TABLE webhooks (
  id         INTEGER PRIMARY KEY,
  url        TEXT NOT NULL,
  secret     TEXT NOT NULL,
  events     TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  disabled   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  webhook_id      INTEGER NOT NULL REFERENCES webhooks(id),
  event_type      TEXT NOT NULL,
  body            TEXT NOT NULL,
  status          TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status     INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  delivered_at    INTEGER
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
)SQL"},
      {6, "claims by reviewer", R"SQL(
CREATE INDEX cases_claimed ON cases(claimed_by, queue, status) WHERE claimed_by IS NOT NULL;
)SQL"},
      {7, "appeals", R"SQL(
CREATE TABLE appeals (
  id             INTEGER PRIMARY KEY,
  case_id        INTEGER NOT NULL REFERENCES cases(id),
  decision_id    INTEGER NOT NULL REFERENCES decisions(id),
  appellant_role TEXT NOT NULL,
  appellant_id   TEXT NOT NULL,
  grounds        TEXT NOT NULL,
  status         TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  decided_at     INTEGER,
  decided_by     TEXT,
  outcome_note   TEXT
);
CREATE INDEX appeals_case ON appeals(case_id, id);
)SQL"},
      {8, "strikes", R"SQL(
CREATE TABLE strikes (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER NOT NULL REFERENCES accounts(id),
  case_id     INTEGER NOT NULL REFERENCES cases(id),
  decision_id INTEGER NOT NULL REFERENCES decisions(id),
  weight      REAL NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  reversed    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX strikes_account ON strikes(account_id, expires_at);
)SQL"},
      {9, "reporter misuse (DSA Art. 23(2))", R"SQL(
CREATE TABLE misuse_marks (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER NOT NULL REFERENCES accounts(id),
  case_id     INTEGER NOT NULL REFERENCES cases(id),
  decision_id INTEGER NOT NULL REFERENCES decisions(id),
  created_at  INTEGER NOT NULL,
  reversed    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX misuse_marks_account ON misuse_marks(account_id, created_at);
CREATE INDEX misuse_marks_decision ON misuse_marks(decision_id);
ALTER TABLE accounts ADD COLUMN misuse_warned_at INTEGER;
ALTER TABLE accounts ADD COLUMN deprioritized_until INTEGER;
)SQL"},
      {10, "suspension proposals (DSA Art. 23(1))", R"SQL(
ALTER TABLE accounts ADD COLUMN suspension_proposed_at INTEGER;
ALTER TABLE accounts ADD COLUMN suspended_until INTEGER;
CREATE INDEX accounts_suspension_proposed ON accounts(suspension_proposed_at)
  WHERE suspension_proposed_at IS NOT NULL;
)SQL"},
      {11, "leaner intake writes", R"SQL(
-- cases_next (queue, status, priority, id) serves every lookup this index served.
DROP INDEX cases_queue_status;
-- The primary key is the row: one B-tree insert per reporter of a case instead of two.
CREATE TABLE case_reporters_new (
  case_id     INTEGER NOT NULL REFERENCES cases(id),
  reporter_id INTEGER NOT NULL REFERENCES accounts(id),
  PRIMARY KEY (case_id, reporter_id)
) WITHOUT ROWID;
INSERT INTO case_reporters_new SELECT case_id, reporter_id FROM case_reporters;
DROP TABLE case_reporters;
ALTER TABLE case_reporters_new RENAME TO case_reporters;
)SQL"},
      {12, "policy versions: every version's text, the active and shadow version, activations",
       R"SQL(
CREATE TABLE policy_versions (
  policy_id  TEXT NOT NULL,
  version    INTEGER NOT NULL,
  yaml       TEXT NOT NULL,
  author     TEXT NOT NULL,
  reason     TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  event_seq  INTEGER NOT NULL REFERENCES events(seq),
  PRIMARY KEY (policy_id, version)
);
CREATE TABLE policies (
  id             TEXT PRIMARY KEY,
  latest_version INTEGER NOT NULL,
  active_version INTEGER,
  shadow_version INTEGER
);
-- Every activation in order; a rollback marks the newest one rolled back and returns to the
-- one before it, so repeated rollbacks walk back through history.
CREATE TABLE policy_activations (
  id           INTEGER PRIMARY KEY,
  policy_id    TEXT NOT NULL,
  version      INTEGER NOT NULL,
  activated_at INTEGER NOT NULL,
  rolled_back  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX policy_activations_policy ON policy_activations(policy_id, id);
)SQL"},
      {13, "analysis and policies on intake", R"SQL(
-- Grows when a content item's text or language changes: what analysis depends on.
ALTER TABLE content ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
CREATE TABLE content_analysis (
  content_id   INTEGER PRIMARY KEY REFERENCES content(id),
  revision     INTEGER NOT NULL,
  analysed_at  INTEGER NOT NULL,
  event_seq    INTEGER NOT NULL  -- content.analysed: the analysis is its payload
);
CREATE TABLE case_automation (
  case_id          INTEGER PRIMARY KEY REFERENCES cases(id),
  last_flag_id     INTEGER NOT NULL,
  content_revision INTEGER NOT NULL,
  priority_adjust  REAL NOT NULL DEFAULT 0,
  priority_why     TEXT NOT NULL DEFAULT '',
  evaluated_at     INTEGER NOT NULL
);
CREATE TABLE case_policy_state (
  case_id     INTEGER NOT NULL REFERENCES cases(id),
  policy_id   TEXT NOT NULL,
  version     INTEGER NOT NULL,
  mode        TEXT NOT NULL,
  status      TEXT NOT NULL,
  question    TEXT NOT NULL,
  digest      TEXT NOT NULL,
  answers     TEXT NOT NULL,
  event_seq   INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (case_id, policy_id)
);
)SQL"},
      {14, "per-user preferences (the console's wellness setting)", R"SQL(
ALTER TABLE users ADD COLUMN preferences TEXT NOT NULL DEFAULT '{}';
)SQL"},
      {15, "the oldest open case of a queue without a scan", R"SQL(
-- Open cases only: a decided case leaves it. Queue depth pages and /metrics read the oldest
-- open case of each queue here instead of scanning every open case (2.2 s at a million).
CREATE INDEX cases_open_age ON cases(queue, opened_at) WHERE status = 'open';
)SQL"},
      {16, "platform ids mapped in the background (sqlite_platform_ids.h)", R"SQL(
-- The platform ids of accounts and content lose their unique index: it cost the commit a client
-- waits for a random leaf page per new id. account_ids and content_ids map them instead, filled
-- by the writer in the background up to platform_id_index.indexed_upto; rows above it are
-- looked up by a scan of that short tail.
CREATE TABLE accounts_new (
  id                     INTEGER PRIMARY KEY,
  platform_id            TEXT NOT NULL,
  created_at             INTEGER,
  display_name           TEXT,
  first_seen             INTEGER NOT NULL,
  misuse_warned_at       INTEGER,
  deprioritized_until    INTEGER,
  suspension_proposed_at INTEGER,
  suspended_until        INTEGER
);
INSERT INTO accounts_new(id, platform_id, created_at, display_name, first_seen, misuse_warned_at,
                         deprioritized_until, suspension_proposed_at, suspended_until)
  SELECT id, platform_id, created_at, display_name, first_seen, misuse_warned_at,
         deprioritized_until, suspension_proposed_at, suspended_until FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
CREATE INDEX accounts_suspension_proposed ON accounts(suspension_proposed_at)
  WHERE suspension_proposed_at IS NOT NULL;

CREATE TABLE content_new (
  id           INTEGER PRIMARY KEY,
  platform_id  TEXT NOT NULL,
  type         TEXT NOT NULL,
  text         TEXT,
  url          TEXT,
  media        TEXT,
  author_id    INTEGER REFERENCES accounts(id),
  created_at   INTEGER,
  views        INTEGER NOT NULL DEFAULT 0,
  followers    INTEGER NOT NULL DEFAULT 0,
  shares       INTEGER NOT NULL DEFAULT 0,
  language     TEXT,
  metadata     TEXT,
  received_at  INTEGER NOT NULL,
  revision     INTEGER NOT NULL DEFAULT 1
);
INSERT INTO content_new(id, platform_id, type, text, url, media, author_id, created_at, views,
                        followers, shares, language, metadata, received_at, revision)
  SELECT id, platform_id, type, text, url, media, author_id, created_at, views, followers,
         shares, language, metadata, received_at, revision FROM content;
DROP TABLE content;
ALTER TABLE content_new RENAME TO content;
CREATE INDEX content_author ON content(author_id);

CREATE TABLE account_ids (
  platform_id TEXT PRIMARY KEY,
  account_id  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO account_ids SELECT platform_id, id FROM accounts ORDER BY platform_id;
CREATE TABLE content_ids (
  platform_id TEXT PRIMARY KEY,
  content_id  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO content_ids SELECT platform_id, id FROM content ORDER BY platform_id;
CREATE TABLE platform_id_index (
  kind         TEXT PRIMARY KEY,
  indexed_upto INTEGER NOT NULL
);
INSERT INTO platform_id_index VALUES
  ('account', (SELECT COALESCE(MAX(id), 0) FROM accounts)),
  ('content', (SELECT COALESCE(MAX(id), 0) FROM content));
)SQL",
       /*rebuilds_referenced_tables=*/true},
      {17, "content by author indexed in the background (IndexContentAuthors)", R"SQL(
-- Each new content item put an entry into this index at its author's place: a random leaf page
-- per item in every commit (in bench_ingest's batches, 44% of the pages a commit wrote). The
-- writer now fills content_authors in the background, sorted, many items a transaction, up to
-- platform_id_index.indexed_upto of kind 'content_author'; readers scan the content above it.
DROP INDEX content_author;
CREATE TABLE content_authors (
  author_id  INTEGER NOT NULL,
  content_id INTEGER NOT NULL,
  PRIMARY KEY (author_id, content_id)
) WITHOUT ROWID;
INSERT INTO content_authors
  SELECT author_id, id FROM content WHERE author_id IS NOT NULL ORDER BY author_id, id;
INSERT INTO platform_id_index VALUES
  ('content_author', (SELECT COALESCE(MAX(id), 0) FROM content));
)SQL"},
  };
  return migrations;
}

}  // namespace vigil::store
