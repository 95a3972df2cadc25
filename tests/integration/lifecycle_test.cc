// One flag's whole life, as the platform and the T&S team see it (issue 3, item 10): intake with
// a receipt to the notifier, the agent's queue and claim, escalation to legal with the hand-off
// form, the legal reviewer's decision, signed webhook delivery of the enforcement and the
// notices to a local receiver, the affected user's appeal, its review by another person, the
// reversal and its notices to both sides. The audit log verifies at the end.
#include <gtest/gtest.h>

#include <ctime>

#include "notify/webhook.h"
#include "support/webhook_receiver.h"
#include "support/workflow_fixture.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

class LifecycleTest : public WorkflowTest {};

// The bodies the receiver got for one event type, after checking every signature.
std::vector<json> Received(Receiver& rx, const std::string& secret, const std::string& event) {
  std::vector<json> out;
  for (const auto& h : rx.hits()) {
    EXPECT_TRUE(notify::VerifySignature(secret, h.signature, h.body, std::time(nullptr)))
        << h.event;
    if (h.event == event) out.push_back(json::parse(h.body));
  }
  return out;
}

TEST_F(LifecycleTest, FlagToAppealAndReversal) {
  for (auto [name, role, team] : {std::tuple{"lee", "legal", "legal"},
                                  std::tuple{"sam", "senior", "trust-safety"}})
    ASSERT_EQ(RunVigil({"user", "add", "--data", data_, "--name", name, "--role", role,
                        "--teams", team}),
              0);
  auto platform = Client(intake_);
  auto agent = Client(a1_);
  auto legal = Client(Token("lee"));
  auto senior = Client(Token("sam"));
  auto admin = Client(admin_);

  Receiver rx;
  auto hook = admin->PostJson("/v1/webhooks", {{"url", "http://127.0.0.1:" + std::to_string(rx.port()) + "/hooks"},
                                               {"events", {"*"}}});
  ASSERT_EQ(hook.status, 201) << hook.body;
  std::string secret = hook.json()["secret"];

  // 1. The platform sends a notice with the notifier's contact details.
  json flag = {{"content", {{"id", "life-1"}, {"type", "text"}, {"language", "de"},
                            {"text", "Der Buergermeister ist ein Betrueger"},
                            {"author", {{"id", "acct-author"}}}}},
               {"reason", "harassment"},
               {"source", "user"},
               {"reporter", {{"id", "notifier-9"},
                             {"contact", {{"email", "n9@example.org"}, {"name", "N. Nine"}}}}},
               {"explanation", "This is a false accusation about me"}};
  auto r = platform->PostJson("/v1/flags", flag);
  ASSERT_EQ(r.status, 201) << r.body;
  int64_t id = r.json()["case_id"];
  std::string path = "/v1/cases/" + std::to_string(id);
  ASSERT_TRUE(WaitFor([&] { return !Received(rx, secret, "notice.receipt").empty(); }));
  EXPECT_EQ(Received(rx, secret, "notice.receipt")[0]["to"], "notifier:notifier-9");

  // 2. The agent takes it as the next case of the queue it landed in, and escalates to legal.
  std::string queue = Case(id)["queue"];
  auto next = agent->Post("/v1/queues/" + queue + "/next", "{}");
  ASSERT_EQ(next.status, 200) << next.body;
  ASSERT_EQ(next.json()["case"]["id"], id);
  auto esc = agent->PostJson(path + "/escalate",
                             {{"tier", "legal"},
                              {"note", "Defamation claim about a named person"},
                              {"case_version", Case(id)["version"]},
                              {"fields", {{"jurisdiction", "DE"},
                                          {"legal_question", "Defamation under StGB 186?"}}}});
  ASSERT_EQ(esc.status, 200) << esc.body;

  // 3. Legal takes it from the legal queue and decides, citing the policy.
  auto lnext = legal->Post("/v1/queues/legal/next", "{}");
  ASSERT_EQ(lnext.json()["case"]["id"], id) << lnext.body;
  json decision = {{"case_version", Case(id)["version"]},
                   {"actions", {{{"type", "disable"}, {"territorial_scope", {"DE"}}}}},
                   {"policy", {{"id", "defamation"}, {"version", "1"}, {"clause", "D2"}}},
                   {"facts", "Unproven accusation of fraud against a named person"},
                   {"explanation", "Unlawful in Germany (StGB 186); disabled there"}};
  auto d = legal->PostJson(path + "/decisions", decision);
  ASSERT_EQ(d.status, 201) << d.body;
  int64_t decision_id = d.json()["id"];

  // 4. The enforcement webhook and both notices reach the platform, signed.
  ASSERT_TRUE(WaitFor([&] {
    return !Received(rx, secret, "decision.made").empty() &&
           !Received(rx, secret, "notice.statement_of_reasons").empty() &&
           !Received(rx, secret, "notice.outcome").empty();
  }));
  json made = Received(rx, secret, "decision.made")[0];
  EXPECT_EQ(made["decision_id"], decision_id);
  EXPECT_EQ(made["content_id"], "life-1");
  EXPECT_EQ(made["actions"][0]["territorial_scope"], json({"DE"}));
  json sor = Received(rx, secret, "notice.statement_of_reasons")[0];
  EXPECT_EQ(sor["to"], "affected_user:acct-author");
  EXPECT_NE(sor["body"].get<std::string>().find("StGB 186"), std::string::npos) << sor.dump();
  EXPECT_EQ(Received(rx, secret, "notice.outcome")[0]["to"], "notifier:notifier-9");

  // 5. The affected user appeals; the case reopens in the appeals queue.
  auto ap = platform->PostJson(path + "/appeals",
                               {{"appellant", {{"role", "affected_user"}, {"id", "acct-author"}}},
                                {"grounds", "The accusation is true and documented"}});
  ASSERT_EQ(ap.status, 201) << ap.body;
  int64_t appeal = ap.json()["id"];
  EXPECT_EQ(Case(id)["queue"], "appeals");

  // 6. The legal reviewer who decided may not decide the appeal; a senior does, and overturns.
  std::string decide = "/v1/appeals/" + std::to_string(appeal) + "/decide";
  json ruling = {{"outcome", "overturned"},
                 {"explanation", "Court records show the statement is true"},
                 {"case_version", Case(id)["version"]}};
  EXPECT_EQ(legal->PostJson(decide, ruling).status, 403);
  auto snext = senior->Post("/v1/queues/appeals/next", "{}");
  ASSERT_EQ(snext.json()["case"]["id"], id) << snext.body;
  auto res = senior->PostJson(decide, ruling);
  ASSERT_EQ(res.status, 200) << res.body;

  // 7. The reversal is enforced and both sides are told.
  ASSERT_TRUE(WaitFor([&] {
    return !Received(rx, secret, "decision.reversed").empty() &&
           Received(rx, secret, "notice.appeal_outcome").size() == 2;
  }));
  json reversed = Received(rx, secret, "decision.reversed")[0];
  EXPECT_EQ(reversed["reverses"], decision_id);
  EXPECT_EQ(reversed["actions"][0]["type"], "no_violation");
  std::set<std::string> told;
  for (const auto& n : Received(rx, secret, "notice.appeal_outcome")) told.insert(n["to"]);
  EXPECT_EQ(told, (std::set<std::string>{"affected_user:acct-author", "notifier:notifier-9"}));

  json c = Case(id);
  EXPECT_EQ(c["status"], "decided");
  EXPECT_EQ(c["outcome"], "no_violation");
  std::vector<std::string> types;
  json timeline = admin->Get(path + "/events").json();
  for (const auto& e : timeline["events"]) types.push_back(e["type"]);
  for (const char* t : {"flag.received", "case.claimed", "case.escalated", "decision.made",
                        "appeal.received", "decision.reversed", "appeal.decided"})
    EXPECT_NE(std::find(types.begin(), types.end(), t), types.end()) << t;
  EXPECT_EQ(RunVigil({"audit", "verify", "--data", data_}), 0);
}

}  // namespace
}  // namespace vigil::testing
