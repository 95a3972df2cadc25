// libFuzzer target: normalization never crashes, keeps its offset map consistent, and its
// exact skeleton mode agrees with Normalizer::Skeleton's invariants on arbitrary bytes; and the
// one-pass path, wherever it takes a text, gives the staged path's text and offsets under the
// option combination the first byte picks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analysis/normalize.h"
#include "analysis/normalize_internal.h"

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

  if (size > 0) {
    NormalizeOptions o;
    o.collapse_space = data[0] & 1;
    o.join_spaced = data[0] & 2;
    o.fold_leet = data[0] & 4;
    o.fold_repeats = data[0] & 8;
    o.lower_skeleton = data[0] & 16;
    std::string_view rest = text.substr(1);
    const internal::Tables& t = internal::GetTables();
    Normalized fused, staged;
    if (internal::NormalizeFused(t, rest, o, &fused)) {
      internal::NormalizeStaged(t, rest, o, &staged);
      if (fused.text != staged.text || fused.origin != staged.origin) std::abort();
    }
  }
  return 0;
}
