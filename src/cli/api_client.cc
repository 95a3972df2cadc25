#include "cli/api_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vigil::cli {

namespace asio = boost::asio;
namespace http = boost::beast::http;

Result<ApiClient> ApiClient::Connect(const std::string& server, std::string token) {
  std::string hostport = server;
  if (hostport.rfind("http://", 0) == 0) hostport = hostport.substr(7);
  if (hostport.rfind("https://", 0) == 0)
    return Error::Invalid("--server", "https is not supported here; use the loopback address");
  while (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == hostport.size())
    return Error::Invalid("--server", "must be http://host:port, got '" + server + "'");
  if (token.empty())
    return Error::Invalid("--token", "is required (or set VIGIL_TOKEN); create one with "
                                     "`vigil token create`");
  ApiClient c;
  c.host_ = hostport.substr(0, colon);
  c.port_ = hostport.substr(colon + 1);
  c.token_ = std::move(token);
  return c;
}

Result<ApiResponse> ApiClient::Get(const std::string& target) const {
  return Send("GET", target, "");
}

Result<ApiResponse> ApiClient::Post(const std::string& target, const nlohmann::json& body) const {
  return Send("POST", target, body.dump());
}

Result<ApiResponse> ApiClient::Send(const std::string& method, const std::string& target,
                                    const std::string& body) const {
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    boost::beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(resolver.resolve(host_, port_));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::authorization, "Bearer " + token_);
    req.set(http::field::user_agent, "vigil-cli");
    if (method != "GET") {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    boost::system::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    ApiResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = nlohmann::json::parse(res.body(), nullptr, false);
    if (out.body.is_discarded()) out.body = nullptr;
    return out;
  } catch (const boost::system::system_error& e) {
    return Error{ErrorCode::kUnavailable, "--server",
                 "cannot reach " + host_ + ":" + port_ + ": " + e.code().message()};
  }
}

std::string ProblemText(const ApiResponse& r) {
  if (r.body.is_object() && r.body.contains("detail") && r.body["detail"].is_string())
    return r.body["detail"].get<std::string>() + " (HTTP " + std::to_string(r.status) + ")";
  return "HTTP " + std::to_string(r.status);
}

}  // namespace vigil::cli
