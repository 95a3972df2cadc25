#include "store/flat_id_map.h"

#include <stdexcept>

namespace vigil::store {

const int64_t* FlatIdMap::Find(std::string_view key, uint64_t hash) const {
  if (slots_.empty()) return nullptr;
  for (size_t i = Slot(hash);; i = (i + 1) & (slots_.size() - 1)) {
    const Entry& e = slots_[i];
    if (!e.hash) return nullptr;
    if (Matches(e, key, hash)) return &e.value;
  }
}

FlatIdMap::Inserted FlatIdMap::Insert(std::string_view key, int64_t value) {
  uint64_t hash = Hash(key);
  if (const int64_t* v = Find(key, hash)) return {*v, false, {}};
  if ((size_ + 1) * 4 > slots_.size() * 3) Rehash(slots_.empty() ? 1024 : 2 * slots_.size());
  if (bytes_.size() + key.size() > UINT32_MAX) throw std::length_error("FlatIdMap: keys too long");
  Entry e{hash, static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(key.size()), value};
  bytes_.append(key);
  Place(e);
  ++size_;
  return {value, true, KeyRef{e.offset, e.size}};
}

// Backward-shift deletion: the entries after the hole that may move into it do, so every entry
// stays reachable from its home slot without tombstones.
bool FlatIdMap::Erase(std::string_view key) {
  if (slots_.empty()) return false;
  const size_t mask = slots_.size() - 1;
  uint64_t hash = Hash(key);
  size_t hole = Slot(hash);
  for (;; hole = (hole + 1) & mask) {
    if (!slots_[hole].hash) return false;
    if (Matches(slots_[hole], key, hash)) break;
  }
  slots_[hole] = Entry{};
  for (size_t j = (hole + 1) & mask; slots_[j].hash; j = (j + 1) & mask) {
    size_t home = Slot(slots_[j].hash);
    // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
    bool home_after_hole = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (home_after_hole) continue;
    slots_[hole] = slots_[j];
    slots_[j] = Entry{};
    hole = j;
  }
  --size_;
  return true;
}

void FlatIdMap::Clear() {
  slots_.clear();
  bytes_.clear();
  size_ = 0;
}

void FlatIdMap::Rehash(size_t slots) {
  std::vector<Entry> old = std::move(slots_);
  slots_.assign(slots, Entry{});
  for (const Entry& e : old)
    if (e.hash) Place(e);
}

void FlatIdMap::Place(const Entry& e) {
  size_t i = Slot(e.hash);
  while (slots_[i].hash) i = (i + 1) & (slots_.size() - 1);
  slots_[i] = e;
}

}  // namespace vigil::store
