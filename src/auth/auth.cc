#include "auth/auth.h"

#include <sodium.h>

#include <stdexcept>

namespace vigil::auth {

std::string Principal::Actor() const {
  switch (kind) {
    case Kind::kSession: return "user:" + std::to_string(user_id);
    case Kind::kToken:
      return "user:" + std::to_string(user_id) + "/token:" + std::to_string(token_id);
    case Kind::kCli: break;
  }
  return "cli";
}

Principal Principal::Cli() {
  Principal p;
  p.kind = Kind::kCli;
  p.user_name = "cli";
  p.role = Role::kAdmin;
  return p;
}

namespace {
void EnsureSodium() {
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("libsodium failed to initialise");
}
}  // namespace

std::string HashPassword(const std::string& password) {
  EnsureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("argon2id hashing ran out of memory");
  return out;
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  EnsureSodium();
  if (hash.empty()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string NewSecret(const char* prefix) {
  EnsureSodium();
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(prefix) + b64;
}

std::string HashSecret(const std::string& secret) {
  EnsureSodium();
  std::string out(32, '\0');
  crypto_generichash_blake2b(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                             reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                             nullptr, 0);
  return out;
}

std::optional<Principal> Authenticator::Lookup(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  if (it->second.until < clock_.Now()) {
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second.p;
}

void Authenticator::Remember(const std::string& key, const Principal& p) {
  std::lock_guard lock(mu_);
  if (cache_.size() > 100000) cache_.clear();
  cache_[key] = {p, clock_.Now() + 1000};
}

void Authenticator::InvalidateAll() {
  std::lock_guard lock(mu_);
  cache_.clear();
}

Result<Principal> Authenticator::FromBearer(const std::string& token) {
  const Error denied{ErrorCode::kUnauthenticated, "Authorization", "invalid or revoked API token"};
  if (token.empty() || token.size() > 200) return denied;
  std::string key = "t" + HashSecret(token);
  if (auto p = Lookup(key)) return *p;
  auto rtx = store_.BeginRead();
  auto row = rtx->FindActiveToken(key.substr(1));
  if (!row) return denied;
  auto user = rtx->FindUserById(row->user_id);
  if (!user || user->disabled) return denied;
  Principal p;
  p.kind = Principal::Kind::kToken;
  p.user_id = user->id;
  p.user_name = user->name;
  p.role = user->role;
  p.teams = user->teams;
  p.token_id = row->id;
  Remember(key, p);
  return p;
}

Result<Principal> Authenticator::FromSession(const std::string& cookie_value) {
  const Error denied{ErrorCode::kUnauthenticated, "Cookie", "session expired or signed out"};
  if (cookie_value.empty() || cookie_value.size() > 200) return denied;
  std::string key = "s" + HashSecret(cookie_value);
  if (auto p = Lookup(key)) return *p;
  auto rtx = store_.BeginRead();
  auto row = rtx->FindSession(key.substr(1));
  if (!row || row->revoked_at || row->expires_at < clock_.Now()) return denied;
  auto user = rtx->FindUserById(row->user_id);
  if (!user || user->disabled) return denied;
  Principal p;
  p.kind = Principal::Kind::kSession;
  p.user_id = user->id;
  p.user_name = user->name;
  p.role = user->role;
  p.teams = user->teams;
  p.session_id = row->id;
  p.csrf = row->csrf;
  Remember(key, p);
  return p;
}

Status ValidateUserName(const std::string& name) {
  if (name.empty() || name.size() > 64) return Error::Invalid("name", "must be 1 to 64 characters");
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return Error::Invalid("name", "may contain only a-z, 0-9, '.', '_' and '-'");
  return OkStatus();
}

Status ValidatePassword(const std::string& password) {
  if (password.size() < 10) return Error::Invalid("password", "must be at least 10 characters");
  if (password.size() > 1024) return Error::Invalid("password", "must be at most 1024 characters");
  return OkStatus();
}

}  // namespace vigil::auth
