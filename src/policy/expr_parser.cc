// Lexer and recursive-descent parser for the condition language (grammar in
// docs/policy-language.md). Recursion depth is capped at kMaxNesting so hostile input cannot
// exhaust the stack (the libFuzzer target fuzz/policy_expr_fuzz.cc relies on it).
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

#include "policy/expr_ast.h"

namespace vigil::policy {

const char* BinOpName(BinOp op) {
  switch (op) {
    case BinOp::kOr:
      return "or";
    case BinOp::kAnd:
      return "and";
    case BinOp::kEq:
      return "==";
    case BinOp::kNe:
      return "!=";
    case BinOp::kLt:
      return "<";
    case BinOp::kLe:
      return "<=";
    case BinOp::kGt:
      return ">";
    case BinOp::kGe:
      return ">=";
    case BinOp::kIn:
      return "in";
    case BinOp::kNotIn:
      return "not in";
    case BinOp::kContains:
      return "contains";
    case BinOp::kContainsAny:
      return "contains_any";
    case BinOp::kAdd:
      return "+";
    case BinOp::kSub:
      return "-";
    case BinOp::kMul:
      return "*";
    case BinOp::kDiv:
      return "/";
  }
  return "?";
}

namespace {

enum class Tok : uint8_t {
  kEnd,
  kNumber,
  kDuration,
  kString,
  kIdent,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kColon,
  kDot,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kPlus,
  kMinus,
  kStar,
  kSlash,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier, string contents
  double num = 0;
  int line = 1, column = 1;
};

class Parser {
 public:
  Parser(std::string_view src, int line, int column) : src_(src), line_(line), col_(column) {}

  Result<std::unique_ptr<AstNode>> Run() {
    if (src_.size() > kMaxExpressionBytes) return Fail(line_, col_, "expression longer than 8 KiB");
    if (!Advance()) return err_;
    auto e = ParseOr();
    if (!e) return err_;
    if (tok_.kind != Tok::kEnd)
      return Fail(tok_, "unexpected " + Describe(tok_) + " after the expression");
    return e;
  }

 private:
  using NodeP = std::unique_ptr<AstNode>;

  Error Fail(int line, int col, const std::string& msg) {
    err_ = Error::BadRequest(std::to_string(line) + ":" + std::to_string(col), msg);
    return err_;
  }
  Error Fail(const Token& t, const std::string& msg) { return Fail(t.line, t.column, msg); }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEnd:
        return "end of expression";
      case Tok::kIdent:
        return "'" + t.text + "'";
      case Tok::kString:
        return "string \"" + t.text + "\"";
      case Tok::kNumber:
      case Tok::kDuration:
        return "number";
      default:
        return "'" + t.text + "'";
    }
  }

  // ---- lexer ----
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  void Bump() {
    if (src_[pos_] == '\n')
      ++line_, col_ = 1;
    else
      ++col_;
    ++pos_;
  }

  bool Advance() {
    while (pos_ < src_.size()) {
      char c = Peek();
      if (c == '#') {  // comment to end of line
        while (pos_ < src_.size() && Peek() != '\n') Bump();
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        Bump();
      } else {
        break;
      }
    }
    tok_ = Token{};
    tok_.line = line_, tok_.column = col_;
    if (pos_ >= src_.size()) return true;
    char c = Peek();
    if (std::isdigit(static_cast<unsigned char>(c))) return LexNumber();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (std::isalnum(static_cast<unsigned char>(Peek())) || Peek() == '_')
        tok_.text += Peek(), Bump();
      tok_.kind = Tok::kIdent;
      return true;
    }
    if (c == '"' || c == '\'') return LexString(c);
    struct Sym {
      const char* s;
      Tok t;
    };
    static const Sym syms[] = {{"==", Tok::kEq},      {"!=", Tok::kNe},    {"<=", Tok::kLe},
                               {">=", Tok::kGe},      {"<", Tok::kLt},     {">", Tok::kGt},
                               {"(", Tok::kLParen},   {")", Tok::kRParen}, {"[", Tok::kLBracket},
                               {"]", Tok::kRBracket}, {",", Tok::kComma},  {":", Tok::kColon},
                               {".", Tok::kDot},      {"+", Tok::kPlus},   {"-", Tok::kMinus},
                               {"*", Tok::kStar},     {"/", Tok::kSlash}};
    for (const auto& s : syms) {
      std::string_view sv(s.s);
      if (src_.substr(pos_, sv.size()) == sv) {
        tok_.kind = s.t, tok_.text = s.s;
        for (size_t i = 0; i < sv.size(); ++i) Bump();
        return true;
      }
    }
    if (c == '=') return (Fail(tok_, "'=' is not an operator; compare with '=='"), false);
    if (c == '&' || c == '|' || c == '!')
      return (Fail(tok_, std::string("'") + c + "' is not an operator; write and, or, not"), false);
    return (Fail(tok_, "unexpected character '" + std::string(1, c) + "'"), false);
  }

  bool LexNumber() {
    size_t start = pos_;
    while (std::isdigit(static_cast<unsigned char>(Peek())) || Peek() == '.') Bump();
    double v = 0;
    auto [p, ec] = std::from_chars(src_.data() + start, src_.data() + pos_, v);
    if (ec != std::errc() || p != src_.data() + pos_ || !std::isfinite(v))
      return (Fail(tok_, "malformed number"), false);
    tok_.kind = Tok::kNumber, tok_.num = v,
    tok_.text = std::string(src_.substr(start, pos_ - start));
    // A unit right after the digits makes a duration: 30s, 15m, 24h, 7d, 2w, 500ms.
    std::string unit;
    while (std::isalpha(static_cast<unsigned char>(Peek()))) unit += Peek(), Bump();
    if (unit.empty()) return true;
    static const std::pair<const char*, double> units[] = {
        {"ms", 1}, {"s", 1e3}, {"m", 6e4}, {"h", 3.6e6}, {"d", 8.64e7}, {"w", 6.048e8}};
    for (const auto& [u, ms] : units)
      if (unit == u) {
        tok_.kind = Tok::kDuration, tok_.num = v * ms;
        return true;
      }
    return (Fail(tok_, "unknown duration unit '" + unit + "' (use ms, s, m, h, d or w)"), false);
  }

  bool LexString(char quote) {
    Bump();
    while (true) {
      if (pos_ >= src_.size()) return (Fail(tok_, "unterminated string"), false);
      char c = Peek();
      if (c == quote) break;
      if (c == '\n') return (Fail(tok_, "unterminated string"), false);
      if (c == '\\') {
        Bump();
        if (pos_ >= src_.size()) return (Fail(tok_, "unterminated string"), false);
        c = Peek();
        if (c != '\\' && c != '"' && c != '\'') return (Fail(line_, col_, "unknown escape"), false);
      }
      tok_.text += c;
      Bump();
    }
    Bump();
    tok_.kind = Tok::kString;
    return true;
  }

  // ---- parser ----
  bool IsWord(const char* w) const { return tok_.kind == Tok::kIdent && tok_.text == w; }

  NodeP Make(NodeKind k, const Token& at) {
    auto n = std::make_unique<AstNode>();
    n->kind = k, n->line = at.line, n->column = at.column;
    return n;
  }
  NodeP Binary(BinOp op, const Token& at, NodeP l, NodeP r) {
    auto n = Make(NodeKind::kBinary, at);
    n->op = op;
    n->kids.push_back(std::move(l));
    n->kids.push_back(std::move(r));
    return n;
  }

  struct Depth {
    explicit Depth(int& d) : d_(d) { ++d_; }
    ~Depth() { --d_; }
    int& d_;
  };

  // One left-associative precedence level: `next (op next)*` for the operators `match` accepts.
  template <typename Match>
  NodeP LeftAssoc(NodeP (Parser::*next)(), Match match) {
    NodeP l = (this->*next)();
    for (std::optional<BinOp> op; l && (op = match());) {
      Token at = tok_;
      if (!Advance()) return nullptr;
      NodeP r = (this->*next)();
      if (!r) return nullptr;
      l = Binary(*op, at, std::move(l), std::move(r));
    }
    return l;
  }
  using MaybeOp = std::optional<BinOp>;

  NodeP ParseOr() {
    return LeftAssoc(&Parser::ParseAnd,
                     [&] { return IsWord("or") ? MaybeOp(BinOp::kOr) : std::nullopt; });
  }
  NodeP ParseAnd() {
    return LeftAssoc(&Parser::ParseNot,
                     [&] { return IsWord("and") ? MaybeOp(BinOp::kAnd) : std::nullopt; });
  }

  NodeP ParseNot() {
    Depth guard(depth_);
    if (depth_ > kMaxNesting) return (Fail(tok_, "expression nested too deeply"), nullptr);
    if (!IsWord("not")) return ParseComparison();
    Token at = tok_;
    if (!Advance()) return nullptr;
    NodeP operand = ParseNot();
    if (!operand) return nullptr;
    auto n = Make(NodeKind::kNot, at);
    n->kids.push_back(std::move(operand));
    return n;
  }

  NodeP ParseComparison() {
    NodeP l = ParseSum();
    if (!l) return nullptr;
    Token at = tok_;
    BinOp op;
    switch (tok_.kind) {
      case Tok::kEq:
        op = BinOp::kEq;
        break;
      case Tok::kNe:
        op = BinOp::kNe;
        break;
      case Tok::kLt:
        op = BinOp::kLt;
        break;
      case Tok::kLe:
        op = BinOp::kLe;
        break;
      case Tok::kGt:
        op = BinOp::kGt;
        break;
      case Tok::kGe:
        op = BinOp::kGe;
        break;
      default:
        if (IsWord("in"))
          op = BinOp::kIn;
        else if (IsWord("contains"))
          op = BinOp::kContains;
        else if (IsWord("contains_any"))
          op = BinOp::kContainsAny;
        else if (IsWord("not"))
          op = BinOp::kNotIn;
        else
          return l;
    }
    if (!Advance()) return nullptr;
    if (op == BinOp::kNotIn) {
      if (!IsWord("in")) return (Fail(at, "expected 'in' after 'not' (x not in list)"), nullptr);
      if (!Advance()) return nullptr;
    }
    NodeP r = ParseSum();
    if (!r) return nullptr;
    NodeP n = Binary(op, at, std::move(l), std::move(r));
    // Comparisons do not chain: `1 < x < 3` is almost always a mistake.
    if (tok_.kind >= Tok::kEq && tok_.kind <= Tok::kGe)
      return (Fail(tok_, "comparisons do not chain; combine them with 'and'"), nullptr);
    return n;
  }

  NodeP ParseSum() {
    return LeftAssoc(&Parser::ParseProduct, [&] {
      return tok_.kind == Tok::kPlus    ? MaybeOp(BinOp::kAdd)
             : tok_.kind == Tok::kMinus ? MaybeOp(BinOp::kSub)
                                        : std::nullopt;
    });
  }
  NodeP ParseProduct() {
    return LeftAssoc(&Parser::ParseUnary, [&] {
      return tok_.kind == Tok::kStar    ? MaybeOp(BinOp::kMul)
             : tok_.kind == Tok::kSlash ? MaybeOp(BinOp::kDiv)
                                        : std::nullopt;
    });
  }

  NodeP ParseUnary() {
    Depth guard(depth_);
    if (depth_ > kMaxNesting) return (Fail(tok_, "expression nested too deeply"), nullptr);
    if (tok_.kind != Tok::kMinus) return ParsePrimary();
    Token at = tok_;
    if (!Advance()) return nullptr;
    NodeP operand = ParseUnary();
    if (!operand) return nullptr;
    auto n = Make(NodeKind::kNeg, at);
    n->kids.push_back(std::move(operand));
    return n;
  }

  NodeP ParsePrimary() {
    Token at = tok_;
    switch (tok_.kind) {
      case Tok::kNumber:
      case Tok::kDuration: {
        auto n = Make(tok_.kind == Tok::kNumber ? NodeKind::kNumber : NodeKind::kDuration, at);
        n->num = tok_.num;
        return Advance() ? std::move(n) : nullptr;
      }
      case Tok::kString: {
        auto n = Make(NodeKind::kString, at);
        n->text = tok_.text;
        return Advance() ? std::move(n) : nullptr;
      }
      case Tok::kLBracket:
        return ParseList();
      case Tok::kLParen: {
        if (!Advance()) return nullptr;
        NodeP inner = ParseOr();
        if (!inner) return nullptr;
        if (tok_.kind != Tok::kRParen)
          return (Fail(tok_, "expected ')' to close the '(' at " + std::to_string(at.line) + ":" +
                                 std::to_string(at.column)),
                  nullptr);
        return Advance() ? std::move(inner) : nullptr;
      }
      case Tok::kIdent:
        return ParsePathOrCall();
      default:
        return (Fail(tok_, "expected a value, found " + Describe(tok_)), nullptr);
    }
  }

  NodeP ParseList() {
    auto n = Make(NodeKind::kList, tok_);
    if (!Advance()) return nullptr;
    while (tok_.kind != Tok::kRBracket) {
      if (tok_.kind != Tok::kString)
        return (Fail(tok_, "list literals hold strings, found " + Describe(tok_)), nullptr);
      n->items.push_back(tok_.text);
      if (!Advance()) return nullptr;
      if (tok_.kind == Tok::kComma) {
        if (!Advance()) return nullptr;
      } else if (tok_.kind != Tok::kRBracket) {
        return (Fail(tok_, "expected ',' or ']' in the list"), nullptr);
      }
    }
    return Advance() ? std::move(n) : nullptr;
  }

  NodeP ParsePathOrCall() {
    Token at = tok_;
    static const char* kReserved[] = {"and", "or", "not", "in", "contains", "contains_any"};
    for (const char* w : kReserved)
      if (tok_.text == w)
        return (Fail(tok_, "expected a value, found '" + tok_.text + "'"), nullptr);
    if (tok_.text == "true" || tok_.text == "false") {
      auto n = Make(NodeKind::kBool, at);
      n->num = tok_.text == "true";
      return Advance() ? std::move(n) : nullptr;
    }
    std::string path = tok_.text;
    if (!Advance()) return nullptr;
    while (tok_.kind == Tok::kDot) {
      if (!Advance()) return nullptr;
      if (tok_.kind != Tok::kIdent) return (Fail(tok_, "expected a field name after '.'"), nullptr);
      path += "." + tok_.text;
      if (!Advance()) return nullptr;
    }
    if (tok_.kind != Tok::kLParen) {
      auto n = Make(NodeKind::kPath, at);
      n->text = std::move(path);
      return n;
    }
    auto n = Make(NodeKind::kCall, at);
    n->text = std::move(path);
    if (!Advance()) return nullptr;
    while (tok_.kind != Tok::kRParen) {
      std::string name;
      if (tok_.kind == Tok::kIdent && Peek0IsColon()) {
        name = tok_.text;
        if (!Advance() || !Advance()) return nullptr;  // the name and ':'
      }
      NodeP arg = ParseOr();
      if (!arg) return nullptr;
      n->kids.push_back(std::move(arg));
      n->arg_names.push_back(std::move(name));
      // `count(flags within 24h)`: the window without ':', which YAML would read as a mapping.
      if (IsWord("within")) {
        Token w = tok_;
        if (!Advance()) return nullptr;
        if (tok_.kind == Tok::kColon && !Advance()) return nullptr;
        NodeP window = ParseOr();
        if (!window) return nullptr;
        n->kids.push_back(std::move(window));
        n->arg_names.push_back("within");
      }
      if (tok_.kind == Tok::kComma) {
        if (!Advance()) return nullptr;
      } else if (tok_.kind != Tok::kRParen) {
        return (Fail(tok_, "expected ',' or ')' in the call to " + n->text), nullptr);
      }
    }
    return Advance() ? std::move(n) : nullptr;
  }

  // Named arguments (`within: 24h`): an identifier directly followed by ':'.
  bool Peek0IsColon() const {
    size_t p = pos_;
    while (p < src_.size() && (src_[p] == ' ' || src_[p] == '\t')) ++p;
    return p < src_.size() && src_[p] == ':';
  }

  std::string_view src_;
  size_t pos_ = 0;
  int line_, col_;
  int depth_ = 0;
  Token tok_;
  Error err_;
};

}  // namespace

Result<std::unique_ptr<AstNode>> ParseExpression(std::string_view src, int line, int column) {
  return Parser(src, line, column).Run();
}

}  // namespace vigil::policy
