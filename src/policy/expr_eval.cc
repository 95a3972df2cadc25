// The evaluator: a stack machine over the flat instruction array. Types were checked at
// compile time, so each instruction knows what its operands are; jumps only go forward, so one
// evaluation runs at most code_.size() instructions.
#include <algorithm>
#include <string_view>

#include "policy/expr.h"

namespace vigil::policy {

namespace {

// A union, not a struct: the stack is not initialised per evaluation (a struct with a
// string_view member would zero ~1 KiB every call, which cost ~5x in bench/policy).
struct Str {
  const char* data;
  size_t size;
  std::string_view view() const { return {data, size}; }
};
union Slot {
  double num;
  Str str;
  const std::vector<std::string>* list;
};

Str MakeStr(std::string_view s) { return {s.data(), s.size()}; }

bool ListHas(const std::vector<std::string>& list, std::string_view s) {
  for (const auto& item : list)
    if (item == s) return true;
  return false;
}

}  // namespace

double Expression::Evaluate(const Snapshot& snap) const {
  // The compiler bounds max_stack_ by the nesting limit; larger programs are refused there.
  Slot stack[kMaxEvalStack];
  int sp = -1;
  const Instr* code = code_.data();
  const size_t n = code_.size();
  for (size_t pc = 0; pc < n; ++pc) {
    const Instr& in = code[pc];
    switch (in.op) {
      case Op::kPushNum:
        stack[++sp].num = in.imm;
        break;
      case Op::kPushStr:
        stack[++sp].str = MakeStr(strings_[in.a]);
        break;
      case Op::kPushList:
        stack[++sp].list = &lists_[in.a];
        break;
      case Op::kLoadNow:
        stack[++sp].num = static_cast<double>(snap.now_ms());
        break;
      case Op::kLoadNum:
        stack[++sp].num = snap.num(in.a);
        break;
      case Op::kLoadStr:
        stack[++sp].str = MakeStr(snap.str(in.a));
        break;
      case Op::kLoadList:
        stack[++sp].list = &snap.list(in.a);
        break;
      case Op::kClassifierScore:
        stack[++sp].num = snap.ClassifierScore(labels_[in.a]);
        break;
      case Op::kCountWithin: {
        const auto& times = snap.series(in.a);
        const double from = static_cast<double>(snap.now_ms()) - in.imm;
        const double to = static_cast<double>(snap.now_ms());
        size_t c = 0;
        for (int64_t t : times) c += (t >= from && t <= to);
        stack[++sp].num = static_cast<double>(c);
        break;
      }
      case Op::kCountSeries:
        stack[++sp].num = static_cast<double>(snap.series(in.a).size());
        break;
      case Op::kCountList:
        stack[sp].num = static_cast<double>(stack[sp].list->size());
        break;
      case Op::kNot:
        stack[sp].num = stack[sp].num == 0;
        break;
      case Op::kNeg:
        stack[sp].num = -stack[sp].num;
        break;
      case Op::kAdd:
        --sp, stack[sp].num += stack[sp + 1].num;
        break;
      case Op::kSub:
        --sp, stack[sp].num -= stack[sp + 1].num;
        break;
      case Op::kMul:
        --sp, stack[sp].num *= stack[sp + 1].num;
        break;
      case Op::kDiv: {
        // Division by zero gives 0: a condition must not turn into NaN and silently be false
        // in both directions.
        --sp;
        double d = stack[sp + 1].num;
        stack[sp].num = d == 0 ? 0 : stack[sp].num / d;
        break;
      }
      case Op::kEqNum:
        --sp, stack[sp].num = stack[sp].num == stack[sp + 1].num;
        break;
      case Op::kNeNum:
        --sp, stack[sp].num = stack[sp].num != stack[sp + 1].num;
        break;
      case Op::kLtNum:
        --sp, stack[sp].num = stack[sp].num < stack[sp + 1].num;
        break;
      case Op::kLeNum:
        --sp, stack[sp].num = stack[sp].num <= stack[sp + 1].num;
        break;
      case Op::kGtNum:
        --sp, stack[sp].num = stack[sp].num > stack[sp + 1].num;
        break;
      case Op::kGeNum:
        --sp, stack[sp].num = stack[sp].num >= stack[sp + 1].num;
        break;
      case Op::kEqStr:
        --sp, stack[sp].num = stack[sp].str.view() == stack[sp + 1].str.view();
        break;
      case Op::kNeStr:
        --sp, stack[sp].num = stack[sp].str.view() != stack[sp + 1].str.view();
        break;
      case Op::kInList:
        --sp, stack[sp].num = ListHas(*stack[sp + 1].list, stack[sp].str.view());
        break;
      case Op::kContains:
        --sp, stack[sp].num = ListHas(*stack[sp].list, stack[sp + 1].str.view());
        break;
      case Op::kContainsAny: {
        --sp;
        const auto& have = *stack[sp].list;
        const auto& want = *stack[sp + 1].list;
        bool any = false;
        for (const auto& w : want)
          if ((any = ListHas(have, w))) break;
        stack[sp].num = any;
        break;
      }
      case Op::kSigEq:
        stack[++sp].num = snap.num(in.a) == in.imm;
        break;
      case Op::kSigNe:
        stack[++sp].num = snap.num(in.a) != in.imm;
        break;
      case Op::kSigLt:
        stack[++sp].num = snap.num(in.a) < in.imm;
        break;
      case Op::kSigLe:
        stack[++sp].num = snap.num(in.a) <= in.imm;
        break;
      case Op::kSigGt:
        stack[++sp].num = snap.num(in.a) > in.imm;
        break;
      case Op::kSigGe:
        stack[++sp].num = snap.num(in.a) >= in.imm;
        break;
      case Op::kJumpIfFalseElsePop:
        if (stack[sp].num == 0)
          pc = static_cast<size_t>(in.a) - 1;
        else
          --sp;
        break;
      case Op::kJumpIfTrueElsePop:
        if (stack[sp].num != 0)
          pc = static_cast<size_t>(in.a) - 1;
        else
          --sp;
        break;
    }
  }
  return sp >= 0 ? stack[sp].num : 0;
}

}  // namespace vigil::policy
