#include <graphviz/gvc.h>

#include <mutex>
#include <set>

#include "policy/render.h"

namespace vigil::policy {
namespace {

// Every edge of the tree in the order RenderMermaid writes them (Mermaid's linkStyle counts
// edges by that order): from, to, label.
struct Edge {
  int from, to;
  std::string label;
};

std::vector<Edge> Edges(const Policy& p) {
  std::vector<Edge> out;
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const TreeNode& n = p.nodes[i];
    int from = static_cast<int>(i);
    switch (n.type) {
      case NodeType::kCondition:
        if (n.on_true >= 0) out.push_back({from, n.on_true, "yes"});
        if (n.on_false >= 0) out.push_back({from, n.on_false, "no"});
        break;
      case NodeType::kQuestion:
        for (const auto& [answer, node] : n.answers) out.push_back({from, node, answer});
        break;
      case NodeType::kStep:
        if (n.next >= 0) out.push_back({from, n.next, ""});
        break;
    }
  }
  return out;
}

std::set<std::pair<int, int>> PathEdges(const std::vector<int>& path) {
  std::set<std::pair<int, int>> out;
  for (size_t i = 1; i < path.size(); ++i) out.insert({path[i - 1], path[i]});
  return out;
}

// A Graphviz label: backslashes escaped (\N, \G... are expansions), long lines wrapped.
std::string Label(const std::string& text) {
  constexpr size_t kWidth = 42;
  std::string out;
  size_t col = 0;
  for (char c : text) {
    if (c == '\n') c = ' ';
    if (c == ' ' && col >= kWidth) {
      out += "\\n";
      col = 0;
      continue;
    }
    if (c == '\\') out += '\\';
    out += c;
    ++col;
  }
  return out;
}

std::string NodeText(const TreeNode& n) {
  switch (n.type) {
    case NodeType::kCondition:
      return n.expr.source();
    case NodeType::kQuestion:
      return n.ask;
    case NodeType::kStep: {
      std::string s = DescribeOutcome(n.outcome);
      if (s.empty()) s = "continue";
      if (!n.outcome.note.empty()) s += " (" + n.outcome.note + ")";
      return s;
    }
  }
  return "";
}

void Set(void* obj, const char* name, const std::string& value) {
  agsafeset(obj, const_cast<char*>(name), const_cast<char*>(value.c_str()), const_cast<char*>(""));
}

constexpr const char* kHighlight = "#b45309";

}  // namespace

std::vector<std::string> SplitPath(const std::string& comma_separated) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= comma_separated.size()) {
    size_t comma = comma_separated.find(',', start);
    if (comma == std::string::npos) comma = comma_separated.size();
    if (comma > start) out.push_back(comma_separated.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Result<std::vector<int>> ResolvePath(const Policy& p, const std::vector<std::string>& ids) {
  std::vector<int> out;
  for (const auto& id : ids) {
    int found = -1;
    for (size_t i = 0; i < p.nodes.size() && found < 0; ++i)
      if (p.nodes[i].id == id) found = static_cast<int>(i);
    if (found < 0) return Error::Invalid("path", "no node '" + id + "' in policy " + p.id);
    out.push_back(found);
  }
  return out;
}

std::string RenderMermaid(const Policy& p, const std::vector<int>& path) {
  std::string out = RenderMermaid(p);
  if (path.empty()) return out;
  out += "  classDef path fill:#fef3c7,stroke:" + std::string(kHighlight) + ",stroke-width:3px\n";
  std::string nodes;
  for (int i : std::set<int>(path.begin(), path.end()))
    nodes += (nodes.empty() ? "" : ",") + std::string("n") + std::to_string(i);
  out += "  class " + nodes + " path\n";
  auto on_path = PathEdges(path);
  auto edges = Edges(p);
  for (size_t e = 0; e < edges.size(); ++e)
    if (on_path.count({edges[e].from, edges[e].to}))
      out += "  linkStyle " + std::to_string(e) + " stroke:" + kHighlight + ",stroke-width:3px\n";
  return out;
}

Result<std::string> RenderSvg(const Policy& p, const std::vector<int>& path) {
  // Graphviz keeps global state: one layout at a time, on one context made once.
  static std::mutex mu;
  static GVC_t* gvc = nullptr;
  std::lock_guard lock(mu);
  if (!gvc) gvc = gvContext();
  Agraph_t* g = agopen(const_cast<char*>("policy"), Agdirected, nullptr);
  if (!g) return Error::Internal("graphviz: cannot create a graph");
  Set(g, "rankdir", "TB");
  Set(g, "fontname", "Helvetica");
  Set(g, "nodesep", "0.3");
  std::set<int> path_nodes(path.begin(), path.end());
  std::vector<Agnode_t*> nodes;
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const TreeNode& n = p.nodes[i];
    std::string name = "n" + std::to_string(i);
    Agnode_t* v = agnode(g, name.data(), 1);
    nodes.push_back(v);
    bool on_path = path_nodes.count(static_cast<int>(i)) > 0;
    bool leaf = n.type == NodeType::kStep && n.next < 0;
    const char* fill = n.type == NodeType::kCondition  ? "#e0f2fe"
                       : n.type == NodeType::kQuestion ? "#ede9fe"
                       : leaf                          ? "#dcfce7"
                                                       : "#f3f4f6";
    Set(v, "shape", n.type == NodeType::kQuestion ? "parallelogram" : "box");
    Set(v, "style", n.type == NodeType::kCondition ? "rounded,filled" : "filled");
    Set(v, "fontname", "Helvetica");
    Set(v, "fontsize", "11");
    Set(v, "label", Label(NodeText(n)));
    Set(v, "tooltip", n.id);
    Set(v, "id", name);
    Set(v, "fillcolor", on_path ? "#fef3c7" : fill);
    Set(v, "color", on_path ? kHighlight : "#6b7280");
    Set(v, "penwidth", on_path ? "3" : "1");
    if (on_path) Set(v, "class", "path");
  }
  auto on_path = PathEdges(path);
  for (const Edge& e : Edges(p)) {
    Agedge_t* edge = agedge(g, nodes[e.from], nodes[e.to], nullptr, 1);
    bool hot = on_path.count({e.from, e.to}) > 0;
    Set(edge, "label", Label(e.label));
    Set(edge, "fontname", "Helvetica");
    Set(edge, "fontsize", "10");
    Set(edge, "color", hot ? kHighlight : "#6b7280");
    Set(edge, "penwidth", hot ? "3" : "1");
    if (hot) Set(edge, "class", "path");
  }
  Result<std::string> out = Error::Internal("graphviz: dot layout failed (plugins missing?)");
  if (gvLayout(gvc, g, "dot") == 0) {
    char* data = nullptr;
    unsigned int len = 0;
    if (gvRenderData(gvc, g, "svg", &data, &len) == 0 && data)
      out = std::string(data, len);
    else
      out = Error::Internal("graphviz: svg rendering failed");
    if (data) gvFreeRenderData(data);
    gvFreeLayout(gvc, g);
  }
  agclose(g);
  return out;
}

}  // namespace vigil::policy
