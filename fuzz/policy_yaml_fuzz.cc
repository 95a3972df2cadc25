// libFuzzer target: the policy file loader (YAML, schema, conditions, tree building) and lint
// refuse bad input with issues that name the file and a position, and never crash or loop;
// whatever loads without issues walks (with and without answers) and renders.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "policy/policy.h"

namespace {

using namespace vigil::policy;

const Snapshot& Populated() {
  static const Snapshot s = [] {
    Snapshot snap(1'800'000'000'000);
    (void)snap.SetNumber("author.strikes", 2);
    (void)snap.SetBool("analysis.domain_block", true);
    (void)snap.SetString("content.type", "text");
    (void)snap.SetList("analysis.term_match.category", {"scam", "slur"});
    (void)snap.SetSeries("flags", {1'799'999'000'000});
    snap.SetClassifierScore("scam", 0.97);
    return snap;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // policy files are small; bigger inputs only slow the search
  std::string text(reinterpret_cast<const char*>(data), size);
  LoadResult r = LoadPolicyText(text, "fuzz.yaml");
  for (const Issue& i : r.issues) {
    if (i.file != "fuzz.yaml" || i.kind.empty() || i.message.empty() || i.pos.line < 0 ||
        i.pos.column < 0)
      std::abort();
    (void)i.ToString();
  }
  if (!r.issues.empty()) return 0;
  const Policy& p = r.policy;
  if (p.nodes.empty()) std::abort();  // a usable policy has a tree
  (void)RenderMermaid(p);
  for (const Snapshot* snap : {&Populated(), static_cast<const Snapshot*>(nullptr)}) {
    Snapshot empty;
    const Snapshot& s = snap ? *snap : empty;
    WalkResult w = Walk(p, s);
    // Answer every question with its first choice, then with its last, to walk past them.
    for (int pass = 0; pass < 2; ++pass) {
      std::map<std::string, std::string> answers;
      for (const TreeNode& n : p.nodes)
        if (n.type == NodeType::kQuestion && !n.answers.empty())
          answers[n.name] = pass == 0 ? n.answers.front().first : n.answers.back().first;
      w = Walk(p, s, answers);
      if (w.trace.size() > p.nodes.size() + 1) std::abort();  // the walk is bounded
      // Lint promised every leaf decides and no rule list runs out without an else.
      if (w.status == WalkResult::Status::kNoMatch) std::abort();
    }
  }
  return 0;
}
