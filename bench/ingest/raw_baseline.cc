// The raw SQLite baselines of bench_ingest: the rows one flag on new content from a new reporter
// produces (content, the reporter's account, both platform id mappings, case and its reporter,
// flag and event rows, on Vigil's own schema and indexes, WAL, synchronous=FULL) inserted with
// prepared statements in 10,000-row transactions, without JSON parsing, validation, hashing or
// HTTP. It is what the storage engine can do; the ratio to it is what Vigil's path costs. A
// variant without the reporter's rows (an anonymous flag's) is printed for comparison.
#include "raw_baseline.h"

#include <chrono>
#include <string>

#include "store/sqlite_db.h"
#include "store/sqlite_pending.h"
#include "store/sqlite_schema.h"

namespace {

using vigil::store::SqliteConn;

const std::string kPayload(420, 'p');  // about the size of a flag.received payload
const std::string kHash(32, 'h');
const std::string kText = "Buy followers cheap, 10k for $5, DM now! limited offer";
constexpr int64_t kNow = 1795617235000;

// Every row of the with-reporter baseline, the values the same, but through Vigil's own
// PendingTable, flushed every MaxRowsAStatement() flags in the order of the foreign keys.
// What the storage engine can do with these rows at best, on one connection.
double ManyAStatement(SqliteConn& db, size_t rows, std::chrono::steady_clock::time_point start) {
  vigil::store::PendingTable account_ids("INSERT INTO account_ids(platform_id, account_id)", 2);
  vigil::store::PendingTable content_ids("INSERT INTO content_ids(platform_id, content_id)", 2);
  vigil::store::PendingInserts p;
  const size_t kFlush = vigil::store::PendingTable::MaxRowsAStatement();
  for (size_t i = 0; i < rows; i += 10000) {
    db.Exec("BEGIN IMMEDIATE");
    for (size_t k = i; k < std::min(rows, i + 10000); ++k) {
      auto id = static_cast<int64_t>(k + 1);
      std::string reporter = "rep-" + std::to_string(k), content = "bench-" + std::to_string(k);
      p.accounts.Int(id).Text(reporter).Null().Null().Int(kNow);
      account_ids.Text(reporter).Int(id);
      p.content.Int(id).Text(content).Text("text").Text(kText).Null().Null().Null().Null();
      p.content.Int(0).Int(0).Int(0).Null().Null().Int(kNow);
      content_ids.Text(content).Int(id);
      p.cases.Int(id).Int(id).Text("open").Text("general").Text("spam").Int(1).Int(1);
      p.cases.Int(kNow).Int(kNow).Int(1).Real(0);
      p.case_reporters.Int(id).Int(id);
      p.events.Int(id).Int(kNow).Text("flag.received").Text("flag:" + std::to_string(id));
      p.events.Text("token:1").Text(kPayload).Blob(kHash).Blob(kHash);
      p.flags.Int(id).Int(id).Int(id).Text("spam").Text("user").Int(id).Null().Null().Int(0);
      p.flags.Null().Null().Null().Int(0).Int(kNow).Text("token:1").Int(id);
      if (p.flags.rows() == kFlush) {
        p.Flush(db);
        account_ids.Flush(db);
        content_ids.Flush(db);
      }
    }
    p.Flush(db);
    account_ids.Flush(db);
    content_ids.Flush(db);
    db.Exec("COMMIT");
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(rows) / secs;
}

void RemoveDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

}  // namespace

double RawSqliteManyAStatementFlagsPerSecond(const std::string& dir, size_t rows) {
  std::string path = dir + "/raw-many.db";
  RemoveDatabase(path);
  double r;
  {
    SqliteConn db(path);
    for (const auto& m : vigil::store::SqliteMigrations()) db.Exec(m.sql);
    r = ManyAStatement(db, rows, std::chrono::steady_clock::now());
  }
  RemoveDatabase(path);
  return r;
}

double RawSqliteBaselineFlagsPerSecond(const std::string& dir, size_t rows, bool with_reporter) {
  std::string path = dir + "/raw-baseline.db";
  std::remove(path.c_str());
  SqliteConn db(path);
  for (const auto& m : vigil::store::SqliteMigrations()) db.Exec(m.sql);
  const std::string& payload = kPayload;
  const std::string& hash = kHash;
  const std::string& text = kText;
  auto start = std::chrono::steady_clock::now();
  const int64_t now = kNow;
  for (size_t i = 0; i < rows; i += 10000) {
    db.Exec("BEGIN IMMEDIATE");
    for (size_t k = i; k < std::min(rows, i + 10000); ++k) {
      auto id = static_cast<int64_t>(k + 1);
      if (with_reporter) {
        db.Prepare("INSERT INTO accounts(id, platform_id, first_seen) VALUES (?1, ?2, ?3)")
            .Bind(1, id)
            .Bind(2, "rep-" + std::to_string(k))
            .Bind(3, now)
            .Exec();
        db.Prepare("INSERT INTO account_ids(platform_id, account_id) VALUES (?1, ?2)")
            .Bind(1, "rep-" + std::to_string(k))
            .Bind(2, id)
            .Exec();
      }
      db.Prepare("INSERT INTO content(id, platform_id, type, text, received_at) "
                 "VALUES (?1, ?2, 'text', ?3, ?4)")
          .Bind(1, id).Bind(2, "bench-" + std::to_string(k)).Bind(3, text).Bind(4, now).Exec();
      // The content's platform id mapping: Vigil writes it in the background, but writes it.
      db.Prepare("INSERT INTO content_ids(platform_id, content_id) VALUES (?1, ?2)")
          .Bind(1, "bench-" + std::to_string(k))
          .Bind(2, id)
          .Exec();
      db.Prepare("INSERT INTO cases(id, content_id, status, queue, reason, flag_count, "
                 "reporter_count, opened_at, updated_at) VALUES (?1, ?1, 'open', 'general', "
                 "'spam', 1, 1, ?2, ?2)")
          .Bind(1, id).Bind(2, now).Exec();
      if (with_reporter)
        db.Prepare("INSERT INTO case_reporters(case_id, reporter_id) VALUES (?1, ?1)")
            .Bind(1, id)
            .Exec();
      db.Prepare("INSERT INTO events(seq, ts, type, subject, actor, payload, prev_hash, hash) "
                 "VALUES (?1, ?2, 'flag.received', ?3, 'token:1', ?4, ?5, ?5)")
          .Bind(1, id).Bind(2, now).Bind(3, "flag:" + std::to_string(id)).Bind(4, payload)
          .BindBlob(5, hash).Exec();
      auto flag = db.Prepare(
          "INSERT INTO flags(id, case_id, content_id, reason, source, received_at, principal, "
          "event_seq, reporter_id) VALUES (?1, ?1, ?1, 'spam', 'user', ?2, 'token:1', ?1, ?3)");
      flag.Bind(1, id).Bind(2, now);
      if (with_reporter)
        flag.Bind(3, id);
      else
        flag.BindNull(3);
      flag.Exec();
    }
    db.Exec("COMMIT");
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RemoveDatabase(path);
  return static_cast<double>(rows) / secs;
}
