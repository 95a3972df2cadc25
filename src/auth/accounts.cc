#include "auth/accounts.h"

#include <nlohmann/json.hpp>

namespace vigil::auth {
namespace {

using nlohmann::json;

void Append(store::WriteTx& tx, const char* type, std::string subject, const Principal& actor,
            Millis now, const json& payload) {
  events::Event e;
  e.type = type;
  e.subject = std::move(subject);
  e.actor = actor.Actor();
  e.ts = now;
  e.payload = payload.dump();
  tx.AppendEvent(e);
}

std::string UserSubject(int64_t id) { return "user:" + std::to_string(id); }

}  // namespace

Result<store::UserRow> Accounts::CreateUser(const Principal& actor, const NewUser& u) {
  if (auto s = ValidateUserName(u.name); !s) return s.error();
  if (!u.password.empty())
    if (auto s = ValidatePassword(u.password); !s) return s.error();
  store::UserRow row;
  row.name = u.name;
  row.role = u.role;
  row.teams = u.teams;
  row.created_at = clock_.Now();
  if (!u.password.empty()) row.password_hash = HashPassword(u.password);  // slow: outside the tx
  Status st = writer_.Run([&](store::WriteTx& tx) -> Status {
    if (tx.FindUserByName(u.name)) return Error::Conflict("name", "user " + u.name + " exists");
    row.id = tx.InsertUser(row);
    Append(tx, "user.created", UserSubject(row.id), actor, row.created_at,
           {{"name", row.name}, {"role", ToString(row.role)}, {"teams", row.teams},
            {"console_login", !row.password_hash.empty()}});
    return OkStatus();
  });
  if (!st) return st.error();
  return row;
}

Result<bool> Accounts::EnsureUser(const Principal& actor, const NewUser& u) {
  auto r = CreateUser(actor, u);
  if (r) return true;
  if (r.error().code == ErrorCode::kConflict) return false;
  return r.error();
}

Result<IssuedToken> Accounts::CreateToken(const Principal& actor, const std::string& user_name,
                                          const std::string& label) {
  if (label.size() > 200) return Error::Invalid("label", "must be at most 200 characters");
  IssuedToken out;
  out.token = NewSecret("vgl_");
  Status st = writer_.Run([&](store::WriteTx& tx) -> Status {
    auto user = tx.FindUserByName(user_name);
    if (!user) return Error::Invalid("user", "no user named " + user_name);
    if (user->disabled) return Error::Invalid("user", "user " + user_name + " is disabled");
    Millis now = clock_.Now();
    out.id = tx.InsertToken(user->id, HashSecret(out.token), label, now);
    Append(tx, "token.created", "token:" + std::to_string(out.id), actor, now,
           {{"user", user->name}, {"user_id", user->id}, {"label", label}});
    return OkStatus();
  });
  if (!st) return st.error();
  return out;
}

Status Accounts::RevokeToken(const Principal& actor, int64_t token_id) {
  Status st = writer_.Run([&](store::WriteTx& tx) -> Status {
    Millis now = clock_.Now();
    if (!tx.RevokeToken(token_id, now))
      return Error::NotFound("no active token " + std::to_string(token_id));
    Append(tx, "token.revoked", "token:" + std::to_string(token_id), actor, now, json::object());
    return OkStatus();
  });
  Invalidate();
  return st;
}

Status Accounts::SetDisabled(const Principal& actor, const std::string& user_name, bool disabled) {
  Status st = writer_.Run([&](store::WriteTx& tx) -> Status {
    auto user = tx.FindUserByName(user_name);
    if (!user) return Error::NotFound("no user named " + user_name);
    Millis now = clock_.Now();
    tx.SetUserDisabled(user->id, disabled);
    int64_t revoked = disabled ? tx.RevokeUserSessions(user->id, now) : 0;
    Append(tx, disabled ? "user.disabled" : "user.enabled", UserSubject(user->id), actor, now,
           {{"name", user->name}, {"sessions_revoked", revoked}});
    return OkStatus();
  });
  Invalidate();
  return st;
}

Status Accounts::SetPassword(const Principal& actor, const std::string& user_name,
                             const std::string& password) {
  if (auto s = ValidatePassword(password); !s) return s;
  std::string hash = HashPassword(password);
  Status st = writer_.Run([&](store::WriteTx& tx) -> Status {
    auto user = tx.FindUserByName(user_name);
    if (!user) return Error::NotFound("no user named " + user_name);
    Millis now = clock_.Now();
    tx.SetUserPassword(user->id, hash);
    int64_t revoked = tx.RevokeUserSessions(user->id, now);
    Append(tx, "user.password_set", UserSubject(user->id), actor, now,
           {{"name", user->name}, {"sessions_revoked", revoked}});
    return OkStatus();
  });
  Invalidate();
  return st;
}

Result<IssuedSession> Accounts::Login(const std::string& name, const std::string& password,
                                      const std::string& remote, int ttl_hours) {
  std::optional<store::UserRow> user;
  {
    // Read first: argon2id verification is slow and must not hold the write transaction.
    auto rtx = writer_.Run([&](store::WriteTx& tx) -> Status {
      user = tx.FindUserByName(name);
      return OkStatus();
    });
    if (!rtx) return rtx.error();
  }
  bool ok = user && !user->disabled && VerifyPassword(user->password_hash, password);
  IssuedSession out;
  Status st = writer_.Run([&](store::WriteTx& tx) -> Status {
    Millis now = clock_.Now();
    if (!ok) {
      Principal anon = Principal::Cli();
      events::Event e;
      e.type = "user.login_failed";
      e.subject = user ? UserSubject(user->id) : "user:unknown";
      e.actor = "anonymous";
      e.ts = now;
      e.payload = json{{"name", name.substr(0, 64)}, {"remote", remote},
                       {"reason", !user ? "unknown user"
                                        : user->disabled ? "user disabled" : "wrong password"}}
                      .dump();
      tx.AppendEvent(e);
      return OkStatus();
    }
    out.secret = NewSecret("vgs_");
    out.csrf = NewSecret("");
    out.user = *user;
    out.expires_at = now + int64_t{ttl_hours} * 3'600'000;
    int64_t sid = tx.InsertSession(user->id, HashSecret(out.secret), out.csrf, now, out.expires_at);
    Principal p;
    p.kind = Principal::Kind::kSession;
    p.user_id = user->id;
    p.session_id = sid;
    Append(tx, "user.login", UserSubject(user->id), p, now,
           {{"session_id", sid}, {"remote", remote}});
    return OkStatus();
  });
  if (!st) return st.error();
  if (!ok) return Error{ErrorCode::kUnauthenticated, "password", "wrong user name or password"};
  return out;
}

Status Accounts::Logout(const Principal& p) {
  if (p.kind != Principal::Kind::kSession)
    return Error::Invalid("session", "logout needs a console session");
  Status st = writer_.Run([&](store::WriteTx& tx) -> Status {
    Millis now = clock_.Now();
    tx.RevokeSession(p.session_id, now);
    Append(tx, "user.logout", UserSubject(p.user_id), p, now, {{"session_id", p.session_id}});
    return OkStatus();
  });
  Invalidate();
  return st;
}

void Accounts::RecordDenial(const Principal& p, const std::string& what, const std::string& why) {
  Millis now = clock_.Now();
  std::string actor = p.Actor();
  std::string payload = json{{"request", what}, {"reason", why}, {"role", ToString(p.role)}}.dump();
  writer_.Submit(
      [actor, payload, now, user_id = p.user_id](store::WriteTx& tx) -> Status {
        events::Event e;
        e.type = "access.denied";
        e.subject = "user:" + std::to_string(user_id);
        e.actor = actor;
        e.ts = now;
        e.payload = payload;
        tx.AppendEvent(e);
        return OkStatus();
      },
      [](const Status&) {});
}

}  // namespace vigil::auth
