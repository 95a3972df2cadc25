// Rows the writer inserts many a statement.
//
// One INSERT statement a row costs SQLite a VDBE run that opens, seeks and closes a cursor on the
// table and on each of its indexes, and checks the row's foreign keys with fresh cursors too. A
// statement of many rows shares all of that, and the table's cursor stays at its end for the next
// (growing) id. On Vigil's schema the rows of a flag went in ~1.4x as fast with 100 rows a
// statement as with one (docs/benchmarks.md, tenth session).
//
// So the writer's inserts of new flags, events, cases, case reporters, content and accounts wait
// here, ids assigned, and are written before the next statement of any kind on the connection
// (SqliteConn::SetBeforeStatement: a read sees them, as if written at once) or the commit, table
// by table in the order of their foreign keys. A rollback drops them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite_db.h"

namespace vigil::store {

// The waiting rows of one table.
class PendingTable {
 public:
  // `head`: "INSERT INTO table(column, ...)"; `columns`: how many it names; `tail`: what
  // follows the values (an ON CONFLICT clause).
  PendingTable(std::string_view head, int columns, std::string_view tail = {});

  // A row's values, in the order of the head's columns.
  PendingTable& Int(int64_t v);
  PendingTable& Real(double v);
  PendingTable& Text(std::string_view v);
  PendingTable& TextOrNull(std::string_view v) { return v.empty() ? Null() : Text(v); }
  PendingTable& Blob(std::string_view v);
  PendingTable& Null();

  static size_t MaxRowsAStatement() { return kChunks[0]; }

  size_t rows() const { return values_.size() / static_cast<size_t>(columns_); }
  bool empty() const { return values_.empty(); }
  // Inserts the waiting rows (throws StoreError as the statements do) and forgets them, also
  // when it throws.
  // Returns the rows inserted (fewer than waited if a conflict clause skipped some).
  int64_t Flush(SqliteConn& db);
  void Clear();

 private:
  enum class Kind : uint8_t { kNull, kInt, kReal, kText, kBlob };
  struct Value {
    Kind kind;
    uint32_t size;  // bytes of text and blobs
    int64_t i;      // integer, real's bits, or the offset of the bytes in bytes_
  };
  static constexpr size_t kChunks[] = {128, 16, 4, 1};  // rows a statement, largest first
  std::string_view Bytes(const Value& v) const {
    return {bytes_.data() + static_cast<size_t>(v.i), v.size};
  }

  int columns_;
  std::string sql_[std::size(kChunks)];  // each chunk size's INSERT, cached by its address
  std::vector<Value> values_;
  std::string bytes_;
};

// A statement's parameters bound in order from `next` on, with PendingTable's calls, so one list
// of a row's values serves an insert that waits and a statement run at once. Bytes are copied.
struct StmtValues {
  Stmt& s;
  int next = 1;
  StmtValues& Int(int64_t v) {
    s.Bind(next++, v);
    return *this;
  }
  StmtValues& Text(std::string_view v) {
    s.Bind(next++, v);
    return *this;
  }
  StmtValues& TextOrNull(std::string_view v) {
    s.BindText(next++, v);
    return *this;
  }
  StmtValues& Null() {
    s.BindNull(next++);
    return *this;
  }
};

// The tables in the order of their foreign keys.
struct PendingInserts {
  PendingTable accounts{
      "INSERT INTO accounts(id, platform_id, created_at, display_name, first_seen)", 5};
  PendingTable content{
      "INSERT INTO content(id, platform_id, type, text, url, media, author_id, created_at, views, "
      "followers, shares, language, metadata, received_at)",
      14};
  PendingTable cases{
      "INSERT INTO cases(id, content_id, status, queue, reason, flag_count, reporter_count, "
      "opened_at, updated_at, version, priority)",
      11};
  PendingTable case_reporters{"INSERT INTO case_reporters(case_id, reporter_id)", 2};
  PendingTable events{"INSERT INTO events(seq, ts, type, subject, actor, payload, prev_hash, hash)",
                      8};
  PendingTable flags{
      "INSERT INTO flags(id, case_id, content_id, reason, source, reporter_id, explanation, "
      "location_url, bona_fide, contact, legal_order, metadata, duplicate, received_at, principal, "
      "event_seq)",
      16};

  bool empty() const {
    return accounts.empty() && content.empty() && cases.empty() && case_reporters.empty() &&
           events.empty() && flags.empty();
  }
  void Flush(SqliteConn& db) {
    for (PendingTable* t : {&accounts, &content, &cases, &case_reporters, &events, &flags})
      t->Flush(db);
  }
  void Clear() {
    for (PendingTable* t : {&accounts, &content, &cases, &case_reporters, &events, &flags})
      t->Clear();
  }
};

}  // namespace vigil::store
