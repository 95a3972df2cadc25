// libFuzzer target: the condition language's lexer, parser and type checker refuse bad input
// with a "line:column" error and never crash; whatever compiles evaluates (bounded, no
// allocation) against an empty and a populated snapshot.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/expr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::policy;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto e = Expression::Compile(text, 3, 7);
  if (!e) {
    const auto& field = e.error().field;  // "L:C", never before where the expression starts
    if (field.empty() || field.find(':') == std::string::npos || std::atoi(field.c_str()) < 3)
      std::abort();
    return 0;
  }
  static const Snapshot populated = [] {
    Snapshot s(1'800'000'000'000);
    (void)s.SetNumber("author.strikes", 2);
    (void)s.SetString("content.type", "text");
    (void)s.SetList("analysis.term_match.category", {"scam", "spam"});
    (void)s.SetSeries("flags", {1'799'999'000'000, 1'700'000'000'000});
    s.SetClassifierScore("spam", 0.9);
    return s;
  }();
  (void)e->Evaluate(Snapshot());
  (void)e->Evaluate(populated);
  return 0;
}
