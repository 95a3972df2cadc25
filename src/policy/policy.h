// A policy: guidelines, examples and a decision tree that mixes automatic conditions (typed
// expressions over signals, see expr.h) with questions for a human reviewer, ending in
// outcomes. LoadPolicy reads one YAML file (format in docs/policy-language.md) and type-checks
// every condition; errors name file:line:column. Walk() runs a tree against one event and
// returns the outcome or the question it stopped at, with the full trace.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "policy/expr.h"

namespace vigil::policy {

struct Position {
  int line = 0, column = 0;  // 1-based; 0 when unknown
};

// What a leaf (or a step on the way to a question) says to do.
struct Outcome {
  std::vector<std::string> actions;  // remove, no_violation, suspend_account_7d, ...
  std::string severity;
  std::string clause;
  std::string queue;     // route the case to this queue
  int priority = 0;      // priority adjustment (+20, -10)
  std::string escalate;  // escalation tier
  // The escalation's hand-off fields (name -> value as written), typed by the tier's definition
  // when automation escalates; a tier's required fields must be here for it to escalate.
  std::map<std::string, std::string> fields;
  std::string notice;    // notice template
  int strike = 0;
  std::string note;
  bool needs_human_review = false;
  // Something a case can act on; a priority change or a note alone is not.
  bool decides() const {
    return !actions.empty() || needs_human_review || !escalate.empty() || !queue.empty();
  }
};

enum class NodeType : uint8_t { kCondition, kQuestion, kStep };

struct TreeNode {
  NodeType type = NodeType::kStep;
  std::string id;  // stable path for traces and lint: "tree[1]", "questions.degrading.yes"
  Position pos;
  // kCondition: if `expr` then `on_true` else `on_false` (-1: no rule matched).
  Expression expr;
  // Where the condition's text starts in the file; {0, 0} for block scalars (`>-`, `|`), whose
  // folding hides the exact position (lint then names `pos` and the position inside the text).
  Position expr_pos;
  int on_true = -1, on_false = -1;
  // kQuestion
  std::string name, ask, guidance;
  std::vector<std::pair<std::string, int>> answers;  // answer -> node
  // kStep: an outcome, or adjustments on the way to `next` (a question or more rules).
  Outcome outcome;
  int next = -1;
};

struct Example {
  std::string text, decision, clause, why;
};

struct Policy {
  std::string file;
  std::string id, title, version_note, dsa_category, severity, guidelines;
  std::map<std::string, std::string> clauses;
  std::vector<Example> examples;
  std::vector<std::string> notices, tiers;  // notice templates and escalation tiers used
  // `automation: never`: no action without a reviewer's answer (child safety); lint enforces it.
  bool human_decision_only = false;
  std::vector<TreeNode> nodes;  // nodes[0] is the root
};

// A problem found while loading or checking; `kind` is a stable code for tooling.
struct Issue {
  std::string file;
  Position pos;
  std::string kind;  // yaml, schema, syntax, type_error, unknown_signal, unreachable, no_outcome,
                     // cycle, overlap, contradiction, redundant, automation
  std::string message;
  std::string ToString() const;
};

struct LoadResult {
  Policy policy;
  std::vector<Issue> issues;  // empty when the policy is usable
};

LoadResult LoadPolicyText(std::string_view yaml, const std::string& file);
LoadResult LoadPolicyFile(const std::string& path);
// Errors as one Error (Invalid, field "file:line:col") for callers that want Result.
Result<Policy> LoadPolicy(const std::string& path);

// Lint beyond loading: unreachable nodes, steps that decide nothing, rules shadowed by or
// overlapping earlier ones, contradictory and redundant comparisons (policy_lint.cc).
std::vector<Issue> CheckPolicy(const Policy& p);

struct TraceEntry {
  std::string node;    // TreeNode::id
  std::string what;    // the condition's source, the question asked, the outcome
  std::string result;  // "true"/"false", the answer given, "stop"
  std::vector<std::pair<std::string, std::string>> values;  // signal -> value seen
};

struct WalkResult {
  enum class Status { kOutcome, kQuestion, kNoMatch } status = Status::kNoMatch;
  Outcome outcome;    // the leaf's outcome, with priority and notes accumulated on the way
  int leaf = -1;      // node index of the leaf
  int question = -1;  // node index of the question waiting for an answer
  std::vector<TraceEntry> trace;
};

// Walks from the root. `answers` (question name -> answer) lets a reviewer's answers carry the
// walk past questions. Bounded: the tree is acyclic (checked at load), so at most
// nodes.size() steps.
WalkResult Walk(const Policy& p, const Snapshot& snap,
                const std::map<std::string, std::string>& answers = {});

// The same walk without answers and without the trace: the outcome or the question only, for
// backtests that walk millions of cases.
WalkResult WalkOutcome(const Policy& p, const Snapshot& snap);

// One line for a step's outcome: "remove, clause H2, notice sor_removal, strike 1".
std::string DescribeOutcome(const Outcome& o);

// Mermaid flowchart text of the tree (render.h adds a highlighted path and SVG).
std::string RenderMermaid(const Policy& p);

}  // namespace vigil::policy
