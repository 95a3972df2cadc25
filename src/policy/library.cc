#include "policy/library.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "events/chain.h"
#include "intake/intake.h"  // HashRequest: BLAKE2b-128 hex, as config.updated records
#include "policy/text_diff.h"

namespace vigil::policy {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxPolicyBytes = 256 * 1024;

std::vector<std::string> YamlFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Error FirstIssue(const std::vector<Issue>& issues) {
  const Issue& i = issues.front();
  return Error::Invalid(
      i.file + ":" + std::to_string(i.pos.line) + ":" + std::to_string(i.pos.column),
      i.kind + ": " + i.message);
}

bool ValidPolicyId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return id.front() != '-' && id.front() != '_';
}

// Writes `path` through a temporary file renamed over it once the caller's transaction commits.
struct PendingFile {
  std::string path, tmp;
  Status Write(const std::string& text) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    tmp = path + ".tmp";
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Error::Internal("cannot write " + tmp);
    return OkStatus();
  }
  Status Commit() {
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      return Error::Internal("cannot replace " + path);
    return OkStatus();
  }
  void Abandon() { std::remove(tmp.c_str()); }
};

}  // namespace

const char* ModeName(Mode m) { return m == Mode::kShadow ? "shadow" : "active"; }

PolicyLibrary::PolicyLibrary(std::string dir)
    : dir_(std::move(dir)), running_(std::make_shared<const RunningSet>()) {}

PolicyLibrary::PolicyLibrary(std::string dir, store::Store& store, store::GroupCommitter& writer,
                             const Clock& clock)
    : dir_(std::move(dir)),
      store_(&store),
      writer_(&writer),
      clock_(&clock),
      running_(std::make_shared<const RunningSet>()) {}

Status PolicyLibrary::Reload() {
  if (!store_) return ReloadFiles();
  std::lock_guard edit(edit_mu_);
  if (auto st = SyncFiles(); !st) return st;
  return Refresh();
}

Status PolicyLibrary::ReloadFiles() {
  auto set = std::make_shared<RunningSet>();
  for (const auto& f : YamlFiles(dir_)) {
    auto loaded = LoadPolicy(f);
    if (!loaded) return loaded.error();
    for (const auto& r : *set)
      if (r.policy->id == loaded->id)
        return Error::Invalid(f,
                              "policy id '" + loaded->id + "' is also used by " + r.policy->file);
    set->push_back({std::make_shared<const Policy>(std::move(*loaded)), 1, Mode::kActive});
  }
  std::sort(set->begin(), set->end(), [](const RunningPolicy& a, const RunningPolicy& b) {
    return a.policy->id < b.policy->id;
  });
  Replace(std::move(set));
  return OkStatus();
}

Status PolicyLibrary::SyncFiles() {
  struct Changed {
    std::string id, file, text;
    bool fresh = false;
  };
  std::vector<Changed> changed;
  std::map<std::string, std::string> files;
  auto rtx = store_->BeginRead();
  for (const auto& path : YamlFiles(dir_)) {
    std::string text = ReadAll(path);
    LoadResult r = LoadPolicyText(text, path);
    if (!r.issues.empty()) return FirstIssue(r.issues);
    const std::string& id = r.policy.id;
    if (!ValidPolicyId(id))
      return Error::Invalid(path, "policy id '" + id + "' must be 1-64 of a-z, 0-9, '-', '_'");
    std::string name = fs::path(path).filename().string();
    auto [it, fresh] = files.emplace(id, name);
    if (!fresh) return Error::Invalid(path, "policy id '" + id + "' is also used by " + it->second);
    auto latest = rtx->GetPolicyVersion(id, 0);
    if (!latest || latest->yaml != text) changed.push_back({id, name, std::move(text), !latest});
  }
  rtx.reset();
  if (!changed.empty()) {
    Status st = writer_->Run([&](store::WriteTx& tx) -> Status {
      Millis now = clock_->Now();
      for (const auto& c : changed) {
        // Another process (a CLI command next to the server) may have recorded it meanwhile.
        if (auto latest = tx.GetPolicyVersion(c.id, 0); latest && latest->yaml == c.text) continue;
        auto state = tx.GetPolicyState(c.id);
        int version = state ? state->latest_version + 1 : 1;
        std::string reason = c.fresh ? "new file " + c.file : c.file + " changed on disk";
        events::Event e{0,
                        "policy.version_created",
                        "policy:" + c.id,
                        "file",
                        now,
                        nlohmann::json{{"policy", c.id},
                                       {"version", version},
                                       {"file", c.file},
                                       {"reason", reason},
                                       {"bytes", c.text.size()},
                                       {"blake2b_128", intake::HashRequest(c.text)}}
                            .dump(),
                        "",
                        ""};
        int64_t seq = tx.AppendEvent(e);
        tx.InsertPolicyVersion({c.id, version, c.text, "file", reason, now}, seq);
        tx.AppendEvent(events::Event{0, "policy.activated", "policy:" + c.id, "file", now,
                                     nlohmann::json{{"policy", c.id},
                                                    {"version", version},
                                                    {"previous", state ? state->active_version : 0},
                                                    {"reason", reason}}
                                         .dump(),
                                     "", ""});
        tx.ActivatePolicyVersion(c.id, version, now);
        if (state && state->shadow_version == version) tx.SetPolicyShadow(c.id, 0);
      }
      return OkStatus();
    });
    if (!st) return st;
  }
  std::lock_guard lock(cache_mu_);
  files_ = std::move(files);
  return OkStatus();
}

Status PolicyLibrary::Refresh() {
  auto set = std::make_shared<RunningSet>();
  for (const auto& row : List()) {
    for (auto [version, mode] : {std::pair{row.active_version, Mode::kActive},
                                 std::pair{row.shadow_version, Mode::kShadow}}) {
      if (version <= 0) continue;
      auto p = Parsed(row.policy_id, version);
      if (!p) return p.error();
      set->push_back({p.value(), version, mode});
    }
  }
  Replace(std::move(set));  // List() is ordered by id, active before shadow
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

Status PolicyLibrary::NeedsStore() const {
  if (store_) return OkStatus();
  return Error{ErrorCode::kUnavailable, "", "policy versions need a data directory's store"};
}

std::string PolicyLibrary::FileOf(const std::string& id) const {
  std::lock_guard lock(cache_mu_);
  auto it = files_.find(id);
  return it != files_.end() ? it->second : id + ".yaml";
}

std::vector<store::PolicyStateRow> PolicyLibrary::List() const {
  if (!store_) return {};
  return store_->BeginRead()->ListPolicies();
}

std::vector<store::PolicyVersionRow> PolicyLibrary::Versions(const std::string& id) const {
  if (!store_) return {};
  return store_->BeginRead()->PolicyVersions(id);
}

Result<store::PolicyVersionRow> PolicyLibrary::GetVersion(const std::string& id,
                                                          int version) const {
  if (auto st = NeedsStore(); !st) return st.error();
  auto rtx = store_->BeginRead();
  if (version == 0) {
    auto states = rtx->ListPolicies();
    auto it = std::find_if(states.begin(), states.end(),
                           [&](const store::PolicyStateRow& s) { return s.policy_id == id; });
    if (it == states.end()) return Error::NotFound("no policy " + id);
    version = it->active_version > 0 ? it->active_version : it->latest_version;
  }
  auto v = rtx->GetPolicyVersion(id, version);
  if (!v) return Error::NotFound("policy " + id + " has no version " + std::to_string(version));
  return std::move(*v);
}

Result<std::shared_ptr<const Policy>> PolicyLibrary::Parsed(const std::string& id,
                                                            int version) const {
  {
    std::lock_guard lock(cache_mu_);
    auto it = parsed_.find({id, version});
    if (it != parsed_.end()) return it->second;
  }
  auto v = GetVersion(id, version);
  if (!v) return v.error();
  LoadResult r = LoadPolicyText(v->yaml, FileOf(id));
  if (!r.issues.empty()) {
    Error e = FirstIssue(r.issues);
    e.message = "stored version " + std::to_string(v->version) + " of " + id +
                " no longer loads: " + e.message;
    return e;
  }
  auto p = std::make_shared<const Policy>(std::move(r.policy));
  std::lock_guard lock(cache_mu_);
  parsed_[{id, v->version}] = p;
  return p;
}

Status PolicyLibrary::Apply(const std::function<Status(store::WriteTx&)>& job) {
  if (auto st = writer_->Run(job); !st) return st;
  return Refresh();
}

Result<SavedVersion> PolicyLibrary::Save(const std::string& id, const std::string& yaml,
                                         const PolicyChange& change, bool activate,
                                         Rejected* rejected) {
  if (auto st = NeedsStore(); !st) return st.error();
  if (change.reason.empty()) return Error::Invalid("reason", "is required: say why it changes");
  if (yaml.size() > kMaxPolicyBytes)
    return Error::Invalid("yaml", "is longer than " + std::to_string(kMaxPolicyBytes) + " bytes");
  std::lock_guard edit(edit_mu_);
  std::string file = id.empty() ? "new-policy.yaml" : FileOf(id);
  LoadResult r = LoadPolicyText(yaml, file);
  const std::string pid = r.policy.id;
  if (id.empty() && ValidPolicyId(pid)) {
    file = FileOf(pid);
    for (auto& i : r.issues) i.file = file;
  }
  if (!r.issues.empty()) {
    if (rejected) *rejected = {FirstIssue(r.issues), r.issues};
    return FirstIssue(r.issues);
  }
  if (!ValidPolicyId(pid))
    return Error::Invalid("id", "policy id '" + pid + "' must be 1-64 of a-z, 0-9, '-', '_'");
  if (!id.empty() && pid != id)
    return Error::Invalid("id", "the text is policy '" + pid + "', not '" + id + "'");
  auto latest = store_->BeginRead()->GetPolicyVersion(pid, 0);
  if (id.empty() && latest)
    return Error::Conflict("id", "policy " + pid + " exists; save a new version of it instead");
  if (!id.empty() && !latest) return Error::NotFound("no policy " + id);
  if (latest && latest->yaml == yaml)
    return Error::Conflict(
        "yaml", "identical to version " + std::to_string(latest->version) + "; nothing to save");
  PendingFile out{dir_ + "/" + file, ""};
  if (auto st = out.Write(yaml); !st) return st.error();
  int version = 0;
  Status st = writer_->Run([&](store::WriteTx& tx) -> Status {
    Millis now = clock_->Now();
    auto state = tx.GetPolicyState(pid);
    version = state ? state->latest_version + 1 : 1;
    int64_t seq = tx.AppendEvent(
        events::Event{0, "policy.version_created", "policy:" + pid, change.actor, now,
                      nlohmann::json{{"policy", pid},
                                     {"version", version},
                                     {"file", file},
                                     {"reason", change.reason},
                                     {"bytes", yaml.size()},
                                     {"blake2b_128", intake::HashRequest(yaml)}}
                          .dump(),
                      "", ""});
    tx.InsertPolicyVersion({pid, version, yaml, change.actor, change.reason, now}, seq);
    if (activate) {
      tx.AppendEvent(events::Event{0, "policy.activated", "policy:" + pid, change.actor, now,
                                   nlohmann::json{{"policy", pid},
                                                  {"version", version},
                                                  {"previous", state ? state->active_version : 0},
                                                  {"reason", change.reason}}
                                       .dump(),
                                   "", ""});
      tx.ActivatePolicyVersion(pid, version, now);
    }
    return OkStatus();
  });
  if (!st) {
    out.Abandon();
    return st.error();
  }
  if (auto c = out.Commit(); !c) return c.error();
  {
    std::lock_guard lock(cache_mu_);
    files_[pid] = file;
  }
  if (auto rs = Refresh(); !rs) return rs.error();
  return SavedVersion{pid, version};
}

namespace {

// Records `type` about a policy in `tx`.
void PolicyEvent(store::WriteTx& tx, const char* type, const std::string& id,
                 const PolicyChange& change, Millis now, nlohmann::json payload) {
  payload["policy"] = id;
  payload["reason"] = change.reason;
  tx.AppendEvent(events::Event{0, type, "policy:" + id, change.actor, now, payload.dump(), "", ""});
}

// A version that becomes active stops running in shadow.
void EndShadowOf(store::WriteTx& tx, const store::PolicyStateRow& state, int version,
                 const PolicyChange& change, Millis now, const char* why) {
  if (version <= 0 || state.shadow_version != version) return;
  PolicyEvent(tx, "policy.shadow_stopped", state.policy_id, change, now,
              {{"version", version}, {"why", why}});
  tx.SetPolicyShadow(state.policy_id, 0);
}

std::string VersionOf(const std::string& id, int version) {
  return "version " + std::to_string(version) + " of " + id;
}

}  // namespace

Status PolicyLibrary::Edit(const std::string& id, int version, const EditJob& job) {
  if (auto st = NeedsStore(); !st) return st;
  std::lock_guard edit(edit_mu_);
  // Checked before the transaction so Refresh() after it cannot fail on this version.
  if (version > 0)
    if (auto p = Parsed(id, version); !p) return p.error();
  return Apply([&](store::WriteTx& tx) -> Status {
    auto state = tx.GetPolicyState(id);
    if (!state) return Error::NotFound("no policy " + id);
    return job(tx, *state, clock_->Now());
  });
}

Status PolicyLibrary::Activate(const std::string& id, int version, const PolicyChange& change) {
  if (version <= 0) return Error::Invalid("version", "must be a version number");
  return Edit(id, version,
              [&](store::WriteTx& tx, const store::PolicyStateRow& state, Millis now) -> Status {
                if (state.active_version == version)
                  return Error::Conflict("version", VersionOf(id, version) + " is already active");
                PolicyEvent(tx, "policy.activated", id, change, now,
                            {{"version", version}, {"previous", state.active_version}});
                tx.ActivatePolicyVersion(id, version, now);
                EndShadowOf(tx, state, version, change, now, "activated");
                return OkStatus();
              });
}

Result<int> PolicyLibrary::Rollback(const std::string& id, const PolicyChange& change) {
  int to = 0;
  Status st = Edit(
      id, 0, [&](store::WriteTx& tx, const store::PolicyStateRow& state, Millis now) -> Status {
        auto back = tx.RollBackPolicyActivation(id);
        if (!back)
          return Error::Conflict("version", "policy " + id + " has no earlier active version");
        to = *back;
        PolicyEvent(tx, "policy.rolled_back", id, change, now,
                    {{"from", state.active_version}, {"to", to}});
        EndShadowOf(tx, state, to, change, now, "activated by rollback");
        return OkStatus();
      });
  if (!st) return st.error();
  return to;
}

Status PolicyLibrary::StartShadow(const std::string& id, int version, const PolicyChange& change) {
  if (version <= 0) return Error::Invalid("version", "must be a version number");
  return Edit(
      id, version,
      [&](store::WriteTx& tx, const store::PolicyStateRow& state, Millis now) -> Status {
        if (state.active_version == version)
          return Error::Conflict("version", VersionOf(id, version) + " is the active version");
        if (state.shadow_version == version)
          return Error::Conflict("version", VersionOf(id, version) + " already runs in shadow");
        EndShadowOf(tx, state, state.shadow_version, change, now, "replaced");
        PolicyEvent(tx, "policy.shadow_started", id, change, now, {{"version", version}});
        tx.SetPolicyShadow(id, version);
        return OkStatus();
      });
}

Status PolicyLibrary::StopShadow(const std::string& id, const PolicyChange& change) {
  return Edit(id, 0,
              [&](store::WriteTx& tx, const store::PolicyStateRow& state, Millis now) -> Status {
                if (state.shadow_version <= 0)
                  return Error::Conflict("shadow", "no version of " + id + " runs in shadow");
                EndShadowOf(tx, state, state.shadow_version, change, now, "stopped");
                return OkStatus();
              });
}

Status PolicyLibrary::PinVersion(const std::string& id, std::string& version) const {
  if (!store_ || id.empty()) return OkStatus();
  auto rtx = store_->BeginRead();
  auto latest = rtx->GetPolicyVersion(id, 0);
  if (!latest) return OkStatus();
  if (version.empty()) {
    int active = 0;
    for (const auto& st : rtx->ListPolicies())
      if (st.policy_id == id) active = st.active_version;
    if (active == 0)
      return Error::Invalid("policy.version", "policy " + id + " has no active version; name one");
    version = std::to_string(active);
    return OkStatus();
  }
  bool digits = version.size() <= 9 && std::all_of(version.begin(), version.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  int v = digits ? std::stoi(version) : 0;
  if (v < 1 || v > latest->version)
    return Error::Invalid("policy.version", "policy " + id + " has no version " + version);
  return OkStatus();
}

Result<std::string> PolicyLibrary::Diff(const std::string& id, int from, int to) const {
  if (from <= 0) return Error::Invalid("from", "must be a version number");
  if (to <= 0) return Error::Invalid("to", "must be a version number");
  auto a = GetVersion(id, from);
  if (!a) return a.error();
  auto b = GetVersion(id, to);
  if (!b) return b.error();
  return UnifiedDiff(a->yaml, b->yaml, id + " v" + std::to_string(from),
                     id + " v" + std::to_string(to));
}

}  // namespace vigil::policy
