#include "store/sqlite_platform_ids.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdlib>
#include <new>

namespace vigil::store {

namespace {
constexpr size_t kBitsPerKey = 16;
constexpr int kProbes = 4;
constexpr size_t kMinCapacity = size_t{1} << 16;
constexpr size_t kBlockWords = 8;  // a key's probes all fall in one 64-byte block: one cache line

// The block of a key (its low bits) and its four probes in it (9 bits each, from bit 28 up).
struct Probes {
  size_t block;
  uint64_t bits;
};
Probes ProbesOf(uint64_t h, size_t blocks) {
  return {static_cast<size_t>(h) & (blocks - 1), h >> 28};
}
}  // namespace

void PlatformIdFilter::Reset(size_t expected_keys) {
  segments_.clear();
  keys_ = 0;
  Grow(std::max(kMinCapacity, expected_keys + expected_keys / 2));
}

void PlatformIdFilter::Grow(size_t capacity) {
  Segment s;
  s.capacity = capacity;
  // A power of two of blocks, so a key's block is a mask away rather than a division.
  s.blocks = std::bit_ceil(capacity * kBitsPerKey / (64 * kBlockWords));
  s.words.reset(
      static_cast<uint64_t*>(std::aligned_alloc(64, s.blocks * kBlockWords * sizeof(uint64_t))));
  if (!s.words) throw std::bad_alloc();
  std::fill_n(s.words.get(), s.blocks * kBlockWords, uint64_t{0});
  segments_.push_back(std::move(s));
}

void PlatformIdFilter::Add(std::string_view key) {
  if (segments_.empty()) Reset(0);
  if (segments_.back().keys >= segments_.back().capacity) Grow(2 * segments_.back().capacity);
  Segment& s = segments_.back();
  auto [block, bits] = ProbesOf(std::hash<std::string_view>{}(key), s.blocks);
  uint64_t* w = s.words.get() + block * kBlockWords;
  for (int i = 0; i < kProbes; ++i, bits >>= 9) w[(bits >> 6) & 7] |= uint64_t{1} << (bits & 63);
  ++s.keys;
  ++keys_;
}

bool PlatformIdFilter::MayContain(std::string_view key) const {
  uint64_t h = std::hash<std::string_view>{}(key);
  for (const Segment& s : segments_) {
    auto [block, bits] = ProbesOf(h, s.blocks);
    const uint64_t* w = s.words.get() + block * kBlockWords;
    bool all = true;
    for (int i = 0; i < kProbes && all; ++i, bits >>= 9)
      all = (w[(bits >> 6) & 7] >> (bits & 63)) & 1;
    if (all) return true;
  }
  return false;
}

// Statements are cached by the address of their text, so each kind has its own literals.
struct PlatformIdTail::Sql {
  const char* name;
  const char* watermark;
  const char* max_id;
  const char* tail;
  const char* find;
  const char* mapped;
  const char* insert;
  const char* advance;
};

const PlatformIdTail::Sql& PlatformIdTail::sql() const {
  static const Sql content{
      "content",
      "SELECT indexed_upto FROM platform_id_index WHERE kind = 'content'",
      "SELECT COALESCE(MAX(id), 0) FROM content",
      "SELECT platform_id, id FROM content WHERE id > ?1 ORDER BY id",
      "SELECT content_id FROM content_ids WHERE platform_id = ?1",
      "SELECT platform_id FROM content_ids",
      "INSERT INTO content_ids(platform_id, content_id)",
      "UPDATE platform_id_index SET indexed_upto = MAX(indexed_upto, ?1) WHERE kind = 'content'",
  };
  static const Sql account{
      "account",
      "SELECT indexed_upto FROM platform_id_index WHERE kind = 'account'",
      "SELECT COALESCE(MAX(id), 0) FROM accounts",
      "SELECT platform_id, id FROM accounts WHERE id > ?1 ORDER BY id",
      "SELECT account_id FROM account_ids WHERE platform_id = ?1",
      "SELECT platform_id FROM account_ids",
      "INSERT INTO account_ids(platform_id, account_id)",
      "UPDATE platform_id_index SET indexed_upto = MAX(indexed_upto, ?1) WHERE kind = 'account'",
  };
  return kind_ == PlatformIdKind::kContent ? content : account;
}

PlatformIdTail::PlatformIdTail(PlatformIdKind kind)
    : kind_(kind), inserts_(sql().insert, 2, " ON CONFLICT(platform_id) DO NOTHING") {}

namespace {
int64_t QueryInt(SqliteConn& db, const char* sql) {
  auto s = db.Prepare(sql);
  if (!s.Step()) throw StoreError(std::string("no row from: ") + sql);
  return s.Int(0);
}
}  // namespace

void PlatformIdTail::Load(SqliteConn& db) {
  const Sql& q = sql();
  watermark_ = QueryInt(db, q.watermark);
  known_max_ = std::max(watermark_, QueryInt(db, q.max_id));
  tx_known_max_ = known_max_;
  ids_.Clear();
  added_.clear();
  marks_.clear();
  run_.clear();
  last_run_ms_ = NowMs();
  {
    mapped_.Reset(static_cast<size_t>(known_max_));  // about as many ids as rows
    auto m = db.Prepare(q.mapped);
    while (m.Step()) mapped_.Add(m.TextView(0));
  }
  ReadRowsAbove(db, watermark_);
}

int64_t PlatformIdTail::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void PlatformIdTail::ReadRowsAbove(SqliteConn& db, int64_t after) {
  const Sql& q = sql();
  auto s = db.Prepare(q.tail);
  s.Bind(1, after);
  while (s.Step()) {
    auto r = ids_.Insert(s.TextView(0), s.Int(1));
    if (!r.inserted)
      spdlog::error("{} platform id '{}' is on rows {} and {}; lookups find the first", q.name,
                    s.TextView(0), r.value, s.Int(1));
  }
}

void PlatformIdTail::Sync(SqliteConn& db) {
  const Sql& q = sql();
  int64_t watermark = QueryInt(db, q.watermark);
  int64_t known_max = std::max(watermark, QueryInt(db, q.max_id));
  if (watermark < watermark_ || known_max < known_max_) {
    Load(db);  // not what another writer does; start from what the database says
    return;
  }
  if (known_max > known_max_) {  // rows another process added: into the tail
    ReadRowsAbove(db, known_max_);
    known_max_ = tx_known_max_ = known_max;
  }
  if (watermark > watermark_) {  // another process mapped rows of the tail
    run_.clear();                // it refers to keys about to go
    ids_.Retain([&](std::string_view platform_id, int64_t id) {
      if (id > watermark) return true;
      mapped_.Add(platform_id);
      return false;
    });
    watermark_ = watermark;
  }
}

std::optional<int64_t> PlatformIdTail::Find(SqliteConn& db, const std::string& platform_id) {
  if (const int64_t* id = ids_.Find(platform_id)) return *id;
  if (!mapped_.MayContain(platform_id)) return std::nullopt;
  // The mapping is never among the writer's pending inserts (sqlite_pending.h): they can wait.
  auto s = db.PrepareUnhooked(sql().find);
  s.Bind(1, platform_id);
  if (s.Step()) return s.Int(0);
  return std::nullopt;
}

void PlatformIdTail::Added(const std::string& platform_id, int64_t id) {
  auto r = ids_.Insert(platform_id, id);
  if (r.inserted) added_.push_back(r.key);
  known_max_ = std::max(known_max_, id);
}

void PlatformIdTail::Erase(FlatIdMap::KeyRef platform_id) { ids_.Erase(ids_.Key(platform_id)); }

void PlatformIdTail::RollbackToSavepoint() {
  auto [size, known_max] = marks_.back();
  marks_.pop_back();
  while (added_.size() > size) {
    Erase(added_.back());
    added_.pop_back();
  }
  known_max_ = known_max;
}

void PlatformIdTail::Committed() {
  added_.clear();
  marks_.clear();
  tx_known_max_ = known_max_;
}

void PlatformIdTail::RolledBack() {
  for (FlatIdMap::KeyRef id : added_) Erase(id);
  added_.clear();
  marks_.clear();
  known_max_ = tx_known_max_;
}

bool PlatformIdTail::Due(bool idle, int64_t now_ms) const {
  return !run_.empty() || ids_.size() >= kRunAt ||
         (idle && !ids_.empty() && now_ms - last_run_ms_ >= kIdleRunMs);
}

void PlatformIdTail::WriteStep(SqliteConn& db) {
  const Sql& q = sql();
  if (run_.empty()) {
    run_.reserve(ids_.size());
    ids_.ForEach(
        [&](FlatIdMap::KeyRef platform_id, int64_t id) { run_.emplace_back(platform_id, id); });
    std::sort(run_.begin(), run_.end(),
              [&](const auto& a, const auto& b) { return ids_.Key(a.first) < ids_.Key(b.first); });
    run_pos_ = 0;
    run_upto_ = known_max_;  // every row up to here is in the tail, so in the run
    // In at most kRunSteps steps, so the indexer keeps up with any rate of new ids.
    run_chunk_ = std::max(kChunk, (run_.size() + kRunSteps - 1) / kRunSteps);
  }
  step_end_ = std::min(run_pos_ + run_chunk_, run_.size());
  for (size_t i = run_pos_; i < step_end_; ++i)
    inserts_.Text(ids_.Key(run_[i].first)).Int(run_[i].second);
  // Fewer inserted than sent: some were there already, written by a run that did not finish (a
  // crash, another process's run). Those must map to the same rows.
  if (inserts_.Flush(db) < static_cast<int64_t>(step_end_ - run_pos_)) {
    for (size_t i = run_pos_; i < step_end_; ++i) {
      auto s = db.Prepare(q.find);
      s.BindRef(1, ids_.Key(run_[i].first));
      if (s.Step() && s.Int(0) != run_[i].second)
        spdlog::error("{} platform id '{}' is on rows {} and {}; lookups find the first", q.name,
                      ids_.Key(run_[i].first), s.Int(0), run_[i].second);
    }
  }
  if (step_end_ == run_.size()) db.Prepare(q.advance).Bind(1, run_upto_).Exec();
}

void PlatformIdTail::StepCommitted(int64_t now_ms) {
  for (size_t i = run_pos_; i < step_end_; ++i) mapped_.Add(ids_.Key(run_[i].first));
  run_pos_ = step_end_;
  if (run_pos_ < run_.size()) return;
  watermark_ = std::max(watermark_, run_upto_);
  run_.clear();
  ids_.Retain([&](std::string_view, int64_t id) { return id > watermark_; });
  last_run_ms_ = now_ms;
}

void PlatformIdTail::StepFailed(int64_t now_ms) {
  run_.clear();  // the next run starts over from the tail
  last_run_ms_ = now_ms;
}

}  // namespace vigil::store
