#include "load.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>
#include <limits>

namespace vigil::bench {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(net::io_context& ioc, tcp::endpoint ep, Phase& phase, std::string token,
       std::unique_ptr<Script> script)
      : stream_(ioc),
        timer_(ioc),
        ep_(ep),
        phase_(phase),
        auth_("Bearer " + std::move(token)),
        script_(std::move(script)) {}

  void Start() { Connect(); }

 private:
  bool Over() const {
    if (phase_.timed) return Clock::now() >= phase_.end;
    return phase_.requests_left == 0;
  }

  void Connect() {
    if (Over()) return;
    stream_.expires_after(std::chrono::seconds(10));
    stream_.async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Fail("connect: " + ec.message());
      self->stream_.socket().set_option(tcp::no_delay(true), ec);
      self->Send();
    });
  }

  void Fail(const std::string& what) {
    phase_.TransportError(what);
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    if (Over()) return;
    timer_.expires_after(std::chrono::milliseconds(50));
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->Connect(); });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  void Send() {
    if (Over()) return Close();
    std::optional<Request> next = script_->Next();
    if (!next) return Close();
    cur_ = std::move(*next);
    if (cur_.not_before > Clock::now()) {  // paced: wait for its time
      timer_.expires_at(cur_.not_before);
      timer_.async_wait([self = shared_from_this()](beast::error_code) { self->Write(); });
      return;
    }
    Write();
  }

  void Write() {
    if (Over()) return Close();
    measured_ = true;  // timed phases decide at completion instead
    if (!phase_.timed) {
      --phase_.requests_left;
      if (phase_.warmup_left > 0) {
        --phase_.warmup_left;
        measured_ = false;
      }
    }
    req_ = {};
    req_.method(cur_.method == "GET" ? http::verb::get : http::verb::post);
    req_.target(cur_.target);
    req_.version(11);
    req_.set(http::field::host, "127.0.0.1:" + std::to_string(ep_.port()));
    req_.set(http::field::authorization, auth_);
    if (req_.method() == http::verb::post) {
      req_.set(http::field::content_type, "application/json");
      req_.body() = cur_.body;
    }
    req_.keep_alive(true);
    req_.prepare_payload();
    parser_.emplace();
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    sent_at_ = cur_.not_before == Clock::time_point{} ? Clock::now() : cur_.not_before;
    if (measured_ && !phase_.timed && phase_.first_measured_send == Clock::time_point{})
      phase_.first_measured_send = sent_at_;
    stream_.expires_after(std::chrono::seconds(60));
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Fail("write: " + ec.message());
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](beast::error_code ec2, size_t) { self->OnResponse(ec2); });
    });
  }

  void OnResponse(beast::error_code ec) {
    if (ec) return Fail("read " + cur_.kind + ": " + ec.message());
    auto now = Clock::now();
    auto& res = parser_->get();
    int status = static_cast<int>(res.result_int());
    // Timed phases: latency of every request sent inside the window, including those that
    // complete after it (a slow server must not hide its slowest requests); rates count the
    // completions inside the window.
    bool measured = phase_.timed ? sent_at_ >= phase_.measure_start : measured_;
    bool in_window = phase_.timed ? (now >= phase_.measure_start && now <= phase_.end) : measured_;
    if (status != cur_.expect) phase_.Unexpected(cur_.kind, status, res.body());
    if (measured) {
      phase_.kinds[cur_.kind].ms.push_back(
          std::chrono::duration<double, std::milli>(now - sent_at_).count());
      phase_.last_measured_done = std::max(phase_.last_measured_done, now);
    }
    script_->OnResponse(cur_, status, res.body(), in_window);
    if (!res.keep_alive()) {
      beast::error_code ignored;
      stream_.socket().close(ignored);
      buffer_.clear();
      return Connect();
    }
    Send();
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  tcp::endpoint ep_;
  Phase& phase_;
  std::string auth_;
  std::unique_ptr<Script> script_;
  Request cur_;
  bool measured_ = false;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::string_body>> parser_;
  Clock::time_point sent_at_;
};

}  // namespace

void KindStats::Sort() { std::sort(ms.begin(), ms.end()); }

double KindStats::P(double q) const {
  if (ms.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(ms.size()));
  return ms[std::min(i, ms.size() - 1)];
}

double Phase::MeasuredSeconds() const {
  if (timed) return std::chrono::duration<double>(end - measure_start).count();
  return std::chrono::duration<double>(last_measured_done - first_measured_send).count();
}

void Phase::Unexpected(const std::string& kind, int status, std::string_view body) {
  ++unexpected;
  ++unexpected_by[kind + " " + std::to_string(status)];
  if (samples.size() < 5)
    samples.push_back(kind + " " + std::to_string(status) + ": " +
                      std::string(body.substr(0, 300)));
}

void Phase::TransportError(const std::string& what) {
  ++transport_errors;
  if (error_samples.size() < 5) error_samples.push_back(what);
}

bool Phase::Report() const {
  if (unexpected == 0 && transport_errors == 0) return true;
  std::cout << "  !! " << name << ": " << unexpected << " unexpected statuses";
  for (const auto& [what, n] : unexpected_by) std::cout << " [" << what << "]x" << n;
  std::cout << ", " << transport_errors << " transport errors\n";
  for (const auto& s : samples) std::cout << "     sample: " << s << "\n";
  for (const auto& s : error_samples) std::cout << "     error: " << s << "\n";
  return false;
}

void RunPhase(Phase& phase, int port, const std::vector<std::string>& tokens,
              const ScriptFactory& make_script, int seconds) {
  net::io_context ioc{1};
  tcp::endpoint ep(net::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(port));
  phase.timed = seconds > 0;
  if (phase.timed) {
    phase.measure_start = Clock::now() + std::chrono::seconds(1);
    phase.end = phase.measure_start + std::chrono::seconds(seconds);
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::make_shared<Conn>(ioc, ep, phase, tokens[i], make_script(static_cast<int>(i), phase))
        ->Start();
  }
  ioc.run();  // returns once every connection has stopped
  for (auto& [kind, st] : phase.kinds) st.Sort();
}

}  // namespace vigil::bench
