#include "store/sqlite_pending.h"

#include <cstring>

namespace vigil::store {

PendingTable::PendingTable(std::string_view head, int columns, std::string_view tail)
    : columns_(columns) {
  std::string tuple = "(";
  for (int c = 0; c < columns; ++c) tuple += c ? ",?" : "?";
  tuple += ")";
  for (size_t k = 0; k < std::size(kChunks); ++k) {
    std::string& sql = sql_[k];
    sql = head;
    sql += " VALUES ";
    for (size_t r = 0; r < kChunks[k]; ++r) {
      if (r) sql += ',';
      sql += tuple;
    }
    sql += tail;
  }
}

PendingTable& PendingTable::Int(int64_t v) {
  values_.push_back({Kind::kInt, 0, v});
  return *this;
}
PendingTable& PendingTable::Real(double v) {
  int64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  values_.push_back({Kind::kReal, 0, bits});
  return *this;
}
PendingTable& PendingTable::Text(std::string_view v) {
  values_.push_back(
      {Kind::kText, static_cast<uint32_t>(v.size()), static_cast<int64_t>(bytes_.size())});
  bytes_.append(v);
  return *this;
}
PendingTable& PendingTable::Blob(std::string_view v) {
  values_.push_back(
      {Kind::kBlob, static_cast<uint32_t>(v.size()), static_cast<int64_t>(bytes_.size())});
  bytes_.append(v);
  return *this;
}
PendingTable& PendingTable::Null() {
  values_.push_back({Kind::kNull, 0, 0});
  return *this;
}

int64_t PendingTable::Flush(SqliteConn& db) {
  struct Forget {  // the rows, written or failed
    PendingTable* t;
    ~Forget() { t->Clear(); }
  } forget{this};
  if (values_.size() % static_cast<size_t>(columns_) != 0)
    throw StoreError("pending insert: a row with the wrong number of values");
  const size_t total = rows();
  size_t row = 0;
  int64_t inserted = 0;
  while (row < total) {
    size_t k = 0;
    while (kChunks[k] > total - row) ++k;
    auto s = db.Prepare(sql_[k].c_str());
    const Value* v = values_.data() + row * static_cast<size_t>(columns_);
    const int n = static_cast<int>(kChunks[k]) * columns_;
    for (int i = 0; i < n; ++i, ++v) {
      switch (v->kind) {
        case Kind::kNull:
          s.BindNull(i + 1);
          break;
        case Kind::kInt:
          s.Bind(i + 1, v->i);
          break;
        case Kind::kReal: {
          double d;
          std::memcpy(&d, &v->i, sizeof d);
          s.Bind(i + 1, d);
          break;
        }
        case Kind::kText:  // by reference: bytes_ outlives the statement's run
          s.BindRef(i + 1, Bytes(*v));
          break;
        case Kind::kBlob:
          s.BindRefBlob(i + 1, Bytes(*v));
          break;
      }
    }
    s.Exec();
    inserted += db.Changes();
    row += kChunks[k];
  }
  return inserted;
}

void PendingTable::Clear() {
  values_.clear();
  bytes_.clear();
}

}  // namespace vigil::store
