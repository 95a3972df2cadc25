// The reason taxonomy: the codes a flag may give as its reason, each mapped to a DSA
// statement-of-reasons category, a severity (1 lowest .. 5 highest) and the queue its cases open
// in. Loaded from taxonomy.yaml in the data directory; a built-in default ships with Vigil.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
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

// Editable while the server runs: Replace() swaps the reasons in place for every holder of a
// reference. Earlier versions are kept until the Taxonomy is destroyed, so a Reason pointer or the
// reasons() list a reader got stays valid (edits are rare and a version is a few hundred bytes).
class Taxonomy {
 public:
  Taxonomy();
  Taxonomy(const Taxonomy& other);
  Taxonomy& operator=(const Taxonomy& other);
  Taxonomy(Taxonomy&&) noexcept = default;
  Taxonomy& operator=(Taxonomy&&) noexcept = default;

  static Result<Taxonomy> FromYaml(const std::string& text);
  static const char* DefaultYaml();
  static const Taxonomy& Default();

  const Reason* Find(std::string_view code) const;
  const std::vector<Reason>& reasons() const { return *state_->current.load(std::memory_order_acquire); }
  // Puts `fresh`'s reasons in force (thread-safe with readers).
  void Replace(const Taxonomy& fresh);

 private:
  using Reasons = std::vector<Reason>;
  struct State {
    std::atomic<const Reasons*> current{nullptr};
    std::mutex mu;
    std::vector<std::unique_ptr<const Reasons>> versions;  // every version ever in force
  };
  explicit Taxonomy(Reasons reasons);
  std::shared_ptr<State> state_;
};

// True for the DSA Transparency Database's category keys.
bool IsDsaCategory(std::string_view key);

}  // namespace vigil
