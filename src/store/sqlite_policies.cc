// Policy versions in SQLite: the queries the write and read halves share.
#include "store/sqlite_internal.h"

namespace vigil::store {

std::optional<PolicyStateRow> QueryPolicyState(SqliteConn& db, const std::string& policy_id) {
  auto s = db.Prepare(
      "SELECT id, latest_version, active_version, shadow_version FROM policies WHERE id = ?1");
  s.Bind(1, policy_id);
  if (!s.Step()) return std::nullopt;
  return PolicyStateRow{s.Text(0), static_cast<int>(s.Int(1)), static_cast<int>(s.Int(2)),
                        static_cast<int>(s.Int(3))};
}

std::vector<PolicyStateRow> QueryPolicies(SqliteConn& db) {
  std::vector<PolicyStateRow> out;
  auto s = db.Prepare(
      "SELECT id, latest_version, active_version, shadow_version FROM policies ORDER BY id");
  while (s.Step())
    out.push_back({s.Text(0), static_cast<int>(s.Int(1)), static_cast<int>(s.Int(2)),
                   static_cast<int>(s.Int(3))});
  return out;
}

std::vector<PolicyVersionRow> QueryPolicyVersions(SqliteConn& db, const std::string& policy_id,
                                                  int version, bool with_text) {
  std::vector<PolicyVersionRow> out;
  // Statements are cached by the address of their text: one literal per shape.
#define VIGIL_POLICY_VERSION_FROM \
  ", author, reason, created_at FROM policy_versions WHERE policy_id = ?1 "
  const char* sql =
      version > 0 ? "SELECT policy_id, version, yaml" VIGIL_POLICY_VERSION_FROM "AND version = ?2"
      : with_text ? "SELECT policy_id, version, yaml" VIGIL_POLICY_VERSION_FROM
                    "ORDER BY version DESC LIMIT 1"
                  : "SELECT policy_id, version, ''" VIGIL_POLICY_VERSION_FROM "ORDER BY version";
#undef VIGIL_POLICY_VERSION_FROM
  auto s = db.Prepare(sql);
  s.Bind(1, policy_id);
  if (version > 0) s.Bind(2, version);
  while (s.Step())
    out.push_back(PolicyVersionRow{s.Text(0), static_cast<int>(s.Int(1)), s.Text(2), s.Text(3),
                                   s.Text(4), s.Int(5)});
  return out;
}

int InsertPolicyVersionRow(SqliteConn& db, const PolicyVersionRow& v, int64_t event_seq) {
  auto state = QueryPolicyState(db, v.policy_id);
  int version = state ? state->latest_version + 1 : 1;
  db.Prepare(
        "INSERT INTO policy_versions(policy_id, version, yaml, author, reason, created_at, "
        "event_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
      .Bind(1, v.policy_id)
      .Bind(2, version)
      .Bind(3, v.yaml)
      .Bind(4, v.author)
      .Bind(5, v.reason)
      .Bind(6, v.created_at)
      .Bind(7, event_seq)
      .Exec();
  if (state)
    db.Prepare("UPDATE policies SET latest_version = ?2 WHERE id = ?1")
        .Bind(1, v.policy_id)
        .Bind(2, version)
        .Exec();
  else
    db.Prepare("INSERT INTO policies(id, latest_version) VALUES (?1, ?2)")
        .Bind(1, v.policy_id)
        .Bind(2, version)
        .Exec();
  return version;
}

void ActivatePolicyRow(SqliteConn& db, const std::string& policy_id, int version, Millis now) {
  db.Prepare("UPDATE policies SET active_version = ?2 WHERE id = ?1")
      .Bind(1, policy_id)
      .Bind(2, version)
      .Exec();
  db.Prepare("INSERT INTO policy_activations(policy_id, version, activated_at) VALUES (?1, ?2, ?3)")
      .Bind(1, policy_id)
      .Bind(2, version)
      .Bind(3, now)
      .Exec();
}

std::optional<int> RollBackPolicyRow(SqliteConn& db, const std::string& policy_id) {
  auto s = db.Prepare(
      "SELECT id, version FROM policy_activations WHERE policy_id = ?1 AND rolled_back = 0 "
      "ORDER BY id DESC LIMIT 2");
  s.Bind(1, policy_id);
  std::vector<std::pair<int64_t, int>> rows;
  while (s.Step()) rows.emplace_back(s.Int(0), static_cast<int>(s.Int(1)));
  if (rows.size() < 2) return std::nullopt;
  db.Prepare("UPDATE policy_activations SET rolled_back = 1 WHERE id = ?1")
      .Bind(1, rows[0].first)
      .Exec();
  db.Prepare("UPDATE policies SET active_version = ?2 WHERE id = ?1")
      .Bind(1, policy_id)
      .Bind(2, rows[1].second)
      .Exec();
  return rows[1].second;
}

void SetPolicyShadowRow(SqliteConn& db, const std::string& policy_id, int version) {
  auto s = db.Prepare("UPDATE policies SET shadow_version = ?2 WHERE id = ?1");
  s.Bind(1, policy_id);
  if (version > 0)
    s.Bind(2, version);
  else
    s.BindNull(2);
  s.Exec();
}

}  // namespace vigil::store
