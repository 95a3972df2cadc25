// Walking a decision tree for one event, and the structural lint (cycles, unreachable nodes,
// steps that decide nothing) that makes the walk's bound and every path's outcome hold.
#include <algorithm>
#include <cstdio>

#include "policy/lint.h"
#include "policy/policy.h"

namespace vigil::policy {

namespace {

std::vector<int> Successors(const Policy& p, const TreeNode& n, bool follow_constants) {
  std::vector<int> out;
  switch (n.type) {
    case NodeType::kCondition: {
      bool take_true = true, take_false = true;
      if (follow_constants && n.expr.is_constant() && n.expr.size() > 0) {
        bool v = n.expr.Test(Snapshot());
        take_true = v, take_false = !v;
      }
      if (take_true && n.on_true >= 0) out.push_back(n.on_true);
      if (take_false && n.on_false >= 0) out.push_back(n.on_false);
      break;
    }
    case NodeType::kQuestion:
      for (const auto& [answer, node] : n.answers) out.push_back(node);
      break;
    case NodeType::kStep:
      if (n.next >= 0) out.push_back(n.next);
      break;
  }
  (void)p;
  return out;
}

void Add(std::vector<Issue>& issues, const Policy& p, const TreeNode& n, const char* kind,
         std::string msg) {
  issues.push_back({p.file, n.pos, kind, std::move(msg)});
}

// Iterative DFS (three colours) so a deep tree cannot overflow the stack.
bool FindCycle(const Policy& p, std::vector<Issue>& issues) {
  std::vector<int> colour(p.nodes.size(), 0);
  for (size_t start = 0; start < p.nodes.size(); ++start) {
    if (colour[start]) continue;
    std::vector<std::pair<int, size_t>> stack = {{static_cast<int>(start), 0}};
    colour[start] = 1;
    while (!stack.empty()) {
      auto& [node, i] = stack.back();
      auto next = Successors(p, p.nodes[node], false);
      if (i >= next.size()) {
        colour[node] = 2;
        stack.pop_back();
        continue;
      }
      int s = next[i++];
      if (colour[s] == 1) {
        Add(issues, p, p.nodes[s], "cycle",
            p.nodes[s].id + " leads back to itself; a tree must not loop");
        return true;
      }
      if (colour[s] == 0) {
        colour[s] = 1;
        stack.push_back({s, 0});
      }
    }
  }
  return false;
}

// `automation: never`: every path from the root to an action passes a question.
void FindAutomaticActions(const Policy& p, std::vector<Issue>& issues) {
  std::vector<bool> seen(p.nodes.size(), false);
  std::vector<int> todo = {0};
  seen[0] = true;
  while (!todo.empty()) {
    const TreeNode& n = p.nodes[todo.back()];
    todo.pop_back();
    if (n.type == NodeType::kQuestion) continue;  // past here a reviewer has answered
    if (n.type == NodeType::kStep && !n.outcome.actions.empty())
      Add(issues, p, n, "automation",
          n.id + " acts without a reviewer's answer, but the policy says automation: never");
    for (int s : Successors(p, n, true))
      if (!seen[s]) seen[s] = true, todo.push_back(s);
  }
}

}  // namespace

std::vector<Issue> CheckPolicy(const Policy& p) {
  std::vector<Issue> issues;
  if (p.nodes.empty() || FindCycle(p, issues)) return issues;
  FindOverlaps(p, issues);
  if (p.human_decision_only) FindAutomaticActions(p, issues);
  std::vector<bool> reached(p.nodes.size(), false);
  std::vector<int> todo = {0};
  reached[0] = true;
  while (!todo.empty()) {
    int n = todo.back();
    todo.pop_back();
    for (int s : Successors(p, p.nodes[n], true))
      if (!reached[s]) reached[s] = true, todo.push_back(s);
  }
  // Report only where an unreachable region starts, not every node inside it.
  std::vector<bool> inside(p.nodes.size(), false);
  for (size_t i = 0; i < p.nodes.size(); ++i)
    if (!reached[i])
      for (int s : Successors(p, p.nodes[i], false)) inside[s] = true;
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const TreeNode& n = p.nodes[i];
    if (!reached[i] && !inside[i]) {
      std::string why = n.type == NodeType::kQuestion ? "question '" + n.name + "' is never asked"
                                                      : n.id + " can never be reached";
      Add(issues, p, n, "unreachable", why + " (no path from the root leads here)");
    }
    if (n.type == NodeType::kCondition && n.on_false < 0 && n.on_true >= 0)
      Add(issues, p, n, "no_outcome",
          n.id + ": when no rule matches the tree ends without an outcome; add `- else: {...}`");
    if (n.type == NodeType::kStep && n.next < 0 && !n.outcome.decides())
      Add(issues, p, n, "no_outcome",
          n.id + " has no outcome: give it action, needs_human_review, escalate or queue");
  }
  return issues;
}

std::string DescribeOutcome(const Outcome& o) {
  std::string s;
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
  if (!o.actions.empty()) {
    std::string a;
    for (const auto& x : o.actions) a += (a.empty() ? "" : "+") + x;
    add(a);
  }
  if (!o.clause.empty()) add("clause " + o.clause);
  if (o.priority)
    add("priority " + std::string(o.priority > 0 ? "+" : "") + std::to_string(o.priority));
  if (!o.escalate.empty()) add("escalate " + o.escalate);
  if (!o.queue.empty()) add("queue " + o.queue);
  if (!o.notice.empty()) add("notice " + o.notice);
  if (o.strike) add("strike " + std::to_string(o.strike));
  if (o.needs_human_review) add("needs human review");
  return s;
}

namespace {

// Steps on the way to a leaf add up: priority and strikes sum, actions append, the latest
// tier (with its hand-off fields)/queue/notice/clause wins, notes are kept in order.
void Merge(Outcome& acc, const Outcome& o) {
  acc.actions.insert(acc.actions.end(), o.actions.begin(), o.actions.end());
  acc.priority += o.priority;
  acc.strike += o.strike;
  for (auto [dst, src] : {std::pair{&acc.severity, &o.severity},
                          {&acc.clause, &o.clause},
                          {&acc.queue, &o.queue},
                          {&acc.escalate, &o.escalate},
                          {&acc.notice, &o.notice}})
    if (!src->empty()) *dst = *src;
  if (!o.escalate.empty()) acc.fields = o.fields;  // a tier's hand-off goes with the tier
  if (!o.note.empty()) acc.note += (acc.note.empty() ? "" : "; ") + o.note;
  acc.needs_human_review |= o.needs_human_review;
}

}  // namespace

namespace {

// `trace` false: only the outcome (the trace formats every value seen, which dominates the cost
// of a walk).
WalkResult WalkImpl(const Policy& p, const Snapshot& snap,
                    const std::map<std::string, std::string>& answers, bool trace) {
  WalkResult r;
  int cur = p.nodes.empty() ? -1 : 0;
  for (size_t steps = 0; cur >= 0 && steps <= p.nodes.size(); ++steps) {
    const TreeNode& n = p.nodes[cur];
    TraceEntry t;
    if (trace) t.node = n.id;
    switch (n.type) {
      case NodeType::kCondition: {
        bool v = n.expr.Test(snap);
        if (!trace) {
          cur = v ? n.on_true : n.on_false;
          break;
        }
        t.what = n.expr.source();
        t.result = v ? "true" : "false";
        for (SignalId id : n.expr.signals_read())
          t.values.push_back({SignalSchema()[id].name, snap.Describe(id)});
        for (const auto& label : n.expr.classifier_labels()) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.6g", snap.ClassifierScore(label));
          t.values.push_back({"classifier.score(\"" + label + "\")", buf});
        }
        r.trace.push_back(std::move(t));
        cur = v ? n.on_true : n.on_false;
        break;
      }
      case NodeType::kQuestion: {
        t.what = n.ask;
        auto given = answers.find(n.name);
        int target = -1;
        if (given != answers.end())
          for (const auto& [answer, node] : n.answers)
            if (answer == given->second) target = node;
        if (target < 0) {
          if (trace) {
            t.result = given == answers.end() ? "waiting for a reviewer"
                                              : "unknown answer '" + given->second + "'";
            r.trace.push_back(std::move(t));
          }
          r.status = WalkResult::Status::kQuestion;
          r.question = cur;
          return r;
        }
        if (trace) {
          t.result = given->second;
          r.trace.push_back(std::move(t));
        }
        cur = target;
        break;
      }
      case NodeType::kStep:
        Merge(r.outcome, n.outcome);
        if (trace) {
          t.what = DescribeOutcome(n.outcome);
          t.result = n.next >= 0 ? "continue" : "outcome";
          r.trace.push_back(std::move(t));
        }
        if (n.next < 0) {
          r.status = WalkResult::Status::kOutcome;
          r.leaf = cur;
          return r;
        }
        cur = n.next;
        break;
    }
  }
  r.status = WalkResult::Status::kNoMatch;
  return r;
}

}  // namespace

WalkResult Walk(const Policy& p, const Snapshot& snap,
                const std::map<std::string, std::string>& answers) {
  return WalkImpl(p, snap, answers, true);
}

WalkResult WalkOutcome(const Policy& p, const Snapshot& snap) {
  static const std::map<std::string, std::string> kNoAnswers;
  return WalkImpl(p, snap, kNoAnswers, false);
}

std::string RenderMermaid(const Policy& p) {
  auto esc = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"')
        out += "#quot;";
      else if (c == '\n')
        out += ' ';
      else
        out += c;
    }
    return "\"" + out + "\"";
  };
  std::string out = "flowchart TD\n";
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const TreeNode& n = p.nodes[i];
    std::string id = "n" + std::to_string(i);
    switch (n.type) {
      case NodeType::kCondition:
        out += "  " + id + "{" + esc(n.expr.source()) + "}\n";
        if (n.on_true >= 0) out += "  " + id + " -->|yes| n" + std::to_string(n.on_true) + "\n";
        if (n.on_false >= 0) out += "  " + id + " -->|no| n" + std::to_string(n.on_false) + "\n";
        break;
      case NodeType::kQuestion:
        out += "  " + id + "[/" + esc(n.ask) + "/]\n";
        for (const auto& [answer, node] : n.answers)
          out += "  " + id + " -->|" + answer + "| n" + std::to_string(node) + "\n";
        break;
      case NodeType::kStep: {
        std::string label = DescribeOutcome(n.outcome);
        if (n.next >= 0) {
          out += "  " + id + "(" + esc(label.empty() ? "continue" : label) + ")\n";
          out += "  " + id + " --> n" + std::to_string(n.next) + "\n";
        } else {
          out += "  " + id + "[" + esc(label) + "]\n";
        }
        break;
      }
    }
  }
  return out;
}

}  // namespace vigil::policy
