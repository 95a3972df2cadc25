#include "http/api.h"

#include <algorithm>

#include "automation/guidance.h"
#include "cases/case_service.h"
#include "core/metrics.h"
#include "http/analysis_routes.h"
#include "http/backtest_routes.h"
#include "cases/decision_notices.h"
#include "cases/suspensions.h"
#include "events/audit.h"
#include "http/analysis_routes.h"
#include "http/console.h"
#include "http/policy_routes.h"
#include "http/route_roles.h"
#include "intake/flag_parser.h"
#include "notify/webhook.h"

namespace vigil::http {
namespace {

using nlohmann::json;


Response Json(int status, const json& body) { return JsonResponse(status, body.dump()); }

json OptIso(const std::optional<Millis>& t) { return t ? json(FormatIso8601(*t)) : json(nullptr); }

json UserJson(const store::UserRow& u) {
  return {{"id", u.id},           {"name", u.name},          {"role", ToString(u.role)},
          {"teams", u.teams},     {"disabled", u.disabled},  {"console_login", !u.password_hash.empty()},
          {"created_at", FormatIso8601(u.created_at)}};
}

json CaseJson(const store::CaseRow& c) {
  json j = {{"id", c.id},
          {"status", c.status},
          {"queue", c.queue},
          {"reason", c.reason},
          {"content_id", c.content_id},
          {"flag_count", c.flag_count},
          {"reporter_count", c.reporter_count},
          {"opened_at", FormatIso8601(c.opened_at)},
          {"updated_at", FormatIso8601(c.updated_at)},
          {"version", c.version},
          {"priority", c.priority}};
  if (c.claimed_by) {
    j["claimed_by"] = c.claimed_by;
    if (c.lease_until) j["lease_until"] = FormatIso8601(*c.lease_until);
  }
  if (c.decided_at) {
    j["decided_at"] = FormatIso8601(*c.decided_at);
    j["outcome"] = c.outcome;
  }
  if (!c.tier.empty()) {
    j["tier"] = c.tier;
    j["escalated_from"] = c.escalated_from;
  }
  if (c.first_action_at) j["first_action_at"] = FormatIso8601(*c.first_action_at);
  return j;
}

json DecisionJson(const store::DecisionRow& d) {
  json j = {{"id", d.id},
            {"decided_by", d.decided_by},
            {"actions", json::parse(d.actions_json)},
            {"outcome", d.outcome},
            {"automated_detection", d.automated_detection},
            {"automated_decision", d.automated_decision},
            {"case_version", d.case_version},
            {"created_at", FormatIso8601(d.created_at)}};
  if (!d.policy_json.empty()) j["policy"] = json::parse(d.policy_json);
  if (!d.facts.empty()) j["facts"] = d.facts;
  if (!d.explanation.empty()) j["explanation"] = d.explanation;
  if (d.reverses) j["reverses"] = d.reverses;
  return j;
}

// The case's SLA deadlines and state under the queue configuration in force.
json SlaJson(const store::CaseRow& c, const cases::QueueConfig& q, const Taxonomy& taxonomy,
             Millis now) {
  const Reason* r = taxonomy.Find(c.reason);
  int severity = r ? r->severity : 1;
  auto d = q.Deadlines(c.queue, severity, c.opened_at);
  auto state = q.State(c.queue, severity, c.opened_at, c.first_action_at, c.decided_at, now);
  return {{"first_action_due", FormatIso8601(d.first_action_due)},
          {"resolution_due", FormatIso8601(d.resolution_due)},
          {"state", cases::ToString(state)}};
}

json PriorityJson(const cases::PriorityScore& p) {
  json terms = json::array();
  for (const auto& t : p.terms)
    terms.push_back({{"name", t.name}, {"value", t.value}, {"explanation", t.explanation}});
  return {{"total", p.total}, {"terms", terms}};
}

json FlagJson(const store::FlagRow& f) {
  json j = {{"id", f.id},
            {"case_id", f.case_id},
            {"content_id", f.content_id},
            {"reason", f.reason},
            {"source", ToString(f.source)},
            {"bona_fide", f.bona_fide},
            {"duplicate", f.duplicate},
            {"received_at", FormatIso8601(f.received_at)}};
  if (!f.reporter_id.empty()) j["reporter"] = {{"id", f.reporter_id}};
  if (!f.contact_json.empty()) j["reporter"]["contact"] = json::parse(f.contact_json);
  if (!f.explanation.empty()) j["explanation"] = f.explanation;
  if (!f.location_url.empty()) j["location_url"] = f.location_url;
  if (!f.legal_order_json.empty()) j["legal_order"] = json::parse(f.legal_order_json);
  j["metadata"] = json::parse(f.metadata_json.empty() ? "{}" : f.metadata_json);
  return j;
}

// Escalation tiers with the hand-off fields each requires (the console builds its forms from it).
json TiersJson(const cases::QueueConfig& q) {
  static const char* kTypes[] = {"string", "bool", "time", "choice", "number"};
  json arr = json::array();
  for (const auto& t : q.tiers()) {
    json fields = json::array();
    for (const auto& f : t.fields) {
      json fj = {{"name", f.name}, {"type", kTypes[static_cast<int>(f.type)]}, {"required", f.required}};
      if (!f.choices.empty()) fj["choices"] = f.choices;
      fields.push_back(std::move(fj));
    }
    arr.push_back({{"name", t.name}, {"queue", t.queue}, {"fields", std::move(fields)}});
  }
  return arr;
}

json EventJson(const events::Event& e) {
  return {{"seq", e.seq},
          {"type", e.type},
          {"subject", e.subject},
          {"actor", e.actor},
          {"ts", FormatIso8601(e.ts)},
          {"payload", json::parse(e.payload)},
          {"hash", events::ToHex(e.hash)}};
}

Result<int64_t> IdParam(const Context& ctx, const std::string& name) {
  const std::string& s = ctx.Param(name);
  int64_t v = 0;
  if (s.empty() || s.size() > 18) return Error::Invalid(name, "must be a positive integer");
  for (char c : s) {
    if (c < '0' || c > '9') return Error::Invalid(name, "must be a positive integer");
    v = v * 10 + (c - '0');
  }
  return v;
}

Result<int> IntQuery(const Request& req, const std::string& name, int def, int lo, int hi) {
  auto it = req.query.find(name);
  if (it == req.query.end()) return def;
  try {
    size_t used = 0;
    int v = std::stoi(it->second, &used);
    if (used != it->second.size() || v < lo || v > hi) throw std::out_of_range(name);
    return v;
  } catch (...) {
    return Error::Invalid(name, "must be an integer from " + std::to_string(lo) + " to " +
                                    std::to_string(hi));
  }
}

Result<json> JsonBody(const Request& req) {
  auto j = intake::ParseJsonBody(req.body);
  if (!j) return j.error();
  if (!j->is_object()) return Error::Invalid("body", "must be a JSON object");
  return j;
}

intake::IdempotencyKey Idempotency(const Request& req) {
  intake::IdempotencyKey k;
  k.key = req.Header("idempotency-key");
  if (!k.key.empty()) k.request_hash = intake::HashRequest(req.method + " " + req.path + "\n" + req.body);
  return k;
}

Response FromOutcome(intake::Outcome o) {
  Response r = o.text.empty() ? Json(o.status, o.body) : JsonResponse(o.status, std::move(o.text));
  if (o.status >= 400) r.content_type = "application/problem+json";
  if (o.retry_after_s > 0) r.headers.emplace_back("Retry-After", std::to_string(o.retry_after_s));
  return r;
}

bool MayAccessQueue(const auth::Principal& p, const cases::QueueConfig& queues,
                    const std::string& queue) {
  auto visible = VisibleQueues(p, queues);
  return !visible || std::find(visible->begin(), visible->end(), queue) != visible->end();
}

// Object-level check: refuses (and records the denial) when the principal may not see the case.
std::optional<Response> DenyCase(Services& s, const Context& ctx, const store::CaseRow& c) {
  if (MayAccessQueue(ctx.principal, *s.Queues(), c.queue)) return std::nullopt;
  s.accounts->RecordDenial(ctx.principal, ctx.req.method + " " + ctx.req.path,
                           "case in queue " + c.queue + " not served by the user's teams");
  return ProblemResponse(Error::Forbidden("case " + std::to_string(c.id) + " is in queue " +
                                          c.queue + ", which your teams do not serve"));
}

// Loads the case named by the {id} parameter if the principal may see it; otherwise answers
// (400, 404, or 403 with a recorded denial) and returns nullopt.
std::optional<store::CaseRow> VisibleCase(Services& s, const Context& ctx, store::ReadTx& rtx,
                                          const Respond& respond) {
  auto id = IdParam(ctx, "id");
  if (!id) {
    respond(ProblemResponse(id.error()));
    return std::nullopt;
  }
  auto c = rtx.GetCase(*id);
  if (!c) {
    respond(ProblemResponse(Error::NotFound("no case " + ctx.Param("id"))));
    return std::nullopt;
  }
  if (auto deny = DenyCase(s, ctx, *c)) {
    respond(std::move(*deny));
    return std::nullopt;
  }
  return c;
}

std::string SessionCookie(const std::string& value, int max_age_s, bool secure) {
  return "vigil_session=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(max_age_s) + (secure ? "; Secure" : "");
}

void AddAuthRoutes(Server& server, Services& s) {
  server.Add({"POST", "/v1/auth/login", {}, true, true, 0,
              "Sign in with a user name and password; sets the session cookie and returns the "
              "CSRF token to send as X-CSRF-Token on state-changing requests.",
              "auth", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                const json& b = body.value();
                for (const auto& [k, v] : b.items())
                  if (k != "name" && k != "password")
                    return respond(ProblemResponse(Error::Invalid(k, "unknown field")));
                if (!b.contains("name") || !b["name"].is_string())
                  return respond(ProblemResponse(Error::Invalid("name", "is required")));
                if (!b.contains("password") || !b["password"].is_string())
                  return respond(ProblemResponse(Error::Invalid("password", "is required")));
                auto session = s.accounts->Login(b["name"], b["password"], ctx.req.remote,
                                                 s.config.session_ttl_hours);
                if (!session) return respond(ProblemResponse(session.error()));
                Response r = Json(200, {{"user", UserJson(session->user)},
                                        {"csrf_token", session->csrf},
                                        {"expires_at", FormatIso8601(session->expires_at)}});
                r.headers.emplace_back(
                    "Set-Cookie", SessionCookie(session->secret, s.config.session_ttl_hours * 3600,
                                                s.config.cookie_secure));
                respond(std::move(r));
              }});
  server.Add({"POST", "/v1/auth/logout", kStaff, false, true, 0,
              "Sign out: revokes the current session at once.", "auth",
              [&s](Context& ctx, Respond respond) {
                if (auto st = s.accounts->Logout(ctx.principal); !st)
                  return respond(ProblemResponse(st.error()));
                Response r = Json(200, {{"signed_out", true}});
                r.headers.emplace_back("Set-Cookie", SessionCookie("", 0, s.config.cookie_secure));
                respond(std::move(r));
              }});
  server.Add({"GET", "/v1/auth/me", kEveryone, false, false, 0,
              "The authenticated user, role, teams and the queues they may see.", "auth",
              [&s](Context& ctx, Respond respond) {
                const auto& p = ctx.principal;
                json j = {{"id", p.user_id},      {"name", p.user_name},
                          {"role", ToString(p.role)}, {"teams", p.teams},
                          {"via", p.kind == auth::Principal::Kind::kSession ? "session" : "token"}};
                auto q = VisibleQueues(p, *s.Queues());
                j["queues"] = q ? json(*q) : json("all");
                if (!p.csrf.empty()) j["csrf_token"] = p.csrf;
                respond(Json(200, j));
              }});
}

// The preferences a user may keep on the server: {wellness: {blur, grayscale}}.
Result<json> ParsePreferences(const json& b) {
  if (!b.is_object()) return Error::Invalid("body", "must be a JSON object");
  json out = json::object();
  for (const auto& [k, v] : b.items()) {
    if (k != "wellness") return Error::Invalid(k, "unknown field");
    if (!v.is_object()) return Error::Invalid("wellness", "must be an object {blur, grayscale}");
    for (const auto& [wk, wv] : v.items()) {
      if (wk != "blur" && wk != "grayscale") return Error::Invalid("wellness." + wk, "unknown field");
      if (!wv.is_boolean()) return Error::Invalid("wellness." + wk, "must be true or false");
    }
    out["wellness"] = v;
  }
  return out;
}

void AddPreferenceRoutes(Server& server, Services& s) {
  server.Add({"GET", "/v1/auth/me/preferences", kStaff, false, false, 0,
              "Your preferences, kept on the server so they follow you to any browser: "
              "{wellness: {blur, grayscale}} (how images of reported content are shown).",
              "auth", [&s](Context& ctx, Respond respond) {
                json prefs = json::parse(s.store->BeginRead()->UserPreferences(ctx.principal.user_id),
                                         nullptr, false);
                respond(Json(200, prefs.is_object() ? prefs : json::object()));
              }});
  server.Add({"PUT", "/v1/auth/me/preferences", kStaff, false, true, 0,
              "Replace your preferences: {wellness: {blur, grayscale}}; a user.preferences_updated "
              "event.",
              "auth", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                auto prefs = ParsePreferences(body.value());
                if (!prefs) return respond(ProblemResponse(prefs.error()));
                std::string text = prefs->dump();
                int64_t user = ctx.principal.user_id;
                std::string actor = ctx.principal.Actor();
                Status st = s.writer->Run([&](store::WriteTx& tx) -> Status {
                  events::Event e;
                  e.type = "user.preferences_updated";
                  e.subject = "user:" + std::to_string(user);
                  e.actor = actor;
                  e.ts = s.clock->Now();
                  e.payload = text;
                  tx.AppendEvent(e);
                  tx.SetUserPreferences(user, text);
                  return OkStatus();
                });
                if (!st) return respond(ProblemResponse(st.error()));
                respond(Json(200, prefs.value()));
              }});
}

void AddIntakeRoutes(Server& server, Services& s) {
  server.Add({"POST", "/v1/flags", kFlaggers, false, false, 0,
              "Submit one flag (JSON). Acknowledged with 201 only after it is durably committed. "
              "Honours Idempotency-Key.",
              "intake", [&s](Context& ctx, Respond respond) {
                auto flag = intake::ParseFlagJson(ctx.req.body, s.taxonomy);
                if (!flag) return respond(ProblemResponse(flag.error()));
                s.intake->SubmitFlag(ctx.principal, std::move(flag.value()),
                                     Idempotency(ctx.req),
                                     [respond](intake::Outcome o) { respond(FromOutcome(std::move(o))); });
              }});
  server.Add({"POST", "/v1/flags:batch", {Role::kIntegration, Role::kAdmin}, false, false,
              s.config.max_batch_body_bytes,
              "Submit flags as NDJSON, one per line. Answers 200 with NDJSON: one result per "
              "line with its line number; valid lines are stored, invalid ones reported.",
              "intake", [&s](Context& ctx, Respond respond) {
                s.intake->SubmitBatch(
                    ctx.principal, ctx.req.body, Idempotency(ctx.req),
                    [respond](intake::BatchOutcome o) {
                      Response r = JsonResponse(o.status, std::move(o.body));
                      r.content_type =
                          o.status == 200 ? "application/x-ndjson" : "application/problem+json";
                      respond(std::move(r));
                    });
              }});
  server.Add({"POST", "/v1/content", {Role::kIntegration, Role::kAdmin}, false, false, 0,
              "Send or update a content item so later flags can refer to it by content_id.",
              "intake", [&s](Context& ctx, Respond respond) {
                auto body = intake::ParseJsonBody(ctx.req.body);
                if (!body) return respond(ProblemResponse(body.error()));
                auto content = intake::ParseContent(body.value(), "");
                if (!content) return respond(ProblemResponse(content.error()));
                s.intake->SubmitContent(ctx.principal, std::move(content.value()),
                                        Idempotency(ctx.req),
                                        [respond](intake::Outcome o) { respond(FromOutcome(std::move(o))); });
              }});
  server.Add({"GET", "/v1/taxonomy", kEveryone, false, false, 0,
              "The reason codes flags may use, with their DSA category, severity and queue.",
              "intake", [&s](Context&, Respond respond) {
                json arr = json::array();
                for (const auto& r : s.taxonomy.reasons())
                  arr.push_back({{"code", r.code}, {"title", r.title},
                                 {"dsa_category", r.dsa_category}, {"severity", r.severity},
                                 {"queue", r.queue}});
                respond(Json(200, {{"reasons", arr}}));
              }});
}

void AddReadRoutes(Server& server, Services& s) {
  server.Add({"GET", "/v1/flags/{id}", kCaseReaders, false, false, 0, "One flag.", "cases",
              [&s](Context& ctx, Respond respond) {
                auto id = IdParam(ctx, "id");
                if (!id) return respond(ProblemResponse(id.error()));
                auto rtx = s.store->BeginRead();
                auto f = rtx->GetFlag(*id);
                if (!f) return respond(ProblemResponse(Error::NotFound("no flag " + ctx.Param("id"))));
                auto c = rtx->GetCase(f->case_id);
                if (c)
                  if (auto deny = DenyCase(s, ctx, *c)) return respond(std::move(*deny));
                respond(Json(200, FlagJson(*f)));
              }});
  server.Add({"GET", "/v1/content/{id}", {Role::kSenior, Role::kQa, Role::kLegal, Role::kAdmin,
                                          Role::kEngineering},
              false, false, 0, "One content item by its platform id.", "cases",
              [&s](Context& ctx, Respond respond) {
                auto rtx = s.store->BeginRead();
                auto c = rtx->GetContent(ctx.Param("id"));
                if (!c) return respond(ProblemResponse(Error::NotFound("no content " + ctx.Param("id"))));
                json j = intake::ContentToJson(c->item);
                j["received_at"] = FormatIso8601(c->received_at);
                respond(Json(200, j));
              }});
  server.Add({"GET", "/v1/cases", kCaseReaders, false, false, 0,
              "Search cases: status (open|decided), queue, reason, tier, assignee (a user name or none), author "
              "(platform account id of the content's author), q (text "
              "of the content), sla (ok|near_breach|breached|met, filters within the page); "
              "keyset pagination with after and limit. Agents see only their teams' queues.",
              "cases", [&s](Context& ctx, Respond respond) {
                store::CaseFilter f;
                auto limit = IntQuery(ctx.req, "limit", 50, 1, 500);
                if (!limit) return respond(ProblemResponse(limit.error()));
                auto after = IntQuery(ctx.req, "after", 0, 0, std::numeric_limits<int>::max());
                if (!after) return respond(ProblemResponse(after.error()));
                f.limit = *limit;
                f.after_id = *after;
                auto q = ctx.req.query;
                f.status = q.count("status") ? q["status"] : "";
                f.reason = q.count("reason") ? q["reason"] : "";
                f.text = q.count("q") ? q["q"] : "";
                f.tier = q.count("tier") ? q["tier"] : "";
                f.author = q.count("author") ? q["author"] : "";
                // A status no case can have is a mistake to name, not an empty page. (Reasons,
                // queues and tiers are not checked: old cases keep ones since taken out of the
                // configuration, and must stay findable.)
                if (!f.status.empty() && f.status != "open" && f.status != "decided")
                  return respond(
                      ProblemResponse(Error::Invalid("status", "must be open or decided")));
                if (f.author.size() > 256)
                  return respond(ProblemResponse(Error::Invalid("author", "is longer than 256 bytes")));
                if (f.text.size() > 200)
                  return respond(ProblemResponse(Error::Invalid("q", "is longer than 200 characters")));
                if (q.count("assignee")) {
                  if (q["assignee"] == "none") {
                    f.claimed_by = 0;
                  } else {
                    auto u = s.store->BeginRead()->FindUserByName(q["assignee"]);
                    if (!u) return respond(ProblemResponse(Error::Invalid("assignee", "no user named " + q["assignee"])));
                    f.claimed_by = u->id;
                  }
                }
                std::string sla_filter = q.count("sla") ? q["sla"] : "";
                if (!sla_filter.empty() && sla_filter != "ok" && sla_filter != "near_breach" &&
                    sla_filter != "breached" && sla_filter != "met")
                  return respond(ProblemResponse(Error::Invalid("sla", "must be ok, near_breach, breached or met")));
                auto visible = VisibleQueues(ctx.principal, *s.Queues());
                if (q.count("queue")) {
                  if (!MayAccessQueue(ctx.principal, *s.Queues(), q["queue"]))
                    return respond(ProblemResponse(Error::Forbidden("queue " + q["queue"] +
                                                                    " is not served by your teams")));
                  f.queues = {q["queue"]};
                } else if (visible) {
                  f.queues = *visible;
                  if (f.queues.empty()) return respond(Json(200, {{"cases", json::array()}}));
                }
                auto rtx = s.store->BeginRead();
                json arr = json::array();
                auto rows = rtx->ListCases(f);
                auto queues = s.Queues();
                Millis now = s.clock->Now();
                for (const auto& c : rows) {
                  json cj = CaseJson(c);
                  cj["sla"] = SlaJson(c, *queues, s.taxonomy, now);
                  // SLA state depends on the configuration in force, so it filters the page.
                  if (!sla_filter.empty() && cj["sla"]["state"] != sla_filter) continue;
                  arr.push_back(std::move(cj));
                }
                json out = {{"cases", arr}};
                if (static_cast<int>(rows.size()) == f.limit) out["next_after"] = rows.back().id;
                respond(Json(200, out));
              }});
  server.Add({"GET", "/v1/cases/{id}", kCaseReaders, false, false, 0,
              "One case with its content, flags and reporters.", "cases",
              [&s](Context& ctx, Respond respond) {
                auto rtx = s.store->BeginRead();
                auto c = VisibleCase(s, ctx, *rtx, respond);
                if (!c) return;
                json j = CaseJson(*c);
                if (auto content = rtx->GetContentByPk(c->content_pk))
                  j["content"] = intake::ContentToJson(content->item);
                json flags = json::array();
                for (const auto& f : rtx->FlagsOfCase(c->id, 1000)) flags.push_back(FlagJson(f));
                j["flags"] = flags;
                // The breakdown is computed from the current state; the stored `priority` that
                // orders queues follows it within a fraction of a second.
                j["priority_breakdown"] = PriorityJson(
                    cases::ScoreCase(rtx->LoadCaseSignals(c->id, s.clock->Now(), /*track_record=*/true), s.taxonomy,
                                     s.clock->Now()));
                json decisions = json::array();
                for (const auto& d : rtx->DecisionsOfCase(c->id)) decisions.push_back(DecisionJson(d));
                j["decisions"] = decisions;
                j.update(automation::CaseAutomationJson(*rtx, *c));
                j["sla"] = SlaJson(*c, *s.Queues(), s.taxonomy, s.clock->Now());
                json appeals = json::array();
                for (const auto& a : rtx->AppealsOfCase(c->id)) {
                  json aj = {{"id", a.id}, {"decision_id", a.decision_id},
                             {"appellant", {{"role", a.appellant_role}, {"id", a.appellant_id}}},
                             {"grounds", a.grounds}, {"status", a.status},
                             {"created_at", FormatIso8601(a.created_at)}};
                  if (a.decided_at) {
                    aj["decided_at"] = FormatIso8601(*a.decided_at);
                    aj["decided_by"] = a.decided_by;
                    aj["explanation"] = a.outcome_note;
                  }
                  appeals.push_back(std::move(aj));
                }
                j["appeals"] = appeals;
                if (c->claimed_by)
                  if (auto holder = rtx->FindUserById(c->claimed_by)) j["holder"] = holder->name;
                respond(Json(200, j));
              }});
  server.Add({"GET", "/v1/cases/{id}/events", kCaseReaders, false, false, 0,
              "The case's timeline: every event about the case and its flags.", "cases",
              [&s](Context& ctx, Respond respond) {
                auto rtx = s.store->BeginRead();
                auto c = VisibleCase(s, ctx, *rtx, respond);
                if (!c) return;
                auto evs = rtx->CaseTimeline(c->id, 2000);
                json arr = json::array();
                for (const auto& e : evs) arr.push_back(EventJson(e));
                respond(Json(200, {{"events", arr}}));
              }});
  server.Add({"GET", "/v1/accounts/{id}", kCaseReaders, false, false, 0,
              "A platform account's profile: strikes as an author (active weight, expiry) and "
              "track record as a reporter (flags sent, decided, actioned, accuracy).",
              "cases", [&s](Context& ctx, Respond respond) {
                Millis now = s.clock->Now();
                auto p = s.store->BeginRead()->GetAccountProfile(ctx.Param("id"),
                                                                 now - s.config.misuse_window_ms);
                if (!p) return respond(ProblemResponse(Error::NotFound("no account " + ctx.Param("id"))));
                json strikes = json::array();
                double active = 0;
                for (const auto& st : p->strikes) {
                  bool live = !st.reversed && st.expires_at > now;
                  if (live) active += st.weight;
                  strikes.push_back({{"case_id", st.case_id}, {"decision_id", st.decision_id},
                                     {"weight", st.weight}, {"created_at", FormatIso8601(st.created_at)},
                                     {"expires_at", FormatIso8601(st.expires_at)},
                                     {"reversed", st.reversed}, {"active", live}});
                }
                json j = intake::AccountToJson(p->account);
                j["strikes"] = strikes;
                j["active_strike_weight"] = active;
                j["thresholds"] = {{"warn_at", s.config.strike_warn_at},
                                   {"suspend_at", s.config.strike_suspend_at}};
                j["reporter"] = {{"flags_sent", p->flags_sent},
                                 {"flags_decided", p->flags_decided},
                                 {"flags_actioned", p->flags_actioned},
                                 {"accuracy", cases::ReporterAccuracy(p->flags_decided, p->flags_actioned)},
                                 {"unfounded_notices_in_window", p->standing.unfounded_in_window},
                                 {"warned_at", OptIso(p->standing.warned_at)},
                                 {"deprioritized_until", OptIso(p->standing.deprioritized_until)},
                                 {"deprioritized", p->standing.deprioritized_until &&
                                                       *p->standing.deprioritized_until > now},
                                 {"misuse_thresholds",
                                  {{"window_days", s.config.misuse_window_ms / 86'400'000},
                                   {"warn_at", s.config.misuse_warn_at},
                                   {"deprioritize_at", s.config.misuse_deprioritize_at}}}};
                j["suspension_proposed_at"] = OptIso(p->suspension_proposed_at);
                j["suspended_until"] = OptIso(p->suspended_until);
                j["suspended"] = p->suspended_until && *p->suspended_until > now;
                respond(Json(200, j));
              }});
  server.Add({"GET", "/v1/suspension-proposals", {Role::kSenior, Role::kLegal, Role::kQa, Role::kAdmin},
              false, false, 0,
              "Accounts with a pending suspension proposal (repeat infringers, DSA Art. 23), "
              "oldest first.",
              "cases", [&s](Context&, Respond respond) {
                json arr = json::array();
                for (const auto& id : s.store->BeginRead()->PendingSuspensionProposals(500))
                  arr.push_back(id);
                respond(Json(200, {{"accounts", arr}}));
              }});
  server.Add({"GET", "/v1/events", kAuditors, false, false, 0,
              "The event log from a sequence number on (after, limit).", "audit",
              [&s](Context& ctx, Respond respond) {
                auto limit = IntQuery(ctx.req, "limit", 100, 1, 1000);
                if (!limit) return respond(ProblemResponse(limit.error()));
                auto after = IntQuery(ctx.req, "after", 0, 0, std::numeric_limits<int>::max());
                if (!after) return respond(ProblemResponse(after.error()));
                auto rtx = s.store->BeginRead();
                json arr = json::array();
                rtx->ScanEvents(*after + 1, [&](events::Event& e) {
                  arr.push_back(EventJson(e));
                  return static_cast<int>(arr.size()) < *limit;
                });
                respond(Json(200, {{"events", arr}}));
              }});
  server.Add({"POST", "/v1/audit/verify", kAdminOnly, false, true, 0,
              "Verify the event log's hash chain and the flag projection.", "audit",
              [&s](Context&, Respond respond) {
                auto rtx = s.store->BeginRead();
                auto report = events::VerifyStore(*rtx);
                json j = {{"ok", report.ok()},
                          {"events_checked", report.chain.events_checked},
                          {"flags", report.flags},
                          {"summary", report.Summary()}};
                if (report.chain.first_bad_seq) j["first_bad_seq"] = *report.chain.first_bad_seq;
                respond(Json(200, j));
              }});
}

// PUT of a configuration file as {yaml}: the save validates (errors are named under "yaml."),
// records the change and puts it in force.
void PutConfigText(Context& ctx, const Respond& respond, const char* file,
                   const std::function<Status(const std::string& text, const std::string& actor)>& save) {
  auto body = JsonBody(ctx.req);
  if (!body) return respond(ProblemResponse(body.error()));
  const json& b = body.value();
  for (const auto& [k, v] : b.items())
    if (k != "yaml") return respond(ProblemResponse(Error::Invalid(k, "unknown field")));
  if (!b.contains("yaml") || !b["yaml"].is_string())
    return respond(ProblemResponse(Error::Invalid("yaml", std::string("is required: the new ") + file)));
  Status st = save(b["yaml"].get<std::string>(), ctx.principal.Actor());
  if (!st) {
    Error e = st.error();
    if (e.code == ErrorCode::kInvalid) e.field = "yaml." + e.field;
    return respond(ProblemResponse(e));
  }
  respond(Json(200, {{"updated", true}}));
}

// GET (senior, admin) and PUT (admin) of a configuration file edited as YAML text.
void AddConfigFileRoutes(Server& server, const char* path, const char* file, const char* get_doc,
                         const char* put_doc, std::function<std::string()> text,
                         std::function<Status(const std::string&, const std::string&)> save) {
  server.Add({"GET", path, {Role::kSenior, Role::kAdmin}, false, false, 0, get_doc, "admin",
              [text](Context&, Respond respond) { respond(Json(200, {{"yaml", text()}})); }});
  server.Add({"PUT", path, kAdminOnly, false, true, 0, put_doc, "admin",
              [file, save](Context& ctx, Respond respond) { PutConfigText(ctx, respond, file, save); }});
}

std::function<void(Result<json>)> Reply(Respond respond, int status) {
  return [respond, status](Result<json> r) {
    if (!r) return respond(ProblemResponse(r.error()));
    respond(Json(status, r.value()));
  };
}


void AddWorkflowRoutes(Server& server, Services& s) {
  server.Add({"POST", "/v1/queues/{queue}/next", kReviewers, false, false, 0,
              "Claim the highest-priority open case of a queue with a lease; a claimed case is "
              "served to nobody else until released, decided or its lease expires. Answers "
              "{\"case\": null} when the queue is empty.",
              "cases", [&s](Context& ctx, Respond respond) {
                const std::string& queue = ctx.Param("queue");
                if (!s.Queues()->FindQueue(queue))
                  return respond(ProblemResponse(Error::NotFound("no queue " + queue)));
                if (!MayAccessQueue(ctx.principal, *s.Queues(), queue)) {
                  s.accounts->RecordDenial(ctx.principal, "POST " + ctx.req.path,
                                           "queue not served by the user's teams");
                  return respond(ProblemResponse(
                      Error::Forbidden("queue " + queue + " is not served by your teams")));
                }
                s.cases->Next(ctx.principal, queue, Reply(respond, 200));
              }});
  server.Add({"POST", "/v1/cases/{id}/release", kReviewers, false, false, 0,
              "Release your claim on a case (seniors and admins may release anyone's).", "cases",
              [&s](Context& ctx, Respond respond) {
                auto c = VisibleCase(s, ctx, *s.store->BeginRead(), respond);
                if (!c) return;
                s.cases->Release(ctx.principal, c->id, Reply(respond, 200));
              }});
  server.Add({"POST", "/v1/cases/{id}/decisions", kReviewers, false, false, 0,
              "Decide a case: actions, policy cited, facts, explanation, automation used, and "
              "the case_version decided on (409 when stale). A reversal cites the decision it "
              "reverses.",
              "cases", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                auto d = cases::ParseDecision(body.value());
                if (!d) return respond(ProblemResponse(d.error()));
                if (auto st = s.policies->PinVersion(d->policy_id, d->policy_version); !st)
                  return respond(ProblemResponse(st.error()));
                auto rtx = s.store->BeginRead();
                auto c = VisibleCase(s, ctx, *rtx, respond);
                if (!c) return;
                if (auto st = automation::CheckCitation(*rtx, *s.policies, s.taxonomy, c->id,
                                                        &d.value(), s.clock->Now());
                    !st)
                  return respond(ProblemResponse(st.error()));
                rtx.reset();
                s.cases->Decide(ctx.principal, c->id, std::move(d.value()), Reply(respond, 201));
              }});
  server.Add({"POST", "/v1/decisions:bulk", {Role::kSenior, Role::kAdmin}, false, false, 0,
              "Decide many cases at once: {cases: [{id, case_version}], actions, policy, facts, "
              "explanation}. One result per case (201, or 409/404/403 naming the problem).",
              "cases", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                json b = body.value();
                if (!b.contains("cases") || !b["cases"].is_array() || b["cases"].empty() ||
                    b["cases"].size() > 1000)
                  return respond(ProblemResponse(Error::Invalid("cases", "must list 1 to 1000 {id, case_version}")));
                json targets = b["cases"];
                b.erase("cases");
                b["case_version"] = 0;  // per case below
                auto d = cases::ParseDecision(b);
                if (!d) return respond(ProblemResponse(d.error()));
                if (auto st = s.policies->PinVersion(d->policy_id, d->policy_version); !st)
                  return respond(ProblemResponse(st.error()));
                struct Pending {
                  std::mutex mu;
                  json results;
                  size_t left;
                  Respond respond;
                };
                auto p = std::make_shared<Pending>();
                p->results = json::array();
                p->left = targets.size();
                p->respond = respond;
                for (size_t i = 0; i < targets.size(); ++i) p->results.push_back(nullptr);
                auto finish = [p](size_t i, json r) {
                  std::lock_guard lock(p->mu);
                  p->results[i] = std::move(r);
                  if (--p->left == 0) p->respond(Json(200, {{"results", p->results}}));
                };
                auto rtx = s.store->BeginRead();
                for (size_t i = 0; i < targets.size(); ++i) {
                  const json& t = targets[i];
                  std::string where = "cases[" + std::to_string(i) + "]";
                  if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer() ||
                      !t.contains("case_version") || !t["case_version"].is_number_integer()) {
                    finish(i, {{"status", 422}, {"error", intake::Problem(Error::Invalid(where, "needs id and case_version"))}});
                    continue;
                  }
                  int64_t id = t["id"];
                  auto c = rtx->GetCase(id);
                  if (!c) {
                    finish(i, {{"id", id}, {"status", 404}, {"error", intake::Problem(Error::NotFound("no case " + std::to_string(id)))}});
                    continue;
                  }
                  if (!MayAccessQueue(ctx.principal, *s.Queues(), c->queue)) {
                    finish(i, {{"id", id}, {"status", 403}, {"error", intake::Problem(Error::Forbidden("queue not served by your teams"))}});
                    continue;
                  }
                  cases::DecisionInput one = d.value();
                  one.case_version = t["case_version"];
                  s.cases->Decide(ctx.principal, id, std::move(one), [finish, i, id](Result<json> r) {
                    if (r) return finish(i, {{"id", id}, {"status", 201}, {"decision", r.value()}});
                    finish(i, {{"id", id}, {"status", HttpStatus(r.error().code)}, {"error", intake::Problem(r.error())}});
                  });
                }
              }});
  server.Add({"POST", "/v1/cases/{id}/appeals", {Role::kIntegration, Role::kSenior, Role::kAdmin},
              false, false, 0,
              "File an appeal (DSA Art. 20) for the affected user against a restriction or for "
              "the notifier against a decision not to act: {appellant: {role, id}, grounds, "
              "decision_id?}. The case reopens in the appeals queue.",
              "appeals", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                auto in = cases::ParseAppeal(body.value());
                if (!in) return respond(ProblemResponse(in.error()));
                auto c = VisibleCase(s, ctx, *s.store->BeginRead(), respond);
                if (!c) return;
                s.appeals->File(ctx.principal, c->id, std::move(in.value()), Reply(respond, 201));
              }});
  server.Add({"POST", "/v1/appeals/{id}/decide", kReviewers, false, false, 0,
              "Decide an appeal: {outcome: upheld|overturned, explanation, case_version, "
              "actions?}. Not by the original decider; overturning records a reversal.",
              "appeals", [&s](Context& ctx, Respond respond) {
                auto id = IdParam(ctx, "id");
                if (!id) return respond(ProblemResponse(id.error()));
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                auto in = cases::ParseAppealDecision(body.value());
                if (!in) return respond(ProblemResponse(in.error()));
                if (auto visible = VisibleQueues(ctx.principal, *s.Queues());
                    visible && std::find(visible->begin(), visible->end(), "appeals") == visible->end())
                  return respond(ProblemResponse(Error::Forbidden("the appeals queue is not served by your teams")));
                s.appeals->Decide(ctx.principal, *id, std::move(in.value()), Reply(respond, 200));
              }});
  server.Add({"POST", "/v1/cases/{id}/notices:preview", kReviewers, false, false, 0,
              "Preview the notices a decision would send (outcome to each notifier, statement of "
              "reasons to the affected user) without saving anything. Body: a decision.",
              "cases", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                json b = body.value();
                if (!b.contains("case_version")) b["case_version"] = 0;
                auto d = cases::ParseDecision(b);
                if (!d) return respond(ProblemResponse(d.error()));
                auto rtx = s.store->BeginRead();
                auto c = VisibleCase(s, ctx, *rtx, respond);
                if (!c) return;
                Millis now = s.clock->Now();
                json arr = json::array();
                for (const auto& n : cases::DecisionNotices(*s.cases->notices().Get(),
                                                            rtx->LoadCaseSignals(c->id, now, /*track_record=*/false),
                                                            s.taxonomy, c->content_id, d.value(), now))
                  arr.push_back({{"kind", n.kind}, {"to", n.to}, {"language", n.language},
                                 {"subject", n.subject}, {"body", n.body}});
                respond(Json(200, {{"notices", arr}}));
              }});
  server.Add({"POST", "/v1/cases/{id}/escalate", kReviewers, false, false, 0,
              "Escalate to a tier (senior, legal, engineering, child_safety, ...) with a hand-off "
              "note and the tier's structured fields; the case moves to the tier's queue.",
              "cases", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                const json& b = body.value();
                for (const auto& [k, v] : b.items())
                  if (k != "tier" && k != "note" && k != "fields" && k != "case_version")
                    return respond(ProblemResponse(Error::Invalid(k, "unknown field")));
                if (!b.contains("tier") || !b["tier"].is_string())
                  return respond(ProblemResponse(Error::Invalid("tier", "is required")));
                if (!b.contains("note") || !b["note"].is_string() ||
                    b["note"].get_ref<const std::string&>().empty())
                  return respond(ProblemResponse(Error::Invalid("note", "a hand-off note is required")));
                if (b["note"].get_ref<const std::string&>().size() > 5000)
                  return respond(ProblemResponse(Error::Invalid("note", "is longer than 5000 bytes")));
                if (!b.contains("case_version") || !b["case_version"].is_number_integer())
                  return respond(ProblemResponse(Error::Invalid("case_version", "is required")));
                json fields = b.contains("fields") ? b["fields"] : json::object();
                auto queues = s.Queues();
                std::string tier = b["tier"];
                const auto* t = queues->FindTier(tier);
                if (!t) return respond(ProblemResponse(Error::Invalid("tier", "unknown tier '" + tier.substr(0, 40) + "'")));
                if (auto st = queues->ValidateHandoff(tier, fields); !st)
                  return respond(ProblemResponse(st.error()));
                auto c = VisibleCase(s, ctx, *s.store->BeginRead(), respond);
                if (!c) return;
                s.cases->Escalate(ctx.principal, c->id, b["case_version"].get<int64_t>(), tier,
                                  t->queue, b["note"], fields, Reply(respond, 200));
              }});
  server.Add({"GET", "/v1/cases/{id}/guidance", kCaseReaders, false, false, 0,
              "Guided review: every running policy that applies to the case walked now, with the "
              "question the case waits on (guidance and choices), the answers recorded, and at a "
              "leaf the proposed decision.",
              "cases", [&s](Context& ctx, Respond respond) {
                auto rtx = s.store->BeginRead();
                auto c = VisibleCase(s, ctx, *rtx, respond);
                if (!c) return;
                auto g = automation::Guidance(*rtx, *s.policies, s.taxonomy, c->id, s.clock->Now());
                respond(g ? Json(200, g.value()) : ProblemResponse(g.error()));
              }});
  server.Add({"POST", "/v1/cases/{id}/answers", kReviewers, false, false, 0,
              "Answer the question a policy waits on: {policy, version?, question, answer}. "
              "Recorded as policy.answered; answers the next question or, at a leaf, the "
              "proposed decision to send to /decisions.",
              "cases", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                auto in = automation::ParseAnswer(body.value());
                if (!in) return respond(ProblemResponse(in.error()));
                auto rtx = s.store->BeginRead();
                auto c = VisibleCase(s, ctx, *rtx, respond);
                if (!c) return;
                auto prepared = automation::PrepareAnswer(*rtx, *s.policies, s.taxonomy, c->id,
                                                          std::move(in.value()), s.clock->Now());
                rtx.reset();
                if (!prepared) return respond(ProblemResponse(prepared.error()));
                auto a = std::make_shared<automation::PreparedAnswer>(std::move(prepared.value()));
                s.writer->Submit(
                    [a, &s, actor = ctx.principal.Actor()](store::WriteTx& tx) -> Status {
                      automation::RecordAnswer(tx, *a, actor, s.clock->Now());
                      return OkStatus();
                    },
                    [a, respond](const Status& st) {
                      respond(st ? Json(200, a->response) : ProblemResponse(st.error()));
                    });
              }});
  server.Add({"POST", "/v1/cases/{id}/handback", {Role::kSenior, Role::kLegal, Role::kAdmin},
              false, false, 0,
              "Hand an escalated case back to the queue it came from, with a note.", "cases",
              [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                const json& b = body.value();
                for (const auto& [k, v] : b.items())
                  if (k != "note" && k != "case_version")
                    return respond(ProblemResponse(Error::Invalid(k, "unknown field")));
                if (!b.contains("note") || !b["note"].is_string() ||
                    b["note"].get_ref<const std::string&>().empty())
                  return respond(ProblemResponse(Error::Invalid("note", "a hand-back note is required")));
                if (!b.contains("case_version") || !b["case_version"].is_number_integer())
                  return respond(ProblemResponse(Error::Invalid("case_version", "is required")));
                auto c = VisibleCase(s, ctx, *s.store->BeginRead(), respond);
                if (!c) return;
                s.cases->HandBack(ctx.principal, c->id, b["case_version"].get<int64_t>(),
                                  b["note"], Reply(respond, 200));
              }});
  server.Add({"POST", "/v1/cases/{id}/comments", kCaseReaders, false, false, 0,
              "Add an internal comment; @name mentions must name existing users.", "cases",
              [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                const json& b = body.value();
                for (const auto& [k, v] : b.items())
                  if (k != "text") return respond(ProblemResponse(Error::Invalid(k, "unknown field")));
                if (!b.contains("text") || !b["text"].is_string() ||
                    b["text"].get_ref<const std::string&>().empty())
                  return respond(ProblemResponse(Error::Invalid("text", "is required")));
                const std::string& text = b["text"].get_ref<const std::string&>();
                if (text.size() > 10000)
                  return respond(ProblemResponse(Error::Invalid("text", "is longer than 10000 bytes")));
                auto rtx = s.store->BeginRead();
                auto c = VisibleCase(s, ctx, *rtx, respond);
                if (!c) return;
                std::vector<std::string> mentions;
                for (size_t i = text.find('@'); i != std::string::npos; i = text.find('@', i + 1)) {
                  size_t j = i + 1;
                  while (j < text.size() && (std::islower(static_cast<unsigned char>(text[j])) ||
                                             std::isdigit(static_cast<unsigned char>(text[j])) ||
                                             text[j] == '.' || text[j] == '_' || text[j] == '-'))
                    ++j;
                  std::string name = text.substr(i + 1, j - i - 1);
                  while (!name.empty() && name.back() == '.') name.pop_back();  // end of sentence
                  if (name.empty()) continue;
                  if (!rtx->FindUserByName(name))
                    return respond(ProblemResponse(Error::Invalid("text", "@" + name + " is not a user")));
                  if (std::find(mentions.begin(), mentions.end(), name) == mentions.end())
                    mentions.push_back(name);
                }
                s.cases->Comment(ctx.principal, c->id, text, mentions, Reply(respond, 201));
              }});
  server.Add({"POST", "/v1/accounts/{id}/suspension", {Role::kSenior, Role::kAdmin}, false, false, 0,
              "Act on a pending suspension proposal: {decision: suspend|dismiss, duration "
              "(to suspend, e.g. 30d), explanation}. Suspending sends account.suspended and a "
              "statement of reasons.",
              "cases", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                auto d = cases::ParseSuspensionDecision(body.value());
                if (!d) return respond(ProblemResponse(d.error()));
                cases::DecideSuspension(*s.writer, s.cases->notices(), *s.clock, ctx.principal,
                                        ctx.Param("id"), std::move(d.value()),
                                        [o = s.outbox.get()] { o->Wake(); }, Reply(respond, 200));
              }});
  server.Add({"GET", "/v1/queues", kCaseReaders, false, true, 0,  // counts: ~50 ms a million
              "The queues you serve with depth, claimed cases, oldest open case, SLA windows and "
              "the counts of open cases on time, near breach and breached as of the last SLA sweep "
              "(sla.as_of; all null until the first sweep after a start has finished); the "
              "escalation tiers with the hand-off fields each requires.",
              "cases", [&s](Context& ctx, Respond respond) {
                auto queues = s.Queues();
                auto visible = VisibleQueues(ctx.principal, *queues);
                Millis now = s.clock->Now();
                std::map<std::string, store::QueueStats> stats;
                for (auto& st : s.store->BeginRead()->OpenQueueStats(now)) stats[st.queue] = st;
                auto sla = s.sla->Counts();
                json arr = json::array();
                for (const auto& q : queues->queues()) {
                  if (visible && std::find(visible->begin(), visible->end(), q.name) == visible->end())
                    continue;
                  const auto& st = stats[q.name];
                  json qj = {{"name", q.name}, {"title", q.title}, {"teams", q.teams},
                             {"open", st.open}, {"claimed", st.claimed},
                             {"sla_default", {{"first_action_ms", q.default_sla.first_action},
                                              {"resolution_ms", q.default_sla.resolution}}}};
                  // Counts of the last SLA sweep, and when they were evaluated; null before
                  // the first sweep after a start has finished (unknown, not zero).
                  if (sla.as_of) {
                    const auto& counts = sla.queues[q.name];
                    qj["sla"] = {{"ok", counts.ok},
                                 {"near_breach", counts.near_breach},
                                 {"breached", counts.breached},
                                 {"as_of", FormatIso8601(*sla.as_of)}};
                  } else {
                    qj["sla"] = {{"ok", nullptr},
                                 {"near_breach", nullptr},
                                 {"breached", nullptr},
                                 {"as_of", nullptr}};
                  }
                  if (st.oldest_opened_at) {
                    qj["oldest_opened_at"] = FormatIso8601(*st.oldest_opened_at);
                    qj["oldest_age_ms"] = now - *st.oldest_opened_at;
                  }
                  arr.push_back(std::move(qj));
                }
                respond(Json(200, {{"queues", arr}, {"tiers", TiersJson(*queues)}}));
              }});
  AddConfigFileRoutes(server, "/v1/queues/config", "queues.yaml",
                      "queues.yaml as in force: queues, teams, SLAs, routing rules and escalation tiers.",
                      "Replace queues.yaml: {yaml}. Validated against the taxonomy first (422 naming the "
                      "path and line, nothing changed); in force at once; a config.updated event.",
                      [&s] { return s.QueuesText(); },
                      [&s](const std::string& t, const std::string& a) { return s.SaveQueues(t, a); });
  AddConfigFileRoutes(server, "/v1/taxonomy/config", "taxonomy.yaml",
                      "taxonomy.yaml as in force: reason codes with title, DSA category and severity.",
                      "Replace taxonomy.yaml: {yaml}. Codes in force cannot be removed and queues.yaml "
                      "must stay valid (422 naming the field, nothing changed); in force at once for "
                      "new flags and priority; a config.updated event.",
                      [&s] { return s.TaxonomyText(); },
                      [&s](const std::string& t, const std::string& a) { return s.SaveTaxonomy(t, a); });
  server.Add({"POST", "/v1/queues:reload", kAdminOnly, false, true, 0,
              "Reload queues.yaml (routing, SLAs, tiers); an invalid file changes nothing and "
              "the error names the path and line.",
              "admin", [&s](Context&, Respond respond) {
                if (auto st = s.ReloadQueues(); !st) return respond(ProblemResponse(st.error()));
                respond(Json(200, {{"reloaded", true}, {"queues", s.Queues()->queues().size()}}));
              }});
}

Result<std::vector<std::string>> StringList(const json& b, const char* key) {
  std::vector<std::string> out;
  if (!b.contains(key)) return out;
  if (!b[key].is_array()) return Error::Invalid(key, "must be a list of strings");
  for (const auto& v : b[key]) {
    if (!v.is_string()) return Error::Invalid(key, "must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

void AddAdminRoutes(Server& server, Services& s) {
  const std::set<Role> kNoticeEditors = {Role::kSenior, Role::kLegal, Role::kAdmin};
  server.Add({"GET", "/v1/notices", kNoticeEditors, false, false, 0,
              "The notice templates in force (notices.yaml), with the kinds, placeholders and "
              "actions they may use.",
              "admin", [&s](Context&, Respond respond) {
                json actions = json::array();
                for (const char* a : kActionTypes) actions.push_back(a);
                respond(Json(200, {{"yaml", s.NoticeTemplatesText()},
                                   {"kinds", notify::NoticeKinds()},
                                   {"variables", notify::NoticeVariables()},
                                   {"actions", actions}}));
              }});
  server.Add({"POST", "/v1/notices:preview", kNoticeEditors, false, false, 0,
              "Render a notice from templates being edited: {yaml (optional: the ones in "
              "force), kind, language, action, variables (optional; samples otherwise)}. An "
              "invalid text is a 422 naming where.",
              "admin", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                const json& b = body.value();
                for (const auto& [k, v] : b.items())
                  if (k != "yaml" && k != "kind" && k != "language" && k != "action" &&
                      k != "variables")
                    return respond(ProblemResponse(Error::Invalid(k, "unknown field")));
                for (const char* k : {"yaml", "kind", "language", "action"})
                  if (b.contains(k) && !b[k].is_string())
                    return respond(ProblemResponse(Error::Invalid(k, "must be a string")));
                std::string kind = b.value("kind", "");
                const auto& kinds = notify::NoticeKinds();
                if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
                  return respond(ProblemResponse(Error::Invalid("kind", "must be one of the notice kinds")));
                std::shared_ptr<const notify::NoticeTemplates> templates;
                if (b.contains("yaml")) {
                  auto t = notify::NoticeTemplates::FromYaml(b["yaml"].get<std::string>());
                  if (!t) {
                    Error e = t.error();
                    e.field = "yaml." + e.field;
                    return respond(ProblemResponse(e));
                  }
                  templates = std::make_shared<const notify::NoticeTemplates>(std::move(t.value()));
                } else {
                  templates = s.cases->notices().Get();
                }
                auto vars = notify::SampleNoticeVariables();
                if (b.contains("variables")) {
                  if (!b["variables"].is_object())
                    return respond(ProblemResponse(Error::Invalid("variables", "must be an object of strings")));
                  for (const auto& [k, v] : b["variables"].items()) {
                    if (!v.is_string())
                      return respond(ProblemResponse(Error::Invalid("variables." + k, "must be a string")));
                    vars[k] = v.get<std::string>();
                  }
                }
                auto n = templates->Render(kind, b.value("language", "en"), vars, b.value("action", ""));
                if (!n) return respond(ProblemResponse(n.error()));
                respond(Json(200, {{"kind", n->kind}, {"language", n->language},
                                   {"subject", n->subject}, {"body", n->body}}));
              }});
  server.Add({"PUT", "/v1/notices", kAdminOnly, false, true, 0,
              "Replace notices.yaml: {yaml}. Validated first (422 naming where, nothing "
              "changed); in force at once for new notices; a config.updated event.",
              "admin", [&s](Context& ctx, Respond respond) {
                PutConfigText(ctx, respond, "notices.yaml", [&s](const std::string& t, const std::string& a) {
                  return s.SaveNoticeTemplates(t, a);
                });
              }});
  server.Add({"GET", "/v1/users", kAdminOnly, false, false, 0, "List users.", "admin",
              [&s](Context&, Respond respond) {
                auto rtx = s.store->BeginRead();
                json arr = json::array();
                for (const auto& u : rtx->ListUsers()) arr.push_back(UserJson(u));
                respond(Json(200, {{"users", arr}}));
              }});
  server.Add({"POST", "/v1/users", kAdminOnly, false, true, 0,
              "Create a user: name, role, password (omit for integration clients), teams.",
              "admin", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                const json& b = body.value();
                for (const auto& [k, v] : b.items())
                  if (k != "name" && k != "role" && k != "password" && k != "teams")
                    return respond(ProblemResponse(Error::Invalid(k, "unknown field")));
                auth::NewUser u;
                if (!b.contains("name") || !b["name"].is_string())
                  return respond(ProblemResponse(Error::Invalid("name", "is required")));
                u.name = b["name"];
                if (!b.contains("role") || !b["role"].is_string() || !ParseRole(b["role"].get<std::string>()))
                  return respond(ProblemResponse(Error::Invalid(
                      "role", "must be one of agent, senior, qa, legal, engineering, admin, integration")));
                u.role = *ParseRole(b["role"].get<std::string>());
                if (b.contains("password")) {
                  if (!b["password"].is_string())
                    return respond(ProblemResponse(Error::Invalid("password", "must be a string")));
                  u.password = b["password"];
                }
                auto teams = StringList(b, "teams");
                if (!teams) return respond(ProblemResponse(teams.error()));
                u.teams = teams.value();
                auto row = s.accounts->CreateUser(ctx.principal, u);
                if (!row) return respond(ProblemResponse(row.error()));
                respond(Json(201, UserJson(row.value())));
              }});
  for (bool disable : {true, false}) {
    server.Add({"POST", disable ? "/v1/users/{name}/disable" : "/v1/users/{name}/enable",
                kAdminOnly, false, true, 0,
                disable ? "Disable a user: their sessions and tokens stop working at once."
                        : "Enable a disabled user.",
                "admin", [&s, disable](Context& ctx, Respond respond) {
                  if (auto st = s.accounts->SetDisabled(ctx.principal, ctx.Param("name"), disable);
                      !st)
                    return respond(ProblemResponse(st.error()));
                  respond(Json(200, {{"name", ctx.Param("name")}, {"disabled", disable}}));
                }});
  }
  server.Add({"POST", "/v1/webhooks", kAdminOnly, false, true, 0,
              "Register an enforcement webhook: {url, events: [decision.made, ...] or [\"*\"] (an "
              "unknown type is refused, the 422 listing the known ones), "
              "secret (optional; generated and shown once)}. Deliveries are signed "
              "(Vigil-Signature: t=..,v1=HMAC-SHA256(secret, t.body)).",
              "admin", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                const json& b = body.value();
                for (const auto& [k, v] : b.items())
                  if (k != "url" && k != "events" && k != "secret")
                    return respond(ProblemResponse(Error::Invalid(k, "unknown field")));
                store::WebhookRow w;
                w.url = b.value("url", "");
                w.secret = b.contains("secret") && b["secret"].is_string() ? b["secret"].get<std::string>()
                                                                           : auth::NewSecret("whsec_");
                if (w.secret.size() < 16)
                  return respond(ProblemResponse(Error::Invalid("secret", "must be at least 16 characters")));
                auto events = StringList(b, "events");
                if (!events) return respond(ProblemResponse(events.error()));
                w.events = events.value();
                if (w.events.empty()) w.events = {"*"};
                // A misspelt type would be a subscription that never fires: name it instead.
                const auto& known = notify::WebhookEventTypes();
                for (size_t i = 0; i < w.events.size(); ++i) {
                  const std::string& e = w.events[i];
                  if (e == "*" ? w.events.size() == 1
                               : std::find(known.begin(), known.end(), e) != known.end())
                    continue;
                  std::string all;
                  for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
                  return respond(ProblemResponse(Error::Invalid(
                      "events[" + std::to_string(i) + "]",
                      e == "*" ? "\"*\" stands alone"
                               : "unknown event type '" + e + "'; one of *, " + all)));
                }
                if (auto st = notify::ValidateTarget({w.url, w.secret, 5000}); !st)
                  return respond(ProblemResponse(st.error()));
                w.created_at = s.clock->Now();
                Status st = s.writer->Run([&](store::WriteTx& tx) -> Status {
                  w.id = tx.InsertWebhook(w);
                  events::Event e;
                  e.type = "webhook.created";
                  e.subject = "webhook:" + std::to_string(w.id);
                  e.actor = ctx.principal.Actor();
                  e.ts = w.created_at;
                  e.payload = json{{"url", w.url}, {"events", w.events}}.dump();
                  tx.AppendEvent(e);
                  return OkStatus();
                });
                if (!st) return respond(ProblemResponse(st.error()));
                respond(Json(201, {{"id", w.id}, {"url", w.url}, {"events", w.events},
                                   {"secret", w.secret}}));
              }});
  server.Add({"GET", "/v1/webhooks", kAdminOnly, false, false, 0,
              "List webhooks (without their secrets).", "admin",
              [&s](Context&, Respond respond) {
                json arr = json::array();
                for (const auto& w : s.store->BeginRead()->ListWebhooks())
                  arr.push_back({{"id", w.id}, {"url", w.url}, {"events", w.events},
                                 {"disabled", w.disabled},
                                 {"created_at", FormatIso8601(w.created_at)}});
                respond(Json(200, {{"webhooks", arr}}));
              }});
  server.Add({"GET", "/v1/webhooks/deliveries", kAdminOnly, false, false, 0,
              "Webhook deliveries by status (?status=pending|delivered|dead): attempts, last "
              "HTTP status and error, and the payload sent.",
              "admin", [&s](Context& ctx, Respond respond) {
                auto it = ctx.req.query.find("status");
                std::string status = it == ctx.req.query.end() ? "dead" : it->second;
                if (status != "pending" && status != "delivered" && status != "dead")
                  return respond(ProblemResponse(Error::Invalid("status", "must be pending, delivered or dead")));
                json arr = json::array();
                for (const auto& o : s.store->BeginRead()->ListOutbox(status, 500)) {
                  json oj = {{"id", o.id}, {"delivery_id", "dlv_" + std::to_string(o.id)},
                             {"webhook_id", o.webhook_id}, {"event_type", o.event_type},
                             {"status", o.status}, {"attempts", o.attempts},
                             {"created_at", FormatIso8601(o.created_at)},
                             {"next_attempt_at", FormatIso8601(o.next_attempt_at)}};
                  if (o.last_status) oj["last_status"] = *o.last_status;
                  if (!o.last_error.empty()) oj["last_error"] = o.last_error;
                  if (o.delivered_at) oj["delivered_at"] = FormatIso8601(*o.delivered_at);
                  oj["payload"] = json::parse(o.body, nullptr, false);
                  arr.push_back(std::move(oj));
                }
                respond(Json(200, {{"deliveries", arr}}));
              }});
  server.Add({"POST", "/v1/webhooks/deliveries/{id}/replay", kAdminOnly, false, true, 0,
              "Put a dead-lettered delivery back in line (same delivery id).", "admin",
              [&s](Context& ctx, Respond respond) {
                auto id = IdParam(ctx, "id");
                if (!id) return respond(ProblemResponse(id.error()));
                if (auto st = s.outbox->Replay(ctx.principal, *id); !st)
                  return respond(ProblemResponse(st.error()));
                respond(Json(200, {{"id", *id}, {"status", "pending"}}));
              }});
  server.Add({"GET", "/v1/tokens", kAdminOnly, false, false, 0,
              "List a user's API tokens (never the secrets): ?user=NAME.", "admin",
              [&s](Context& ctx, Respond respond) {
                auto it = ctx.req.query.find("user");
                if (it == ctx.req.query.end())
                  return respond(ProblemResponse(Error::Invalid("user", "is required")));
                auto rtx = s.store->BeginRead();
                auto u = rtx->FindUserByName(it->second);
                if (!u) return respond(ProblemResponse(Error::NotFound("no user " + it->second)));
                json arr = json::array();
                for (const auto& t : rtx->ListTokens(u->id)) {
                  json tj = {{"id", t.id}, {"label", t.label}, {"created_at", FormatIso8601(t.created_at)}};
                  if (t.revoked_at) tj["revoked_at"] = FormatIso8601(*t.revoked_at);
                  arr.push_back(tj);
                }
                respond(Json(200, {{"tokens", arr}}));
              }});
  server.Add({"POST", "/v1/tokens", kAdminOnly, false, true, 0,
              "Create an API token for a user ({user, label}); the token is shown only once.",
              "admin", [&s](Context& ctx, Respond respond) {
                auto body = JsonBody(ctx.req);
                if (!body) return respond(ProblemResponse(body.error()));
                const json& b = body.value();
                for (const auto& [k, v] : b.items())
                  if (k != "user" && k != "label")
                    return respond(ProblemResponse(Error::Invalid(k, "unknown field")));
                if (!b.contains("user") || !b["user"].is_string())
                  return respond(ProblemResponse(Error::Invalid("user", "is required")));
                std::string label = b.value("label", "");
                auto t = s.accounts->CreateToken(ctx.principal, b["user"], label);
                if (!t) return respond(ProblemResponse(t.error()));
                respond(Json(201, {{"id", t->id}, {"token", t->token}}));
              }});
  server.Add({"DELETE", "/v1/tokens/{id}", kAdminOnly, false, true, 0,
              "Revoke an API token at once.", "admin", [&s](Context& ctx, Respond respond) {
                auto id = IdParam(ctx, "id");
                if (!id) return respond(ProblemResponse(id.error()));
                if (auto st = s.accounts->RevokeToken(ctx.principal, *id); !st)
                  return respond(ProblemResponse(st.error()));
                respond(Json(200, {{"id", *id}, {"revoked", true}}));
              }});
}

}  // namespace

std::optional<std::vector<std::string>> VisibleQueues(const auth::Principal& p,
                                                      const cases::QueueConfig& queues) {
  if (p.role != Role::kAgent) return std::nullopt;
  return queues.QueuesForTeams(p.teams);
}

void AddApiRoutes(Server& server, Services& s) {
  // People and integrations using the server hold back the automation's backlog catch-up.
  server.SetActivityHook([w = s.writer.get()] { w->NoteActivity(); });
  AddConsoleRoutes(server, s);  // GET / and the console's files, GET /v1/stream
  server.Add({"GET", "/healthz", {}, true, false, 0, "Liveness and storage check.", "meta",
              [&s](Context&, Respond respond) {
                auto rtx = s.store->BeginRead();
                // The newest sequence number, not a count: counting scans the whole log, which
                // at millions of events made the liveness probe itself slow.
                respond(Json(200, {{"status", "ok"}, {"last_event_seq", rtx->LastEventSeq()}}));
              }});
  // For the operators' monitoring (a Prometheus scrape with an engineering, admin or integration
  // token): request rates and latency per route, the writer's commits and fsync latency, what
  // waits for it, automation's progress, open cases per queue and the outbox. Blocking: the
  // per-queue count reads every open case's index entry.
  server.Add({"GET", "/metrics", {Role::kEngineering, Role::kAdmin, Role::kIntegration}, false,
              true, 0,
              "Operational metrics in the Prometheus text format (version 0.0.4).", "meta",
              [&s, &server](Context&, Respond respond) {
                std::string out;
                out.reserve(16384);
                server.WriteMetrics(out);
                if (s.writer) s.writer->WriteMetrics(out);
                if (s.automation) {
                  auto st = s.automation->stats();
                  metrics::Family(out, "vigil_automation_total", "counter",
                                  "Automation's work since start, by kind.");
                  for (auto [kind, n] :
                       {std::pair{"analysed", st.analysed}, {"cases_evaluated", st.cases_evaluated},
                        {"evaluations_recorded", st.evaluations_recorded},
                        {"decisions", st.decisions}, {"escalations", st.escalations},
                        {"routed", st.routed}})
                    metrics::Sample(out, "vigil_automation_total",
                                    std::string("kind=\"") + kind + "\"", static_cast<double>(n));
                }
                auto rtx = s.store->BeginRead();
                metrics::Family(out, "vigil_event_log_last_seq", "gauge",
                                "Sequence number of the newest event in the log.");
                metrics::Sample(out, "vigil_event_log_last_seq", "",
                                static_cast<double>(rtx->LastEventSeq()));
                const Millis now = s.clock->Now();
                auto queues = rtx->OpenQueueStats(now);
                // One gauge per queue; queues without a value (no open case) are left out.
                auto per_queue = [&](const char* name, const char* help, auto value) {
                  metrics::Family(out, name, "gauge", help);
                  for (const auto& q : queues)
                    if (std::optional<double> v = value(q))
                      metrics::Sample(out, name, "queue=\"" + metrics::LabelValue(q.queue) + "\"", *v);
                };
                per_queue("vigil_open_cases", "Open cases by queue.",
                          [](const store::QueueStats& q) { return std::optional<double>(q.open); });
                per_queue("vigil_claimed_cases",
                          "Open cases a reviewer holds a live claim on, by queue.",
                          [](const store::QueueStats& q) { return std::optional<double>(q.claimed); });
                per_queue("vigil_oldest_open_case_age_seconds", "Age of the oldest open case, by queue.",
                          [now](const store::QueueStats& q) {
                            return q.oldest_opened_at
                                       ? std::optional<double>((now - *q.oldest_opened_at) / 1000.0)
                                       : std::nullopt;
                          });
                metrics::Family(out, "vigil_outbox_messages", "gauge",
                                "Webhook and notice deliveries waiting (pending) or given up "
                                "after the retries (dead, replayable by an admin).");
                for (const char* st : {"pending", "dead"})
                  metrics::Sample(out, "vigil_outbox_messages",
                                  std::string("status=\"") + st + "\"",
                                  static_cast<double>(rtx->CountOutbox(st)));
                Response r;
                r.status = 200;
                r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                r.body = std::move(out);
                respond(std::move(r));
              }});
  server.Add({"GET", "/v1/openapi.json", {}, true, false, 0, "This API's OpenAPI 3.1 document.",
              "meta", [&server](Context&, Respond respond) {
                respond(Json(200, OpenApiDocument(server)));
              }});
  AddAuthRoutes(server, s);
  AddPreferenceRoutes(server, s);
  AddIntakeRoutes(server, s);
  AddReadRoutes(server, s);
  AddWorkflowRoutes(server, s);
  AddAnalysisRoutes(server, s);
  AddBacktestRoutes(server, s);
  AddPolicyRoutes(server, s);
  if (s.test_clock) {
    server.Add({"POST", "/v1/test/clock", kAdminOnly, false, true, 0,
                "Testing only (vigil serve --test-clock): move the clock forward by {advance: "
                "\"2h\"} and run an SLA sweep.",
                "test", [&s](Context& ctx, Respond respond) {
                  auto body = JsonBody(ctx.req);
                  if (!body) return respond(ProblemResponse(body.error()));
                  const json& b = body.value();
                  auto d = b.contains("advance") && b["advance"].is_string()
                               ? ParseDuration(b["advance"].get<std::string>())
                               : std::nullopt;
                  if (!d) return respond(ProblemResponse(Error::Invalid("advance", "must be a duration such as 2h")));
                  s.test_clock->Advance(*d);
                  auto swept = s.sla->Sweep();
                  if (!swept) return respond(ProblemResponse(swept.error()));
                  respond(Json(200, {{"now", FormatIso8601(s.clock->Now())},
                                     {"breaches_recorded", swept.value()}}));
                }});
  }
  AddAdminRoutes(server, s);
}

}  // namespace vigil::http
