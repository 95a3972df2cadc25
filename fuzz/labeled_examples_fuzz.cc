// libFuzzer target: the labeled-examples parser (classifier training and evaluation input)
// refuses bad input with an error naming the line and never crashes; every example it accepts
// has a valid label and UTF-8 text, and becomes a single-line classifier input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analysis/classifier.h"
#include "analysis/normalize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::analysis;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto examples = ParseLabeledExamples(text);
  if (!examples) {
    if (!examples.error().field.starts_with("line ")) std::abort();
    return 0;
  }
  for (const LabeledExample& e : examples.value()) {
    if (e.label.empty() || e.label.size() > 64 || !IsValidUtf8(e.text)) std::abort();
    std::string input = ClassifierInput(e.text);
    if (input.empty() || input.back() != '\n' || input.find('\n') != input.size() - 1) std::abort();
  }
  return 0;
}
