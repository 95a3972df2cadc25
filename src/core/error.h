// Errors as values. An Error carries a machine code, the field it concerns (a JSON pointer-ish
// path such as "content.author.id", or empty) and a human message; the HTTP layer turns it into
// application/problem+json with the matching status.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace vigil {

enum class ErrorCode {
  kBadRequest,        // 400: unparseable input (JSON, UTF-8, NUL bytes)
  kUnauthenticated,   // 401
  kForbidden,         // 403
  kNotFound,          // 404
  kConflict,          // 409: stale version, duplicate
  kTooLarge,          // 413
  kInvalid,           // 422: well-formed but semantically invalid
  kRateLimited,       // 429
  kInternal,          // 500
  kUnavailable,       // 503
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string field;
  std::string message;
  int retry_after_s = 0;  // for kRateLimited

  static Error Invalid(std::string field, std::string message) {
    return {ErrorCode::kInvalid, std::move(field), std::move(message)};
  }
  static Error BadRequest(std::string field, std::string message) {
    return {ErrorCode::kBadRequest, std::move(field), std::move(message)};
  }
  static Error NotFound(std::string message) { return {ErrorCode::kNotFound, "", std::move(message)}; }
  static Error Internal(std::string message) { return {ErrorCode::kInternal, "", std::move(message)}; }
  static Error Forbidden(std::string message) { return {ErrorCode::kForbidden, "", std::move(message)}; }
  static Error Conflict(std::string field, std::string message) {
    return {ErrorCode::kConflict, std::move(field), std::move(message)};
  }
};

int HttpStatus(ErrorCode code);
const char* ErrorTitle(ErrorCode code);

// Result<T>: either a value or an Error. Deliberately tiny; std::expected is C++23.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace vigil
