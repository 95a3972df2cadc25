// Gathers policy::CaseFacts for an open case from the store as it is now: the content, the
// case's flags, the newest flag's reporter record, the author's strikes, and the content's
// stored analysis (or a fresher one the caller just made).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "core/taxonomy.h"
#include "policy/facts.h"
#include "store/store.h"

namespace vigil::automation {

struct LoadedCase {
  store::CaseRow row;
  policy::CaseFacts facts;
  int64_t last_flag_id = 0;                 // the newest flag the facts include
  int64_t content_revision = 0;             // the content revision they describe
  std::vector<std::string> dsa_categories;  // of the case's flag reasons (taxonomy)
};

// nullopt when the case does not exist. `fresh` (when given) replaces the stored analysis.
std::optional<LoadedCase> LoadCase(store::ReadTx& rtx, int64_t case_id, const Taxonomy& taxonomy,
                                   Millis now, const analysis::AnalysisResult* fresh = nullptr);

}  // namespace vigil::automation
