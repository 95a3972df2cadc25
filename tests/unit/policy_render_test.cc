// Line diffs of policy texts and flowcharts with a highlighted path.
#include <gtest/gtest.h>

#include "policy/policy.h"
#include "policy/render.h"
#include "policy/text_diff.h"

namespace vigil::policy {
namespace {

TEST(UnifiedDiff, HunksWithContextAndLineNumbers) {
  EXPECT_EQ(UnifiedDiff("a\nb\n", "a\nb\n", "x", "y"), "");
  EXPECT_EQ(UnifiedDiff("a\nb\nc\n", "a\nB\nc\n", "p v1", "p v2"),
            "--- p v1\n+++ p v2\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  // Changes more than 2 * context unchanged lines apart make separate hunks (as diff -U1).
  std::string before, after;
  for (int i = 1; i <= 20; ++i) {
    before += "l" + std::to_string(i) + "\n";
    after += (i == 3 ? "x3" : i == 17 ? "x17" : "l" + std::to_string(i)) + "\n";
  }
  after += "l21\n";
  EXPECT_EQ(UnifiedDiff(before, after, "a", "b", 1),
            "--- a\n+++ b\n@@ -2,3 +2,3 @@\n l2\n-l3\n+x3\n l4\n"
            "@@ -16,3 +16,3 @@\n l16\n-l17\n+x17\n l18\n@@ -20 +20,2 @@\n l20\n+l21\n");
  // Within 2 * context they share one hunk.
  EXPECT_EQ(UnifiedDiff("1\n2\n3\n4\n", "x\n2\n3\ny\n", "a", "b", 1),
            "--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+x\n 2\n 3\n-4\n+y\n");
  // Pure insertion into an empty text.
  EXPECT_EQ(UnifiedDiff("", "new\n", "a", "b"), "--- a\n+++ b\n@@ -0,0 +1 @@\n+new\n");
}

const char* kTree = R"(id: t
title: T
dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD
guidelines: g
clauses: { S1: s }
tree:
  - if: analysis.domain_block
    then: { action: remove, clause: S1 }
  - else: { question: scam }
questions:
  scam:
    ask: "Is it a scam?"
    yes: { action: remove, clause: S1 }
    no: { action: no_violation }
)";

TEST(RenderFlowchart, SvgAndMermaidHighlightThePath) {
  LoadResult r = LoadPolicyText(kTree, "t.yaml");
  ASSERT_TRUE(r.issues.empty()) << r.issues[0].ToString();
  std::vector<std::string> ids;
  for (const auto& n : r.policy.nodes) ids.push_back(n.id);
  // The walk of "no domain block, reviewer says yes": root, else, question, yes.
  Snapshot snap(0);
  WalkResult w = Walk(r.policy, snap, {{"scam", "yes"}});
  ASSERT_EQ(w.status, WalkResult::Status::kOutcome);
  std::vector<std::string> trail;
  for (const auto& t : w.trace) trail.push_back(t.node);
  auto path = ResolvePath(r.policy, trail);
  ASSERT_TRUE(path);

  auto svg = RenderSvg(r.policy, *path);
  ASSERT_TRUE(svg) << svg.error().message;
  ASSERT_NE(svg->find("<svg"), std::string::npos);
  EXPECT_NE(svg->find("Is it a scam?"), std::string::npos);
  size_t nodes = 0, highlighted = 0;
  for (size_t at = svg->find("class=\"node"); at != std::string::npos;
       at = svg->find("class=\"node", at + 1))
    ++nodes;
  for (const char* cls : {"class=\"node path\"", "class=\"edge path\""})
    for (size_t at = svg->find(cls); at != std::string::npos; at = svg->find(cls, at + 1))
      ++highlighted;
  EXPECT_EQ(nodes, r.policy.nodes.size());
  // Every node of the trail and the edges between consecutive ones.
  EXPECT_EQ(highlighted, trail.size() + (trail.size() - 1)) << *svg;
  for (const auto& id : ids)
    EXPECT_NE(svg->find("xlink:title=\"" + id + "\""), std::string::npos) << id;

  std::string mermaid = RenderMermaid(r.policy, *path);
  EXPECT_EQ(mermaid.rfind(RenderMermaid(r.policy), 0), 0u);  // the plain chart, then styles
  EXPECT_NE(mermaid.find("classDef path"), std::string::npos);
  size_t links = 0;
  for (size_t at = mermaid.find("linkStyle"); at != std::string::npos;
       at = mermaid.find("linkStyle", at + 1))
    ++links;
  EXPECT_EQ(links, trail.size() - 1);

  auto unknown = ResolvePath(r.policy, {"tree[0]", "tree[99]"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "path");
  EXPECT_EQ(SplitPath("a,,b,"), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace vigil::policy
