// The policies a running Vigil applies: every policy file in DATA/policies, each with the
// version and mode it runs in. Readers take a snapshot (Running()) that stays valid while the
// library is reloaded or edited on other threads, the way NoticeStore and the queue
// configuration are swapped whole.
//
// Today a policy's version is 1 and every loaded policy is active. Versions, shadow mode and
// rollback extend this class (issue 5, item 5) without changing Running()'s contract.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "policy/policy.h"

namespace vigil::policy {

enum class Mode : uint8_t { kActive, kShadow };
const char* ModeName(Mode m);

struct RunningPolicy {
  std::shared_ptr<const Policy> policy;
  int version = 1;
  Mode mode = Mode::kActive;  // shadow: evaluated and recorded, never acting
};
using RunningSet = std::vector<RunningPolicy>;

class PolicyLibrary {
 public:
  // `dir` is DATA/policies; it may not exist (no policies).
  explicit PolicyLibrary(std::string dir);
  virtual ~PolicyLibrary() = default;

  // Loads every *.yaml in the directory. Any policy with an issue fails the whole reload and
  // nothing changes; the error names file:line:column.
  virtual Status Reload();

  // The policies to run on an event, active and shadow, ordered by policy id.
  std::shared_ptr<const RunningSet> Running() const;
  // The running version of one policy (nullptr when unknown).
  std::shared_ptr<const Policy> Find(const std::string& id, int* version = nullptr) const;
  const std::string& dir() const { return dir_; }

 protected:
  void Replace(std::shared_ptr<const RunningSet> set);

 private:
  std::string dir_;
  mutable std::mutex mu_;
  std::shared_ptr<const RunningSet> running_;
};

}  // namespace vigil::policy
