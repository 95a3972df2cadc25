// `vigil policy versions|diff|activate|rollback|shadow --data DIR`: the stored versions of the
// policies of a data directory, through the same PolicyLibrary calls as the HTTP API. A running
// server picks the change up on POST /v1/policies:reload or restart.
#include <algorithm>
#include <cstdio>
#include <functional>

#include "cli/policy_commands.h"
#include "cli/services.h"
#include "cli/transfer.h"  // SetExit

namespace vigil::cli {
namespace {

void Fail(const Error& e) {
  std::fprintf(stderr, "vigil: %s%s\n", e.field.empty() ? "" : (e.field + ": ").c_str(),
               e.message.c_str());
  // Usage and validation errors exit 2; a refused change (unknown policy, conflict) exits 1.
  SetExit(e.code == ErrorCode::kInvalid || e.code == ErrorCode::kBadRequest ? 2 : 1);
}

// Runs `fn` on the data directory's policy library; the error it returns is the exit status.
void OnLibrary(const std::string& dir, const std::function<Status(policy::PolicyLibrary&)>& fn) {
  auto s = Services::Open(dir);
  if (!s) return Fail(s.error());
  if (auto st = fn(*s.value()->policies); !st) Fail(st.error());
}

struct Args {
  std::string data, id, reason;
  int version = 0, to = 0;
  bool stop = false;
};

CLI::App* Command(CLI::App& policy, const char* name, const char* help,
                  const std::shared_ptr<Args>& a) {
  auto* cmd = policy.add_subcommand(name, help);
  cmd->add_option("--data", a->data, "Data directory")->required();
  return cmd;
}

const char* StateOf(const store::PolicyStateRow& s, int version) {
  if (s.active_version == version) return "active";
  if (s.shadow_version == version) return "shadow";
  return "";
}

Status PrintVersions(policy::PolicyLibrary& lib, const std::string& id) {
  if (id.empty()) {
    std::printf("%-28s %7s %7s %7s\n", "POLICY", "ACTIVE", "SHADOW", "LATEST");
    for (const auto& p : lib.List())
      std::printf("%-28s %7d %7s %7d\n", p.policy_id.c_str(), p.active_version,
                  p.shadow_version ? std::to_string(p.shadow_version).c_str() : "-",
                  p.latest_version);
    return OkStatus();
  }
  auto states = lib.List();
  auto it = std::find_if(states.begin(), states.end(),
                         [&](const store::PolicyStateRow& r) { return r.policy_id == id; });
  if (it == states.end()) return Error::NotFound("no policy " + id);
  std::printf("%-7s %-24s %-7s %-20s %s\n", "VERSION", "CREATED", "STATE", "AUTHOR", "REASON");
  for (const auto& v : lib.Versions(id))
    std::printf("%-7d %-24s %-7s %-20s %s\n", v.version, FormatIso8601(v.created_at).c_str(),
                StateOf(*it, v.version), v.author.c_str(), v.reason.c_str());
  return OkStatus();
}

}  // namespace

void RegisterPolicyVersions(CLI::App& policy) {
  {
    auto a = std::make_shared<Args>();
    auto* cmd = Command(policy, "versions",
                        "List the policies of a data directory with their active, shadow and "
                        "latest versions, or one policy's versions",
                        a);
    cmd->add_option("policy", a->id, "Policy id (omit: every policy)");
    cmd->callback([a] {
      OnLibrary(a->data, [&](policy::PolicyLibrary& lib) { return PrintVersions(lib, a->id); });
    });
  }
  {
    auto a = std::make_shared<Args>();
    auto* cmd = Command(policy, "diff", "Unified diff of two versions of a policy's YAML", a);
    cmd->add_option("policy", a->id, "Policy id")->required();
    cmd->add_option("from", a->version, "Older version")->required();
    cmd->add_option("to", a->to, "Newer version")->required();
    cmd->callback([a] {
      OnLibrary(a->data, [&](policy::PolicyLibrary& lib) -> Status {
        auto d = lib.Diff(a->id, a->version, a->to);
        if (!d) return d.error();
        std::fputs(d->empty() ? "(no differences)\n" : d->c_str(), stdout);
        return OkStatus();
      });
    });
  }
  {
    auto a = std::make_shared<Args>();
    auto* cmd = Command(policy, "activate", "Make a stored version the active one", a);
    cmd->add_option("policy", a->id, "Policy id")->required();
    cmd->add_option("version", a->version, "Version to activate")->required();
    cmd->add_option("--reason", a->reason, "Why (recorded in the event)")->required();
    cmd->callback([a] {
      OnLibrary(a->data, [&](policy::PolicyLibrary& lib) -> Status {
        if (auto st = lib.Activate(a->id, a->version, {"cli", a->reason}); !st) return st;
        std::printf("%s: version %d is active\n", a->id.c_str(), a->version);
        return OkStatus();
      });
    });
  }
  {
    auto a = std::make_shared<Args>();
    auto* cmd = Command(policy, "rollback",
                        "Return to the version that was active before the current one", a);
    cmd->add_option("policy", a->id, "Policy id")->required();
    cmd->add_option("--reason", a->reason, "Why (recorded in the event)")->required();
    cmd->callback([a] {
      OnLibrary(a->data, [&](policy::PolicyLibrary& lib) -> Status {
        auto v = lib.Rollback(a->id, {"cli", a->reason});
        if (!v) return v.error();
        std::printf("%s: rolled back to version %d\n", a->id.c_str(), *v);
        return OkStatus();
      });
    });
  }
  {
    auto a = std::make_shared<Args>();
    auto* cmd = Command(policy, "shadow",
                        "Run a version in shadow (evaluated and recorded, never acting) next to "
                        "the active one, or stop with --stop",
                        a);
    cmd->add_option("policy", a->id, "Policy id")->required();
    cmd->add_option("version", a->version, "Version to run in shadow");
    cmd->add_flag("--stop", a->stop, "Stop the shadow run");
    cmd->add_option("--reason", a->reason, "Why (recorded in the event)")->required();
    cmd->callback([a] {
      if (a->stop == (a->version > 0))
        return Fail(Error::Invalid("version", "give a version to start, or --stop (not both)"));
      OnLibrary(a->data, [&](policy::PolicyLibrary& lib) -> Status {
        policy::PolicyChange c{"cli", a->reason};
        Status st = a->stop ? lib.StopShadow(a->id, c) : lib.StartShadow(a->id, a->version, c);
        if (!st) return st;
        if (a->stop)
          std::printf("%s: shadow stopped\n", a->id.c_str());
        else
          std::printf("%s: version %d runs in shadow\n", a->id.c_str(), a->version);
        return OkStatus();
      });
    });
  }
}

}  // namespace vigil::cli
