// Reads a policy YAML file into a flat node array. Every problem becomes an Issue with the
// file, line and column (from yaml-cpp's Mark, and for conditions the expression's own
// position inside the scalar), and loading goes on so one run reports every problem.
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "core/taxonomy.h"
#include "policy/policy.h"

namespace vigil::policy {

std::string Issue::ToString() const {
  return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + kind +
         ": " + message;
}

namespace {

Position At(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

class Loader {
 public:
  Loader(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {
    out_.policy.file = file_;
  }

  LoadResult Run() {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text_));
    } catch (const YAML::Exception& e) {  // yaml-cpp reports syntax errors only by throwing
      Report({e.mark.line + 1, e.mark.column + 1}, "yaml", e.msg);
      return std::move(out_);
    }
    if (!root.IsMap()) {
      Report(At(root), "schema", "a policy file is a mapping (id, title, tree, ...)");
      return std::move(out_);
    }
    LoadHeader(root);
    const YAML::Node tree = root["tree"];
    if (!tree || !tree.IsSequence() || tree.size() == 0) {
      Report(At(root), "schema", "'tree' must be a non-empty list of rules");
      return std::move(out_);
    }
    BuildRules(tree, "tree");
    LoadQuestions(root["questions"]);
    ResolveQuestionRefs();
    return std::move(out_);
  }

 private:
  Policy& P() { return out_.policy; }
  void Report(Position pos, std::string kind, std::string msg) {
    out_.issues.push_back({file_, pos, std::move(kind), std::move(msg)});
  }

  std::string Str(const YAML::Node& map, const char* key, bool required = false) {
    const YAML::Node v = map[key];
    if (!v) {
      if (required) Report(At(map), "schema", std::string("missing '") + key + "'");
      return "";
    }
    if (!v.IsScalar()) {
      Report(At(v), "schema", std::string("'") + key + "' must be text");
      return "";
    }
    return v.Scalar();
  }

  std::vector<std::string> StrList(const YAML::Node& v, const char* key) {
    std::vector<std::string> out;
    if (!v) return out;
    if (v.IsScalar()) return {v.Scalar()};
    if (!v.IsSequence()) {
      Report(At(v), "schema", std::string("'") + key + "' must be text or a list of text");
      return out;
    }
    for (const auto& item : v) {
      if (item.IsScalar())
        out.push_back(item.Scalar());
      else
        Report(At(item), "schema", std::string("'") + key + "' items must be text");
    }
    return out;
  }

  void LoadHeader(const YAML::Node& root) {
    static const std::set<std::string> known = {
        "id",         "title",       "version_note", "dsa_category", "severity",
        "guidelines", "definitions", "clauses",      "examples",     "notices",
        "tiers",      "tree",        "questions",    "automation"};
    for (const auto& kv : root) {
      if (!known.count(kv.first.Scalar()))
        Report(At(kv.first), "schema", "unknown field '" + kv.first.Scalar() + "'");
    }
    P().id = Str(root, "id", true);
    P().title = Str(root, "title", true);
    P().version_note = Str(root, "version_note");
    P().dsa_category = Str(root, "dsa_category", true);
    if (!P().dsa_category.empty() && !IsDsaCategory(P().dsa_category))
      Report(At(root["dsa_category"]), "schema",
             "'" + P().dsa_category +
                 "' is not a DSA statement-of-reasons "
                 "category (STATEMENT_CATEGORY_...)");
    P().severity = Str(root, "severity");
    P().guidelines = Str(root, "guidelines", true);
    if (root["definitions"]) P().guidelines = Str(root, "definitions") + "\n\n" + P().guidelines;
    const std::string automation = Str(root, "automation");
    if (automation != "" && automation != "allowed" && automation != "never")
      Report(At(root["automation"]), "schema", "automation is 'allowed' (the default) or 'never'");
    P().human_decision_only = automation == "never";
    P().notices = StrList(root["notices"], "notices");
    P().tiers = StrList(root["tiers"], "tiers");
    if (const YAML::Node clauses = root["clauses"]) {
      if (!clauses.IsMap())
        Report(At(clauses), "schema", "'clauses' maps a clause id to its text");
      else
        for (const auto& kv : clauses)
          P().clauses[kv.first.Scalar()] = kv.second.IsScalar() ? kv.second.Scalar() : "";
    }
    if (const YAML::Node examples = root["examples"]) {
      if (!examples.IsSequence())
        return Report(At(examples), "schema", "'examples' must be a list");
      for (const auto& e : examples) {
        if (!e.IsMap()) {
          Report(At(e), "schema", "an example is a mapping (text, decision, why)");
          continue;
        }
        P().examples.push_back(
            {Str(e, "text", true), Str(e, "decision", true), Str(e, "clause"), Str(e, "why")});
      }
    }
  }

  int AddNode(TreeNode n) {
    P().nodes.push_back(std::move(n));
    return static_cast<int>(P().nodes.size() - 1);
  }

  // The position of the expression's first character inside the file: plain scalars start at
  // the mark, quoted ones one column later, block scalars (| or >) on the next line.
  Position ExpressionStart(const YAML::Node& v) {
    Position p = At(v);
    size_t off = static_cast<size_t>(v.Mark().pos);
    if (off < text_.size() && (text_[off] == '"' || text_[off] == '\'')) ++p.column;
    if (off < text_.size() && (text_[off] == '|' || text_[off] == '>')) {
      size_t nl = text_.find('\n', off);
      if (nl != std::string_view::npos) {
        size_t first = text_.find_first_not_of(' ', nl + 1);
        p.line += 1;
        p.column = static_cast<int>(first == std::string_view::npos ? 1 : first - nl);
      }
    }
    return p;
  }

  bool IsBlockScalar(const YAML::Node& v) const {
    size_t off = static_cast<size_t>(v.Mark().pos);
    return off < text_.size() && (text_[off] == '|' || text_[off] == '>');
  }

  Expression CompileCondition(const YAML::Node& v) {
    if (!v.IsScalar()) {
      Report(At(v), "schema", "'if' must be an expression");
      return {};
    }
    Position start = ExpressionStart(v);
    // Block scalars fold or strip their indentation, so positions inside them cannot be mapped
    // back to the file exactly: report the block's start and the position inside the expression.
    bool block = IsBlockScalar(v);
    auto e = block ? Expression::Compile(v.Scalar())
                   : Expression::Compile(v.Scalar(), start.line, start.column);
    if (!e) {
      Position p = start;
      std::string msg = e.error().message;
      if (block)
        msg = "(expression " + e.error().field + ") " + msg;
      else
        std::sscanf(e.error().field.c_str(), "%d:%d", &p.line, &p.column);
      std::string kind = e.error().code == ErrorCode::kBadRequest ? "syntax"
                         : msg.rfind("unknown signal", 0) == 0    ? "unknown_signal"
                                                                  : "type_error";
      Report(p, kind, msg);
      return {};
    }
    if (e->type() != Type::kBool)
      Report(start, "type_error",
             std::string("a condition must be a boolean, this is a ") + TypeName(e->type()));
    return std::move(e.value());
  }

  // A list of rules: `- if: EXPR / then: STEP`, ending with `- else: STEP`. Returns the index
  // of the first rule's node; each condition's false branch is the next rule.
  int BuildRules(const YAML::Node& rules, const std::string& id) {
    int first = -1;
    bool pending = false;  // the previous rule is a condition whose false branch is this rule
    size_t pending_index = 0;
    bool saw_else = false;
    for (size_t i = 0; i < rules.size(); ++i) {
      const YAML::Node rule = rules[i];
      std::string rid = id + "[" + std::to_string(i) + "]";
      if (!rule.IsMap()) {
        Report(At(rule), "schema", "a rule is `if:` + `then:`, or `else:`");
        continue;
      }
      if (saw_else) Report(At(rule), "unreachable", rid + " comes after 'else' and can never run");
      int node;
      if (rule["else"]) {
        node = BuildStep(rule["else"], rid + ".else");
        saw_else = true;
      } else if (rule["if"] && rule["then"]) {
        TreeNode c;
        c.type = NodeType::kCondition, c.id = rid, c.pos = At(rule["if"]);
        c.expr = CompileCondition(rule["if"]);
        if (!IsBlockScalar(rule["if"])) c.expr_pos = ExpressionStart(rule["if"]);
        node = AddNode(std::move(c));
        int then = BuildStep(rule["then"], rid + ".then");
        P().nodes[node].on_true = then;
      } else {
        Report(At(rule), "schema", "a rule needs `if:` and `then:`, or `else:`");
        continue;
      }
      if (first < 0) first = node;
      if (pending) P().nodes[pending_index].on_false = node;
      if (P().nodes[node].type == NodeType::kCondition) {
        pending_index = static_cast<size_t>(node);
        pending = true;
      } else {
        pending = false;
      }
    }
    return first;
  }

  int BuildStep(const YAML::Node& v, const std::string& id) {
    TreeNode s;
    s.type = NodeType::kStep, s.id = id, s.pos = At(v);
    if (!v.IsMap()) {
      Report(At(v), "schema", "an outcome is a mapping such as { action: remove, clause: S1 }");
      return AddNode(std::move(s));
    }
    static const std::set<std::string> known = {
        "action", "actions",  "severity",           "clause",
        "queue",  "priority", "escalate",           "notice",
        "strike", "note",     "needs_human_review", "question",
        "rules",  "fields"};
    for (const auto& kv : v)
      if (!known.count(kv.first.Scalar()))
        Report(At(kv.first), "schema", "unknown outcome field '" + kv.first.Scalar() + "'");
    Outcome& o = s.outcome;
    o.actions = StrList(v["action"], "action");
    for (auto& a : StrList(v["actions"], "actions")) o.actions.push_back(std::move(a));
    o.severity = Str(v, "severity");
    o.clause = Str(v, "clause");
    o.queue = Str(v, "queue");
    o.escalate = Str(v, "escalate");
    if (const YAML::Node f = v["fields"]) {
      if (!f.IsMap()) {
        Report(At(f), "schema", "'fields' is a mapping of hand-off field names to values");
      } else {
        for (const auto& kv : f) {
          if (!kv.second.IsScalar())
            Report(At(kv.second), "schema",
                   "hand-off field '" + kv.first.Scalar() + "' must be a single value");
          else
            o.fields[kv.first.Scalar()] = kv.second.Scalar();
        }
      }
      if (o.escalate.empty())
        Report(At(f), "schema", "'fields' are hand-off fields: they need 'escalate'");
    }
    o.notice = Str(v, "notice");
    o.note = Str(v, "note");
    o.priority = Int(v, "priority");
    o.strike = Int(v, "strike");
    if (v["needs_human_review"]) o.needs_human_review = Bool(v["needs_human_review"]);
    if (!o.clause.empty() && !P().clauses.empty() && !P().clauses.count(o.clause))
      Report(At(v["clause"]), "schema", "clause '" + o.clause + "' is not in 'clauses'");
    CheckListed(v, "notice", o.notice, P().notices);
    CheckListed(v, "escalate", o.escalate, P().tiers);
    int node = AddNode(std::move(s));
    if (v["question"] && v["rules"])
      Report(At(v), "schema", "a step goes to a question or to rules, not both");
    if (const YAML::Node q = v["question"]) refs_.push_back({node, Str(v, "question"), At(q)});
    if (const YAML::Node r = v["rules"]) {
      if (!r.IsSequence() || r.size() == 0)
        Report(At(r), "schema", "'rules' must be a non-empty list");
      else {
        int next = BuildRules(r, id + ".rules");
        P().nodes[node].next = next;
      }
    }
    return node;
  }

  // A policy declares the notices and tiers it uses so reviewers see them up front; an
  // undeclared one is usually a typo.
  void CheckListed(const YAML::Node& v, const char* key, const std::string& value,
                   const std::vector<std::string>& declared) {
    if (value.empty() || declared.empty()) return;
    for (const auto& d : declared)
      if (d == value) return;
    Report(At(v[key]), "schema",
           std::string(key) + " '" + value + "' is not declared in '" + key +
               (std::string(key) == "notice" ? "s'" : "' tiers"));
  }

  int Int(const YAML::Node& map, const char* key) {
    const YAML::Node v = map[key];
    if (!v) return 0;
    try {
      std::string s = v.Scalar();
      if (!s.empty() && s[0] == '+') s.erase(0, 1);  // "+20" reads as an adjustment
      size_t used = 0;
      int n = std::stoi(s, &used);
      if (used == s.size()) return n;
    } catch (const std::exception&) {  // std::stoi signals bad input only by throwing
    }
    Report(At(v), "schema", std::string("'") + key + "' must be a whole number");
    return 0;
  }

  bool Bool(const YAML::Node& v) {
    if (v.IsScalar() && (v.Scalar() == "true" || v.Scalar() == "yes")) return true;
    if (v.IsScalar() && (v.Scalar() == "false" || v.Scalar() == "no")) return false;
    Report(At(v), "schema", "expected true or false");
    return false;
  }

  void LoadQuestions(const YAML::Node& qs) {
    if (!qs) return;
    if (!qs.IsMap()) return Report(At(qs), "schema", "'questions' maps a name to a question");
    for (const auto& kv : qs) {
      const std::string name = kv.first.Scalar();
      const YAML::Node q = kv.second;
      TreeNode n;
      n.type = NodeType::kQuestion, n.id = "questions." + name, n.name = name, n.pos = At(kv.first);
      if (!q.IsMap()) {
        Report(At(q), "schema", "question '" + name + "' must be a mapping");
        continue;
      }
      n.ask = Str(q, "ask", true);
      n.guidance = Str(q, "guidance");
      int node = AddNode(std::move(n));
      questions_[name] = node;
      std::vector<std::pair<std::string, int>> answers;
      if (q["yes"] || q["no"]) {
        if (!q["yes"] || !q["no"])
          Report(At(q), "schema", "a yes/no question needs both 'yes' and 'no'");
        if (q["choices"]) Report(At(q), "schema", "a question has yes/no or choices, not both");
        if (q["yes"]) answers.push_back({"yes", BuildStep(q["yes"], "questions." + name + ".yes")});
        if (q["no"]) answers.push_back({"no", BuildStep(q["no"], "questions." + name + ".no")});
      } else if (const YAML::Node c = q["choices"]; c && c.IsMap() && c.size() >= 2) {
        for (const auto& ch : c)
          answers.push_back({ch.first.Scalar(),
                             BuildStep(ch.second, "questions." + name + "." + ch.first.Scalar())});
      } else {
        Report(At(q), "schema",
               "question '" + name + "' needs 'yes' and 'no', or two or more 'choices'");
      }
      P().nodes[node].answers = std::move(answers);
    }
  }

  void ResolveQuestionRefs() {
    for (const auto& r : refs_) {
      auto it = questions_.find(r.name);
      if (it == questions_.end())
        Report(r.pos, "schema", "no question named '" + r.name + "'");
      else
        P().nodes[r.node].next = it->second;
    }
  }

  struct Ref {
    int node;
    std::string name;
    Position pos;
  };
  std::string_view text_;
  std::string file_;
  LoadResult out_;
  std::vector<Ref> refs_;
  std::map<std::string, int> questions_;
};

}  // namespace

LoadResult LoadPolicyText(std::string_view yaml, const std::string& file) {
  LoadResult r = Loader(yaml, file).Run();
  if (!r.policy.nodes.empty()) {
    for (auto& i : CheckPolicy(r.policy)) r.issues.push_back(std::move(i));
  }
  return r;
}

LoadResult LoadPolicyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.issues.push_back({path, {}, "io", "cannot read the file"});
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadPolicyText(ss.str(), path);
}

Result<Policy> LoadPolicy(const std::string& path) {
  LoadResult r = LoadPolicyFile(path);
  if (!r.issues.empty()) {
    const Issue& i = r.issues.front();
    return Error::Invalid(
        i.file + ":" + std::to_string(i.pos.line) + ":" + std::to_string(i.pos.column),
        i.kind + ": " + i.message);
  }
  return std::move(r.policy);
}

}  // namespace vigil::policy
