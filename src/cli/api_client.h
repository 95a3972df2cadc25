// A small blocking HTTP/1.1 client for CLI commands that work through a running server's API
// (`vigil case ...`), so they obey the same role checks, validation and events as the console.
// Only plain http to a host:port (the API listens on loopback or behind a TLS proxy).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace vigil::cli {

struct ApiResponse {
  int status = 0;
  nlohmann::json body;  // parsed JSON, or null when the body is not JSON
};

class ApiClient {
 public:
  // `server`: "http://host:port" or "host:port".
  static Result<ApiClient> Connect(const std::string& server, std::string token);

  Result<ApiResponse> Get(const std::string& target) const;
  Result<ApiResponse> Post(const std::string& target, const nlohmann::json& body) const;

 private:
  Result<ApiResponse> Send(const std::string& method, const std::string& target,
                           const std::string& body) const;
  std::string host_, port_, token_;
};

// The problem+json of a failed response as "field: detail" (or the status line).
std::string ProblemText(const ApiResponse& r);

}  // namespace vigil::cli
