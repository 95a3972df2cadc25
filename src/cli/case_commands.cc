// `vigil case ...`: the review workflow from a terminal, through a running server's API (so the
// same role checks, validation, versions and events apply as in the console). The server and
// token come from --server/--token or VIGIL_SERVER/VIGIL_TOKEN.
#include "cli/case_commands.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/api_client.h"
#include "cli/transfer.h"

namespace vigil::cli {
namespace {

using nlohmann::json;

struct Conn {
  std::string server, token;
  bool as_json = false;
};

int Fail(const std::string& msg, int code) {
  std::fprintf(stderr, "vigil: %s\n", msg.c_str());
  return SetExit(code);
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Runs one request; prints the problem and sets the exit code on failure.
std::optional<json> Call(const Conn& c, const std::string& method, const std::string& target,
                         const json& body = nullptr) {
  auto client = ApiClient::Connect(c.server, c.token);
  if (!client) {
    Fail(client.error().field + ": " + client.error().message, 2);
    return std::nullopt;
  }
  auto r = method == "GET" ? client->Get(target) : client->Post(target, body);
  if (!r) {
    Fail(r.error().field + ": " + r.error().message, 3);
    return std::nullopt;
  }
  if (r->status >= 300) {
    Fail(ProblemText(r.value()), r->status == 409 ? 4 : 1);
    return std::nullopt;
  }
  return r->body;
}

std::string Str(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "-";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

void PrintCaseLine(const json& c) {
  std::printf("%-8s %-9s %-14s %8.1f  %-18s %s\n", Str(c, "id").c_str(), Str(c, "status").c_str(),
              Str(c, "queue").c_str(), c.value("priority", 0.0), Str(c, "reason").c_str(),
              Str(c, "content_id").c_str());
}

void PrintCase(const json& c) {
  std::printf("case %s  %s in %s  version %s  priority %.1f\n", Str(c, "id").c_str(),
              Str(c, "status").c_str(), Str(c, "queue").c_str(), Str(c, "version").c_str(),
              c.value("priority", 0.0));
  std::printf("content %s  reason %s  flags %s from %s reporters\n", Str(c, "content_id").c_str(),
              Str(c, "reason").c_str(), Str(c, "flag_count").c_str(),
              Str(c, "reporter_count").c_str());
  if (c.contains("tier")) std::printf("escalated to %s\n", Str(c, "tier").c_str());
  if (c.contains("sla") && c["sla"].is_object())
    std::printf("SLA %s\n", Str(c["sla"], "state").c_str());
  if (c.contains("content") && c["content"].is_object() && c["content"].contains("text"))
    std::printf("text: %s\n", c["content"]["text"].get<std::string>().substr(0, 400).c_str());
  if (c.contains("priority_breakdown"))
    for (const auto& t : c["priority_breakdown"]["terms"])
      std::printf("  %-12s %7.1f  %s\n", Str(t, "name").c_str(), t.value("value", 0.0),
                  Str(t, "explanation").c_str());
  if (c.contains("decisions"))
    for (const auto& d : c["decisions"])
      std::printf("decision %s by %s: %s %s\n", Str(d, "id").c_str(), Str(d, "decided_by").c_str(),
                  Str(d, "outcome").c_str(), d.contains("actions") ? d["actions"].dump().c_str() : "");
}

void Output(const Conn& c, const json& j, void (*print)(const json&)) {
  if (c.as_json) std::printf("%s\n", j.dump(2).c_str());
  else print(j);
}

CLI::App* Sub(CLI::App* parent, const char* name, const char* help, std::shared_ptr<Conn> c) {
  auto* cmd = parent->add_subcommand(name, help);
  cmd->add_option("--server", c->server, "Vigil server (env VIGIL_SERVER)")
      ->envname("VIGIL_SERVER")
      ->capture_default_str();
  cmd->add_option("--token", c->token, "API token of the reviewer (env VIGIL_TOKEN)")
      ->envname("VIGIL_TOKEN");
  cmd->add_flag("--json", c->as_json, "Print the server's JSON instead of a summary");
  return cmd;
}

// The case's current version, for commands that act on "the case as it is now".
std::optional<int64_t> CurrentVersion(const Conn& c, int64_t id) {
  auto j = Call(c, "GET", "/v1/cases/" + std::to_string(id));
  if (!j) return std::nullopt;
  return (*j)["version"].get<int64_t>();
}

void RegisterList(CLI::App* parent) {
  auto c = std::make_shared<Conn>();
  c->server = "http://127.0.0.1:8080";
  auto f = std::make_shared<std::map<std::string, std::string>>();
  auto* cmd = Sub(parent, "list", "Search cases (filters as GET /v1/cases)", c);
  for (const char* key : {"status", "queue", "reason", "tier", "assignee", "sla", "q", "limit"})
    cmd->add_option(std::string("--") + key, (*f)[key], std::string("Filter: ") + key);
  cmd->callback([c, f] {
    std::string target = "/v1/cases";
    char sep = '?';
    for (const auto& [k, v] : *f)
      if (!v.empty()) {
        target += sep + k + "=" + UrlEncode(v);
        sep = '&';
      }
    auto j = Call(*c, "GET", target);
    if (!j) return;
    if (c->as_json) return (void)std::printf("%s\n", j->dump(2).c_str());
    std::printf("%-8s %-9s %-14s %8s  %-18s %s\n", "ID", "STATUS", "QUEUE", "PRIORITY", "REASON",
                "CONTENT");
    for (const auto& x : (*j)["cases"]) PrintCaseLine(x);
  });
}

void RegisterShow(CLI::App* parent) {
  auto c = std::make_shared<Conn>();
  c->server = "http://127.0.0.1:8080";
  auto id = std::make_shared<int64_t>(0);
  auto* cmd = Sub(parent, "show", "A case with its priority breakdown, SLA and decisions", c);
  cmd->add_option("id", *id, "Case id")->required();
  cmd->callback([c, id] {
    if (auto j = Call(*c, "GET", "/v1/cases/" + std::to_string(*id))) Output(*c, *j, PrintCase);
  });
}

void RegisterNext(CLI::App* parent) {
  auto c = std::make_shared<Conn>();
  c->server = "http://127.0.0.1:8080";
  auto queue = std::make_shared<std::string>();
  auto* cmd = Sub(parent, "next", "Claim the highest-priority case of a queue", c);
  cmd->add_option("queue", *queue, "Queue name")->required();
  cmd->callback([c, queue] {
    auto j = Call(*c, "POST", "/v1/queues/" + UrlEncode(*queue) + "/next", json::object());
    if (!j) return;
    if (!j->contains("case") || (*j)["case"].is_null()) {
      if (c->as_json) std::printf("%s\n", j->dump(2).c_str());
      else std::printf("queue %s is empty\n", queue->c_str());
      return;
    }
    Output(*c, (*j)["case"], PrintCase);
  });
}

void RegisterRelease(CLI::App* parent) {
  auto c = std::make_shared<Conn>();
  c->server = "http://127.0.0.1:8080";
  auto id = std::make_shared<int64_t>(0);
  auto* cmd = Sub(parent, "release", "Give a claimed case back to its queue", c);
  cmd->add_option("id", *id, "Case id")->required();
  cmd->callback([c, id] {
    if (Call(*c, "POST", "/v1/cases/" + std::to_string(*id) + "/release", json::object()))
      std::printf("released case %lld\n", static_cast<long long>(*id));
  });
}

void RegisterDecide(CLI::App* parent) {
  struct Opts {
    int64_t id = 0, version = 0, reverses = 0;
    std::vector<std::string> actions;
    std::string policy, facts, explanation;
    bool unfounded = false;
  };
  auto c = std::make_shared<Conn>();
  c->server = "http://127.0.0.1:8080";
  auto o = std::make_shared<Opts>();
  auto* cmd = Sub(parent, "decide", "Decide a case (a stale --version is refused with exit 4)", c);
  cmd->add_option("id", o->id, "Case id")->required();
  cmd->add_option("--action", o->actions, "Action (repeatable): no_violation, remove, disable, ...")
      ->required();
  cmd->add_option("--policy", o->policy, "Policy cited as ID[:VERSION[:CLAUSE]]");
  cmd->add_option("--facts", o->facts, "Facts and circumstances");
  cmd->add_option("--explanation", o->explanation, "Explanation for the statement of reasons");
  cmd->add_option("--version", o->version, "Case version decided on (default: the current one)");
  cmd->add_option("--reverses", o->reverses, "Id of the decision this one reverses");
  cmd->add_flag("--unfounded", o->unfounded, "With no_violation: the notices were manifestly unfounded");
  cmd->callback([c, o] {
    json body = {{"actions", o->actions}};
    if (!o->policy.empty()) {
      std::vector<std::string> parts;
      size_t start = 0, colon;
      while ((colon = o->policy.find(':', start)) != std::string::npos) {
        parts.push_back(o->policy.substr(start, colon - start));
        start = colon + 1;
      }
      parts.push_back(o->policy.substr(start));
      if (parts.size() > 3 || parts[0].empty())
        return (void)Fail("--policy: must be ID[:VERSION[:CLAUSE]]", 2);
      body["policy"] = {{"id", parts[0]}};
      if (parts.size() > 1) body["policy"]["version"] = parts[1];
      if (parts.size() > 2) body["policy"]["clause"] = parts[2];
    }
    if (!o->facts.empty()) body["facts"] = o->facts;
    if (!o->explanation.empty()) body["explanation"] = o->explanation;
    if (o->reverses) body["reverses"] = o->reverses;
    if (o->unfounded) body["notices_unfounded"] = true;
    int64_t version = o->version;
    if (!version) {
      auto v = CurrentVersion(*c, o->id);
      if (!v) return;
      version = *v;
    }
    body["case_version"] = version;
    auto j = Call(*c, "POST", "/v1/cases/" + std::to_string(o->id) + "/decisions", body);
    if (!j) return;
    if (c->as_json) return (void)std::printf("%s\n", j->dump(2).c_str());
    std::printf("decision %s on case %lld: %s\n", Str(*j, "id").c_str(),
                static_cast<long long>(o->id), Str(*j, "outcome").c_str());
  });
}

void RegisterEscalate(CLI::App* parent) {
  struct Opts {
    int64_t id = 0;
    std::string tier, note;
    std::vector<std::string> fields;
  };
  auto c = std::make_shared<Conn>();
  c->server = "http://127.0.0.1:8080";
  auto o = std::make_shared<Opts>();
  auto* cmd = Sub(parent, "escalate", "Escalate a case to a tier with its hand-off note and fields", c);
  cmd->add_option("id", o->id, "Case id")->required();
  cmd->add_option("--tier", o->tier, "Tier (senior, legal, engineering, child_safety, ...)")->required();
  cmd->add_option("--note", o->note, "Hand-off note")->required();
  cmd->add_option("--field", o->fields, "Tier field as NAME=VALUE (repeatable)");
  cmd->callback([c, o] {
    json fields = json::object();
    for (const auto& f : o->fields) {
      size_t eq = f.find('=');
      if (eq == std::string::npos || eq == 0)
        return (void)Fail("--field: expected NAME=VALUE, got '" + f + "'", 2);
      fields[f.substr(0, eq)] = f.substr(eq + 1);
    }
    auto v = CurrentVersion(*c, o->id);
    if (!v) return;
    auto j = Call(*c, "POST", "/v1/cases/" + std::to_string(o->id) + "/escalate",
                  {{"tier", o->tier}, {"note", o->note}, {"fields", fields}, {"case_version", *v}});
    if (!j) return;
    if (c->as_json) return (void)std::printf("%s\n", j->dump(2).c_str());
    std::printf("case %lld escalated to %s (queue %s)\n", static_cast<long long>(o->id),
                Str(*j, "tier").c_str(), Str(*j, "queue").c_str());
  });
}

void RegisterNoteCommand(CLI::App* parent, const char* name, const char* help, const char* path,
                         const char* key, bool versioned) {
  auto c = std::make_shared<Conn>();
  c->server = "http://127.0.0.1:8080";
  auto id = std::make_shared<int64_t>(0);
  auto text = std::make_shared<std::string>();
  auto* cmd = Sub(parent, name, help, c);
  cmd->add_option("id", *id, "Case id")->required();
  cmd->add_option(std::string("--") + key, *text, key)->required();
  cmd->callback([c, id, text, name, path, key, versioned] {
    json body = {{key, *text}};
    if (versioned) {
      auto v = CurrentVersion(*c, *id);
      if (!v) return;
      body["case_version"] = *v;
    }
    auto j = Call(*c, "POST", "/v1/cases/" + std::to_string(*id) + path, body);
    if (!j) return;
    if (c->as_json) return (void)std::printf("%s\n", j->dump(2).c_str());
    std::printf("%s: case %lld\n", name, static_cast<long long>(*id));
  });
}

}  // namespace

void RegisterCase(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "case", "Review cases through a running server: list, show, next, decide, escalate, ...");
  cmd->require_subcommand(1);
  RegisterList(cmd);
  RegisterShow(cmd);
  RegisterNext(cmd);
  RegisterRelease(cmd);
  RegisterDecide(cmd);
  RegisterEscalate(cmd);
  RegisterNoteCommand(cmd, "handback", "Hand an escalated case back to the queue it came from",
                      "/handback", "note", true);
  RegisterNoteCommand(cmd, "comment", "Add an internal comment (@name mentions)", "/comments",
                      "text", false);
}

}  // namespace vigil::cli
