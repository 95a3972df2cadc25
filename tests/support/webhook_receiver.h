// A local HTTP server standing in for a platform's webhook receiver in tests: it records every
// request (delivery id, event, signature, body) and answers with scripted statuses.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "support/test_support.h"

namespace vigil::testing {

// A one-thread HTTP receiver answering with scripted statuses (200 once the script runs out).
class Receiver {
 public:
  struct Hit {
    std::string delivery_id, event, signature, body;
  };
  Receiver() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~Receiver() {
    stopping_ = true;
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  void Script(std::deque<int> statuses) {
    std::lock_guard lock(mu_);
    script_ = std::move(statuses);
  }
  std::vector<Hit> hits() {
    std::lock_guard lock(mu_);
    return hits_;
  }

 private:
  void Serve() {
    while (!stopping_) {
      boost::asio::ip::tcp::socket sock(io_);
      boost::system::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec || stopping_) continue;
      boost::beast::flat_buffer buf;
      boost::beast::http::request<boost::beast::http::string_body> req;
      boost::beast::http::read(sock, buf, req, ec);
      if (ec) continue;
      int status = 200;
      {
        std::lock_guard lock(mu_);
        hits_.push_back({std::string(req["Vigil-Delivery-Id"]), std::string(req["Vigil-Event"]),
                         std::string(req["Vigil-Signature"]), req.body()});
        if (!script_.empty()) {
          status = script_.front();
          script_.pop_front();
        }
      }
      boost::beast::http::response<boost::beast::http::string_body> res{static_cast<boost::beast::http::status>(status), 11};
      res.body() = "ok";
      res.prepare_payload();
      boost::beast::http::write(sock, res, ec);
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::deque<int> script_;
  std::vector<Hit> hits_;
  std::thread thread_;
};

template <typename Pred>
bool WaitFor(Pred pred) {
  for (int i = 0; i < 150; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace vigil::testing
