#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "analysis/normalize.h"  // IsValidUtf8
#include "core/metrics.h"
#include "core/thread_name.h"
#include "intake/intake.h"

namespace vigil::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
// Each connection runs on its own strand. The concrete executor type, not Asio's type-erased
// any_io_executor: that one is copied into every asynchronous operation, and each copy of a
// strand held in it allocated.
using Strand = asio::strand<asio::io_context::executor_type>;
using StrandSocket = asio::basic_stream_socket<tcp, Strand>;
using Stream = beast::basic_stream<tcp, Strand>;

std::string Request::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string CookieValue(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while (pos < header.size()) {
    while (pos < header.size() && (header[pos] == ' ' || header[pos] == ';')) ++pos;
    size_t eq = header.find('=', pos);
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    if (eq != std::string::npos && eq < end && header.compare(pos, eq - pos, name) == 0)
      return header.substr(eq + 1, end - eq - 1);
    pos = end + 1;
  }
  return "";
}

Response JsonResponse(int status, const std::string& body) {
  Response r;
  r.status = status;
  r.body = body;
  return r;
}

Response ProblemResponse(const Error& e) {
  Response r;
  r.status = HttpStatus(e.code);
  r.content_type = "application/problem+json";
  r.body = intake::Problem(e).dump();
  if (e.code == ErrorCode::kRateLimited)
    r.headers.emplace_back("Retry-After", std::to_string(std::max(1, e.retry_after_s)));
  if (e.code == ErrorCode::kUnauthenticated)
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"vigil\"");
  return r;
}

namespace {

std::string UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && isxdigit(s[i + 1]) && isxdigit(s[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool IsSafeMethod(const std::string& m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

// A pattern segment "{name}" matches any non-empty path segment.
bool IsParam(std::string_view seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }

}  // namespace

const Route* Server::Match(const std::string& method, const std::string& path,
                           std::map<std::string, std::string>* params, bool* path_known) const {
  auto segs = Segments(path);
  *path_known = false;
  for (size_t k = 0; k < routes_.size(); ++k) {
    const Route& r = routes_[k];
    const std::vector<std::string>& pat = route_segments_[k];
    if (pat.size() != segs.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < pat.size() && ok; ++i) {
      if (IsParam(pat[i])) {
        ok = !segs[i].empty();
      } else {
        ok = pat[i] == segs[i];
      }
    }
    if (!ok) continue;
    *path_known = true;
    if (r.method != method && !(method == "HEAD" && r.method == "GET")) continue;
    if (params) {
      params->clear();
      for (size_t i = 0; i < pat.size(); ++i)
        if (IsParam(pat[i])) (*params)[pat[i].substr(1, pat[i].size() - 2)] = UrlDecode(segs[i]);
    }
    return &r;
  }
  return nullptr;
}

struct Server::RouteStats {
  std::array<std::atomic<uint64_t>, 5> by_class{};  // 1xx..5xx
  metrics::Histogram latency;
};

struct Server::Impl {
  Impl(Server& s, const Config& c, auth::Authenticator& a, auth::Accounts& acc)
      : server(s), config(c), authn(a), accounts(acc), acceptor(io), workers(2) {}

  Server& server;
  const Config& config;
  auth::Authenticator& authn;
  auth::Accounts& accounts;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::thread_pool workers;
  std::vector<std::thread> threads;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopped = false;

  void Accept();
  // Hands an unrouted GET/HEAD outside /v1/ to the fallback; false when it does not apply.
  bool Fallback(const Request& req, const Respond& respond) {
    if (!server.fallback_ || (req.method != "GET" && req.method != "HEAD")) return false;
    if (req.path == "/v1" || req.path.rfind("/v1/", 0) == 0) return false;
    server.fallback_(req, respond);
    return true;
  }
  void Dispatch(std::shared_ptr<Request> req, const Route* route,
                std::map<std::string, std::string> params, Respond respond);
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(StrandSocket socket, Server::Impl& impl)
      : stream_(std::move(socket)), impl_(impl) {}

  void Start() {
    // Once per connection: the peer does not change between its requests (a lookup and an
    // address formatted on every request cost more than the rest of a small request's headers).
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    ReadHeader();
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    // The route's limit is applied once the headers are known (OnHeader); until then Beast must
    // not refuse a large Content-Length by itself, or the client would get no 413.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    stream_.expires_after(std::chrono::seconds(120));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) {
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) {
      if (ec == bhttp::error::header_limit)
        return SendNow(ProblemResponse({ErrorCode::kTooLarge, "headers", "headers too large"}),
                       false);
      return Close();
    }
    auto& h = parser_->get();
    req_ = std::make_shared<Request>();
    req_->method = std::string(h.method_string());
    std::string_view target = h.target();
    size_t q = target.find('?');
    req_->path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) {
      std::string_view qs = target.substr(q + 1);
      size_t i = 0;
      while (i <= qs.size()) {
        size_t amp = qs.find('&', i);
        if (amp == std::string_view::npos) amp = qs.size();
        std::string_view kv = qs.substr(i, amp - i);
        if (!kv.empty()) {
          size_t eq = kv.find('=');
          req_->query[UrlDecode(kv.substr(0, eq))] =
              eq == std::string_view::npos ? "" : UrlDecode(kv.substr(eq + 1));
        }
        i = amp + 1;
      }
    }
    for (const auto& f : h) {
      std::string name(f.name_string());
      for (auto& c : name)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      req_->headers[name] = std::string(f.value());
    }
    req_->remote = remote_;
    keep_alive_ = h.keep_alive();

    bool path_known = false;
    route_ = impl_.server.Match(req_->method, req_->path, &params_, &path_known);
    size_t limit = route_ && route_->body_limit ? route_->body_limit : impl_.config.max_body_bytes;
    if (auto len = parser_->content_length(); len && *len > limit) {
      // Refuse before reading the body; the connection cannot be reused after that.
      return SendNow(ProblemResponse({ErrorCode::kTooLarge, "body",
                                      "body of " + std::to_string(*len) +
                                          " bytes exceeds the limit of " + std::to_string(limit)}),
                     false);
    }
    parser_->body_limit(limit);
    if (beast::iequals(h[bhttp::field::expect], "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      return bhttp::async_write(stream_, *cont,
                                [self = shared_from_this(), cont](beast::error_code wec, size_t) {
                                  if (wec) return self->Close();
                                  self->ReadBody();
                                });
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->OnBody(ec);
                      });
  }

  void OnBody(beast::error_code ec) {
    if (ec == bhttp::error::body_limit)
      return SendNow(ProblemResponse({ErrorCode::kTooLarge, "body", "body exceeds the limit"}),
                     false);
    if (ec) return Close();
    req_->body = std::move(parser_->get().body());
    auto self = shared_from_this();
    // dispatch: a handler that answers at once (on this connection's strand) writes at once; an
    // answer from another thread (after a group commit) is queued to the strand.
    Respond respond = [self](Response r) {
      asio::dispatch(self->stream_.get_executor(), [self, r = std::move(r)]() mutable {
        self->SendNow(std::move(r), self->keep_alive_);
      });
    };
    if (!route_) {
      if (impl_.Fallback(*req_, respond)) return;
      bool known = false;
      std::map<std::string, std::string> unused;
      impl_.server.Match(req_->method, req_->path, &unused, &known);
      return respond(ProblemResponse(
          known ? Error{ErrorCode::kNotFound, "method", req_->method + " is not allowed here"}
                : Error::NotFound("no route for " + req_->path)));
    }
    if (auto bad = BadText(req_->query, "query"); bad) return respond(ProblemResponse(*bad));
    if (auto bad = BadText(params_, "path"); bad) return respond(ProblemResponse(*bad));
    impl_.Dispatch(req_, route_, std::move(params_), std::move(respond));
  }

  // Query parameters and path segments are text for every route: one with invalid UTF-8 or a NUL
  // byte is refused (400) naming it, before any handler sees it.
  static std::optional<Error> BadText(const std::map<std::string, std::string>& values,
                                      const char* where) {
    auto text = [](const std::string& t) {
      return t.find('\0') == std::string::npos && analysis::IsValidUtf8(t);
    };
    for (const auto& [name, value] : values) {
      if (!text(name))
        return Error::BadRequest(where, "a parameter's name has a NUL byte or invalid UTF-8");
      if (!text(value)) return Error::BadRequest(name, "has a NUL byte or invalid UTF-8");
    }
    return std::nullopt;
  }

  void SendNow(Response r, bool keep_alive) {
    if (r.stream && r.status == 200) return StartStream(std::move(r.stream));
    // The status line and headers are written by hand into one string: Beast's fields and
    // serializer cost more instructions than the rest of a small request's handling.
    auto out = std::make_shared<Outgoing>();
    std::string& head = out->head;
    std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    head.reserve(192 + r.content_type.size());
    head += "HTTP/1.1 ";
    head += std::to_string(r.status);
    head += ' ';
    head += reason.empty() ? std::string_view("Status") : reason;
    head += "\r\nServer: vigil\r\nContent-Type: ";
    AppendHeaderValue(head, r.content_type);
    bool own_cache_control = false, own_retry_after = false;
    for (const auto& [k, v] : r.headers) {
      if (beast::iequals(k, "Cache-Control")) own_cache_control = true;
      if (beast::iequals(k, "Retry-After")) own_retry_after = true;
      head += "\r\n";
      AppendHeaderValue(head, k);
      head += ": ";
      AppendHeaderValue(head, v);
    }
    if (!own_cache_control) head += "\r\nCache-Control: no-store";
    // Every refusal to come back later says when (RFC 9110, 10.2.3): a rate limit names its own
    // wait; an unavailable store (a failing disk, a write that failed) asks for a second.
    if (!own_retry_after && (r.status == 429 || r.status == 503)) head += "\r\nRetry-After: 1";
    head += "\r\nX-Content-Type-Options: nosniff";
    // 1xx, 204 and 304 answers carry neither a body nor a Content-Length (RFC 9110, 8.6).
    const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
    if (!bodiless) {
      head += "\r\nContent-Length: ";
      head += std::to_string(r.body.size());
    }
    if (!keep_alive) head += "\r\nConnection: close";
    head += "\r\n\r\n";
    if (!bodiless && !(req_ && req_->method == "HEAD")) out->body = std::move(r.body);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(out->head), asio::buffer(out->body)};
    asio::async_write(stream_, buffers,
                      [self = shared_from_this(), out, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->Close();
                        self->req_.reset();
                        self->ReadHeader();
                      });
  }

  struct Outgoing {
    std::string head;
    std::string body;
  };
  // Header names and values come from the server's own code, but a value may carry user input
  // (a file name): a CR or LF would end the header, so they are dropped.
  static void AppendHeaderValue(std::string& out, std::string_view v) {
    if (v.find_first_of("\r\n") == std::string_view::npos) {
      out += v;
      return;
    }
    for (char c : v)
      if (c != '\r' && c != '\n') out += c;
  }

  // Server-sent events: the headers, then whatever the stream's poll yields, until it ends or a
  // write fails. The body is delimited by closing the connection, so it is never reused.
  void StartStream(std::shared_ptr<EventStream> s) {
    stream_.expires_never();
    timer_.emplace(stream_.get_executor());
    WriteStream(std::make_shared<std::string>(
                    "HTTP/1.1 200 OK\r\nServer: vigil\r\nContent-Type: text/event-stream\r\n"
                    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
                    "Connection: close\r\n\r\n"),
                std::move(s));
  }

  void WriteStream(std::shared_ptr<std::string> chunk, std::shared_ptr<EventStream> s) {
    stream_.expires_after(std::chrono::seconds(30));
    asio::async_write(stream_, asio::buffer(*chunk),
                      [self = shared_from_this(), chunk, s](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        self->PollStream(s);
                      });
  }

  void PollStream(std::shared_ptr<EventStream> s) {
    timer_->expires_after(s->interval);
    timer_->async_wait([self = shared_from_this(), s](beast::error_code ec) {
      if (ec) return self->Close();
      std::optional<std::string> out;
      try {
        out = s->poll();
      } catch (const std::exception& e) {
        spdlog::error("event stream {}: {}", self->req_ ? self->req_->path : "", e.what());
      }
      if (!out) return self->Close();
      if (out->empty()) return self->PollStream(s);
      self->WriteStream(std::make_shared<std::string>(std::move(*out)), s);
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(StrandSocket::shutdown_send, ec);
    stream_.close();
  }

  Stream stream_;
  Server::Impl& impl_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<asio::basic_waitable_timer<std::chrono::steady_clock,
                                           asio::wait_traits<std::chrono::steady_clock>, Strand>>
      timer_;  // paces an event stream
  std::shared_ptr<Request> req_;
  const Route* route_ = nullptr;
  std::map<std::string, std::string> params_;
  std::string remote_;  // the peer's address, "" when unknown
  bool keep_alive_ = true;
};

}  // namespace

void Server::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, StrandSocket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      spdlog::warn("accept: {}", ec.message());
    } else {
      socket.set_option(tcp::no_delay(true));
      std::make_shared<Connection>(std::move(socket), *this)->Start();
    }
    Accept();
  });
}

void Server::Impl::Dispatch(std::shared_ptr<Request> req, const Route* route,
                            std::map<std::string, std::string> params, Respond respond) {
  if (server.activity_) server.activity_();
  if (server.stats_) {
    RouteStats* stats = &server.stats_[static_cast<size_t>(route - server.routes_.data())];
    respond = [stats, start = std::chrono::steady_clock::now(),
               inner = std::move(respond)](Response r) {
      stats->latency.Observe(std::chrono::steady_clock::now() - start);
      stats->by_class[static_cast<size_t>(std::clamp(r.status / 100, 1, 5) - 1)].fetch_add(
          1, std::memory_order_relaxed);
      inner(std::move(r));
    };
  }
  auth::Principal principal;
  if (!route->is_public) {
    std::string authz = req->Header("authorization");
    Result<auth::Principal> who = Error{ErrorCode::kUnauthenticated, "Authorization",
                                       "send 'Authorization: Bearer <token>' or sign in"};
    bool via_session = false;
    if (authz.rfind("Bearer ", 0) == 0) {
      who = authn.FromBearer(authz.substr(7));
    } else if (!authz.empty()) {
      who = Error{ErrorCode::kUnauthenticated, "Authorization", "only Bearer tokens are accepted"};
    } else if (auto cookie = CookieValue(req->Header("cookie"), "vigil_session"); !cookie.empty()) {
      who = authn.FromSession(cookie);
      via_session = true;
    }
    if (!who) return respond(ProblemResponse(who.error()));
    principal = who.value();
    if (!route->roles.count(principal.role)) {
      accounts.RecordDenial(principal, req->method + " " + route->pattern, "role");
      return respond(ProblemResponse(Error::Forbidden(
          "role " + std::string(ToString(principal.role)) + " may not " + req->method + " " +
          route->pattern)));
    }
    if (via_session && !IsSafeMethod(req->method) &&
        req->Header("x-csrf-token") != principal.csrf) {
      accounts.RecordDenial(principal, req->method + " " + route->pattern, "csrf");
      return respond(ProblemResponse(
          {ErrorCode::kForbidden, "X-CSRF-Token", "missing or wrong CSRF token for this session"}));
    }
  }
  auto run = [req, route, params = std::move(params), principal = std::move(principal),
              respond]() mutable {
    Context ctx{*req, std::move(principal), std::move(params)};
    try {
      route->handler(ctx, respond);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", req->method, req->path, e.what());
      respond(ProblemResponse(Error::Internal("internal error; see the server log")));
    }
  };
  if (route->blocking) {
    asio::post(workers, std::move(run));
  } else {
    run();
  }
}

Server::Server(const Config& config, auth::Authenticator& authn, auth::Accounts& accounts)
    : impl_(std::make_unique<Impl>(*this, config, authn, accounts)) {}

Server::~Server() { Stop(); }

void Server::Add(Route r) {
  std::vector<std::string> segs;
  for (std::string_view seg : Segments(r.pattern)) segs.emplace_back(seg);
  route_segments_.push_back(std::move(segs));
  routes_.push_back(std::move(r));
}

void Server::SetFallback(std::function<void(const Request&, Respond)> fallback) {
  fallback_ = std::move(fallback);
}

void Server::WriteMetrics(std::string& out) const {
  if (!stats_) return;
  metrics::Family(out, "vigil_http_requests_total", "counter",
                  "Requests answered, by route and status class.");
  for (size_t i = 0; i < routes_.size(); ++i) {
    const std::string route = "route=\"" + metrics::LabelValue(routes_[i].method + " " + routes_[i].pattern) + "\"";
    for (size_t c = 0; c < 5; ++c) {
      uint64_t n = stats_[i].by_class[c].load(std::memory_order_relaxed);
      if (n > 0)
        metrics::Sample(out, "vigil_http_requests_total",
                        route + ",code=\"" + std::to_string(c + 1) + "xx\"", static_cast<double>(n));
    }
  }
  metrics::Family(out, "vigil_http_request_duration_seconds", "histogram",
                  "Time from dispatch (after the body was read) to the answer, by route.");
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (stats_[i].latency.count() == 0) continue;
    stats_[i].latency.Write(out, "vigil_http_request_duration_seconds",
                            "route=\"" + metrics::LabelValue(routes_[i].method + " " + routes_[i].pattern) + "\"");
  }
}

Result<std::string> Server::Start(const std::string& listen) {
  if (!stats_) stats_ = std::make_unique<RouteStats[]>(routes_.size());
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Error::Invalid("listen", "expected host:port");
  beast::error_code ec;
  auto addr = asio::ip::make_address(listen.substr(0, colon), ec);
  if (ec) return Error::Invalid("listen", "bad address: " + listen.substr(0, colon));
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return Error::Invalid("listen", "bad port");
  }
  if (port < 0 || port > 65535) return Error::Invalid("listen", "bad port");
  tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{ErrorCode::kUnavailable, "listen", "cannot listen on " + listen + ": " + ec.message()};
  impl_->Accept();
  for (int i = 0; i < impl_->config.io_threads; ++i)
    impl_->threads.emplace_back([this] {
      NameThisThread("vigil-http");
      impl_->io.run();
    });
  auto local = acc.local_endpoint();
  return local.address().to_string() + ":" + std::to_string(local.port());
}

void Server::Stop() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->stop_mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->io.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->workers.join();
  impl_->stop_cv.notify_all();
}

void Server::Wait() {
  std::unique_lock lock(impl_->stop_mu);
  impl_->stop_cv.wait(lock, [&] { return impl_->stopped; });
}

}  // namespace vigil::http
