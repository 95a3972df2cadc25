// libFuzzer target: the list file parser refuses bad input with a line-numbered error and never
// crashes; what it accepts formats back to a file it accepts again, and compiles.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analysis/term_lists.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::analysis;
  if (size > 4096) return 0;  // Hyperscan compile time grows with the list, not the parser's
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = ParseTermList(text, "fuzz");
  if (!list) {
    if (list.error().field.empty()) std::abort();
    return 0;
  }
  auto again = ParseTermList(FormatTermList(list.value()), "fuzz");
  if (!again || again->entries.size() != list->entries.size()) std::abort();
  auto compiled = TermMatcher::Compile({list.value()});
  if (compiled) {
    Normalized n = Normalizer::Normalize(text);
    (void)compiled.value()->Match(text, n);
  }
  return 0;
}
