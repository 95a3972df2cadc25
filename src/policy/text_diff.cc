#include "policy/text_diff.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace vigil::policy {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

struct Op {
  char kind;    // ' ', '-', '+'
  size_t a, b;  // line index in before / after (the one that applies)
};

// The edit script turning a[lo_a, hi_a) into b[lo_b, hi_b), appended to `ops`.
void Middle(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
            size_t lo_a, size_t hi_a, size_t lo_b, size_t hi_b, std::vector<Op>& ops) {
  size_t n = hi_a - lo_a, m = hi_b - lo_b;
  if (n == 0 || m == 0 || n * m > kMaxDiffCells) {
    for (size_t i = lo_a; i < hi_a; ++i) ops.push_back({'-', i, lo_b});
    for (size_t j = lo_b; j < hi_b; ++j) ops.push_back({'+', hi_a, j});
    return;
  }
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      at(i, j) =
          a[lo_a + i] == b[lo_b + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[lo_a + i] == b[lo_b + j]) {
      ops.push_back({' ', lo_a + i++, lo_b + j++});
    } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
      ops.push_back({'-', lo_a + i++, lo_b + j});  // removals first, as diff -u shows them
    } else {
      ops.push_back({'+', lo_a + i, lo_b + j++});
    }
  }
}

std::string Range(size_t start, size_t count) {
  // An empty range names the line before it, as diff -u does.
  std::string s = std::to_string(count ? start + 1 : start);
  if (count != 1) s += "," + std::to_string(count);
  return s;
}

}  // namespace

std::string UnifiedDiff(std::string_view before, std::string_view after,
                        const std::string& before_name, const std::string& after_name,
                        int context) {
  auto a = Lines(before), b = Lines(after);
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
    ++suffix;
  std::vector<Op> ops;
  for (size_t i = 0; i < prefix; ++i) ops.push_back({' ', i, i});
  Middle(a, b, prefix, a.size() - suffix, prefix, b.size() - suffix, ops);
  for (size_t k = suffix; k-- > 0;) ops.push_back({' ', a.size() - 1 - k, b.size() - 1 - k});

  if (std::all_of(ops.begin(), ops.end(), [](const Op& o) { return o.kind == ' '; })) return "";
  const size_t ctx = static_cast<size_t>(std::max(context, 0));
  std::string out = "--- " + before_name + "\n+++ " + after_name + "\n";
  size_t k = 0;
  while (k < ops.size()) {
    while (k < ops.size() && ops[k].kind == ' ') ++k;
    if (k == ops.size()) break;
    // A hunk: from `ctx` lines before this change to `ctx` lines after the last change that
    // is no more than 2*ctx unchanged lines from the previous one.
    size_t first = k >= ctx ? k - ctx : 0;
    size_t last = k;  // one past the last change
    for (size_t s = k; s < ops.size(); ++s) {
      if (ops[s].kind != ' ') {
        last = s + 1;
      } else if (s - last + 1 > 2 * ctx) {
        break;
      }
    }
    size_t end = std::min(ops.size(), last + ctx);
    size_t a_count = 0, b_count = 0;
    for (size_t s = first; s < end; ++s) {
      if (ops[s].kind != '+') ++a_count;
      if (ops[s].kind != '-') ++b_count;
    }
    out += "@@ -" + Range(ops[first].a, a_count) + " +" + Range(ops[first].b, b_count) + " @@\n";
    for (size_t s = first; s < end; ++s) {
      out += ops[s].kind;
      out += ops[s].kind == '+' ? b[ops[s].b] : a[ops[s].a];
      out += '\n';
    }
    k = end;
  }
  return out;
}

}  // namespace vigil::policy
