// Internal to src/policy: the overlap analysis of CheckPolicy (policy_lint.cc). Conditions are
// read as an `or` of `and`s of comparisons; a comparison of a signal with a constant becomes a
// range, anything else an opaque fact that is true or false. Over that form lint proves, without
// running the tree, that a rule can never be true, that a comparison adds nothing, that a rule
// is shadowed by an earlier one, or that two sibling rules claim the same values for
// different outcomes.
#pragma once

#include <vector>

#include "policy/policy.h"

namespace vigil::policy {

// Appends contradiction, redundant and overlap issues. Needs an acyclic tree (FindCycle first).
void FindOverlaps(const Policy& p, std::vector<Issue>& issues);

}  // namespace vigil::policy
