// Platform ids (the ids a platform gives its content and accounts) in the SQLite driver.
//
// Intake looks every flag's content and accounts up by platform id, and most flags bring a new
// content id and a new reporter id. A unique index on those ids cost the commit a client waits
// for one random leaf page per new id: 77 of the 115 WAL pages a single-POST commit of ~30 flags
// wrote. So the rows of `content` and `accounts` carry their platform id unindexed, and the
// mapping platform id -> row lives in `content_ids` and `account_ids` (keyed by platform id),
// which the writer fills later, between transactions, many ids a transaction in key order: a leaf
// page is then written once for all the new ids that fall on it.
//
// The rows above a kind's watermark (`platform_id_index.indexed_upto`) are its tail: not yet in
// the mapping, or not all of them. The writer keeps the tail in memory (PlatformIdTail); readers
// scan it (a range of row ids: a few thousand rows at most), see VIGIL_PLATFORM_PK_SQL. Opening
// the store maps what the last process left. Uniqueness is the writer's: every insert is
// preceded by a lookup in the tail and the mapping (after a Bloom filter of the mapping), and the
// writer takes in what another connection wrote (another process: the CLI) before it writes.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/flat_id_map.h"
#include "store/sqlite_db.h"
#include "store/sqlite_pending.h"

namespace vigil::store {

enum class PlatformIdKind { kContent, kAccount };

// A Bloom filter of the platform ids in a mapping, so that a new id (most flags bring two) costs
// no lookup in it. In segments, each twice the size of the one before, filled in turn: it grows
// without the keys being read again. 16 bits and 4 probes a key, the probes of a key in one
// 64-byte block (a cache line: one miss a segment, where spread probes cost up to four): ~0.3%
// false positives a segment, which cost only the lookup they would have cost anyway.
class PlatformIdFilter {
 public:
  void Reset(size_t expected_keys);
  void Add(std::string_view key);
  bool MayContain(std::string_view key) const;
  size_t keys() const { return keys_; }

 private:
  struct FreeWords {
    void operator()(uint64_t* p) const { std::free(p); }
  };
  struct Segment {
    std::unique_ptr<uint64_t[], FreeWords> words;  // 64-byte aligned, `blocks` blocks of 8
    size_t blocks = 0;
    size_t capacity = 0;  // keys
    size_t keys = 0;
  };
  void Grow(size_t capacity);
  std::vector<Segment> segments_;
  size_t keys_ = 0;
};

// One kind's tail as the writer connection sees it, with the open transaction's additions
// undone on rollback. Writer thread only.
class PlatformIdTail {
 public:
  // A run of the indexer maps the tail as it was when the run started, sorted by platform id, a
  // chunk a step (one transaction, which the store shares between both kinds); the last step
  // also moves the watermark up to the highest row id the run covers.
  static constexpr size_t kRunAt = 4096;       // tail rows that start a run
  static constexpr size_t kChunk = 1024;       // ids a transaction, at least
  static constexpr size_t kRunSteps = 4;       // transactions a run, at most
  static constexpr int64_t kIdleRunMs = 1000;  // an idle writer indexes a smaller tail after this

  explicit PlatformIdTail(PlatformIdKind kind);

  // Reads the watermark and the tail (outside a transaction or inside one).
  void Load(SqliteConn& db);
  // At the start of a write transaction in which another connection may have written since this
  // one's last: takes the rows it added into the tail, and the ids it mapped into the filter.
  void Sync(SqliteConn& db);
  // Inside a write transaction: the row of a platform id, from the tail or the mapping.
  std::optional<int64_t> Find(SqliteConn& db, const std::string& platform_id);
  // Inside a write transaction: a row just inserted with this platform id.
  void Added(const std::string& platform_id, int64_t id);

  void Savepoint() { marks_.emplace_back(added_.size(), known_max_); }
  void RollbackToSavepoint();
  void ReleaseSavepoint() { marks_.pop_back(); }
  void Committed();
  void RolledBack();

  // The indexer, between transactions on the writer connection. Due: whether it has work (a run
  // under way, a tail of kRunAt rows, or an idle writer and a tail older than kIdleRunMs). A step
  // writes the next part of the run inside the caller's transaction; after that transaction
  // commits StepCommitted, or if it failed StepFailed.
  bool Due(bool idle, int64_t now_ms) const;
  void WriteStep(SqliteConn& db);
  void StepCommitted(int64_t now_ms);
  void StepFailed(int64_t now_ms);

  size_t size() const { return ids_.size(); }
  static int64_t NowMs();  // the steady clock, as Due and the Step calls take it  // the tail, a
                           // run under way included
  int64_t watermark() const { return watermark_; }

 private:
  struct Sql;
  const Sql& sql() const;
  void Erase(FlatIdMap::KeyRef platform_id);
  void ReadRowsAbove(SqliteConn& db, int64_t after);  // rows with a higher id into the tail

  PlatformIdKind kind_;
  int64_t watermark_ = 0;  // rows up to here are in the mapping
  int64_t known_max_ = 0;  // the highest row id this tail knows of
  int64_t tx_known_max_ = 0;
  FlatIdMap ids_;  // the tail: platform id -> row id
  // Keys added by the open transaction, in order (their bytes stay put until the run's end).
  std::vector<FlatIdMap::KeyRef> added_;
  std::vector<std::pair<size_t, int64_t>> marks_;  // savepoints: added_.size(), known_max_
  PlatformIdFilter mapped_;  // every id in the mapping whose row is not in the tail
  PendingTable inserts_;     // a step's ids into the mapping, many a statement

  // Sorted by platform id. Refers to the bytes of ids_'s keys, which stay put until the run's
  // end compacts them (rollbacks only erase entries, and only of rows above the run's).
  std::vector<std::pair<FlatIdMap::KeyRef, int64_t>> run_;
  size_t run_pos_ = 0;
  size_t step_end_ = 0;  // the run's position once the step being written commits
  size_t run_chunk_ = kChunk;
  int64_t run_upto_ = 0;
  int64_t last_run_ms_ = 0;
};

// SQL for the row id of a platform id, for readers: the mapping, else the tail. `param` is the
// statement's parameter (e.g. "?1"). Both expand to a parenthesised scalar subquery.
#define VIGIL_PLATFORM_PK_SQL(table, map_table, map_column, kind, param) \
  "(SELECT " map_column " FROM " map_table " WHERE platform_id = " param \
  " UNION ALL SELECT id FROM " table                                     \
  " WHERE id > (SELECT indexed_upto FROM platform_id_index "             \
  "WHERE kind = '" kind "') AND platform_id = " param " LIMIT 1)"
#define VIGIL_CONTENT_PK_SQL(param) \
  VIGIL_PLATFORM_PK_SQL("content", "content_ids", "content_id", "content", param)
#define VIGIL_ACCOUNT_PK_SQL(param) \
  VIGIL_PLATFORM_PK_SQL("accounts", "account_ids", "account_id", "account", param)

// content_authors (migration 17) is filled in one sorted transaction once this many content items
// wait above its watermark, or when the writer is idle (SqliteStore::IndexContentAuthors).
inline constexpr int64_t kAuthorIndexRunAt = 16384;

// The ids of the content by the author whose account id `author` (an SQL expression) gives:
// content_authors up to its watermark (migration 17), and a scan of the content above it.
#define VIGIL_AUTHOR_CONTENT_SQL(author)                                                        \
  "SELECT content_id FROM content_authors WHERE author_id = (" author                           \
  ") AND content_id <= "                                                                        \
  "(SELECT indexed_upto FROM platform_id_index WHERE kind = 'content_author') UNION ALL "       \
  "SELECT id FROM content WHERE id > (SELECT indexed_upto FROM platform_id_index WHERE kind = " \
  "'content_author') AND author_id = (" author ")"

}  // namespace vigil::store
