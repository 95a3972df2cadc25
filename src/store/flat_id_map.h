// A map from short strings (platform ids) to row ids for the writer's hot path: open addressing
// with linear probing, the keys' bytes in one arena. A node-based std::unordered_map<std::string,
// int64_t> cost the batch writer an allocation (node and key) per new id, a free per mapped one,
// and a cache miss per node on every lookup: ~6% of its time (perf, bench_ingest's batch phase).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::store {

class FlatIdMap {
 public:
  struct Entry {
    uint64_t hash = 0;  // 0: an empty slot
    uint32_t offset = 0, size = 0;
    int64_t value = 0;
  };
  // A reference to an entry's key that stays valid until the next Retain or Clear.
  struct KeyRef {
    uint32_t offset = 0, size = 0;
  };

  static uint64_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key) | 1; }

  const int64_t* Find(std::string_view key) const { return Find(key, Hash(key)); }
  const int64_t* Find(std::string_view key, uint64_t hash) const;
  struct Inserted {
    int64_t value;  // the value now under the key
    bool inserted;  // false: the key was there, with `value`
    KeyRef key;
  };
  Inserted Insert(std::string_view key, int64_t value);
  bool Erase(std::string_view key);
  // Keeps the entries for which keep(key, value) is true and compacts the keys' bytes.
  template <typename Keep>
  void Retain(Keep keep);
  void Clear();

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view Key(KeyRef k) const { return {bytes_.data() + k.offset, k.size}; }
  // Every entry, in no order: f(KeyRef, value).
  template <typename F>
  void ForEach(F f) const {
    for (const Entry& e : slots_)
      if (e.hash) f(KeyRef{e.offset, e.size}, e.value);
  }

 private:
  size_t Slot(uint64_t hash) const { return static_cast<size_t>(hash) & (slots_.size() - 1); }
  bool Matches(const Entry& e, std::string_view key, uint64_t hash) const {
    return e.hash == hash && Key(KeyRef{e.offset, e.size}) == key;
  }
  void Rehash(size_t slots);
  void Place(const Entry& e);  // into an empty slot of its probe sequence

  std::vector<Entry> slots_;  // a power of two, at most 3/4 full
  std::string bytes_;         // the keys, erased ones too until the next Retain
  size_t size_ = 0;
};

template <typename Keep>
void FlatIdMap::Retain(Keep keep) {
  std::vector<Entry> kept;
  kept.reserve(size_);
  std::string bytes;
  for (const Entry& e : slots_) {
    if (!e.hash) continue;
    std::string_view key = Key(KeyRef{e.offset, e.size});
    if (!keep(key, e.value)) continue;
    Entry k = e;
    k.offset = static_cast<uint32_t>(bytes.size());
    bytes.append(key);
    kept.push_back(k);
  }
  bytes_ = std::move(bytes);
  size_ = kept.size();
  std::fill(slots_.begin(), slots_.end(), Entry{});
  for (const Entry& e : kept) Place(e);
}

}  // namespace vigil::store
