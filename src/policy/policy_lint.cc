// The overlap analysis of lint (lint.h). A condition is re-parsed (it compiled at load, so it
// parses) and read as an `or` of conjunctions. In a conjunction, `signal OP constant` (numbers,
// durations, counts, classifier scores) narrows a range per signal, and every other part is a
// fact asserted true or false (`not x` is x asserted false). Two conjunctions are compared by
// inclusion: A implies B when each range of B contains A's range for that signal and each fact
// of B is asserted the same way in A. Anything this form cannot express is an opaque fact, so
// the analysis never claims an overlap it cannot prove.
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "policy/expr_ast.h"
#include "policy/lint.h"

namespace vigil::policy {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Range {
  double lo = -kInf, hi = kInf;
  bool lo_in = true, hi_in = true;  // inclusive bounds

  bool Empty() const { return lo > hi || (lo == hi && !(lo_in && hi_in)); }
  bool Within(const Range& o) const {  // this is a subset of o
    bool lo_ok = lo > o.lo || (lo == o.lo && (o.lo_in || !lo_in));
    bool hi_ok = hi < o.hi || (hi == o.hi && (o.hi_in || !hi_in));
    return Empty() || (lo_ok && hi_ok);
  }
  Range Intersect(const Range& o) const {
    Range r = *this;
    if (o.lo > r.lo || (o.lo == r.lo && !o.lo_in)) r.lo = o.lo, r.lo_in = o.lo_in;
    if (o.hi < r.hi || (o.hi == r.hi && !o.hi_in)) r.hi = o.hi, r.hi_in = o.hi_in;
    return r;
  }
  bool operator==(const Range& o) const { return Within(o) && o.Within(*this); }
};

// One part of a conjunction, with where it is written.
struct Part {
  std::string key;  // the signal side, canonical ("classifier.score(\"scam\")")
  bool is_range = false;
  Range range;        // is_range
  bool truth = true;  // a fact
  bool duration = false;
  int line = 0, column = 0;
  std::string text;  // canonical text of the whole part, for messages
};

struct Conj {
  std::vector<Part> parts;
  std::map<std::string, Range> ranges;
  std::map<std::string, bool> facts;
  bool contradictory = false;
  std::string text;
  int line = 0, column = 0;
};

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string Canon(const AstNode& n);

std::string CanonOperand(const AstNode& n) {
  return n.kind == NodeKind::kBinary ? "(" + Canon(n) + ")" : Canon(n);
}

std::string Canon(const AstNode& n) {
  switch (n.kind) {
    case NodeKind::kNumber:
      return Num(n.num);
    case NodeKind::kDuration:
      return FormatDuration(n.num);
    case NodeKind::kString:
      return "\"" + n.text + "\"";
    case NodeKind::kBool:
      return n.num != 0 ? "true" : "false";
    case NodeKind::kList: {
      std::string s = "[";
      for (size_t i = 0; i < n.items.size(); ++i) s += (i ? ", \"" : "\"") + n.items[i] + "\"";
      return s + "]";
    }
    case NodeKind::kPath:
      return n.text;
    case NodeKind::kCall: {
      std::string s = n.text + "(";
      for (size_t i = 0; i < n.kids.size(); ++i) {
        const std::string& name = i < n.arg_names.size() ? n.arg_names[i] : "";
        if (name == "within")
          s += " within ";
        else if (i)
          s += ", ";
        if (!name.empty() && name != "within") s += name + ": ";
        s += Canon(*n.kids[i]);
      }
      return s + ")";
    }
    case NodeKind::kNot:
      return "not " + CanonOperand(*n.kids[0]);
    case NodeKind::kNeg:
      return "-" + CanonOperand(*n.kids[0]);
    case NodeKind::kBinary:
      return CanonOperand(*n.kids[0]) + " " + BinOpName(n.op) + " " + CanonOperand(*n.kids[1]);
  }
  return "?";
}

// A numeric constant (number, duration, or their negation).
bool Constant(const AstNode& n, double* v, bool* duration) {
  if (n.kind == NodeKind::kNumber || n.kind == NodeKind::kDuration) {
    *v = n.num;
    *duration = n.kind == NodeKind::kDuration;
    return true;
  }
  if (n.kind == NodeKind::kNeg && Constant(*n.kids[0], v, duration)) {
    *v = -*v;
    return true;
  }
  return false;
}

bool IsComparison(BinOp op) {
  return op == BinOp::kLt || op == BinOp::kLe || op == BinOp::kGt || op == BinOp::kGe ||
         op == BinOp::kEq;
}

// The operator of `c OP x` written as `x OP' c` (negate false: 3 < x is x > 3), or of
// `not (x OP c)` (negate true: not x < 3 is x >= 3).
BinOp Turn(BinOp op, bool negate) {
  switch (op) {
    case BinOp::kLt:
      return negate ? BinOp::kGe : BinOp::kGt;
    case BinOp::kLe:
      return negate ? BinOp::kGt : BinOp::kGe;
    case BinOp::kGt:
      return negate ? BinOp::kLe : BinOp::kLt;
    case BinOp::kGe:
      return negate ? BinOp::kLt : BinOp::kLe;
    default:
      return op;
  }
}

Range RangeOf(BinOp op, double v) {
  Range r;
  if (op == BinOp::kLt || op == BinOp::kLe) r.hi = v, r.hi_in = op == BinOp::kLe;
  if (op == BinOp::kGt || op == BinOp::kGe) r.lo = v, r.lo_in = op == BinOp::kGe;
  if (op == BinOp::kEq) r.lo = r.hi = v;
  return r;
}

// `signal OP constant` (either side), possibly under `not`; false for anything else.
bool AsRange(const AstNode& n, bool negated, Part* out) {
  if (n.kind == NodeKind::kNot) return AsRange(*n.kids[0], !negated, out);
  if (n.kind != NodeKind::kBinary || !IsComparison(n.op)) return false;
  double v = 0;
  bool duration = false;
  BinOp op = n.op;
  const AstNode* side = nullptr;
  if (Constant(*n.kids[1], &v, &duration) && !Constant(*n.kids[0], &v, &duration)) {
    Constant(*n.kids[1], &v, &duration);
    side = n.kids[0].get();
  } else if (Constant(*n.kids[0], &v, &duration) && !Constant(*n.kids[1], &v, &duration)) {
    Constant(*n.kids[0], &v, &duration);
    side = n.kids[1].get(), op = Turn(op, false);
  } else {
    return false;
  }
  if (negated) {
    if (op == BinOp::kEq) return false;  // x != 3 is two ranges
    op = Turn(op, true);
  }
  out->key = Canon(*side);
  out->is_range = true;
  out->range = RangeOf(op, v);
  out->duration = duration;
  return true;
}

Part MakePart(const AstNode& n) {
  Part p;
  p.line = n.line, p.column = n.column;
  if (n.kind == NodeKind::kBinary && n.kids.size() == 2)
    p.line = n.kids[0]->line, p.column = n.kids[0]->column;
  p.text = Canon(n);
  if (AsRange(n, false, &p)) return p;
  const AstNode* fact = &n;
  bool truth = true;
  while (fact->kind == NodeKind::kNot) fact = fact->kids[0].get(), truth = !truth;
  // `x == true` / `x != false` are the fact x.
  if (fact->kind == NodeKind::kBinary && (fact->op == BinOp::kEq || fact->op == BinOp::kNe) &&
      fact->kids[1]->kind == NodeKind::kBool) {
    if ((fact->kids[1]->num != 0) != (fact->op == BinOp::kEq)) truth = !truth;
    fact = fact->kids[0].get();
  }
  p.key = Canon(*fact);
  p.truth = truth;
  return p;
}

void Collect(const AstNode& n, Conj& c) {
  if (n.kind == NodeKind::kBinary && n.op == BinOp::kAnd) {
    Collect(*n.kids[0], c);
    Collect(*n.kids[1], c);
    return;
  }
  c.parts.push_back(MakePart(n));
}

void Dnf(const AstNode& n, std::vector<Conj>& out) {
  if (n.kind == NodeKind::kBinary && n.op == BinOp::kOr) {
    Dnf(*n.kids[0], out);
    Dnf(*n.kids[1], out);
    return;
  }
  Conj c;
  c.text = Canon(n);
  c.line = n.line, c.column = n.column;
  Collect(n, c);
  if (!c.parts.empty()) c.line = c.parts[0].line, c.column = c.parts[0].column;
  out.push_back(std::move(c));
}

// The analysis of one condition node.
struct Condition {
  int node = -1;
  std::vector<Conj> dnf;
  std::string text;
  bool usable = false;  // parsed and not every branch contradictory
};

bool Implies(const Conj& a, const Conj& b) {
  if (a.contradictory || b.contradictory) return false;
  for (const auto& [key, rb] : b.ranges) {
    auto it = a.ranges.find(key);
    if (it == a.ranges.end() || !it->second.Within(rb)) return false;
  }
  for (const auto& [key, tb] : b.facts) {
    auto it = a.facts.find(key);
    if (it == a.facts.end() || it->second != tb) return false;
  }
  return true;
}

// Every possible branch of `a` implies some branch of `b`: whenever a is true, b is.
bool Implies(const Condition& a, const Condition& b) {
  if (!a.usable || !b.usable) return false;
  for (const Conj& x : a.dnf) {
    if (x.contradictory) continue;
    bool covered = false;
    for (const Conj& y : b.dnf) covered = covered || Implies(x, y);
    if (!covered) return false;
  }
  return true;
}

class Linter {
 public:
  Linter(const Policy& p, std::vector<Issue>& issues) : p_(p), issues_(issues) {}

  void Run() {
    conds_.resize(p_.nodes.size());
    for (size_t i = 0; i < p_.nodes.size(); ++i) Analyse(static_cast<int>(i));
    for (size_t i = 0; i < p_.nodes.size(); ++i) Siblings(static_cast<int>(i));
  }

 private:
  void Report(int node, int line, int column, const char* kind, std::string msg) {
    const TreeNode& n = p_.nodes[node];
    Position pos = n.pos;
    if (n.expr_pos.line > 0) {
      pos = {line, column};
    } else {  // a block scalar: the block's line, and the place inside the expression
      msg = "(expression " + std::to_string(line) + ":" + std::to_string(column) + ") " + msg;
    }
    issues_.push_back({p_.file, pos, kind, std::move(msg)});
  }

  void Analyse(int node) {
    const TreeNode& n = p_.nodes[node];
    Condition& c = conds_[node];
    c.node = node;
    if (n.type != NodeType::kCondition || n.expr.size() == 0 || n.expr.is_constant()) return;
    int line = n.expr_pos.line > 0 ? n.expr_pos.line : 1;
    int column = n.expr_pos.line > 0 ? n.expr_pos.column : 1;
    auto ast = ParseExpression(n.expr.source(), line, column);
    if (!ast) return;
    c.text = Canon(*ast.value());
    Dnf(*ast.value(), c.dnf);
    for (Conj& conj : c.dnf) Within(node, conj, c.dnf.size() > 1);
    for (const Conj& conj : c.dnf) c.usable = c.usable || !conj.contradictory;
    if (c.usable) RedundantBranches(node, c);
  }

  // Contradictory and redundant parts of one conjunction.
  void Within(int node, Conj& c, bool branch) {
    const std::string what = branch ? "this `or` branch" : "the condition";
    std::vector<bool> redundant(c.parts.size(), false);
    for (size_t i = 0; i < c.parts.size(); ++i) {
      const Part& part = c.parts[i];
      if (part.is_range) {
        auto [it, fresh] = c.ranges.emplace(part.key, part.range);
        if (fresh) continue;
        Range both = it->second.Intersect(part.range);
        if (both.Empty()) {
          Report(node, part.line, part.column, "contradiction",
                 "`" + part.text + "` contradicts an earlier comparison of " + part.key + " in " +
                     p_.nodes[node].id + ": no value satisfies both, so " + what +
                     " is never true");
          c.contradictory = true;
        }
        it->second = both;
      } else {
        auto [it, fresh] = c.facts.emplace(part.key, part.truth);
        if (fresh) continue;
        if (it->second != part.truth) {
          Report(node, part.line, part.column, "contradiction",
                 "`" + part.text + "` contradicts an earlier part of " + p_.nodes[node].id +
                     ", so " + what + " is never true");
          c.contradictory = true;
        } else {
          redundant[i] = true;
          Report(node, part.line, part.column, "redundant",
                 "`" + part.text + "` repeats an earlier part of " + p_.nodes[node].id);
        }
      }
    }
    if (c.contradictory) return;
    // A comparison implied by the others on the same signal adds nothing (x >= 3 and x >= 5).
    // Checked from the last so that of two equal comparisons the later one is reported.
    for (size_t i = c.parts.size(); i-- > 0;) {
      const Part& part = c.parts[i];
      if (!part.is_range || redundant[i]) continue;
      Range others;
      const Part* by = nullptr;
      for (size_t j = 0; j < c.parts.size(); ++j) {
        if (j == i || redundant[j] || !c.parts[j].is_range || c.parts[j].key != part.key) continue;
        others = others.Intersect(c.parts[j].range);
        by = &c.parts[j];
      }
      if (by && others.Within(part.range)) {
        redundant[i] = true;
        Report(node, part.line, part.column, "redundant",
               "`" + part.text + "` adds nothing in " + p_.nodes[node].id + ": `" + by->text +
                   "` already implies it");
      }
    }
  }

  // `a or b` where b implies a: b never changes the result.
  void RedundantBranches(int node, const Condition& c) {
    for (size_t i = 0; i < c.dnf.size(); ++i) {
      for (size_t j = 0; j < c.dnf.size(); ++j) {
        if (i == j || !Implies(c.dnf[i], c.dnf[j])) continue;
        if (j > i && Implies(c.dnf[j], c.dnf[i])) continue;  // equal: report the later one
        Report(node, c.dnf[i].line, c.dnf[i].column, "redundant",
               "the `or` branch `" + c.dnf[i].text + "` in " + p_.nodes[node].id +
                   " adds nothing: whenever it is true, `" + c.dnf[j].text + "` is too");
        break;
      }
    }
  }

  // What taking a rule's `then` leads to, for comparing two rules' outcomes.
  std::string Leads(int node) const {
    if (node < 0) return "nothing";
    const TreeNode& n = p_.nodes[node];
    const Outcome& o = n.outcome;
    std::string s;
    auto add = [&](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
    for (const auto& a : o.actions) add(a);
    if (!o.clause.empty()) add("clause " + o.clause);
    if (!o.queue.empty()) add("queue " + o.queue);
    if (!o.escalate.empty()) add("escalate " + o.escalate);
    if (o.needs_human_review) add("human review");
    if (n.next >= 0) {
      const TreeNode& next = p_.nodes[n.next];
      add(next.type == NodeType::kQuestion ? "question " + next.name : "rules " + next.id);
    }
    return s.empty() ? n.id : s;
  }

  static std::string Interval(const Range& r, bool duration) {
    auto v = [&](double x) { return duration ? FormatDuration(x) : Num(x); };
    if (r.lo == r.hi) return "= " + v(r.lo);
    std::string lo = r.lo == -kInf ? "" : (r.lo_in ? ">= " : "> ") + v(r.lo);
    std::string hi = r.hi == kInf ? "" : (r.hi_in ? "<= " : "< ") + v(r.hi);
    return lo.empty() ? hi : hi.empty() ? lo : lo + " and " + hi;
  }

  // Rules after `first` in the same list: shadowed, or overlapping it on one signal.
  void Siblings(int first) {
    const Condition& a = conds_[first];
    if (!a.usable) return;
    const TreeNode& fn = p_.nodes[first];
    // Bounded: the tree is acyclic (FindCycle ran first), so the chain ends.
    for (int n = fn.on_false; n >= 0 && p_.nodes[n].type == NodeType::kCondition;
         n = p_.nodes[n].on_false) {
      const Condition& b = conds_[n];
      const TreeNode& bn = p_.nodes[n];
      if (!b.usable || shadowed_.count(n)) continue;
      if (Implies(b, a)) {
        shadowed_.insert(n);
        std::string why = Implies(a, b)
                              ? " repeats the condition of " + fn.id
                              : " is shadowed by " + fn.id +
                                    ": whenever its condition is true, so is " + fn.id + "'s";
        Report(n, b.dnf[0].line, b.dnf[0].column, "overlap",
               bn.id + why + "; the first match wins, so " + bn.id + ".then never runs");
        continue;
      }
      PartialOverlap(first, n);
    }
  }

  // Two single-conjunction rules that agree on every part but the range of one signal, where
  // the ranges overlap without one containing the other (x in [0.5, 0.9) then x >= 0.8):
  // values in the overlap take the first rule's outcome, which the second rule's author
  // probably did not mean when the outcomes differ. A later range containing the earlier one is
  // the usual "stricter threshold first" order and is not reported.
  void PartialOverlap(int first, int later) {
    const Condition& a = conds_[first];
    const Condition& b = conds_[later];
    if (a.dnf.size() != 1 || b.dnf.size() != 1) return;
    const Conj& x = a.dnf[0];
    const Conj& y = b.dnf[0];
    if (x.facts != y.facts || x.ranges.size() != y.ranges.size()) return;
    const std::string* key = nullptr;
    for (const auto& [k, rx] : x.ranges) {
      auto it = y.ranges.find(k);
      if (it == y.ranges.end()) return;
      if (rx == it->second) continue;
      if (key) return;  // differ on two signals: not a plain range split
      key = &k;
    }
    if (!key) return;
    const Range& rx = x.ranges.at(*key);
    const Range& ry = y.ranges.at(*key);
    Range both = rx.Intersect(ry);
    if (both.Empty() || rx.Within(ry) || ry.Within(rx)) return;
    std::string lead_a = Leads(p_.nodes[first].on_true), lead_b = Leads(p_.nodes[later].on_true);
    if (lead_a == lead_b) return;
    bool duration = false;
    for (const Part& part : y.parts) duration = duration || (part.key == *key && part.duration);
    const TreeNode& bn = p_.nodes[later];
    Report(later, y.line, y.column, "overlap",
           bn.id + " overlaps " + p_.nodes[first].id + " on " + *key + ": values " +
               Interval(both, duration) + " match both and take " + p_.nodes[first].id +
               "'s outcome (" + lead_a + "), not " + bn.id + "'s (" + lead_b +
               "); make the ranges meet without overlapping");
  }

  const Policy& p_;
  std::vector<Issue>& issues_;
  std::vector<Condition> conds_;
  std::set<int> shadowed_;
};

}  // namespace

void FindOverlaps(const Policy& p, std::vector<Issue>& issues) { Linter(p, issues).Run(); }

}  // namespace vigil::policy
