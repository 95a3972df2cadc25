// The case workflow as reviewers use it: the next case by priority with a lease, releases,
// decisions against a case version (stale ones refused), reversals, and a priority that mass
// reporters cannot inflate.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "support/workflow_fixture.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

TEST_F(WorkflowTest, NextServesByPriorityAndLeasesTheCase) {
  int64_t low = Flag(SampleFlag("w-low", "u1"));  // spam from one user
  json trusted = {{"content", {{"id", "w-high"}, {"text", "x"}}},
                  {"reason", "hate_speech"},
                  {"source", "trusted_flagger"},
                  {"reporter", {{"id", "tf-1"}}},
                  {"bona_fide", true}};
  int64_t high = Flag(trusted);
  WaitForPriority(low);
  WaitForPriority(high);
  json hc = Case(high);
  EXPECT_GT(hc["priority"].get<double>(), Case(low)["priority"].get<double>());
  // The breakdown explains the score term by term.
  double sum = 0;
  for (const auto& t : hc["priority_breakdown"]["terms"]) {
    sum += t["value"].get<double>();
    EXPECT_FALSE(t["explanation"].get<std::string>().empty());
  }
  EXPECT_NEAR(sum, hc["priority_breakdown"]["total"].get<double>(), 1e-6);

  auto c1 = Client(a1_), c2 = Client(a2_);
  auto n1 = c1->Post("/v1/queues/general/next", "{}");
  ASSERT_EQ(n1.status, 200) << n1.body;
  EXPECT_EQ(n1.json()["case"]["id"], high);
  // Claimed: the other agent gets the next one; asking again returns your own claim.
  auto n2 = c2->Post("/v1/queues/general/next", "{}");
  EXPECT_EQ(n2.json()["case"]["id"], low);
  EXPECT_EQ(c1->Post("/v1/queues/general/next", "{}").json()["case"]["id"], high);
  // Nothing left for a third ask by a2 besides its own claim.
  EXPECT_EQ(c2->Post("/v1/queues/general/next", "{}").json()["case"]["id"], low);
  // a2 cannot release a1's claim; a1 can.
  EXPECT_EQ(c2->Post("/v1/cases/" + std::to_string(high) + "/release", "{}").status, 409);
  EXPECT_EQ(c1->Post("/v1/cases/" + std::to_string(high) + "/release", "{}").status, 200);
  // After the lease of a2's claim expires, a1 may be served that case too.
  ASSERT_EQ(c1->Post("/v1/queues/general/next", "{}").json()["case"]["id"], high);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto after = Client(a1_)->Post("/v1/queues/general/next", "{}");
  EXPECT_TRUE(after.json()["case"]["id"] == high || after.json()["case"]["id"] == low);
  // The claims are in the timeline.
  auto tl = Client(admin_)->Get("/v1/cases/" + std::to_string(high) + "/events").json()["events"];
  int claims = 0;
  for (const auto& e : tl) claims += e["type"] == "case.claimed";
  EXPECT_GE(claims, 2);
}

TEST_F(WorkflowTest, FiftyConcurrentDecisionsExactlyOneWins) {
  int64_t id = Flag(SampleFlag("w-race", "u1"));
  int64_t version = Case(id)["version"];
  std::atomic<int> created{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i)
    threads.emplace_back([&, i] {
      auto c = Client(admin_);
      json d = {{"case_version", version},
                {"actions", {i % 2 ? "remove" : "no_violation"}},
                {"explanation", "decision " + std::to_string(i)}};
      auto r = c->PostJson("/v1/cases/" + std::to_string(id) + "/decisions", d);
      if (r.status == 201) ++created;
      else if (r.status == 409) ++conflicts;
      else ++other;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(conflicts, 49);
  EXPECT_EQ(other, 0);
  json c = Case(id);
  EXPECT_EQ(c["status"], "decided");
  EXPECT_EQ(c["decisions"].size(), 1u);
  EXPECT_EQ(c["version"], version + 1);
}

TEST_F(WorkflowTest, StaleDecisionsChangeNothingAndReversalsCiteTheirDecision) {
  int64_t id = Flag(SampleFlag("w-rev", "u1"));
  int64_t v = Case(id)["version"];
  Flag({{"content_id", "w-rev"}, {"reason", "spam"}, {"source", "user"}, {"reporter", {{"id", "u2"}}}});
  auto admin = Client(admin_);
  std::string path = "/v1/cases/" + std::to_string(id) + "/decisions";
  auto stale = admin->PostJson(path, {{"case_version", v}, {"actions", {"remove"}}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.json()["field"], "case_version");
  EXPECT_EQ(Case(id)["status"], "open");

  auto bad = admin->PostJson(path, {{"case_version", v + 1}, {"actions", {"obliterate"}}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["field"], "actions[0]");
  // A version of the wrong type is told so, not that it is missing.
  bad = admin->PostJson(path, {{"case_version", "3"}, {"actions", {"remove"}}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["field"], "case_version");
  EXPECT_NE(bad.json()["detail"].get<std::string>().find("integer"), std::string::npos) << bad.body;
  EXPECT_EQ(Case(id)["status"], "open");

  json decision = {{"case_version", v + 1},
                   {"actions", {{{"type", "remove"}, {"territorial_scope", {"DE"}}},
                                {{"type", "suspend_account"}, {"duration", "7d"}}}},
                   {"policy", {{"id", "spam"}, {"version", "3"}, {"clause", "S1"}}},
                   {"facts", "Repeated commercial posts"},
                   {"explanation", "Spam policy S1"}};
  auto d1 = admin->PostJson(path, decision);
  ASSERT_EQ(d1.status, 201) << d1.body;
  EXPECT_EQ(d1.json()["outcome"], "actioned");
  // Deciding again without citing a reversal is refused.
  auto again = admin->PostJson(path, {{"case_version", v + 2}, {"actions", {"no_violation"}}});
  EXPECT_EQ(again.status, 409);
  auto rev = admin->PostJson(path, {{"case_version", v + 2},
                                   {"actions", {"no_violation"}},
                                   {"reverses", d1.json()["id"]},
                                   {"explanation", "Appeal upheld"}});
  ASSERT_EQ(rev.status, 201) << rev.body;
  json c = Case(id);
  EXPECT_EQ(c["outcome"], "no_violation");
  ASSERT_EQ(c["decisions"].size(), 2u);
  EXPECT_EQ(c["decisions"][1]["reverses"], d1.json()["id"]);
  EXPECT_EQ(c["decisions"][0]["policy"]["clause"], "S1");
  EXPECT_EQ(RunVigil({"audit", "verify", "--data", data_}), 0);
}

TEST_F(WorkflowTest, AgentsCannotTakeFromQueuesTheirTeamsDoNotServe) {
  auto c1 = Client(a1_);
  EXPECT_EQ(c1->Post("/v1/queues/child_safety/next", "{}").status, 403);
  EXPECT_EQ(c1->Post("/v1/queues/no_such_queue/next", "{}").status, 404);
  EXPECT_EQ(c1->Post("/v1/queues/general/next", "{}").json()["case"], nullptr);
}

TEST_F(WorkflowTest, EscalateToLegalWithHandoffAndHandBack) {
  ASSERT_EQ(RunVigil({"user", "add", "--data", data_, "--name", "lee", "--role", "legal",
                      "--teams", "legal"}),
            0);
  auto legal = Client(Token("lee"));
  int64_t id = Flag(SampleFlag("w-esc", "u1"));
  json c = Case(id);
  EXPECT_EQ(c["queue"], "general");
  EXPECT_EQ(c["sla"]["state"], "ok");
  std::string path = "/v1/cases/" + std::to_string(id);
  auto agent = Client(a1_);
  // The legal tier requires its structured fields and a note.
  auto missing = agent->PostJson(path + "/escalate",
                                 {{"tier", "legal"}, {"note", "Court order?"},
                                  {"case_version", c["version"]}, {"fields", {{"jurisdiction", "DE"}}}});
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.json()["field"], "fields.legal_question");
  auto no_note = agent->PostJson(path + "/escalate", {{"tier", "legal"}, {"case_version", c["version"]}});
  EXPECT_EQ(no_note.json()["field"], "note");
  EXPECT_EQ(Case(id)["queue"], "general");  // refused requests changed nothing
  auto esc = agent->PostJson(
      path + "/escalate",
      {{"tier", "legal"},
       {"note", "Possible defamation under German law"},
       {"case_version", c["version"]},
       {"fields", {{"jurisdiction", "DE"}, {"legal_question", "Is this defamation (StGB 186)?"}}}});
  ASSERT_EQ(esc.status, 200) << esc.body;
  c = Case(id);
  EXPECT_EQ(c["queue"], "legal");
  EXPECT_EQ(c["tier"], "legal");
  EXPECT_EQ(c["escalated_from"], "general");
  EXPECT_TRUE(c.contains("first_action_at"));
  // The agent's team no longer serves the case; the legal user takes it from the legal queue.
  EXPECT_EQ(agent->Get(path).status, 403);
  auto next = legal->Post("/v1/queues/legal/next", "{}");
  ASSERT_EQ(next.json()["case"]["id"], id) << next.body;
  EXPECT_EQ(legal->PostJson(path + "/comments", {{"text", "Asked outside counsel, cc @a1."}}).status, 201);
  EXPECT_EQ(legal->PostJson(path + "/comments", {{"text", "cc @nobody"}}).status, 422);
  auto back = legal->PostJson(path + "/handback", {{"note", "Not unlawful; apply T&S policy"},
                                                   {"case_version", Case(id)["version"]}});
  ASSERT_EQ(back.status, 200) << back.body;
  c = Case(id);
  EXPECT_EQ(c["queue"], "general");
  EXPECT_FALSE(c.contains("tier"));
  // The whole story is in the timeline.
  std::vector<std::string> types;
  json timeline = Client(admin_)->Get(path + "/events").json();
  for (const auto& e : timeline["events"]) types.push_back(e["type"]);
  for (const char* t : {"flag.received", "case.escalated", "case.claimed", "case.comment", "case.handed_back"})
    EXPECT_NE(std::find(types.begin(), types.end(), t), types.end()) << t;
}

TEST_F(WorkflowTest, SearchAndBulkDecide) {
  int64_t a = Flag({{"content", {{"id", "s-a"}, {"text", "Cheap FOLLOWERS here"}}}, {"reason", "spam"},
                    {"source", "user"}, {"reporter", {{"id", "r1"}}}});
  int64_t b = Flag({{"content", {{"id", "s-b"}, {"text", "buy followers now"}}}, {"reason", "spam"},
                    {"source", "user"}, {"reporter", {{"id", "r2"}}}});
  Flag({{"content", {{"id", "s-c"}, {"text", "holiday photos"}}}, {"reason", "spam"},
        {"source", "user"}, {"reporter", {{"id", "r3"}}}});
  auto admin = Client(admin_);
  json found = admin->Get("/v1/cases?q=followers").json();
  ASSERT_EQ(found["cases"].size(), 2u);
  ASSERT_EQ(Client(a1_)->Post("/v1/queues/general/next", "{}").status, 200);
  EXPECT_EQ(admin->Get("/v1/cases?assignee=a1").json()["cases"].size(), 1u);
  EXPECT_EQ(admin->Get("/v1/cases?assignee=none").json()["cases"].size(), 2u);
  EXPECT_EQ(admin->Get("/v1/cases?assignee=ghost").status, 422);
  EXPECT_EQ(admin->Get("/v1/cases?sla=ok").json()["cases"].size(), 3u);
  EXPECT_EQ(admin->Get("/v1/cases?sla=late").status, 422);
  // Release a1's claim so the bulk decision is not refused for it.
  json mine = admin->Get("/v1/cases?assignee=a1").json();
  Client(a1_)->Post("/v1/cases/" + std::to_string(mine["cases"][0]["id"].get<int>()) + "/release", "{}");
  json bulk = {{"cases", {{{"id", a}, {"case_version", Case(a)["version"]}},
                          {{"id", b}, {"case_version", 1}},  // stale
                          {{"id", 99999}, {"case_version", 1}}}},
               {"actions", {"remove"}},
               {"explanation", "Follower-selling spam wave"}};
  auto r = admin->PostJson("/v1/decisions:bulk", bulk);
  ASSERT_EQ(r.status, 200) << r.body;
  auto results = r.json()["results"];
  EXPECT_EQ(results[0]["status"], 201);
  EXPECT_EQ(results[1]["status"], 409);
  EXPECT_EQ(results[2]["status"], 404);
  EXPECT_EQ(Case(a)["status"], "decided");
  EXPECT_EQ(Case(b)["status"], "open");
  EXPECT_EQ(Client(a1_)->PostJson("/v1/decisions:bulk", bulk).status, 403);  // agents may not
}

TEST_F(WorkflowTest, AppealOverturnedByAnotherReviewer) {
  ASSERT_EQ(RunVigil({"user", "add", "--data", data_, "--name", "sam", "--role", "senior",
                      "--teams", "trust-safety"}),
            0);
  auto senior = Client(Token("sam"));
  auto agent = Client(a1_);
  auto platform = Client(intake_);
  int64_t id = Flag(SampleFlag("ap-1", "u1"));
  std::string path = "/v1/cases/" + std::to_string(id);
  auto d = agent->PostJson(path + "/decisions", {{"case_version", Case(id)["version"]},
                                                {"actions", {"remove"}}});
  ASSERT_EQ(d.status, 201) << d.body;
  // The notifier cannot appeal a removal; bad input names the field and changes nothing.
  auto wrong = platform->PostJson(path + "/appeals", {{"appellant", {{"role", "notifier"}, {"id", "u1"}}},
                                                      {"grounds", "x"}});
  EXPECT_EQ(wrong.status, 422);
  EXPECT_EQ(wrong.json()["field"], "appellant.role");
  EXPECT_EQ(platform->PostJson(path + "/appeals", {{"appellant", {{"role", "affected_user"}, {"id", "acct-1"}}}})
                .json()["field"], "grounds");
  EXPECT_EQ(Case(id)["status"], "decided");
  auto ap = platform->PostJson(path + "/appeals", {{"appellant", {{"role", "affected_user"}, {"id", "acct-1"}}},
                                                   {"grounds", "It was satire"}});
  ASSERT_EQ(ap.status, 201) << ap.body;
  json c = Case(id);
  EXPECT_EQ(c["status"], "open");
  EXPECT_EQ(c["queue"], "appeals");
  int64_t appeal = ap.json()["id"];
  std::string decide = "/v1/appeals/" + std::to_string(appeal) + "/decide";
  // The original decider may not decide the appeal.
  auto own = agent->PostJson(decide, {{"outcome", "overturned"}, {"explanation", "ok"},
                                      {"case_version", c["version"]}});
  EXPECT_EQ(own.status, 403) << own.body;
  auto res = senior->PostJson(decide, {{"outcome", "overturned"},
                                       {"explanation", "Satire of a public figure is allowed"},
                                       {"case_version", c["version"]}});
  ASSERT_EQ(res.status, 200) << res.body;
  c = Case(id);
  EXPECT_EQ(c["status"], "decided");
  EXPECT_EQ(c["queue"], "general");
  EXPECT_EQ(c["outcome"], "no_violation");
  ASSERT_EQ(c["decisions"].size(), 2u);
  EXPECT_EQ(c["decisions"][1]["reverses"], d.json()["id"]);
  EXPECT_EQ(c["appeals"][0]["status"], "overturned");
  EXPECT_EQ(senior->PostJson(decide, {{"outcome", "upheld"}, {"explanation", "x"},
                                      {"case_version", c["version"]}}).status, 409);
  EXPECT_EQ(RunVigil({"audit", "verify", "--data", data_}), 0);
}

TEST_F(WorkflowTest, StrikesWarnThenProposeSuspensionAndReverseWithTheDecision) {
  auto admin = Client(admin_);
  std::vector<int64_t> decisions;
  // Three removals of posts by the same author (default thresholds: warn at 1, propose at 3).
  for (int i = 0; i < 3; ++i) {
    json flag = {{"content", {{"id", "st-" + std::to_string(i)}, {"text", "spam"},
                              {"author", {{"id", "acct-repeat"}}}}},
                 {"reason", "spam"}, {"source", "user"}, {"reporter", {{"id", "r" + std::to_string(i)}}}};
    int64_t id = Flag(flag);
    auto d = admin->PostJson("/v1/cases/" + std::to_string(id) + "/decisions",
                             {{"case_version", Case(id)["version"]}, {"actions", {"remove"}}});
    ASSERT_EQ(d.status, 201) << d.body;
    EXPECT_EQ(d.json()["author_strike_weight"], i + 1);
    decisions.push_back(d.json()["id"]);
  }
  EXPECT_EQ(admin->PostJson("/v1/cases/1/decisions", {{"case_version", 1}, {"actions", {"remove"}},
                                                      {"strike", {{"weight", -1}}}}).json()["field"],
            "strike.weight");
  json profile = admin->Get("/v1/accounts/acct-repeat").json();
  EXPECT_EQ(profile["active_strike_weight"], 3);
  EXPECT_EQ(profile["strikes"].size(), 3u);
  json events = admin->Get("/v1/events?limit=1000").json();
  int warned = 0, proposed = 0;
  for (const auto& e : events["events"]) {
    warned += e["type"] == "account.warned";
    proposed += e["type"] == "account.suspension_proposed";
  }
  EXPECT_EQ(warned, 1);    // once, at the first strike
  EXPECT_EQ(proposed, 1);  // once, at the third
  // The proposal waits for a person: listed, visible in the profile, then acted on.
  EXPECT_EQ(admin->Get("/v1/suspension-proposals").json()["accounts"], json({"acct-repeat"}));
  EXPECT_FALSE(profile["suspension_proposed_at"].is_null());
  std::string act = "/v1/accounts/acct-repeat/suspension";
  auto a1 = Client(a1_);
  EXPECT_EQ(a1->PostJson(act, {{"decision", "suspend"}, {"duration", "30d"}, {"explanation", "x"}}).status, 403);
  auto no_period = admin->PostJson(act, {{"decision", "suspend"}, {"explanation", "Repeated spam"}});
  EXPECT_EQ(no_period.status, 422);
  EXPECT_EQ(no_period.json()["field"], "duration");
  auto suspended = admin->PostJson(act, {{"decision", "suspend"}, {"duration", "30d"},
                                         {"explanation", "Three removals for spam in a week"}});
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  profile = admin->Get("/v1/accounts/acct-repeat").json();
  EXPECT_TRUE(profile["suspended"].get<bool>());
  EXPECT_TRUE(profile["suspension_proposed_at"].is_null());
  EXPECT_EQ(admin->Get("/v1/suspension-proposals").json()["accounts"].size(), 0u);
  EXPECT_EQ(admin->PostJson(act, {{"decision", "dismiss"}, {"explanation", "again"}}).status, 409);
  EXPECT_EQ(admin->PostJson("/v1/accounts/nobody/suspension", {{"decision", "dismiss"}, {"explanation", "x"}}).status, 404);
  // Reversing a decision reverses its strike.
  int64_t case3 = 0;
  json listed = admin->Get("/v1/cases?q=spam&status=decided").json();
  for (const auto& c : listed["cases"])
    if (c["content_id"] == "st-2") case3 = c["id"];
  ASSERT_GT(case3, 0);
  auto rev = admin->PostJson("/v1/cases/" + std::to_string(case3) + "/decisions",
                             {{"case_version", Case(case3)["version"]}, {"actions", {"no_violation"}},
                              {"reverses", decisions[2]}});
  ASSERT_EQ(rev.status, 201) << rev.body;
  EXPECT_EQ(admin->Get("/v1/accounts/acct-repeat").json()["active_strike_weight"], 2);
  // The reporter side of a profile: r0 reported one post that was actioned.
  json reporter = admin->Get("/v1/accounts/r0").json()["reporter"];
  EXPECT_EQ(reporter["flags_sent"], 1);
  EXPECT_EQ(reporter["flags_actioned"], 1);
  EXPECT_GT(reporter["accuracy"].get<double>(), 0.5);
  EXPECT_EQ(admin->Get("/v1/accounts/nobody-at-all").status, 404);
}

TEST_F(WorkflowTest, NoticesArePreviewedAndSentWithTheDecision) {
  json flag = {{"content", {{"id", "nt-1"}, {"text", "Gratis Geld"}, {"language", "de"},
                            {"author", {{"id", "acct-author"}}}}},
               {"reason", "scam"}, {"source", "user"}, {"reporter", {{"id", "notifier-1"}}}};
  int64_t id = Flag(flag);
  auto admin = Client(admin_);
  json decision = {{"actions", {{{"type", "remove"}, {"territorial_scope", {"DE", "AT"}}}}},
                   {"facts", "Advance-fee scam text"},
                   {"policy", {{"id", "scams"}, {"version", "2"}, {"clause", "SC1"}}},
                   {"explanation", "Removed under our scam policy"}};
  auto preview = admin->PostJson("/v1/cases/" + std::to_string(id) + "/notices:preview", decision);
  ASSERT_EQ(preview.status, 200) << preview.body;
  json notices = preview.json()["notices"];
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_EQ(notices[0]["kind"], "outcome");
  EXPECT_EQ(notices[0]["to"], "notifier:notifier-1");
  EXPECT_EQ(notices[0]["language"], "de");
  EXPECT_EQ(notices[1]["kind"], "statement_of_reasons");
  EXPECT_EQ(notices[1]["to"], "affected_user:acct-author");
  std::string sor = notices[1]["body"];
  EXPECT_NE(sor.find("DE, AT"), std::string::npos) << sor;
  EXPECT_NE(sor.find("Advance-fee scam text"), std::string::npos);
  EXPECT_NE(sor.find("SC1"), std::string::npos);
  EXPECT_EQ(Case(id)["status"], "open");  // a preview saves nothing
  // Deciding puts the same notices in the outbox for a subscribed webhook.
  ASSERT_EQ(admin->PostJson("/v1/webhooks", {{"url", "http://127.0.0.1:9/none"},
                                             {"events", {"notice.outcome", "notice.statement_of_reasons"}}})
                .status, 201);
  decision["case_version"] = Case(id)["version"];
  ASSERT_EQ(admin->PostJson("/v1/cases/" + std::to_string(id) + "/decisions", decision).status, 201);
  json queued;
  for (const char* status : {"pending", "dead", "delivered"}) {
    json page = admin->Get(std::string("/v1/webhooks/deliveries?status=") + status).json();
    for (const auto& d : page["deliveries"]) queued.push_back(d["event_type"]);
  }
  ASSERT_EQ(queued.size(), 2u) << queued.dump();
}

TEST_F(WorkflowTest, QueuesShowDepthAndReloadRefusesBadFiles) {
  Flag(SampleFlag("w-q1", "u1"));
  Flag(SampleFlag("w-q2", "u2"));
  auto q = Client(a1_)->Get("/v1/queues");
  ASSERT_EQ(q.status, 200);
  bool saw_general = false;
  json listed = q.json();
  for (const auto& queue : listed["queues"]) {
    EXPECT_NE(queue["name"], "child_safety");  // not served by a1's team
    if (queue["name"] == "general") {
      saw_general = true;
      EXPECT_EQ(queue["open"], 2);
      EXPECT_TRUE(queue.contains("oldest_age_ms"));
    }
  }
  EXPECT_TRUE(saw_general);
  std::ofstream(data_ + "/queues.yaml") << "queues:\n  - name: x\n    colour: blue\n";
  auto bad = Client(admin_)->Post("/v1/queues:reload", "{}");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.json()["detail"].get<std::string>().find("queues.yaml"), std::string::npos);
  EXPECT_EQ(Client(a1_)->Get("/v1/queues").status, 200);  // the old configuration stays
}

TEST(WorkflowDemo, MassReportersDoNotOutrankGenuineReports) {
  TempDir tmp("vigil-demo-prio");
  std::string data = tmp.Join("data");
  InitDataDir(data);
  ASSERT_EQ(RunVigil({"demo", "--data", data, "--items", "800"}), 0);
  std::string admin = CreateUserWithToken(data, "boss", "admin");
  ServerProcess server;
  ASSERT_TRUE(server.Start(data));
  HttpClient c(server.port());
  c.set_token(admin);
  // Cases reported only by the mass-reporter cohort, and cases of the same reasons reported by
  // at least three independent ordinary users.
  double worst_genuine = 1e18, best_mass = -1;
  int mass_cases = 0, genuine_cases = 0;
  for (int after = 0;;) {
    auto page = c.Get("/v1/cases?limit=500&after=" + std::to_string(after)).json();
    if (page["cases"].empty()) break;
    for (const auto& cs : page["cases"]) {
      after = cs["id"];
      std::string reason = cs["reason"];
      if (reason != "hate_speech" && reason != "harassment") continue;
      if (cs["reporter_count"].get<int>() < 3) continue;
      auto full = c.Get("/v1/cases/" + std::to_string(after)).json();
      int mass = 0, users = 0, others = 0;
      for (const auto& f : full["flags"]) {
        std::string rep = f.contains("reporter") ? f["reporter"]["id"].get<std::string>() : "";
        if (rep.rfind("mr-", 0) == 0) ++mass;
        else if (rep.rfind("user-", 0) == 0 && f["source"] == "user") ++users;
        else ++others;
      }
      double reporters_term = 0;
      for (const auto& t : full["priority_breakdown"]["terms"])
        if (t["name"] == "reporters") reporters_term = t["value"];
      if (mass >= 3 && users == 0 && others == 0) {
        ++mass_cases;
        best_mass = std::max(best_mass, reporters_term);
      } else if (mass == 0 && users >= 3 && others == 0) {
        ++genuine_cases;
        worst_genuine = std::min(worst_genuine, reporters_term);
      }
    }
  }
  ASSERT_GT(mass_cases, 10);
  ASSERT_GT(genuine_cases, 3);
  // However many mass reporters pile on, their weight stays below three genuine reporters'.
  EXPECT_LT(best_mass, worst_genuine);
}

}  // namespace
}  // namespace vigil::testing

namespace vigil::testing {
namespace {

// A restarted server sweeps the SLAs at once: the queue overview does not show a backlog of
// breached cases as none for the first interval (30 s by default). Each queue's counts add up to
// its open cases, those the sweep escalated counted in the queue they moved to.
TEST(WorkflowDemo, QueueSlaCountsAreThereRightAfterAStart) {
  TempDir tmp("vigil-demo-sla");
  std::string data = tmp.Join("data");
  InitDataDir(data);
  ASSERT_EQ(RunVigil({"demo", "--data", data, "--items", "400"}), 0);
  // Automation caught up first, so nothing else moves cases while the counts are compared.
  ASSERT_EQ(RunVigil({"analysis", "catch-up", "--data", data}), 0);
  std::string admin = CreateUserWithToken(data, "boss", "admin");
  ServerProcess server;
  ASSERT_TRUE(server.Start(data));
  HttpClient c(server.port());
  c.set_token(admin);
  auto start = std::chrono::steady_clock::now();
  json queues;
  for (;;) {
    queues = c.Get("/v1/queues").json()["queues"];
    bool all = !queues.empty();
    for (const auto& q : queues) all = all && !q["sla"]["as_of"].is_null();
    if (all) break;
    for (const auto& q : queues) {  // before the first sweep: unknown, not zero
      if (!q["sla"]["as_of"].is_null()) continue;
      EXPECT_TRUE(q["sla"]["breached"].is_null()) << q.dump();
      EXPECT_TRUE(q["sla"]["ok"].is_null()) << q.dump();
    }
    ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10))
        << "no SLA counts 10 s after the start: " << queues.dump();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int64_t breached = 0, escalated_to_senior = 0;
  for (const auto& q : queues) {
    const json& sla = q["sla"];
    EXPECT_EQ(sla["ok"].get<int64_t>() + sla["near_breach"].get<int64_t>() +
                  sla["breached"].get<int64_t>(),
              q["open"].get<int64_t>())
        << q.dump();
    breached += sla["breached"].get<int64_t>();
    if (q["name"] == "escalations_senior") escalated_to_senior = q["open"];
  }
  EXPECT_GT(breached, 0) << "the demo's backlog is days old";
  // high_risk and child_safety escalate a breach to the senior tier (config/queues.yaml).
  EXPECT_GT(escalated_to_senior, 0) << queues.dump();
}

// A server on a fresh data directory with its clock moved by POST /v1/test/clock, an
// integration token and an admin token; the client starts with the integration token.
class WorkflowSla : public ::testing::Test {
 protected:
  void SetUp() override {
    InitDataDir(data);
    intake = CreateUserWithToken(data, "platform", "integration");
    admin = CreateUserWithToken(data, "boss", "admin");
    ASSERT_TRUE(server.Start(data, {"--test-clock"}));
    client_.emplace(server.port());
    client_->set_token(intake);
  }
  TempDir tmp{"vigil-sla"};
  std::string data = tmp.Join("data");
  std::string intake, admin;
  ServerProcess server;
  std::optional<HttpClient> client_;
};

// SLA clocks driven by the server's test clock (vigil serve --test-clock): nothing sleeps.
TEST_F(WorkflowSla, NearBreachBreachAndAutomaticEscalation) {
  HttpClient& c = *client_;
  json violent = {{"content", {{"id", "sla-1"}, {"text", "I know where you live"}}},
                  {"reason", "violence"}, {"source", "user"}, {"reporter", {{"id", "u1"}}}};
  auto f1 = c.PostJson("/v1/flags", violent);
  ASSERT_EQ(f1.status, 201) << f1.body;
  auto f2 = c.PostJson("/v1/flags", SampleFlag("sla-2", "u2"));  // spam: general queue
  int64_t hr = f1.json()["case_id"], gen = f2.json()["case_id"];
  c.set_token(admin);
  auto get = [&](int64_t id) { return c.Get("/v1/cases/" + std::to_string(id)).json(); };
  auto queue_sla = [&](const std::string& name) {
    json listed = c.Get("/v1/queues").json();
    for (const auto& q : listed["queues"])
      if (q["name"] == name) return q["sla"];
    return json();
  };
  EXPECT_EQ(get(hr)["queue"], "high_risk");
  EXPECT_EQ(get(hr)["sla"]["state"], "ok");
  // With a test clock the SLAs are swept only when it moves: until then the counts are unknown.
  EXPECT_TRUE(queue_sla("high_risk")["as_of"].is_null());
  EXPECT_TRUE(queue_sla("high_risk")["ok"].is_null());
  auto adv = c.PostJson("/v1/test/clock", {{"advance", "3h30m"}});
  if (adv.status == 422) adv = c.PostJson("/v1/test/clock", {{"advance", "210m"}});
  ASSERT_EQ(adv.status, 200) << adv.body;
  EXPECT_EQ(get(hr)["sla"]["state"], "near_breach");
  EXPECT_EQ(queue_sla("high_risk")["near_breach"], 1);
  EXPECT_TRUE(queue_sla("high_risk")["as_of"].is_string());
  EXPECT_EQ(get(gen)["sla"]["state"], "ok");
  // Past the 4 h first-action window: breached, recorded once, escalated to the senior tier.
  adv = c.PostJson("/v1/test/clock", {{"advance", "60m"}});
  ASSERT_EQ(adv.status, 200);
  EXPECT_EQ(adv.json()["breaches_recorded"], 1);
  json hc = get(hr);
  EXPECT_EQ(hc["tier"], "senior");
  EXPECT_EQ(hc["escalated_from"], "high_risk");
  json timeline = c.Get("/v1/cases/" + std::to_string(hr) + "/events").json();
  int breached = 0, escalated = 0;
  for (const auto& e : timeline["events"]) {
    breached += e["type"] == "case.sla_breached";
    if (e["type"] == "case.escalated" && e["actor"] == "system") ++escalated;
  }
  EXPECT_EQ(breached, 1);
  EXPECT_EQ(escalated, 1);
  EXPECT_EQ(c.PostJson("/v1/test/clock", {{"advance", "1m"}}).json()["breaches_recorded"], 0);
  // The general queue has no automatic escalation: its case breaches and stays put.
  adv = c.PostJson("/v1/test/clock", {{"advance", "3d"}});
  EXPECT_EQ(get(gen)["sla"]["state"], "breached");
  EXPECT_EQ(get(gen)["queue"], "general");
  EXPECT_EQ(queue_sla("general")["breached"], 1);
  EXPECT_EQ(c.PostJson("/v1/test/clock", {{"advance", "soon"}}).status, 422);
  EXPECT_EQ(RunVigil({"audit", "verify", "--data", data}), 0);
}

// A sweep that finds many breaches at once (a large backlog imported) records each exactly once,
// written in several small transactions rather than one that holds the writer.
TEST_F(WorkflowSla, ManyBreachesInOneSweepAreEachRecordedOnce) {
  HttpClient& c = *client_;
  constexpr int kCases = 700;  // more than one write job's worth
  std::string body;
  for (int i = 0; i < kCases; ++i)
    body += SampleFlag("sla-many-" + std::to_string(i), "u" + std::to_string(i)).dump() + "\n";
  auto r = c.Post("/v1/flags:batch", body, {{"Content-Type", "application/x-ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body;
  c.set_token(admin);
  auto adv = c.PostJson("/v1/test/clock", {{"advance", "3d"}});
  ASSERT_EQ(adv.status, 200) << adv.body;
  EXPECT_EQ(adv.json()["breaches_recorded"], kCases);
  EXPECT_EQ(c.PostJson("/v1/test/clock", {{"advance", "1m"}}).json()["breaches_recorded"], 0);
  std::set<std::string> breached_subjects;
  int64_t breached_events = 0;
  for (int64_t after = 0;;) {
    json page = c.Get("/v1/events?limit=1000&after=" + std::to_string(after)).json();
    const json& events = page["events"];
    if (events.empty()) break;
    for (const auto& e : events) {
      if (e["type"] == "case.sla_breached") {
        ++breached_events;
        breached_subjects.insert(e["subject"].get<std::string>());
      }
      after = e["seq"];
    }
  }
  EXPECT_EQ(breached_events, kCases);
  EXPECT_EQ(breached_subjects.size(), static_cast<size_t>(kCases));
  EXPECT_EQ(RunVigil({"audit", "verify", "--data", data}), 0);
}

}  // namespace
}  // namespace vigil::testing

namespace vigil::testing {
namespace {

// Automation off: analysis and policies would rescore each case right after its flag, hiding the
// priority intake wrote.
class WorkflowWithoutAutomation : public WorkflowTest {
 protected:
  std::string ExtraConfig() const override { return "automation:\n  enabled: false\n"; }
};

// A case opened by a reporter without history is written with its priority (no window in which
// it sorts as 0); that stored score is the one the full computation gives.
TEST_F(WorkflowWithoutAutomation, NewCasesOpenWithTheirPriority) {
  json flag = SampleFlag("prio-1", "brand-new-reporter");
  flag["content"]["reach"] = {{"views", 250000}, {"followers", 12000}, {"shares", 900}};
  flag["reason"] = "hate_speech";
  int64_t id = Flag(flag);
  json c = Case(id);  // read right after the 201, without waiting
  double stored = c["priority"], fresh = c["priority_breakdown"]["total"];
  EXPECT_GT(stored, 0);
  EXPECT_NEAR(stored, fresh, 0.5) << c["priority_breakdown"].dump();
  // A legal order's deadline counts the same way on both paths.
  json order = SampleFlag("prio-2", "court-7");
  order["source"] = "legal_order";
  order["legal_order"] = {{"authority", "Landgericht Berlin"}, {"legal_ground", "StGB 186"},
                          {"territorial_scope", {"DE"}}, {"deadline", "2030-01-01T00:00:00Z"}};
  int64_t lo = Flag(order);
  json lc = Case(lo);
  EXPECT_NEAR(lc["priority"].get<double>(), lc["priority_breakdown"]["total"].get<double>(), 0.5)
      << lc["priority_breakdown"].dump();
}

// The same through flags:batch, whose priorities and payload parts are computed on the request's
// thread before the writer takes the lines: each case is written with its own line's score, and
// each flag.received event carries its own line's content and reporter.
TEST_F(WorkflowWithoutAutomation, BatchCasesOpenWithTheirPriorityAndTheirLinesPayload) {
  std::string body;
  for (int i = 0; i < 3; ++i) {
    json f = SampleFlag("bprio-" + std::to_string(i), "batch-reporter-" + std::to_string(i));
    f["content"]["reach"] = {
        {"views", 1000 * (i + 1) * (i + 1) * 100}, {"followers", 10}, {"shares", 0}};
    f["reason"] = i == 1 ? "hate_speech" : "spam";
    body += f.dump() + "\n";
  }
  auto r =
      Client(intake_)->Post("/v1/flags:batch", body, {{"Content-Type", "application/x-ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::istringstream lines(r.body);
  std::string line;
  std::vector<double> priorities;
  for (int i = 0; std::getline(lines, line); ++i) {
    json res = json::parse(line);
    ASSERT_EQ(res["status"], 201) << line;
    json c = Case(res["flag"]["case_id"].get<int64_t>());
    EXPECT_EQ(c["content_id"], "bprio-" + std::to_string(i));
    double stored = c["priority"], fresh = c["priority_breakdown"]["total"];
    EXPECT_GT(stored, 0);
    EXPECT_NEAR(stored, fresh, 0.5) << c["priority_breakdown"].dump();
    priorities.push_back(stored);
    json events = Client(admin_)
                      ->Get("/v1/cases/" + std::to_string(c["id"].get<int64_t>()) + "/events")
                      .json()["events"];
    int found = 0;
    for (const auto& e : events) {
      if (e["type"] != "flag.received") continue;
      ++found;
      EXPECT_EQ(e["payload"]["content"]["id"], "bprio-" + std::to_string(i)) << e.dump();
      EXPECT_EQ(e["payload"]["reporter"]["id"], "batch-reporter-" + std::to_string(i)) << e.dump();
    }
    EXPECT_EQ(found, 1) << events.dump();
  }
  ASSERT_EQ(priorities.size(), 3u);
  EXPECT_NE(priorities[0], priorities[2]);  // different reach: each line's own score
}

}  // namespace
}  // namespace vigil::testing

namespace vigil::testing {
namespace {

TEST_F(WorkflowTest, CasesOfTheSameAuthor) {
  for (const char* id : {"au-1", "au-2"}) {
    json f = SampleFlag(id, "u1");
    f["content"]["author"] = {{"id", "acct-prolific"}};
    Flag(f);
  }
  json other = SampleFlag("au-3", "u1");
  other["content"]["author"] = {{"id", "acct-quiet"}};
  Flag(other);
  auto admin = Client(admin_);
  json page = admin->Get("/v1/cases?author=acct-prolific").json();
  std::set<std::string> contents;
  for (const auto& c : page["cases"]) contents.insert(c["content_id"]);
  EXPECT_EQ(contents, (std::set<std::string>{"au-1", "au-2"}));
  EXPECT_EQ(admin->Get("/v1/cases?author=nobody").json()["cases"].size(), 0u);
  EXPECT_EQ(admin->Get("/v1/cases?author=" + std::string(300, 'x')).json()["field"], "author");
}

}  // namespace
}  // namespace vigil::testing

namespace vigil::testing {
namespace {

// An admin edits queues.yaml through the API: a bad text is refused naming where and changes
// nothing; a good one is in force at once (new routing) and survives a restart.
TEST_F(WorkflowTest, QueueConfigurationIsEditedThroughTheApi) {
  auto admin = Client(admin_);
  std::string yaml = admin->Get("/v1/queues/config").json()["yaml"];
  ASSERT_NE(yaml.find("routing:"), std::string::npos) << yaml;
  auto bad = admin->Request("PUT", "/v1/queues/config",
                            json{{"yaml", "queues:\n  - name: x\n    colour: blue\n"}}.dump());
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["field"].get<std::string>().rfind("yaml.", 0), 0u) << bad.body;
  EXPECT_EQ(admin->Get("/v1/queues/config").json()["yaml"], yaml);
  EXPECT_EQ(Client(a1_)->Request("PUT", "/v1/queues/config", json{{"yaml", yaml}}.dump()).status, 403);

  // Route spam to a new queue served by the agents' team, ahead of the other rules.
  std::string edited = yaml;
  size_t queues_at = edited.find("queues:\n");
  ASSERT_NE(queues_at, std::string::npos);
  edited.insert(queues_at + 8,
                "  - name: spam_desk\n    teams: [trust-safety]\n"
                "    sla:\n      default: {first_action: 24h, resolution: 72h}\n");
  size_t routing_at = edited.find("routing:\n");
  ASSERT_NE(routing_at, std::string::npos);
  edited.insert(routing_at + 9, "  - {match: {reason: [spam]}, queue: spam_desk}\n");
  auto saved = admin->Request("PUT", "/v1/queues/config", json{{"yaml", edited}}.dump());
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(Case(Flag(SampleFlag("qc-1", "u1")))["queue"], "spam_desk");
  server_.Stop();
  ASSERT_TRUE(server_.Start(data_));
  EXPECT_EQ(Client(admin_)->Get("/v1/queues/config").json()["yaml"], edited);
}

}  // namespace
}  // namespace vigil::testing

namespace vigil::testing {
namespace {

// The reason taxonomy edited by an admin: new codes and severities are in force at once for
// intake and priority; a code in use cannot be removed; a bad text changes nothing.
TEST_F(WorkflowTest, TaxonomyIsEditedThroughTheApi) {
  auto admin = Client(admin_);
  std::string yaml = admin->Get("/v1/taxonomy/config").json()["yaml"];
  ASSERT_NE(yaml.find("code: spam,"), std::string::npos) << yaml;
  EXPECT_EQ(Client(a1_)->Request("PUT", "/v1/taxonomy/config", json{{"yaml", yaml}}.dump()).status, 403);

  std::string no_spam;
  for (size_t at = 0, nl; at < yaml.size(); at = nl + 1) {
    nl = yaml.find('\n', at);
    if (nl == std::string::npos) nl = yaml.size();
    std::string line = yaml.substr(at, nl - at);
    if (line.find("code: spam,") == std::string::npos) no_spam += line + "\n";
  }
  auto removed = admin->Request("PUT", "/v1/taxonomy/config", json{{"yaml", no_spam}}.dump());
  EXPECT_EQ(removed.status, 422);
  EXPECT_EQ(removed.json()["field"], "yaml.reasons") << removed.body;
  EXPECT_NE(removed.body.find("'spam' is in use"), std::string::npos) << removed.body;
  std::string bad_category = yaml + "  - {code: counterfeit, title: Counterfeit, dsa_category: NOPE}\n";
  auto bad = admin->Request("PUT", "/v1/taxonomy/config", json{{"yaml", bad_category}}.dump());
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.json()["field"].get<std::string>().find(".dsa_category"), std::string::npos) << bad.body;
  EXPECT_EQ(admin->Get("/v1/taxonomy/config").json()["yaml"], yaml);

  json counterfeit = SampleFlag("tx-1", "u1");
  counterfeit["reason"] = "counterfeit";
  EXPECT_EQ(Client(intake_)->PostJson("/v1/flags", counterfeit).status, 422);
  double spam_before = Case(Flag(SampleFlag("tx-0", "u1")))["priority"];

  std::string edited = yaml;
  size_t spam_at = edited.find("severity: 1", edited.find("code: spam,"));
  ASSERT_NE(spam_at, std::string::npos);
  edited.replace(spam_at, 11, "severity: 5");
  edited += "  - {code: counterfeit, title: Counterfeit goods, "
            "dsa_category: STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS, severity: 3}\n";
  auto saved = admin->Request("PUT", "/v1/taxonomy/config", json{{"yaml", edited}}.dump());
  ASSERT_EQ(saved.status, 200) << saved.body;

  int64_t severe = Flag(SampleFlag("tx-2", "u1"));
  WaitForPriority(severe);
  EXPECT_GT(Case(severe)["priority"].get<double>(), spam_before);
  EXPECT_EQ(Case(Flag(counterfeit))["reason"], "counterfeit");
  json reasons = Client(a1_)->Get("/v1/taxonomy").json()["reasons"];
  bool listed = false;
  for (const auto& r : reasons) listed = listed || r["code"] == "counterfeit";
  EXPECT_TRUE(listed) << reasons.dump();

  server_.Stop();
  ASSERT_TRUE(server_.Start(data_));
  EXPECT_EQ(Client(admin_)->Get("/v1/taxonomy/config").json()["yaml"], edited);
}

}  // namespace
}  // namespace vigil::testing

namespace vigil::testing {
namespace {

// The console's wellness setting is kept per user on the server (it follows the user across
// browsers); bad input is named and changes nothing.
TEST_F(WorkflowTest, PreferencesAreKeptPerUser) {
  auto a1 = Client(a1_);
  EXPECT_EQ(a1->Get("/v1/auth/me/preferences").json(), json::object());
  auto bad = a1->Request("PUT", "/v1/auth/me/preferences", json{{"wellness", {{"blur", "yes"}}}}.dump());
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["field"], "wellness.blur");
  auto unknown = a1->Request("PUT", "/v1/auth/me/preferences", json{{"theme", "dark"}}.dump());
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.json()["field"], "theme");
  EXPECT_EQ(a1->Get("/v1/auth/me/preferences").json(), json::object());

  json prefs = {{"wellness", {{"blur", true}, {"grayscale", false}}}};
  auto ok = a1->Request("PUT", "/v1/auth/me/preferences", prefs.dump());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(a1->Get("/v1/auth/me/preferences").json(), prefs);
  EXPECT_EQ(Client(a2_)->Get("/v1/auth/me/preferences").json(), json::object());
  server_.Stop();
  ASSERT_TRUE(server_.Start(data_));
  EXPECT_EQ(Client(a1_)->Get("/v1/auth/me/preferences").json(), prefs);
}

}  // namespace
}  // namespace vigil::testing
