// Managing Vigil's own users, API tokens and console sessions. Every change is an event written
// in the same transaction (user.created, token.created, user.login, user.login_failed, ...).
// These calls wait for the commit: call them from the CLI or a blocking worker, not an I/O thread.
#pragma once

#include <string>
#include <vector>

#include "auth/auth.h"
#include "store/group_commit.h"

namespace vigil::auth {

struct NewUser {
  std::string name;
  Role role = Role::kAgent;
  std::string password;  // empty: no console login (integration clients)
  std::vector<std::string> teams;
};

struct IssuedToken {
  int64_t id = 0;
  std::string token;  // shown once, never stored
};

struct IssuedSession {
  std::string secret;  // the cookie value
  std::string csrf;
  store::UserRow user;
  Millis expires_at = 0;
};

class Accounts {
 public:
  Accounts(store::GroupCommitter& writer, Authenticator* authn, const Clock& clock)
      : writer_(writer), authn_(authn), clock_(clock) {}

  Result<store::UserRow> CreateUser(const Principal& actor, const NewUser& u);
  // Creates the user only when the name is free; returns whether it was created.
  Result<bool> EnsureUser(const Principal& actor, const NewUser& u);
  Result<IssuedToken> CreateToken(const Principal& actor, const std::string& user_name,
                                  const std::string& label);
  Status RevokeToken(const Principal& actor, int64_t token_id);
  Status SetDisabled(const Principal& actor, const std::string& user_name, bool disabled);
  Status SetPassword(const Principal& actor, const std::string& user_name,
                     const std::string& password);
  // Verifies the password (argon2id) and opens a session; failures are recorded as events.
  Result<IssuedSession> Login(const std::string& name, const std::string& password,
                              const std::string& remote, int ttl_hours);
  Status Logout(const Principal& p);
  // Records that `p` was refused `what` (an access.denied event). Does not wait.
  void RecordDenial(const Principal& p, const std::string& what, const std::string& why);

 private:
  void Invalidate() {
    if (authn_) authn_->InvalidateAll();
  }
  store::GroupCommitter& writer_;
  Authenticator* authn_;
  const Clock& clock_;
};

}  // namespace vigil::auth
