#include "core/error.h"

namespace vigil {

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kInvalid: return 422;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: break;
  }
  return 500;
}

const char* ErrorTitle(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return "Malformed request";
    case ErrorCode::kUnauthenticated: return "Authentication required";
    case ErrorCode::kForbidden: return "Forbidden";
    case ErrorCode::kNotFound: return "Not found";
    case ErrorCode::kConflict: return "Conflict";
    case ErrorCode::kTooLarge: return "Payload too large";
    case ErrorCode::kInvalid: return "Validation failed";
    case ErrorCode::kRateLimited: return "Too many requests";
    case ErrorCode::kUnavailable: return "Service unavailable";
    case ErrorCode::kInternal: break;
  }
  return "Internal error";
}

}  // namespace vigil
