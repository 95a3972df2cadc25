// The reason taxonomy: the codes a flag may give as its reason, each mapped to a DSA
// statement-of-reasons category, a severity (1 lowest .. 5 highest) and the queue its cases open
// in. Loaded from taxonomy.yaml in the data directory; a built-in default ships with Vigil.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace vigil {

struct Reason {
  std::string code;
  std::string title;
  std::string dsa_category;  // STATEMENT_CATEGORY_*
  int severity = 1;
  std::string queue;
};

class Taxonomy {
 public:
  static Result<Taxonomy> FromYaml(const std::string& text);
  static const char* DefaultYaml();
  static const Taxonomy& Default();

  const Reason* Find(std::string_view code) const;
  const std::vector<Reason>& reasons() const { return reasons_; }

 private:
  std::vector<Reason> reasons_;
};

// True for the DSA Transparency Database's category keys.
bool IsDsaCategory(std::string_view key);

}  // namespace vigil
