#include "http/policy_routes.h"

#include <algorithm>

#include "http/route_roles.h"
#include "intake/flag_parser.h"  // ParseJsonBody
#include "policy/render.h"

namespace vigil::http {
namespace {

using nlohmann::json;
using policy::PolicyLibrary;

const std::set<Role> kPolicyEditors = {Role::kSenior, Role::kAdmin};

Response Json(int status, const json& body) { return JsonResponse(status, body.dump()); }

// The JSON object body with only `allowed` keys.
Result<json> Body(const Request& req, std::initializer_list<const char*> allowed) {
  auto j = intake::ParseJsonBody(req.body);
  if (!j) return j.error();
  if (!j->is_object()) return Error::Invalid("body", "must be a JSON object");
  for (const auto& [k, v] : j->items())
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; }))
      return Error::Invalid(k, "unknown field");
  return j;
}

Result<std::string> RequiredString(const json& b, const char* key, const char* what) {
  if (!b.contains(key) || !b[key].is_string() || b[key].get<std::string>().empty())
    return Error::Invalid(key, std::string("is required: ") + what);
  return b[key].get<std::string>();
}

Result<int> VersionIn(const json& b) {
  if (!b.contains("version") || !b["version"].is_number_integer() ||
      b["version"].get<int64_t>() < 1 || b["version"].get<int64_t>() > 1'000'000'000)
    return Error::Invalid("version", "is required: a version number");
  return static_cast<int>(b["version"].get<int64_t>());
}

// ?name=N; `def` when absent.
Result<int> VersionQuery(const Request& req, const char* name, int def) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return def;
  const std::string& s = it->second;
  if (s.size() > 9 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(s) < 1)
    return Error::Invalid(name, "must be a version number");
  return std::stoi(s);
}

const char* StateName(const store::PolicyStateRow& s, int version) {
  if (s.active_version == version) return "active";
  if (s.shadow_version == version) return "shadow";
  return "inactive";
}

std::optional<store::PolicyStateRow> StateOf(const PolicyLibrary& lib, const std::string& id) {
  for (auto& s : lib.List())
    if (s.policy_id == id) return s;
  return std::nullopt;
}

json NodeKind(const policy::TreeNode& n) {
  switch (n.type) {
    case policy::NodeType::kCondition:
      return {{"id", n.id}, {"kind", "condition"}, {"text", n.expr.source()}};
    case policy::NodeType::kQuestion: {
      json answers = json::array();
      for (const auto& [a, next] : n.answers) answers.push_back(a);
      return {{"id", n.id},    {"kind", "question"},     {"name", n.name},
              {"text", n.ask}, {"guidance", n.guidance}, {"answers", answers}};
    }
    case policy::NodeType::kStep:
      return {{"id", n.id},
              {"kind", n.next >= 0 ? "step" : "outcome"},
              {"text", policy::DescribeOutcome(n.outcome)}};
  }
  return {};
}

json Summary(const policy::Policy& p) {
  json examples = json::array();
  for (const auto& e : p.examples)
    examples.push_back(
        {{"text", e.text}, {"decision", e.decision}, {"clause", e.clause}, {"why", e.why}});
  json nodes = json::array();
  for (const auto& n : p.nodes) nodes.push_back(NodeKind(n));
  return {{"title", p.title},
          {"version_note", p.version_note},
          {"dsa_category", p.dsa_category},
          {"severity", p.severity},
          {"guidelines", p.guidelines},
          {"clauses", p.clauses},
          {"examples", examples},
          {"notices", p.notices},
          {"tiers", p.tiers},
          {"human_decision_only", p.human_decision_only},
          {"nodes", nodes}};
}

json StateJson(const store::PolicyStateRow& s) {
  return {{"active_version", s.active_version ? json(s.active_version) : json(nullptr)},
          {"shadow_version", s.shadow_version ? json(s.shadow_version) : json(nullptr)},
          {"latest_version", s.latest_version}};
}

json IssuesJson(const std::vector<policy::Issue>& list) {
  json issues = json::array();
  for (const auto& i : list)
    issues.push_back({{"file", i.file},
                      {"line", i.pos.line},
                      {"column", i.pos.column},
                      {"kind", i.kind},
                      {"message", i.message}});
  return issues;
}

// A 422 for a rejected text: the first issue as field/detail, and every issue with its place.
Response Rejection(const policy::Rejected& r) {
  Response resp = ProblemResponse(r.error);
  json body = json::parse(resp.body);
  body["issues"] = IssuesJson(r.issues);
  resp.body = body.dump();
  return resp;
}

// POST /v1/policies and POST /v1/policies/{id}/versions: {yaml, reason, activate?}.
void SaveVersion(Services& s, Context& ctx, const Respond& respond, const std::string& id) {
  auto body = Body(ctx.req, {"yaml", "reason", "activate"});
  if (!body) return respond(ProblemResponse(body.error()));
  const json& b = body.value();
  auto yaml = RequiredString(b, "yaml", "the policy's YAML text");
  if (!yaml) return respond(ProblemResponse(yaml.error()));
  auto reason = RequiredString(b, "reason", "why this version is made");
  if (!reason) return respond(ProblemResponse(reason.error()));
  if (b.contains("activate") && !b["activate"].is_boolean())
    return respond(ProblemResponse(Error::Invalid("activate", "must be true or false")));
  bool activate = b.value("activate", false);
  policy::Rejected rejected;
  auto v = s.policies->Save(id, *yaml, {ctx.principal.Actor(), *reason}, activate, &rejected);
  if (!v) {
    if (!rejected.issues.empty()) return respond(Rejection(rejected));
    return respond(ProblemResponse(v.error()));
  }
  respond(Json(201, {{"id", v->id}, {"version", v->version}, {"active", activate}}));
}

// The activation and shadow routes: {version (when `with_version`), reason} in, the change made
// by `apply`, its answer (with the policy id) out.
void ChangeRoute(Context& ctx, const Respond& respond, bool with_version,
                 const std::function<Result<json>(const std::string& id, int version,
                                                  const policy::PolicyChange&)>& apply) {
  auto body = with_version ? Body(ctx.req, {"version", "reason"}) : Body(ctx.req, {"reason"});
  if (!body) return respond(ProblemResponse(body.error()));
  int version = 0;
  if (with_version) {
    auto v = VersionIn(body.value());
    if (!v) return respond(ProblemResponse(v.error()));
    version = *v;
  }
  auto reason = RequiredString(body.value(), "reason", "why the policy changes");
  if (!reason) return respond(ProblemResponse(reason.error()));
  const std::string& id = ctx.Param("id");
  auto r = apply(id, version, {ctx.principal.Actor(), *reason});
  if (!r) return respond(ProblemResponse(r.error()));
  json out = r.value();
  out["id"] = id;
  respond(Json(200, out));
}

}  // namespace

void AddPolicyRoutes(Server& server, Services& s) {
  server.Add({"GET", "/v1/policies", kStaff, false, false, 0,
              "The policy library: every policy with its title, DSA category, severity and its "
              "active, shadow and latest versions.",
              "policies", [&s](Context&, Respond respond) {
                json arr = json::array();
                for (const auto& st : s.policies->List()) {
                  json j = StateJson(st);
                  j["id"] = st.policy_id;
                  j["file"] = s.policies->FileOf(st.policy_id);
                  int shown = st.active_version ? st.active_version : st.latest_version;
                  if (auto p = s.policies->Parsed(st.policy_id, shown); p) {
                    j["title"] = (*p)->title;
                    j["dsa_category"] = (*p)->dsa_category;
                    j["severity"] = (*p)->severity;
                  }
                  arr.push_back(std::move(j));
                }
                respond(Json(200, {{"policies", arr}}));
              }});
  server.Add({"GET", "/v1/policies/{id}", kStaff, false, false, 0,
              "One version of a policy (?version=N; default the active one): its YAML text, "
              "author, reason and time, and a parsed summary (title, category, severity, "
              "guidelines, clauses, examples, tiers, notices, tree nodes).",
              "policies", [&s](Context& ctx, Respond respond) {
                const std::string& id = ctx.Param("id");
                auto version = VersionQuery(ctx.req, "version", 0);
                if (!version) return respond(ProblemResponse(version.error()));
                auto v = s.policies->GetVersion(id, *version);
                if (!v) return respond(ProblemResponse(v.error()));
                auto p = s.policies->Parsed(id, v->version);
                if (!p) return respond(ProblemResponse(p.error()));
                auto st = StateOf(*s.policies, id);
                json j = StateJson(*st);
                j.update({{"id", id},
                          {"version", v->version},
                          {"state", StateName(*st, v->version)},
                          {"file", s.policies->FileOf(id)},
                          {"yaml", v->yaml},
                          {"author", v->author},
                          {"reason", v->reason},
                          {"created_at", FormatIso8601(v->created_at)},
                          {"summary", Summary(**p)}});
                respond(Json(200, j));
              }});
  server.Add({"GET", "/v1/policies/{id}/versions", kStaff, false, false, 0,
              "Every version of a policy, oldest first: author, reason, time and whether it is "
              "active, in shadow or inactive.",
              "policies", [&s](Context& ctx, Respond respond) {
                const std::string& id = ctx.Param("id");
                auto st = StateOf(*s.policies, id);
                if (!st) return respond(ProblemResponse(Error::NotFound("no policy " + id)));
                json arr = json::array();
                for (const auto& v : s.policies->Versions(id))
                  arr.push_back({{"version", v.version},
                                 {"author", v.author},
                                 {"reason", v.reason},
                                 {"created_at", FormatIso8601(v.created_at)},
                                 {"state", StateName(*st, v.version)}});
                json j = StateJson(*st);
                j.update({{"id", id}, {"versions", arr}});
                respond(Json(200, j));
              }});
  server.Add({"POST", "/v1/policies", kPolicyEditors, false, true, 0,
              "Create a policy: {yaml, reason, activate (default false)}. The text is validated "
              "first: a 422 names file:line:column (with every issue in `issues`) and nothing "
              "changes; DATA/policies/<id>.yaml is written atomically; a policy.version_created "
              "event (and policy.activated with activate).",
              "policies",
              [&s](Context& ctx, Respond respond) { SaveVersion(s, ctx, respond, ""); }});
  server.Add({"POST", "/v1/policies/{id}/versions", kPolicyEditors, false, true, 0,
              "Save a new version of a policy: {yaml, reason, activate (default false)}. "
              "Validated first (422 naming file:line:column, nothing changed); its file in "
              "DATA/policies is replaced atomically; a policy.version_created event.",
              "policies", [&s](Context& ctx, Respond respond) {
                SaveVersion(s, ctx, respond, ctx.Param("id"));
              }});
  server.Add(
      {"POST", "/v1/policies:check", kPolicyEditors, false, false, 0,
       "Validate a policy text without saving it: {yaml}. Answers {ok, issues} with the "
       "file, line, column, kind and message of every load and lint issue.",
       "policies", [](Context& ctx, Respond respond) {
         auto body = Body(ctx.req, {"yaml"});
         if (!body) return respond(ProblemResponse(body.error()));
         auto yaml = RequiredString(body.value(), "yaml", "the policy's YAML text");
         if (!yaml) return respond(ProblemResponse(yaml.error()));
         auto r = policy::LoadPolicyText(*yaml, "policy.yaml");
         respond(Json(200, {{"ok", r.issues.empty()}, {"id", r.policy.id}, {"issues", IssuesJson(r.issues)}}));
       }});
  server.Add({"GET", "/v1/policies/{id}/diff", kStaff, false, false, 0,
              "Unified line diff of two versions' YAML: ?from=N&to=M (default: to the latest, "
              "from the version before it).",
              "policies", [&s](Context& ctx, Respond respond) {
                const std::string& id = ctx.Param("id");
                auto st = StateOf(*s.policies, id);
                if (!st) return respond(ProblemResponse(Error::NotFound("no policy " + id)));
                auto to = VersionQuery(ctx.req, "to", st->latest_version);
                if (!to) return respond(ProblemResponse(to.error()));
                auto from = VersionQuery(ctx.req, "from", std::max(1, *to - 1));
                if (!from) return respond(ProblemResponse(from.error()));
                auto d = s.policies->Diff(id, *from, *to);
                if (!d) return respond(ProblemResponse(d.error()));
                respond(Json(200, {{"id", id}, {"from", *from}, {"to", *to}, {"diff", *d}}));
              }});
  using Change = policy::PolicyChange;
  server.Add({"POST", "/v1/policies/{id}/activate", kPolicyEditors, false, true, 0,
              "Make a stored version the active one: {version, reason}. A policy.activated "
              "event; the version runs on the next event. 409 when it already is active.",
              "policies", [&s](Context& ctx, Respond respond) {
                ChangeRoute(ctx, respond, true,
                            [&s](const std::string& id, int v, const Change& c) -> Result<json> {
                              if (auto st = s.policies->Activate(id, v, c); !st) return st.error();
                              return json{{"active_version", v}};
                            });
              }});
  server.Add({"POST", "/v1/policies/{id}/rollback", kPolicyEditors, false, true, 0,
              "Return to the version that was active before the current one: {reason}. A "
              "policy.rolled_back event; repeated rollbacks walk further back. 409 when there "
              "is no earlier active version.",
              "policies", [&s](Context& ctx, Respond respond) {
                ChangeRoute(ctx, respond, false,
                            [&s](const std::string& id, int, const Change& c) -> Result<json> {
                              auto v = s.policies->Rollback(id, c);
                              if (!v) return v.error();
                              return json{{"active_version", *v}};
                            });
              }});
  server.Add({"POST", "/v1/policies/{id}/shadow", kPolicyEditors, false, true, 0,
              "Run a version in shadow next to the active one (evaluated and recorded, never "
              "acting): {version, reason}. Replaces any other shadow version; a "
              "policy.shadow_started event.",
              "policies", [&s](Context& ctx, Respond respond) {
                ChangeRoute(ctx, respond, true,
                            [&s](const std::string& id, int v, const Change& c) -> Result<json> {
                              if (auto st = s.policies->StartShadow(id, v, c); !st)
                                return st.error();
                              return json{{"shadow_version", v}};
                            });
              }});
  server.Add({"POST", "/v1/policies/{id}/shadow:stop", kPolicyEditors, false, true, 0,
              "Stop the shadow run of a policy: {reason}. A policy.shadow_stopped event; 409 "
              "when no version runs in shadow.",
              "policies", [&s](Context& ctx, Respond respond) {
                ChangeRoute(ctx, respond, false,
                            [&s](const std::string& id, int, const Change& c) -> Result<json> {
                              if (auto st = s.policies->StopShadow(id, c); !st) return st.error();
                              return json{{"shadow_version", nullptr}};
                            });
              }});
  server.Add({"GET", "/v1/policies/{id}/render", kStaff, false, true, 0,
              "A version's decision tree as a flowchart: ?format=svg (image/svg+xml, laid out "
              "by Graphviz) or mermaid (text/plain), ?version=N (default active), ?path=ids "
              "(comma-separated node ids as a policy.evaluated trace lists them) to highlight "
              "a decision's path.",
              "policies", [&s](Context& ctx, Respond respond) {
                const std::string& id = ctx.Param("id");
                auto version = VersionQuery(ctx.req, "version", 0);
                if (!version) return respond(ProblemResponse(version.error()));
                std::string format = "svg";
                if (auto it = ctx.req.query.find("format"); it != ctx.req.query.end())
                  format = it->second;
                if (format != "svg" && format != "mermaid")
                  return respond(
                      ProblemResponse(Error::Invalid("format", "must be svg or mermaid")));
                auto v = s.policies->GetVersion(id, *version);
                if (!v) return respond(ProblemResponse(v.error()));
                auto p = s.policies->Parsed(id, v->version);
                if (!p) return respond(ProblemResponse(p.error()));
                std::string path;
                if (auto it = ctx.req.query.find("path"); it != ctx.req.query.end())
                  path = it->second;
                auto nodes = policy::ResolvePath(**p, policy::SplitPath(path));
                if (!nodes) return respond(ProblemResponse(nodes.error()));
                Response r;
                r.headers.emplace_back("X-Policy-Version", std::to_string(v->version));
                if (format == "mermaid") {
                  r.content_type = "text/plain; charset=utf-8";
                  r.body = policy::RenderMermaid(**p, *nodes);
                  return respond(std::move(r));
                }
                auto svg = policy::RenderSvg(**p, *nodes);
                if (!svg) return respond(ProblemResponse(svg.error()));
                r.content_type = "image/svg+xml";
                // Opened on its own, the document may style itself and nothing more.
                r.headers.emplace_back("Content-Security-Policy",
                                       "default-src 'none'; style-src 'unsafe-inline'");
                r.body = std::move(*svg);
                respond(std::move(r));
              }});
  server.Add(
      {"POST", "/v1/policies:reload", kPolicyEditors, false, true, 0,
       "Re-read DATA/policies: a file whose text differs from its policy's latest "
       "version becomes a new version by author \"file\" and is activated; then the "
       "active and shadow versions are loaded from the store. An invalid file changes "
       "nothing; the error names file:line:column.",
       "policies", [&s](Context&, Respond respond) {
         if (auto st = s.policies->Reload(); !st) return respond(ProblemResponse(st.error()));
         respond(Json(200, {{"reloaded", true}, {"running", s.policies->Running()->size()}}));
       }});
}

}  // namespace vigil::http
