// The policy condition language (docs/policy-language.md): a small, typed expression over the
// signals of one event. Compile() lexes, parses, type-checks against the signal schema and
// flattens the expression into forward-only instructions, so Evaluate() runs at most
// program-length steps (no loops, no recursion) and allocates nothing. Errors name line:column
// (syntax errors have code kBadRequest; type and unknown-signal errors kInvalid).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "policy/signals.h"

namespace vigil::policy {

enum class Op : uint8_t {
  kPushNum,
  kPushStr,
  kPushList,
  kLoadNow,
  kLoadNum,
  kLoadStr,
  kLoadList,
  kClassifierScore,
  kCountWithin,
  kCountSeries,
  kCountList,
  kNot,
  kNeg,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kEqNum,
  kNeNum,
  kLtNum,
  kLeNum,
  kGtNum,
  kGeNum,
  kEqStr,
  kNeStr,
  kInList,
  kContains,
  kContainsAny,
  kJumpIfFalseElsePop,
  kJumpIfTrueElsePop,
  // Fused `signal OP constant` (the most common condition shape): one dispatch instead of three.
  kSigEq,
  kSigNe,
  kSigLt,
  kSigLe,
  kSigGt,
  kSigGe,
};

struct Instr {
  Op op;
  int32_t a = 0;   // signal id, constant index or jump target
  double imm = 0;  // numeric constant (numbers, durations in ms)
};

inline constexpr int kMaxEvalStack = 64;

// A compiled condition. Copyable; holds its own constants.
class Expression {
 public:
  // `source` is one expression; `line`/`column` (1-based) say where it starts in its file so
  // errors point into the file. Errors carry field "L:C".
  static Result<Expression> Compile(std::string_view source, int line = 1, int column = 1);

  // The value of the expression for `snap`: bool conditions give 0/1; numbers as is.
  double Evaluate(const Snapshot& snap) const;
  bool Test(const Snapshot& snap) const { return Evaluate(snap) != 0; }

  Type type() const { return type_; }
  const std::string& source() const { return source_; }
  // The signals the expression reads (for traces and lint), each once, in order of appearance.
  const std::vector<SignalId>& signals_read() const { return signals_; }
  const std::vector<std::string>& classifier_labels() const { return labels_; }
  // True when the expression reads no signal at all (its value is fixed: lint reports the
  // branch it can never take as unreachable).
  bool is_constant() const { return signals_.empty() && labels_.empty(); }
  size_t size() const { return code_.size(); }

 private:
  friend class Compiler;
  std::string source_;
  Type type_ = Type::kBool;
  std::vector<Instr> code_;
  std::vector<std::string> strings_;
  std::vector<std::vector<std::string>> lists_;
  std::vector<SignalId> signals_;
  std::vector<std::string> labels_;
  int max_stack_ = 0;
};

}  // namespace vigil::policy
