// Accounts and access: argon2id password hashes, random API tokens (256 bits, stored only as a
// BLAKE2b hash), console sessions with CSRF tokens, and the Principal every request acts as.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/domain.h"
#include "core/error.h"
#include "store/store.h"

namespace vigil::auth {

// Who is acting. `actor` is what events record: "user:3", "token:5" (with the user), "cli".
struct Principal {
  enum class Kind { kSession, kToken, kCli } kind = Kind::kCli;
  int64_t user_id = 0;
  std::string user_name;
  Role role = Role::kAdmin;
  std::vector<std::string> teams;
  int64_t token_id = 0;
  int64_t session_id = 0;
  std::string csrf;  // for sessions: the token state-changing requests must echo

  std::string Actor() const;
  static Principal Cli();
};

std::string HashPassword(const std::string& password);  // argon2id, libsodium's encoded string
bool VerifyPassword(const std::string& hash, const std::string& password);
std::string NewSecret(const char* prefix);  // prefix + 43 chars of base64url (256 random bits)
std::string HashSecret(const std::string& secret);  // BLAKE2b-256, raw bytes

// Resolves bearer tokens and session cookies to principals. Results are cached for at most one
// second; every revocation made through this process clears the cache at once.
class Authenticator {
 public:
  Authenticator(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}
  Result<Principal> FromBearer(const std::string& token);
  Result<Principal> FromSession(const std::string& cookie_value);
  void InvalidateAll();

 private:
  struct Cached {
    Principal p;
    Millis until;
  };
  std::optional<Principal> Lookup(const std::string& key);
  void Remember(const std::string& key, const Principal& p);

  store::Store& store_;
  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;
};

// Validates a user name: 1..64 chars of [a-z0-9._-].
Status ValidateUserName(const std::string& name);
Status ValidatePassword(const std::string& password);

}  // namespace vigil::auth
