#include "http/console.h"

#include <nlohmann/json.hpp>
#include <set>

#include "http/api.h"

namespace vigil::http {
namespace {

using nlohmann::json;

// Vite puts content-hashed files under /assets/: a changed file gets a new name.
constexpr std::string_view kHashedPrefix = "/assets/";
// An event stream ends after this long; the browser's EventSource reconnects on its own, which
// authenticates again.
constexpr Millis kStreamLifetimeMs = 5 * 60 * 1000;
constexpr Millis kHeartbeatMs = 15 * 1000;
constexpr Millis kRecheckCredentialsMs = 10 * 1000;
constexpr int kMaxEventsPerPoll = 2000;

std::string_view ContentType(std::string_view path) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
      {".json", "application/json"},         {".png", "image/png"},
      {".ico", "image/x-icon"},              {".woff2", "font/woff2"},
      {".map", "application/json"},          {".txt", "text/plain; charset=utf-8"}};
  for (const auto& [ext, type] : kTypes)
    if (path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext) return type;
  return "application/octet-stream";
}

Response AssetResponse(const ConsoleAsset& a) {
  Response r;
  r.content_type = std::string(ContentType(a.path));
  r.body.assign(reinterpret_cast<const char*>(a.data), a.size);
  bool hashed = std::string_view(a.path).substr(0, kHashedPrefix.size()) == kHashedPrefix;
  r.headers.emplace_back("Cache-Control",
                         hashed ? "public, max-age=31536000, immutable" : "no-cache");
  return r;
}

Response IndexResponse() {
  const ConsoleAsset* index = FindConsoleAsset("/index.html");
  if (!index) return ProblemResponse(Error::NotFound("the console was not built into this binary"));
  return AssetResponse(*index);
}

// A file of the console; any other path is one of the console's own pages, so index.html answers
// it, except under /assets/ where a missing file is a 404 (a stale page asking for an old bundle).
void ServeConsole(const Request& req, const Respond& respond) {
  if (const ConsoleAsset* a = FindConsoleAsset(req.path)) return respond(AssetResponse(*a));
  if (req.path.rfind(kHashedPrefix, 0) == 0)
    return respond(ProblemResponse(Error::NotFound("no console file " + req.path)));
  respond(IndexResponse());
}

// The case an event concerns, 0 when none: "case:N" events and flags (whose payload names it).
int64_t CaseOfEvent(const events::Event& e) {
  if (e.subject.rfind("case:", 0) == 0) return std::stoll(e.subject.substr(5));
  if (e.subject.rfind("flag:", 0) == 0) {
    auto p = json::parse(e.payload, nullptr, false);
    if (p.is_object() && p.contains("case_id") && p["case_id"].is_number_integer())
      return p["case_id"].get<int64_t>();
  }
  return 0;
}

// Polls the event log for changes to cases the principal may see and frames them as SSE
// `change` events: {"seq": last seq seen, "cases": [ids]}. Clients refetch what they show.
class ChangeFeed {
 public:
  ChangeFeed(Services& s, auth::Principal principal, std::map<std::string, std::string> headers)
      : s_(s), principal_(std::move(principal)), headers_(std::move(headers)) {
    started_ = last_write_ = last_auth_ = s_.clock->Now();
    last_seq_ = s_.store->BeginRead()->LastEventSeq();
  }

  std::string Hello() const {
    return "retry: 2000\nevent: hello\ndata: " + json{{"seq", last_seq_}}.dump() + "\n\n";
  }

  std::optional<std::string> Poll() {
    Millis now = s_.clock->Now();
    if (now - started_ > kStreamLifetimeMs || !StillAuthenticated(now)) return std::nullopt;
    std::set<int64_t> touched;
    auto rtx = s_.store->BeginRead();
    int seen = 0;
    rtx->ScanEvents(last_seq_ + 1, [&](events::Event& e) {
      last_seq_ = std::max(last_seq_, e.seq);
      if (int64_t id = CaseOfEvent(e)) touched.insert(id);
      return ++seen < kMaxEventsPerPoll;
    });
    auto visible = VisibleQueues(principal_, *s_.Queues());
    json ids = json::array();
    for (int64_t id : touched) {
      if (visible) {
        auto c = rtx->GetCase(id);
        if (!c || std::find(visible->begin(), visible->end(), c->queue) == visible->end()) continue;
      }
      ids.push_back(id);
    }
    if (!ids.empty()) {
      last_write_ = now;
      return "event: change\ndata: " + json{{"seq", last_seq_}, {"cases", ids}}.dump() + "\n\n";
    }
    if (now - last_write_ > kHeartbeatMs) {
      last_write_ = now;
      return std::string(": heartbeat\n\n");
    }
    return std::string();
  }

 private:
  // A revoked session or token, or a disabled user, ends the stream within seconds.
  bool StillAuthenticated(Millis now) {
    if (now - last_auth_ < kRecheckCredentialsMs) return true;
    last_auth_ = now;
    auto h = [&](const char* name) {
      auto it = headers_.find(name);
      return it == headers_.end() ? std::string() : it->second;
    };
    std::string authz = h("authorization");
    if (authz.rfind("Bearer ", 0) == 0) return s_.authn->FromBearer(authz.substr(7)).ok();
    return s_.authn->FromSession(CookieValue(h("cookie"), "vigil_session")).ok();
  }

  Services& s_;
  auth::Principal principal_;
  std::map<std::string, std::string> headers_;
  Millis started_ = 0, last_write_ = 0, last_auth_ = 0;
  int64_t last_seq_ = 0;
};

}  // namespace

const ConsoleAsset* FindConsoleAsset(std::string_view path) {
  for (size_t i = 0; i < kConsoleAssetCount; ++i)
    if (path == kConsoleAssets[i].path) return &kConsoleAssets[i];
  return nullptr;
}

void AddConsoleRoutes(Server& server, Services& s) {
  server.Add({"GET", "/", {}, true, false, 0, "The web console (its other pages fall back here).",
              "meta", [](Context&, Respond respond) { respond(IndexResponse()); }});
  server.Add({"GET", "/v1/stream",
              {Role::kAgent, Role::kSenior, Role::kQa, Role::kLegal, Role::kAdmin}, false, false, 0,
              "Live changes as server-sent events (send Accept: text/event-stream): `change` "
              "events name the cases you may see that changed, about every 500 ms; the stream "
              "ends after 5 minutes (EventSource reconnects).",
              "cases", [&s](Context& ctx, Respond respond) {
                if (ctx.req.Header("accept").find("text/event-stream") == std::string::npos)
                  return respond(ProblemResponse(
                      Error::BadRequest("Accept", "this route only answers text/event-stream")));
                auto feed = std::make_shared<ChangeFeed>(s, ctx.principal, ctx.req.headers);
                Response r;
                r.stream = std::make_shared<EventStream>();
                bool hello_sent = false;
                r.stream->interval = std::chrono::milliseconds(500);
                r.stream->poll = [feed, hello_sent]() mutable -> std::optional<std::string> {
                  if (!hello_sent) {
                    hello_sent = true;
                    return feed->Hello();
                  }
                  return feed->Poll();
                };
                respond(std::move(r));
              }});
  server.SetFallback(ServeConsole);
}

}  // namespace vigil::http
