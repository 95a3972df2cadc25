// A scripted local HTTP server for tests of outbound HTTP clients (the external classifier): it
// listens on 127.0.0.1 on a free port, answers each request with the next scripted step (status,
// body, delay) or the default one, and records what it was sent. Each connection is served on a
// thread of its own, so a deliberately slow answer does not hold up the next request.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace vigil::testing {

class ScriptedEndpoint {
  using tcp = boost::asio::ip::tcp;

 public:
  struct Step {
    int status = 200;
    std::string body;
    int delay_ms = 0;
  };

  ScriptedEndpoint() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    loop_ = std::thread([this] { Accept(); });
  }
  ~ScriptedEndpoint() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket wake(io_);
    wake.connect({boost::asio::ip::make_address("127.0.0.1"), port()}, ec);  // unblocks accept()
    loop_.join();
    for (auto& t : connections_) t.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  void Push(Step s) {
    std::lock_guard lock(mu_);
    steps_.push_back(std::move(s));
  }
  void SetDefault(Step s) {
    std::lock_guard lock(mu_);
    default_ = std::move(s);
  }
  int requests() const { return requests_.load(); }
  nlohmann::json last_body() const {
    std::lock_guard lock(mu_);
    return nlohmann::json::parse(last_body_, nullptr, false);
  }
  std::string last_authorization() const {
    std::lock_guard lock(mu_);
    return last_auth_;
  }

 private:
  void Accept() {
    while (!stop_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) break;
      connections_.emplace_back([this, s = std::move(socket)]() mutable { Serve(std::move(s)); });
    }
  }
  void Serve(tcp::socket socket) {
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> req;
    boost::beast::http::read(socket, buffer, req, ec);
    if (ec) return;
    ++requests_;
    Step step;
    {
      std::lock_guard lock(mu_);
      last_body_ = req.body();
      last_auth_ = std::string(req[boost::beast::http::field::authorization]);
      if (steps_.empty()) {
        step = default_;
      } else {
        step = steps_.front();
        steps_.pop_front();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(step.delay_ms));
    boost::beast::http::response<boost::beast::http::string_body> res{
        static_cast<boost::beast::http::status>(step.status), 11};
    res.set(boost::beast::http::field::content_type, "application/json");
    res.body() = step.body;
    res.prepare_payload();
    boost::beast::http::write(socket, res, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread loop_;
  std::vector<std::thread> connections_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::deque<Step> steps_;
  Step default_{200, "{}"};
  std::string last_body_, last_auth_;
};

}  // namespace vigil::testing
