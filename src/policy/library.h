// The policies a running Vigil applies, with their versions. Readers take a snapshot
// (Running()) that stays valid while the library is reloaded or edited on other threads, the
// way NoticeStore and the queue configuration are swapped whole.
//
// With a store (the server and the CLI), every version of every policy is kept in the store
// with its full text, author, reason and time; each policy has at most one active version and
// at most one shadow version (evaluated and recorded, never acting), and every change is an
// event written in the same transaction (policy.version_created, policy.activated,
// policy.shadow_started, policy.shadow_stopped, policy.rolled_back). DATA/policies/*.yaml stays
// the human-editable source: Reload() turns a file whose text differs from the policy's latest
// stored version into a new version by author "file" and activates it (a new file's policy
// starts at version 1, active); a saved version is written back to its file atomically. See
// docs/policy-language.md, "Versions".
//
// Without a store (tools, tests) every file is version 1 and active.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "policy/policy.h"
#include "store/group_commit.h"
#include "store/store.h"

namespace vigil::policy {

enum class Mode : uint8_t { kActive, kShadow };
const char* ModeName(Mode m);

struct RunningPolicy {
  std::shared_ptr<const Policy> policy;
  int version = 1;
  Mode mode = Mode::kActive;  // shadow: evaluated and recorded, never acting
};
using RunningSet = std::vector<RunningPolicy>;

// Who changes a policy and why (recorded in the version and the event).
struct PolicyChange {
  std::string actor;
  std::string reason;
};

// A policy text that failed validation: every issue, each naming file:line:column.
struct Rejected {
  Error error;                // the first issue as an Error (field "file:line:column")
  std::vector<Issue> issues;  // all of them
};

struct SavedVersion {
  std::string id;
  int version = 0;
};

class PolicyLibrary {
 public:
  // `dir` is DATA/policies; it may not exist (no policies). Files only: every policy version 1.
  explicit PolicyLibrary(std::string dir);
  // Versions kept in `store`, written through `writer`.
  PolicyLibrary(std::string dir, store::Store& store, store::GroupCommitter& writer,
                const Clock& clock);
  virtual ~PolicyLibrary() = default;

  // Loads every *.yaml in the directory (with a store: records changed files as new versions,
  // then loads the active and shadow versions from the store). Any policy with an issue fails
  // the whole reload and nothing changes; the error names file:line:column.
  virtual Status Reload();

  // The policies to run on an event, active and shadow, ordered by policy id (active first).
  std::shared_ptr<const RunningSet> Running() const;
  // The active version of one policy (nullptr when unknown or none is active).
  std::shared_ptr<const Policy> Find(const std::string& id, int* version = nullptr) const;
  const std::string& dir() const { return dir_; }
  bool versioned() const { return store_ != nullptr; }

  // ---- Versions (a library with a store only; otherwise kUnavailable).
  std::vector<store::PolicyStateRow> List() const;
  std::vector<store::PolicyVersionRow> Versions(const std::string& id) const;
  // A version with its text; `version` 0: the active one (the latest when none is active).
  Result<store::PolicyVersionRow> GetVersion(const std::string& id, int version) const;
  // The parsed policy of a stored version (cached).
  Result<std::shared_ptr<const Policy>> Parsed(const std::string& id, int version) const;
  // Validates `yaml` (load errors and lint, every issue with file:line:column) and stores it
  // as the next version of the policy it names; `id` must match that name ("" creates a new
  // policy, which must not exist yet). Writes DATA/policies/<file> atomically. With `activate`
  // the new version becomes active in the same transaction. Returns the policy and version.
  Result<SavedVersion> Save(const std::string& id, const std::string& yaml,
                            const PolicyChange& change, bool activate,
                            Rejected* rejected = nullptr);
  Status Activate(const std::string& id, int version, const PolicyChange& change);
  // Back to the version active before the current one; returns it.
  Result<int> Rollback(const std::string& id, const PolicyChange& change);
  // Runs `version` in shadow next to the active version (replacing any other shadow).
  Status StartShadow(const std::string& id, int version, const PolicyChange& change);
  Status StopShadow(const std::string& id, const PolicyChange& change);
  // Unified line diff of two versions' YAML ("" when equal).
  Result<std::string> Diff(const std::string& id, int from, int to) const;
  // A decision citing a policy of the library names a stored version: an empty `version` becomes
  // the active one (an error when none is active), an unknown one is refused (field
  // "policy.version"). A policy the library does not know is left as cited.
  Status PinVersion(const std::string& id, std::string& version) const;
  // The file in DATA/policies that holds a policy ("<id>.yaml" for one not on disk).
  std::string FileOf(const std::string& id) const;

 protected:
  void Replace(std::shared_ptr<const RunningSet> set);

 private:
  Status ReloadFiles();
  Status SyncFiles();
  // Rebuilds Running() from the store's active and shadow versions.
  Status Refresh();
  // Runs one change's transaction, then refreshes Running(); under edit_mu_.
  Status Apply(const std::function<Status(store::WriteTx&)>& job);
  // Activation and shadow changes: `job` runs on the policy's state (404 when unknown) after
  // `version` (0: none given) was found to load.
  using EditJob = std::function<Status(store::WriteTx&, const store::PolicyStateRow&, Millis now)>;
  Status Edit(const std::string& id, int version, const EditJob& job);
  Status NeedsStore() const;

  std::string dir_;
  store::Store* store_ = nullptr;
  store::GroupCommitter* writer_ = nullptr;
  const Clock* clock_ = nullptr;
  mutable std::mutex mu_;
  std::shared_ptr<const RunningSet> running_;
  std::mutex edit_mu_;  // one change at a time: versions, files and Running() move together
  mutable std::mutex cache_mu_;
  mutable std::map<std::pair<std::string, int>, std::shared_ptr<const Policy>> parsed_;
  std::map<std::string, std::string> files_;  // policy id -> file name, under cache_mu_
};

}  // namespace vigil::policy
