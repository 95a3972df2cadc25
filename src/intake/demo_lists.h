// The starter term lists (lists/*.list in the repository, embedded in the binary at build time
// by cmake/EmbedLists.cmake) that `vigil demo` installs so the demo's analysis, policies and
// `vigil analysis report` have something to find.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace vigil::intake {

struct StarterList {
  std::string_view file;  // "scam-phrases.list"
  std::string_view text;
};

const std::vector<StarterList>& StarterLists();

// Writes the starter lists into `lists_dir` (created when missing) when it holds no *.list
// file yet; an existing list set is left alone. Returns how many files were written.
Result<int> InstallStarterLists(const std::string& lists_dir);

}  // namespace vigil::intake
