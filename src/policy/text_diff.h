// Line diffs of policy texts, in the unified format `diff -u` and code review tools read.
#pragma once

#include <string>
#include <string_view>

namespace vigil::policy {

// The unified diff from `before` to `after` with `context` unchanged lines around each change,
// headed "--- before_name" / "+++ after_name"; "" when the texts are equal. Exact (a longest
// common subsequence of lines) unless the changed middle of both texts exceeds
// kMaxDiffCells line pairs, when that middle is shown as removed and added whole.
std::string UnifiedDiff(std::string_view before, std::string_view after,
                        const std::string& before_name, const std::string& after_name,
                        int context = 3);

inline constexpr size_t kMaxDiffCells = 4'000'000;

}  // namespace vigil::policy
