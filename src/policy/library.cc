#include "policy/library.h"

#include <algorithm>
#include <filesystem>

namespace vigil::policy {

const char* ModeName(Mode m) { return m == Mode::kShadow ? "shadow" : "active"; }

PolicyLibrary::PolicyLibrary(std::string dir)
    : dir_(std::move(dir)), running_(std::make_shared<const RunningSet>()) {}

Status PolicyLibrary::Reload() {
  namespace fs = std::filesystem;
  auto set = std::make_shared<RunningSet>();
  std::error_code ec;
  if (fs::is_directory(dir_, ec)) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir_, ec))
      if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto loaded = LoadPolicy(f);
      if (!loaded) return loaded.error();
      for (const auto& r : *set)
        if (r.policy->id == loaded->id)
          return Error::Invalid(f, "policy id '" + loaded->id + "' is also used by " + r.policy->file);
      set->push_back({std::make_shared<const Policy>(std::move(*loaded)), 1, Mode::kActive});
    }
  }
  std::sort(set->begin(), set->end(),
            [](const RunningPolicy& a, const RunningPolicy& b) { return a.policy->id < b.policy->id; });
  Replace(std::move(set));
  return OkStatus();
}

std::shared_ptr<const RunningSet> PolicyLibrary::Running() const {
  std::lock_guard lock(mu_);
  return running_;
}

std::shared_ptr<const Policy> PolicyLibrary::Find(const std::string& id, int* version) const {
  auto set = Running();
  for (const auto& r : *set)
    if (r.policy->id == id && r.mode == Mode::kActive) {
      if (version) *version = r.version;
      return r.policy;
    }
  return nullptr;
}

void PolicyLibrary::Replace(std::shared_ptr<const RunningSet> set) {
  std::lock_guard lock(mu_);
  running_ = std::move(set);
}

}  // namespace vigil::policy
