// What notifiers experience (DSA Art. 16(4) and 23(2)): a confirmation of receipt when they gave
// contact details, and, when they keep sending manifestly unfounded notices, a warning first and
// then a period in which their notices are deprioritized, visible in their reporter profile.
#include <gtest/gtest.h>

#include "support/workflow_fixture.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

class NotifierTest : public WorkflowTest {
 protected:
  std::string ExtraConfig() const override {
    return "misuse:\n  warn_at: 2\n  deprioritize_at: 3\n  deprioritize_days: 10\n";
  }

  void Subscribe(const json& events) {
    auto admin = Client(admin_);
    ASSERT_EQ(admin->PostJson("/v1/webhooks", {{"url", "http://127.0.0.1:9/none"},
                                               {"events", events}})
                  .status,
              201);
  }

  // Outbox messages of one type, whatever their delivery state.
  std::vector<json> Outbox(const std::string& type) {
    auto admin = Client(admin_);
    std::vector<json> out;
    for (const char* status : {"pending", "dead", "delivered"}) {
      json page = admin->Get(std::string("/v1/webhooks/deliveries?status=") + status).json();
      for (const auto& d : page["deliveries"])
        if (d["event_type"] == type) out.push_back(d["payload"]);
    }
    return out;
  }

  json Decide(int64_t id, json body) {
    auto admin = Client(admin_);
    body["case_version"] = Case(id)["version"];
    auto r = admin->PostJson("/v1/cases/" + std::to_string(id) + "/decisions", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }

  json Reporter(const std::string& id) {
    auto admin = Client(admin_);
    return admin->Get("/v1/accounts/" + id).json()["reporter"];
  }
};

TEST_F(NotifierTest, NotifiersWithContactDetailsGetAReceipt) {
  Subscribe({"notice.receipt"});
  json flag = SampleFlag("rc-1", "with-contact");
  flag["reporter"]["contact"] = {{"email", "wc@example.org"}, {"name", "W. C."}};
  flag["content"]["language"] = "de";
  int64_t case_id = Flag(flag);
  Flag(SampleFlag("rc-2", "no-contact"));  // no contact details: nothing to confirm to
  Flag(flag);                              // the same notice again: deduplicated, no second receipt
  auto receipts = Outbox("notice.receipt");
  ASSERT_EQ(receipts.size(), 1u);
  const json& r = receipts[0];
  EXPECT_EQ(r["kind"], "receipt");
  EXPECT_EQ(r["to"], "notifier:with-contact");
  EXPECT_EQ(r["contact"]["email"], "wc@example.org");
  EXPECT_EQ(r["language"], "de");
  EXPECT_EQ(r["case_id"], case_id);
  EXPECT_NE(r["subject"].get<std::string>().find("rc-1"), std::string::npos) << r.dump();

  // Imports are history, not new notices: they confirm nothing.
  std::string file = tmp_.Join("import.ndjson");
  json imported = SampleFlag("rc-3", "imported");
  imported["reporter"]["contact"] = {{"email", "imp@example.org"}};
  std::ofstream(file) << imported.dump() << "\n";
  server_.Stop();
  ASSERT_EQ(RunVigil({"import", "--data", data_, "--file", file}), 0);
  ASSERT_TRUE(server_.Start(data_));
  EXPECT_EQ(Outbox("notice.receipt").size(), 1u);
}

TEST_F(NotifierTest, UnfoundedNoticesWarnThenDeprioritizeTheReporter) {
  Subscribe({"notice.misuse_warning", "notice.misuse_deprioritized"});
  // Bad input first: only a decision not to act can find the notices unfounded.
  int64_t first = Flag(SampleFlag("mu-0", "troll"));
  auto admin = Client(admin_);
  auto bad = admin->PostJson("/v1/cases/" + std::to_string(first) + "/decisions",
                             {{"case_version", Case(first)["version"]},
                              {"actions", {"remove"}},
                              {"notices_unfounded", true}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["field"], "notices_unfounded");
  EXPECT_EQ(Case(first)["status"], "open");

  std::vector<int64_t> decisions;
  for (int i = 0; i < 3; ++i) {
    int64_t id = i == 0 ? first : Flag(SampleFlag("mu-" + std::to_string(i), "troll"));
    json d = Decide(id, {{"actions", {"no_violation"}}, {"notices_unfounded", true}});
    EXPECT_EQ(d["reporters_marked_unfounded"], json({"troll"}));
    decisions.push_back(d["id"]);
    json rep = Reporter("troll");
    EXPECT_EQ(rep["unfounded_notices_in_window"], i + 1);
    // warn_at 2: the warning comes with the second; deprioritize_at 3: after the warning.
    EXPECT_EQ(rep["warned_at"].is_null(), i < 1) << rep.dump();
    EXPECT_EQ(rep["deprioritized"], i >= 2) << rep.dump();
  }
  EXPECT_EQ(Outbox("notice.misuse_warning").size(), 1u);
  auto depri = Outbox("notice.misuse_deprioritized");
  ASSERT_EQ(depri.size(), 1u);
  EXPECT_EQ(depri[0]["to"], "notifier:troll");
  EXPECT_NE(depri[0]["body"].get<std::string>().find(Reporter("troll")["deprioritized_until"]),
            std::string::npos);

  // A deprioritized reporter's flag weighs less than the same flag from a new reporter.
  int64_t from_troll = Flag(SampleFlag("mu-next", "troll"));
  int64_t from_other = Flag(SampleFlag("mu-other", "someone-new"));
  WaitForPriority(from_other);
  json troll_case = Case(from_troll), other_case = Case(from_other);
  EXPECT_LT(troll_case["priority_breakdown"]["total"].get<double>(),
            other_case["priority_breakdown"]["total"].get<double>());
  std::string terms = troll_case["priority_breakdown"]["terms"].dump();
  EXPECT_NE(terms.find("deprioritized"), std::string::npos) << terms;

  // Reversing the decision that tipped the balance reinstates the reporter.
  int64_t third = 0;
  json listed = admin->Get("/v1/cases?status=decided&limit=50").json();
  for (const auto& c : listed["cases"])
    if (c["content_id"] == "mu-2") third = c["id"];
  ASSERT_GT(third, 0);
  Decide(third, {{"actions", {"no_violation"}}, {"reverses", decisions[2]}});
  json rep = Reporter("troll");
  EXPECT_EQ(rep["unfounded_notices_in_window"], 2);
  EXPECT_EQ(rep["deprioritized"], false);
  json events = admin->Get("/v1/events?limit=1000").json();
  int warned = 0, deprioritized = 0, reinstated = 0;
  for (const auto& e : events["events"]) {
    warned += e["type"] == "reporter.warned";
    deprioritized += e["type"] == "reporter.deprioritized";
    reinstated += e["type"] == "reporter.reinstated";
  }
  EXPECT_EQ(warned, 1);
  EXPECT_EQ(deprioritized, 1);
  EXPECT_EQ(reinstated, 1);
}

TEST_F(NotifierTest, TrustedFlaggersAreNotMarkedByTheUserProcedure) {
  json flag = SampleFlag("mu-tf", "tf-org");
  flag["source"] = "trusted_flagger";
  int64_t id = Flag(flag);
  json d = Decide(id, {{"actions", {"no_violation"}}, {"notices_unfounded", true}});
  EXPECT_FALSE(d.contains("reporters_marked_unfounded")) << d.dump();
  EXPECT_EQ(Reporter("tf-org")["unfounded_notices_in_window"], 0);
}

}  // namespace
}  // namespace vigil::testing

namespace vigil::testing {
namespace {

// Notice templates as an admin edits them: read, previewed live while editing (invalid text
// named), saved (in force at once, an event), and a bad save changes nothing.
TEST_F(NotifierTest, NoticeTemplatesAreEditedWithLivePreview) {
  auto admin = Client(admin_);
  json current = admin->Get("/v1/notices").json();
  std::string yaml = current["yaml"];
  ASSERT_NE(yaml.find("statement_of_reasons:"), std::string::npos);
  EXPECT_NE(std::find(current["kinds"].begin(), current["kinds"].end(), "appeal_outcome"),
            current["kinds"].end());

  std::string edited = yaml;
  std::string from = "Why we restricted {{content_id}}";
  ASSERT_NE(edited.find(from), std::string::npos);
  edited.replace(edited.find(from), from.size(), "Decision on {{content_id}} ({{reason_title}})");
  auto preview = admin->PostJson("/v1/notices:preview", {{"yaml", edited},
                                                         {"kind", "statement_of_reasons"},
                                                         {"language", "en"}});
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.json()["subject"], "Decision on post-123 (Harassment or bullying)");

  std::string broken = edited;
  size_t subject_at = broken.find("Decision on {{content_id}} ({{reason_title}})");
  broken.replace(broken.find("{{reason_title}}", subject_at), 16, "{{reasn_title}}");
  auto bad = admin->PostJson("/v1/notices:preview", {{"yaml", broken}, {"kind", "statement_of_reasons"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["field"], "yaml.statement_of_reasons.en");
  auto bad_save = admin->Request("PUT", "/v1/notices", json{{"yaml", broken}}.dump());
  EXPECT_EQ(bad_save.status, 422);
  EXPECT_EQ(admin->Get("/v1/notices").json()["yaml"], yaml);  // unchanged

  auto a1 = Client(a1_);
  EXPECT_EQ(a1->Request("PUT", "/v1/notices", json{{"yaml", edited}}.dump()).status, 403);
  auto saved = admin->Request("PUT", "/v1/notices", json{{"yaml", edited}}.dump());
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(admin->Get("/v1/notices").json()["yaml"], edited);
  // In force for the next decision's notices.
  json flag = SampleFlag("tpl-1", "u1");
  flag["content"]["author"] = {{"id", "acct-author"}};
  int64_t id = Flag(flag);
  auto notices = admin->PostJson("/v1/cases/" + std::to_string(id) + "/notices:preview",
                                 {{"actions", {"remove"}}});
  ASSERT_EQ(notices.status, 200) << notices.body;
  bool found = false;
  json rendered = notices.json();
  for (const auto& n : rendered["notices"])
    found = found || n["subject"] == "Decision on tpl-1 (Spam)";
  EXPECT_TRUE(found) << notices.body;
  // And it survives a restart (the file was written).
  server_.Stop();
  ASSERT_TRUE(server_.Start(data_));
  EXPECT_EQ(Client(admin_)->Get("/v1/notices").json()["yaml"], edited);
  json events = Client(admin_)->Get("/v1/events?limit=1000").json();
  int updated = 0;
  for (const auto& e : events["events"])
    updated += e["type"] == "config.updated" && e["subject"] == "config:notices.yaml";
  EXPECT_EQ(updated, 1);
}

}  // namespace
}  // namespace vigil::testing
