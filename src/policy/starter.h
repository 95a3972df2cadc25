// The starter policy library written by the project (policies/*.yaml in the source tree),
// embedded at build time so `vigil init` can seed DATA/policies without the source tree.
#pragma once

#include <string_view>
#include <vector>

namespace vigil::policy {

struct StarterPolicy {
  std::string_view file;  // "harassment.yaml"
  std::string_view text;
};

// Every starter policy, in file name order.
const std::vector<StarterPolicy>& StarterPolicies();

}  // namespace vigil::policy
