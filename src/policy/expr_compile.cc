// Type checking and code generation in one pass over the syntax tree: every node's type is
// known before its instructions are emitted, so the evaluator needs no type tags or checks.
#include <algorithm>

#include "policy/expr.h"
#include "policy/expr_ast.h"

namespace vigil::policy {

class Compiler {
 public:
  explicit Compiler(Expression* out) : out_(out) {}

  Result<Type> Emit(const AstNode& n) {
    switch (n.kind) {
      case NodeKind::kNumber:
      case NodeKind::kBool:
      case NodeKind::kDuration:
        Push({Op::kPushNum, 0, n.num});
        return n.kind == NodeKind::kNumber ? Type::kNumber
               : n.kind == NodeKind::kBool ? Type::kBool
                                           : Type::kDuration;
      case NodeKind::kString:
        out_->strings_.push_back(n.text);
        Push({Op::kPushStr, static_cast<int32_t>(out_->strings_.size() - 1), 0});
        return Type::kString;
      case NodeKind::kList:
        out_->lists_.push_back(n.items);
        Push({Op::kPushList, static_cast<int32_t>(out_->lists_.size() - 1), 0});
        return Type::kList;
      case NodeKind::kPath:
        return EmitSignal(n);
      case NodeKind::kCall:
        return EmitCall(n);
      case NodeKind::kNot:
      case NodeKind::kNeg: {
        auto t = Emit(*n.kids[0]);
        if (!t) return t;
        bool is_not = n.kind == NodeKind::kNot;
        if (is_not && *t != Type::kBool)
          return Fail(n, std::string("'not' needs a boolean, got a ") + TypeName(*t));
        if (!is_not && *t != Type::kNumber && *t != Type::kDuration)
          return Fail(n, std::string("'-' needs a number or duration, got a ") + TypeName(*t));
        code().push_back({is_not ? Op::kNot : Op::kNeg, 0, 0});
        return *t;
      }
      case NodeKind::kBinary:
        return EmitBinary(n);
    }
    return Fail(n, "unknown expression");
  }

  int max_stack() const { return max_stack_; }

 private:
  std::vector<Instr>& code() { return out_->code_; }
  void Push(Instr i) {
    code().push_back(i);
    max_stack_ = std::max(max_stack_, ++depth_);
  }
  void Pop(int n = 1) { depth_ -= n; }

  static Error Fail(const AstNode& n, const std::string& msg) {
    return Error::Invalid(std::to_string(n.line) + ":" + std::to_string(n.column), msg);
  }

  Result<Type> EmitSignal(const AstNode& n) {
    if (n.text == "now") {  // the evaluation time, outside the schema: it is not a signal
      Push({Op::kLoadNow, 0, 0});
      return Type::kTime;
    }
    auto id = FindSignal(n.text);
    if (!id) {
      std::string hint = SuggestSignal(n.text);
      return Fail(n, "unknown signal '" + n.text + "'" +
                         (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    if (std::find(out_->signals_.begin(), out_->signals_.end(), *id) == out_->signals_.end())
      out_->signals_.push_back(*id);
    Type t = SignalSchema()[*id].type;
    Op op = t == Type::kString ? Op::kLoadStr : t == Type::kList ? Op::kLoadList : Op::kLoadNum;
    // A series is only meaningful inside count(); it is loaded there, not here.
    if (t == Type::kSeries)
      return Fail(
          n, "'" + n.text + "' is an event series; count it: count(" + n.text + " within 24h)");
    Push({op, *id, 0});
    return t;
  }

  Result<Type> EmitCall(const AstNode& n) {
    if (n.text == "classifier.score") {
      if (n.kids.size() != 1 || n.kids[0]->kind != NodeKind::kString || !n.arg_names[0].empty())
        return Fail(
            n, "classifier.score takes one label as a string literal: classifier.score(\"spam\")");
      const std::string& label = n.kids[0]->text;
      auto& labels = out_->labels_;
      auto it = std::find(labels.begin(), labels.end(), label);
      if (it == labels.end()) it = labels.insert(labels.end(), label);
      Push({Op::kClassifierScore, static_cast<int32_t>(it - labels.begin()), 0});
      return Type::kNumber;
    }
    if (n.text != "count") {
      std::string hint =
          n.text.rfind("classifier", 0) == 0 ? " (did you mean classifier.score?)" : "";
      return Fail(n, "unknown function '" + n.text + "'" + hint +
                         "; functions are count and classifier.score");
    }
    if (n.kids.empty() || n.kids.size() > 2 || !n.arg_names[0].empty() ||
        (n.kids.size() == 2 && n.arg_names[1] != "within"))
      return Fail(
          n,
          "count takes a list, or an event series and an optional window: count(flags within 24h)");
    const AstNode& subject = *n.kids[0];
    auto id = subject.kind == NodeKind::kPath ? FindSignal(subject.text) : std::nullopt;
    if (id && SignalSchema()[*id].type == Type::kSeries) {
      if (std::find(out_->signals_.begin(), out_->signals_.end(), *id) == out_->signals_.end())
        out_->signals_.push_back(*id);
      if (n.kids.size() == 1) {
        Push({Op::kCountSeries, *id, 0});
        return Type::kNumber;
      }
      const AstNode& window = *n.kids[1];
      if (window.kind != NodeKind::kDuration || window.num <= 0)
        return Fail(window,
                    "the window of count must be a positive duration literal such as 24h or 7d");
      Push({Op::kCountWithin, *id, window.num});
      return Type::kNumber;
    }
    if (n.kids.size() == 2)
      return Fail(*n.kids[1],
                  "only event series (flags, flags.trusted, author.strike_times) have windows");
    auto t = Emit(subject);
    if (!t) return t;
    if (*t != Type::kList)
      return Fail(subject,
                  std::string("count needs a list or an event series, got a ") + TypeName(*t));
    code().push_back({Op::kCountList, 0, 0});
    return Type::kNumber;
  }

  Result<Type> EmitLogical(const AstNode& n) {
    // Short circuit: jump over the right operand, leaving the left value as the result.
    auto l = Emit(*n.kids[0]);
    if (!l) return l;
    if (*l != Type::kBool)
      return Fail(*n.kids[0],
                  std::string("'") + BinOpName(n.op) + "' needs booleans, got a " + TypeName(*l));
    size_t jump = code().size();
    code().push_back(
        {n.op == BinOp::kAnd ? Op::kJumpIfFalseElsePop : Op::kJumpIfTrueElsePop, 0, 0});
    Pop();
    auto r = Emit(*n.kids[1]);
    if (!r) return r;
    if (*r != Type::kBool)
      return Fail(*n.kids[1],
                  std::string("'") + BinOpName(n.op) + "' needs booleans, got a " + TypeName(*r));
    code()[jump].a = static_cast<int32_t>(code().size());  // forward only: evaluation is bounded
    return Type::kBool;
  }

  Result<Type> EmitBinary(const AstNode& n) {
    if (n.op == BinOp::kAnd || n.op == BinOp::kOr) return EmitLogical(n);
    const size_t start = code().size();
    auto l = Emit(*n.kids[0]);
    if (!l) return l;
    auto r = Emit(*n.kids[1]);
    if (!r) return r;
    Pop(2);
    auto result = Check(n, *l, *r);
    if (!result) return result;
    ++depth_;
    Fuse(start);
    return result;
  }

  // `signal OP constant` -> one instruction. No jump can point inside the three instructions:
  // jump targets are only set after a whole operand is emitted (and fused).
  void Fuse(size_t start) {
    auto& c = code();
    if (c.size() != start + 3 || c[start].op != Op::kLoadNum || c[start + 1].op != Op::kPushNum)
      return;
    Op fused;
    switch (c[start + 2].op) {
      case Op::kEqNum:
        fused = Op::kSigEq;
        break;
      case Op::kNeNum:
        fused = Op::kSigNe;
        break;
      case Op::kLtNum:
        fused = Op::kSigLt;
        break;
      case Op::kLeNum:
        fused = Op::kSigLe;
        break;
      case Op::kGtNum:
        fused = Op::kSigGt;
        break;
      case Op::kGeNum:
        fused = Op::kSigGe;
        break;
      default:
        return;
    }
    Instr f{fused, c[start].a, c[start + 1].imm};
    c.resize(start);
    c.push_back(f);
  }

  Result<Type> Check(const AstNode& n, Type l, Type r) {
    auto mismatch = [&] {
      std::string msg = std::string("'") + BinOpName(n.op) + "' cannot combine a " + TypeName(l) +
                        " with a " + TypeName(r);
      if ((l == Type::kDuration && r == Type::kNumber) ||
          (l == Type::kNumber && r == Type::kDuration))
        msg += "; write durations with a unit, e.g. 30d";
      return Fail(n, msg);
    };
    auto emit = [&](Op op, Type t) -> Result<Type> {
      code().push_back({op, 0, 0});
      return t;
    };
    bool numeric = l == r && (l == Type::kNumber || l == Type::kDuration || l == Type::kTime);
    switch (n.op) {
      case BinOp::kEq:
      case BinOp::kNe: {
        bool eq = n.op == BinOp::kEq;
        if (l == r && l == Type::kString) return emit(eq ? Op::kEqStr : Op::kNeStr, Type::kBool);
        if (l == r && (numeric || l == Type::kBool))
          return emit(eq ? Op::kEqNum : Op::kNeNum, Type::kBool);
        return mismatch();
      }
      case BinOp::kLt:
      case BinOp::kLe:
      case BinOp::kGt:
      case BinOp::kGe: {
        if (!numeric) return mismatch();
        Op op = n.op == BinOp::kLt   ? Op::kLtNum
                : n.op == BinOp::kLe ? Op::kLeNum
                : n.op == BinOp::kGt ? Op::kGtNum
                                     : Op::kGeNum;
        return emit(op, Type::kBool);
      }
      case BinOp::kIn:
      case BinOp::kNotIn:
        if (l != Type::kString || r != Type::kList)
          return Fail(n, std::string("'") + BinOpName(n.op) +
                             "' needs a string on the left and a list on the right, got " +
                             TypeName(l) + " and " + TypeName(r));
        code().push_back({Op::kInList, 0, 0});
        if (n.op == BinOp::kNotIn) code().push_back({Op::kNot, 0, 0});
        return Type::kBool;
      case BinOp::kContains:
        if (l != Type::kList || r != Type::kString) return mismatch();
        return emit(Op::kContains, Type::kBool);
      case BinOp::kContainsAny:
        if (l != Type::kList || r != Type::kList) return mismatch();
        return emit(Op::kContainsAny, Type::kBool);
      case BinOp::kAdd:
      case BinOp::kSub: {
        Op op = n.op == BinOp::kAdd ? Op::kAdd : Op::kSub;
        if (l == r && (l == Type::kNumber || l == Type::kDuration)) return emit(op, l);
        if (l == Type::kTime && r == Type::kDuration) return emit(op, Type::kTime);
        if (n.op == BinOp::kSub && l == Type::kTime && r == Type::kTime)
          return emit(op, Type::kDuration);
        return mismatch();
      }
      case BinOp::kMul:
      case BinOp::kDiv: {
        Op op = n.op == BinOp::kMul ? Op::kMul : Op::kDiv;
        if (l == Type::kNumber && r == Type::kNumber) return emit(op, Type::kNumber);
        if (l == Type::kDuration && r == Type::kNumber) return emit(op, Type::kDuration);
        return mismatch();
      }
      default:
        return mismatch();
    }
  }

  Expression* out_;
  int depth_ = 0;
  int max_stack_ = 0;
};

Result<Expression> Expression::Compile(std::string_view source, int line, int column) {
  auto ast = ParseExpression(source, line, column);
  if (!ast) return ast.error();
  Expression e;
  e.source_ = std::string(source);
  Compiler c(&e);
  auto t = c.Emit(*ast.value());
  if (!t) return t.error();
  e.type_ = *t;
  e.max_stack_ = c.max_stack();
  // The evaluator's stack is a fixed array (no allocation per evaluation).
  if (e.max_stack_ > kMaxEvalStack)
    return Error::Invalid(std::to_string(line) + ":" + std::to_string(column),
                          "expression too complex");
  return e;
}

}  // namespace vigil::policy
