// A compact, read-only JSON document for intake bodies: one flat array of nodes, strings viewed in
// place (or, when they had escapes, decoded once into the document). It replaces nlohmann's tree
// on the hot intake path, where every flag used to cost a std::map and a std::string per key.
//
// Parse() accepts exactly what nlohmann::json::parse accepts, with the same values (a repeated
// key keeps its last value; integers are those nlohmann stores as integers). Anything it is not
// sure to read the same way (invalid JSON, a byte order mark, integers beyond int64, numbers that
// do not round-trip, very deep nesting) makes it return false, and the caller must then use
// nlohmann, which also produces the error message. So it never decides that input is invalid.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::intake {

// Whether any of the eight bytes in `x` is one a JSON string cannot hold as it is: a control byte
// (< 0x20), '"' or '\\'. Lets string scanning and escaping skip eight plain bytes at a time.
inline bool HasJsonSpecialByte(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  auto has_zero_byte = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  return (((x - kOnes * 0x20) & ~x & kHighs) | has_zero_byte(x ^ (kOnes * '"')) |
          has_zero_byte(x ^ (kOnes * '\\'))) != 0;
}

class JsonDoc {
 public:
  enum class Type : uint8_t { kNull, kBool, kInt, kFloat, kString, kArray, kObject };

 private:
  struct Node {
    Type type = Type::kNull;
    uint32_t end = 0;       // one past the last node of this value's subtree
    uint32_t count = 0;     // elements or members
    std::string_view key;   // for object members
    std::string_view text;  // strings
    int64_t integer = 0;    // integers and booleans
    double number = 0;      // floats
  };

 public:
  // Parses `text`, which must be valid UTF-8 without NUL bytes (checked by the caller, whose
  // errors for those come first) and outlive the document and its values. False: see above.
  bool Parse(std::string_view text);

  // A value in the document; cheap to copy. Member and element order is the document's.
  class Value {
   public:
    Type type() const { return node().type; }
    bool is_null() const { return type() == Type::kNull; }
    bool is_bool() const { return type() == Type::kBool; }
    bool is_int() const { return type() == Type::kInt; }
    bool is_string() const { return type() == Type::kString; }
    bool is_array() const { return type() == Type::kArray; }
    bool is_object() const { return type() == Type::kObject; }
    bool boolean() const { return node().integer != 0; }
    int64_t integer() const { return node().integer; }
    double number() const { return node().number; }
    std::string_view str() const { return node().text; }

    // Arrays and objects: the number of elements (members, counting repeated keys).
    size_t size() const { return node().count; }
    // The elements of an array.
    std::vector<Value> elements() const;
    // The value of `key` (its last occurrence), if the object has it.
    std::optional<Value> find(std::string_view key) const;
    // Calls f(key, value) for each member in byte order of the keys, a repeated key once with
    // its last value: nlohmann's order and values.
    template <typename F>
    void members(F f) const {
      uint32_t small[16];
      std::vector<uint32_t> large;
      uint32_t* order = small;
      if (size() > std::size(small)) {
        large.resize(size());
        order = large.data();
      }
      size_t n = SortMembers(order);
      for (size_t k = 0; k < n; ++k) f(doc_->nodes_[order[k]].key, Value(doc_, order[k]));
    }
    // Calls f(key, value) for each member in document order, repeated keys each time: for
    // checks that do not depend on order.
    template <typename F>
    void each_member(F f) const {
      for (uint32_t i = index_ + 1; i < node().end; i = doc_->nodes_[i].end)
        f(doc_->nodes_[i].key, Value(doc_, i));
    }
    // Appends the value as nlohmann's dump() writes it (keys sorted, no whitespace).
    void Dump(std::string& out) const;

   private:
    friend class JsonDoc;
    Value(const JsonDoc* doc, uint32_t index) : doc_(doc), index_(index) {}
    const Node& node() const { return doc_->nodes_[index_]; }
    // Fills order[0, size()) with the members' node indexes sorted by key, a repeated key
    // once (its last occurrence); returns how many.
    size_t SortMembers(uint32_t* order) const;

    const JsonDoc* doc_;
    uint32_t index_;
  };

  // The top-level value (after a successful Parse).
  Value Root() const { return Value(this, 0); }

 private:
  class Reader;

  std::vector<Node> nodes_;
  std::string decoded_;  // strings with escapes, decoded; reserved so views stay valid
};

}  // namespace vigil::intake
