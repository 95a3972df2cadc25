// The HTTP/1.1 server (Boost.Beast over Asio): keep-alive connections, a route table with the
// roles allowed on each route, authentication (bearer token or session cookie + CSRF header),
// body limits enforced from the headers before the body is read (413), and problem+json errors.
// Handlers answer through a callback, so a handler can wait for a group commit without holding
// an I/O thread; handlers marked blocking run on a small worker pool instead.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "auth/accounts.h"
#include "auth/auth.h"
#include "core/config.h"
#include "core/error.h"

namespace vigil::http {

struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote;
  std::string Header(const std::string& lower_name) const;
};

// A long-lived text/event-stream response (server-sent events). After the headers the server
// calls `poll` every `interval` on the connection's I/O thread and writes what it returns: an
// empty string writes nothing, nullopt ends the stream and closes the connection. The stream also
// ends when the client goes away or the server stops. `poll` must be quick (one short read).
struct EventStream {
  std::chrono::milliseconds interval{500};
  std::function<std::optional<std::string>()> poll;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // a Cache-Control here replaces no-store
  std::shared_ptr<EventStream> stream;  // set: an event stream instead of `body`
};

Response JsonResponse(int status, const std::string& body);
// The value of cookie `name` in a Cookie header, "" when absent.
std::string CookieValue(const std::string& header, const std::string& name);
Response ProblemResponse(const Error& e);

using Respond = std::function<void(Response)>;

struct Context {
  const Request& req;
  auth::Principal principal;
  std::map<std::string, std::string> params;  // path parameters, e.g. {id}
  const std::string& Param(const std::string& name) const { return params.at(name); }
};

struct Route {
  std::string method;
  std::string pattern;     // "/v1/cases/{id}"
  std::set<Role> roles;    // who may call it; ignored when is_public
  bool is_public = false;  // no authentication
  bool blocking = false;   // runs on the worker pool (slow: argon2id, large reads)
  size_t body_limit = 0;   // 0: config.max_body_bytes
  std::string summary;     // for the OpenAPI document
  std::string tag;
  std::function<void(Context&, Respond)> handler;
};

class Server {
 public:
  Server(const Config& config, auth::Authenticator& authn, auth::Accounts& accounts);
  ~Server();
  void Add(Route r);
  // Answers GET/HEAD requests that match no route and are outside /v1/ (the console's assets
  // and its client-side paths). Public: no authentication.
  void SetFallback(std::function<void(const Request&, Respond)> fallback);
  // Called as each request to a route starts (before authentication), on the I/O thread; must be
  // cheap. The server uses it to tell background work that people are using it.
  void SetActivityHook(std::function<void()> hook) { activity_ = std::move(hook); }
  const std::vector<Route>& routes() const { return routes_; }
  // Binds and starts serving on `io_threads` threads. Returns the bound "host:port".
  Result<std::string> Start(const std::string& listen);
  void Stop();  // stops accepting, closes connections, joins threads
  void Wait();  // blocks until Stop
  // Requests answered per route and status class, with their latency from dispatch to answer,
  // in the Prometheus text format (empty before Start).
  void WriteMetrics(std::string& out) const;

  struct Impl;  // defined in server.cc

  // Matching and access checks, exposed for tests of the route table.
  const Route* Match(const std::string& method, const std::string& path,
                     std::map<std::string, std::string>* params, bool* path_known) const;

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> route_segments_;  // each route's pattern, split at '/'
  std::function<void(const Request&, Respond)> fallback_;
  std::function<void()> activity_;
  struct RouteStats;  // one per route, allocated by Start (the routes are fixed from then on)
  std::unique_ptr<RouteStats[]> stats_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::http
