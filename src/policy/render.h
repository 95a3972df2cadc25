// Flowcharts of a decision tree with a path highlighted: Mermaid text for documents and SVG
// laid out by Graphviz (dot) for the console. A path is the node ids a walk visited, in order,
// as TreeNode::id and the `policy.evaluated` trace list them ("tree[0]", "questions.x.yes").
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "policy/policy.h"

namespace vigil::policy {

// Node indices of the path's ids; an unknown id is an error naming field "path".
Result<std::vector<int>> ResolvePath(const Policy& p, const std::vector<std::string>& ids);
// Splits "tree[0],tree[1]" at commas, dropping empty pieces.
std::vector<std::string> SplitPath(const std::string& comma_separated);

// RenderMermaid's flowchart, with the path's nodes and the edges between consecutive path nodes
// styled as highlighted.
std::string RenderMermaid(const Policy& p, const std::vector<int>& path);

// An SVG document of the tree: conditions, questions and outcomes drawn differently, edges
// labelled yes/no or with the answer, every node titled with its id; path nodes and edges
// highlighted. Fails only when Graphviz cannot lay out the graph.
Result<std::string> RenderSvg(const Policy& p, const std::vector<int>& path = {});

}  // namespace vigil::policy
