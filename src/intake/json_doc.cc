#include "intake/json_doc.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "intake/flag_parser.h"  // AppendJsonString

namespace vigil::intake {

// Recursive descent over the text; every `return false` hands the input back to nlohmann.
class JsonDoc::Reader {
 public:
  Reader(JsonDoc& doc, std::string_view text)
      : doc_(doc), text_size_(text.size()), p_(text.data()), end_(text.data() + text.size()) {}

  bool Document() {
    SkipSpace();
    if (!ParseValue(0, {})) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 128;  // deeper documents go to nlohmann

  Node& At(uint32_t i) { return doc_.nodes_[i]; }
  bool Is(char c) const { return p_ < end_ && *p_ == c; }
  static bool Digit(char c) { return c >= '0' && c <= '9'; }
  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool ParseValue(int depth, std::string_view key) {
    if (p_ == end_) return false;
    auto index = static_cast<uint32_t>(doc_.nodes_.size());
    doc_.nodes_.emplace_back();
    At(index).key = key;
    bool ok;
    switch (*p_) {
      case '{':
        ok = Container(index, depth, '}', Type::kObject);
        break;
      case '[':
        ok = Container(index, depth, ']', Type::kArray);
        break;
      case '"':
        At(index).type = Type::kString;
        ok = String(&At(index).text);
        break;
      case 't':
        ok = Literal("true", index, Type::kBool, 1);
        break;
      case 'f':
        ok = Literal("false", index, Type::kBool, 0);
        break;
      case 'n':
        ok = Literal("null", index, Type::kNull, 0);
        break;
      default:
        ok = Number(index);
    }
    At(index).end = static_cast<uint32_t>(doc_.nodes_.size());
    return ok;
  }

  bool Literal(std::string_view word, uint32_t index, Type type, int64_t value) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()))
      return false;
    p_ += word.size();
    At(index).type = type;
    At(index).integer = value;
    return true;
  }

  // An object (members "key": value) or an array (values), between its brackets.
  bool Container(uint32_t index, int depth, char close, Type type) {
    if (depth >= kMaxDepth) return false;
    At(index).type = type;
    ++p_;
    SkipSpace();
    uint32_t count = 0;
    if (Is(close)) {
      ++p_;
      return true;
    }
    for (;;) {
      std::string_view key;
      if (type == Type::kObject) {
        if (!Is('"') || !String(&key)) return false;
        SkipSpace();
        if (!Is(':')) return false;
        ++p_;
        SkipSpace();
      }
      if (!ParseValue(depth + 1, key)) return false;
      At(index).count = ++count;
      SkipSpace();
      if (Is(',')) {
        ++p_;
        SkipSpace();
        continue;
      }
      if (!Is(close)) return false;
      ++p_;
      return true;
    }
  }

  // A string literal; escaped ones are decoded into the document. Views into the text otherwise.
  bool String(std::string_view* out) {
    const char* start = ++p_;
    for (uint64_t x; end_ - p_ >= 8; p_ += 8) {
      std::memcpy(&x, p_, 8);
      if (HasJsonSpecialByte(x)) break;
    }
    while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) ++p_;
    if (p_ == end_ || static_cast<unsigned char>(*p_) < 0x20) return false;
    if (*p_ == '"') {
      *out = std::string_view(start, static_cast<size_t>(p_ - start));
      ++p_;
      return true;
    }
    // Decoded text is never longer than its escaped form, so the reserved buffer never moves.
    std::string& d = doc_.decoded_;
    if (d.capacity() < text_size_) d.reserve(text_size_);
    size_t from = d.size();
    d.append(start, static_cast<size_t>(p_ - start));
    while (p_ < end_ && *p_ != '"') {
      auto c = static_cast<unsigned char>(*p_);
      if (c < 0x20) return false;
      if (c != '\\') {
        d += *p_++;
        continue;
      }
      if (++p_ == end_) return false;
      char e = *p_++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          d += e;
          break;
        case 'b':
          d += '\b';
          break;
        case 'f':
          d += '\f';
          break;
        case 'n':
          d += '\n';
          break;
        case 'r':
          d += '\r';
          break;
        case 't':
          d += '\t';
          break;
        case 'u':
          if (!Unicode(d)) return false;
          break;
        default:
          return false;
      }
    }
    if (p_ == end_) return false;
    ++p_;
    *out = std::string_view(d.data() + from, d.size() - from);
    return true;
  }

  bool Hex4(uint32_t* cp) {
    if (end_ - p_ < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = *p_++;
      v <<= 4;
      if (Digit(c))
        v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return false;
    }
    *cp = v;
    return true;
  }

  // \uXXXX (the "\u" read), a surrogate pair as one code point, appended as UTF-8.
  bool Unicode(std::string& d) {
    uint32_t cp;
    if (!Hex4(&cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!Hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp < 0x80) {
      d += static_cast<char>(cp);
    } else if (cp < 0x800) {
      d += static_cast<char>(0xC0 | (cp >> 6));
      d += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      d += static_cast<char>(0xE0 | (cp >> 12));
      d += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      d += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      d += static_cast<char>(0xF0 | (cp >> 18));
      d += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      d += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      d += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return true;
  }

  // JSON's number grammar. Integers nlohmann keeps as integers (within int64 here) are kInt;
  // numbers with a fraction or exponent are kFloat when finite, as nlohmann requires.
  bool Number(uint32_t index) {
    const char* start = p_;
    if (Is('-')) ++p_;
    if (Is('0')) {
      ++p_;
    } else if (p_ < end_ && *p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && Digit(*p_)) ++p_;
    } else {
      return false;
    }
    bool is_float = false;
    if (Is('.')) {
      ++p_;
      if (p_ == end_ || !Digit(*p_)) return false;
      while (p_ < end_ && Digit(*p_)) ++p_;
      is_float = true;
    }
    if (Is('e') || Is('E')) {
      ++p_;
      if (Is('+') || Is('-')) ++p_;
      if (p_ == end_ || !Digit(*p_)) return false;
      while (p_ < end_ && Digit(*p_)) ++p_;
      is_float = true;
    }
    Node& n = At(index);
    if (!is_float) {
      auto r = std::from_chars(start, p_, n.integer);
      n.type = Type::kInt;
      return r.ec == std::errc() && r.ptr == p_;  // beyond int64: nlohmann's unsigned or float
    }
    auto r = std::from_chars(start, p_, n.number);
    n.type = Type::kFloat;
    return r.ec == std::errc() && r.ptr == p_ && std::isfinite(n.number);
  }

  JsonDoc& doc_;
  size_t text_size_;
  const char* p_;
  const char* end_;
};

bool JsonDoc::Parse(std::string_view text) {
  nodes_.clear();
  nodes_.reserve(32);  // a typical flag
  decoded_.clear();
  // nlohmann skips a byte order mark; rare enough to leave to it.
  if (!text.empty() && static_cast<unsigned char>(text[0]) == 0xEF) return false;
  if (text.size() >= UINT32_MAX) return false;
  return Reader(*this, text).Document();
}

std::vector<JsonDoc::Value> JsonDoc::Value::elements() const {
  std::vector<Value> out;
  out.reserve(size());
  for (uint32_t i = index_ + 1; i < node().end; i = doc_->nodes_[i].end)
    out.push_back(Value(doc_, i));
  return out;
}

std::optional<JsonDoc::Value> JsonDoc::Value::find(std::string_view key) const {
  std::optional<Value> found;
  for (uint32_t i = index_ + 1; i < node().end; i = doc_->nodes_[i].end)
    if (doc_->nodes_[i].key == key) found = Value(doc_, i);
  return found;
}

size_t JsonDoc::Value::SortMembers(uint32_t* order) const {
  size_t n = 0;
  for (uint32_t i = index_ + 1; i < node().end; i = doc_->nodes_[i].end) order[n++] = i;
  const auto& nodes = doc_->nodes_;
  auto less = [&](uint32_t a, uint32_t b) { return nodes[a].key < nodes[b].key; };
  if (n <= 16) {  // the usual object: insertion sort, stable as repeated keys need
    for (size_t k = 1; k < n; ++k) {
      uint32_t v = order[k];
      size_t j = k;
      for (; j > 0 && less(v, order[j - 1]); --j) order[j] = order[j - 1];
      order[j] = v;
    }
  } else {
    std::stable_sort(order, order + n, less);
  }
  // Of a repeated key, keep the last occurrence (the last in each run of equal keys).
  size_t kept = 0;
  for (size_t k = 0; k < n; ++k)
    if (k + 1 == n || nodes[order[k + 1]].key != nodes[order[k]].key) order[kept++] = order[k];
  return kept;
}

void JsonDoc::Value::Dump(std::string& out) const {
  switch (type()) {
    case Type::kNull:
      out += "null";
      return;
    case Type::kBool:
      out += boolean() ? "true" : "false";
      return;
    case Type::kInt: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, integer());
      out.append(buf, r.ptr);
      return;
    }
    case Type::kFloat:
      out += nlohmann::json(number()).dump();  // nlohmann's own float formatting
      return;
    case Type::kString:
      AppendJsonString(out, str());
      return;
    case Type::kArray: {
      out += '[';
      for (uint32_t i = index_ + 1; i < node().end; i = doc_->nodes_[i].end) {
        if (i != index_ + 1) out += ',';
        Value(doc_, i).Dump(out);
      }
      out += ']';
      return;
    }
    case Type::kObject: {
      out += '{';
      bool first = true;
      members([&](std::string_view key, const Value& v) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, key);
        out += ':';
        v.Dump(out);
      });
      out += '}';
      return;
    }
  }
}

}  // namespace vigil::intake
