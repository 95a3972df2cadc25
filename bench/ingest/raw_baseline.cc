// The raw SQLite baseline of bench_ingest: the rows one flag on new content produces (content
// and its platform id mapping, case, flag and event rows, on Vigil's own schema and indexes, WAL,
// synchronous=FULL) inserted with prepared statements in 10,000-row transactions, without JSON
// parsing, validation, hashing or HTTP. It is what the storage engine can do; the ratio to it is
// what Vigil's path costs.
#include "raw_baseline.h"

#include <chrono>
#include <string>

#include "store/sqlite_db.h"
#include "store/sqlite_schema.h"

double RawSqliteBaselineFlagsPerSecond(const std::string& dir, size_t rows, bool with_reporter) {
  using vigil::store::SqliteConn;
  std::string path = dir + "/raw-baseline.db";
  std::remove(path.c_str());
  SqliteConn db(path);
  for (const auto& m : vigil::store::SqliteMigrations()) db.Exec(m.sql);
  const std::string payload(420, 'p');  // about the size of a flag.received payload
  const std::string hash(32, 'h');
  const std::string text = "Buy followers cheap, 10k for $5, DM now! limited offer";
  auto start = std::chrono::steady_clock::now();
  const int64_t now = 1795617235000;
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
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());
  return static_cast<double>(rows) / secs;
}
