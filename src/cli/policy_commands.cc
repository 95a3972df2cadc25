#include "cli/policy_commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/transfer.h"  // SetExit
#include "policy/policy.h"
#include "policy/render.h"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;
using namespace vigil::policy;

int PolicyFail(const std::string& msg, int code) {
  std::fprintf(stderr, "vigil: %s\n", msg.c_str());
  return SetExit(code);
}

// The policy files under `path` (a directory, searched recursively, or one file), sorted so
// the report is stable.
std::vector<std::string> PolicyFiles(const std::string& path) {
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return {path};
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    auto ext = it->path().extension();
    if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml"))
      files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void RegisterCheck(CLI::App& policy) {
  auto* cmd = policy.add_subcommand(
      "check",
      "Load and lint every policy under DIR: syntax and type errors, unknown signals, "
      "unreachable nodes, leaves without an outcome (exit 1 when any)");
  auto path = std::make_shared<std::string>();
  cmd->add_option("dir", *path, "Policy directory or file")->required();
  cmd->callback([=] {
    if (!fs::exists(*path)) return (void)PolicyFail(*path + ": no such file or directory", 2);
    auto files = PolicyFiles(*path);
    if (files.empty()) return (void)PolicyFail(*path + ": no policy files (*.yaml)", 1);
    size_t problems = 0;
    std::map<std::string, std::string> ids;  // policy id -> file, to catch duplicates
    for (const auto& f : files) {
      LoadResult r = LoadPolicyFile(f);
      if (!r.policy.id.empty()) {
        auto [it, fresh] = ids.emplace(r.policy.id, f);
        if (!fresh)
          r.issues.push_back({f,
                              {1, 1},
                              "schema",
                              "policy id '" + r.policy.id + "' is also used by " + it->second});
      }
      for (const auto& i : r.issues) std::printf("%s\n", i.ToString().c_str());
      problems += r.issues.size();
      if (r.issues.empty())
        std::printf("%s: ok, policy %s, %zu nodes\n", f.c_str(), r.policy.id.c_str(),
                    r.policy.nodes.size());
    }
    std::printf("%zu files, %zu problems\n", files.size(), problems);
    if (problems) SetExit(1);
  });
}

void RegisterRender(CLI::App& policy) {
  auto* cmd = policy.add_subcommand(
      "render", "Print a policy's decision tree as a flowchart (Mermaid text or SVG), "
                "optionally with a path through it highlighted");
  auto file = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("mermaid");
  auto path = std::make_shared<std::string>();
  cmd->add_option("file", *file, "Policy file")->required();
  cmd->add_option("--format", *format, "mermaid or svg (Graphviz)")
      ->check(CLI::IsMember({"mermaid", "svg"}));
  cmd->add_option("--path", *path,
                  "Node ids to highlight, comma-separated, as a trace lists them "
                  "(tree[0],questions.degrading)");
  cmd->callback([=] {
    auto p = LoadPolicy(*file);
    if (!p) return (void)PolicyFail(p.error().field + ": " + p.error().message, 1);
    auto nodes = ResolvePath(p.value(), SplitPath(*path));
    if (!nodes) return (void)PolicyFail("--path: " + nodes.error().message, 2);
    if (*format == "mermaid") return (void)std::fputs(RenderMermaid(p.value(), *nodes).c_str(), stdout);
    auto svg = RenderSvg(p.value(), *nodes);
    if (!svg) return (void)PolicyFail(svg.error().message, 1);
    std::fputs(svg->c_str(), stdout);
  });
}

// Fills a snapshot from JSON: {"author.strikes": 2, "author.account_age": "3d",
// "flags": ["1h", "5h"] (ages of the events), "classifier": {"spam": 0.9}}.
Status FillSnapshot(const nlohmann::json& j, Snapshot& snap) {
  if (!j.is_object()) return Error::Invalid("--signals", "must be a JSON object");
  auto duration = [](const nlohmann::json& v) -> Result<double> {
    if (v.is_number()) return v.get<double>();
    auto e = v.is_string() ? Expression::Compile(v.get<std::string>())
                           : Result<Expression>(Error::Invalid("", ""));
    if (!e || e->type() != Type::kDuration)
      return Error::Invalid("", "expected a duration such as \"3d\"");
    return e->Evaluate(Snapshot());
  };
  for (const auto& [name, v] : j.items()) {
    if (name == "classifier") {
      if (!v.is_object()) return Error::Invalid("classifier", "maps a label to a score");
      for (const auto& [label, score] : v.items())
        if (score.is_number()) snap.SetClassifierScore(label, score.get<double>());
      continue;
    }
    auto id = FindSignal(name);
    if (!id) return Error::Invalid(name, "unknown signal");
    Status st = OkStatus();
    switch (SignalSchema()[*id].type) {
      case Type::kBool:
        st = v.is_boolean() ? snap.SetBool(name, v.get<bool>())
                            : Error::Invalid(name, "expected true/false");
        break;
      case Type::kNumber:
        st = v.is_number() ? snap.SetNumber(name, v.get<double>())
                           : Error::Invalid(name, "expected a number");
        break;
      case Type::kString:
        st = v.is_string() ? snap.SetString(name, v.get<std::string>())
                           : Error::Invalid(name, "expected a string");
        break;
      case Type::kList:
        st = v.is_array() ? snap.SetList(name, v.get<std::vector<std::string>>())
                          : Error::Invalid(name, "expected a list of strings");
        break;
      case Type::kTime:
        st = v.is_number() ? snap.SetTimeMs(name, v.get<int64_t>())
                           : Error::Invalid(name, "expected milliseconds since the epoch");
        break;
      case Type::kDuration: {
        auto d = duration(v);
        st = d ? snap.SetDurationMs(name, static_cast<int64_t>(*d))
               : Error::Invalid(name, d.error().message);
        break;
      }
      case Type::kSeries: {
        if (!v.is_array())
          return Error::Invalid(name, "expected a list of event ages such as [\"1h\", \"2d\"]");
        std::vector<int64_t> times;
        for (const auto& age : v) {
          auto d = duration(age);
          if (!d) return Error::Invalid(name, d.error().message);
          times.push_back(snap.now_ms() - static_cast<int64_t>(*d));
        }
        st = snap.SetSeries(name, std::move(times));
        break;
      }
    }
    if (!st) return st;
  }
  return OkStatus();
}

void RegisterEval(CLI::App& policy) {
  auto* cmd = policy.add_subcommand("eval",
                                    "Walk a policy's tree for the signals given as JSON and "
                                    "print the outcome or the waiting question, with the trace");
  auto file = std::make_shared<std::string>();
  auto signals = std::make_shared<std::string>("{}");
  auto answers = std::make_shared<std::vector<std::string>>();
  cmd->add_option("file", *file, "Policy file")->required();
  cmd->add_option("--signals", *signals, "JSON object of signal values");
  cmd->add_option("--answer", *answers, "A reviewer's answer, question=answer (repeatable)");
  cmd->callback([=] {
    auto p = LoadPolicy(*file);
    if (!p) return (void)PolicyFail(p.error().field + ": " + p.error().message, 1);
    auto j = nlohmann::json::parse(*signals, nullptr, false);
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    Snapshot snap(now);
    if (auto st = FillSnapshot(j, snap); !st)
      return (void)PolicyFail("--signals: " + st.error().field + ": " + st.error().message, 2);
    std::map<std::string, std::string> given;
    for (const auto& a : *answers) {
      auto eq = a.find('=');
      if (eq == std::string::npos) return (void)PolicyFail("--answer: expected question=answer", 2);
      given[a.substr(0, eq)] = a.substr(eq + 1);
    }
    WalkResult r = Walk(p.value(), snap, given);
    nlohmann::json out;
    out["status"] = r.status == WalkResult::Status::kOutcome    ? "outcome"
                    : r.status == WalkResult::Status::kQuestion ? "question"
                                                                : "no_match";
    if (r.question >= 0) out["question"] = p->nodes[r.question].name;
    out["actions"] = r.outcome.actions;
    out["clause"] = r.outcome.clause;
    out["priority"] = r.outcome.priority;
    out["escalate"] = r.outcome.escalate;
    out["notice"] = r.outcome.notice;
    out["needs_human_review"] = r.outcome.needs_human_review;
    for (const auto& t : r.trace) {
      nlohmann::json e = {{"node", t.node}, {"what", t.what}, {"result", t.result}};
      for (const auto& [k, v] : t.values) e["values"][k] = v;
      out["trace"].push_back(e);
    }
    std::printf("%s\n", out.dump(2).c_str());
  });
}

}  // namespace

void RegisterPolicy(CLI::App& app) {
  auto* policy =
      app.add_subcommand("policy", "Policies as decision trees (docs/policy-language.md)");
  policy->require_subcommand(1);
  RegisterCheck(*policy);
  RegisterRender(*policy);
  RegisterEval(*policy);
  RegisterBacktest(*policy);
  RegisterPolicyVersions(*policy);
}

}  // namespace vigil::cli
