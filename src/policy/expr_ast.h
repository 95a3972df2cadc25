// Internal to src/policy: the syntax tree of one condition, produced by ParseExpression and
// consumed by the type checker / compiler (expr_compile.cc).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "policy/signals.h"

namespace vigil::policy {

enum class NodeKind : uint8_t {
  kNumber,
  kDuration,
  kString,
  kBool,
  kList,
  kPath,
  kCall,
  kNot,
  kNeg,
  kBinary,
};

enum class BinOp : uint8_t {
  kOr,
  kAnd,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kNotIn,
  kContains,
  kContainsAny,
  kAdd,
  kSub,
  kMul,
  kDiv,
};
const char* BinOpName(BinOp op);

struct AstNode {
  NodeKind kind;
  int line = 1, column = 1;
  double num = 0;                  // number, duration (ms), boolean (0/1)
  std::string text;                // string literal, dotted path, function name
  std::vector<std::string> items;  // list literal
  BinOp op = BinOp::kOr;
  std::vector<std::unique_ptr<AstNode>> kids;  // operands / call arguments
  std::vector<std::string> arg_names;          // call argument names ("" when positional)
};

// Limits that keep parsing and evaluation bounded whatever the input.
inline constexpr size_t kMaxExpressionBytes = 8192;
inline constexpr int kMaxNesting = 48;

// Errors: Error::BadRequest("L:C", message) (syntax), positions offset by (line, column) of the
// start.
Result<std::unique_ptr<AstNode>> ParseExpression(std::string_view src, int line, int column);

}  // namespace vigil::policy
