// Analysis and policies in the flow, against a real `vigil serve` with a term list and policies
// in its data directory: automatic decisions citing the policy version with the trace in the
// timeline, guided review through the guidance API, child safety never decided alone, and
// work left unanalysed when the server was down picked up at start.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "support/workflow_fixture.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

constexpr const char* kScamsPolicy = R"(id: scams
title: Scams
dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD
guidelines: Remove scams.
clauses: { S1: "Known scam phrases", S2: "Reviewed as a scam" }
tree:
  - if: '"scam-phrases" in analysis.term_match.lists'
    then: { action: remove, clause: S1, priority: +10 }
  - else: { priority: +5, question: is_scam }
questions:
  is_scam:
    ask: "Does the post ask for money or credentials under false pretences?"
    guidance: "Look for payment requests, fake prizes, impersonated brands."
    yes: { action: remove, clause: S2 }
    no: { action: no_violation, clause: S2 }
)";

class AutomationTest : public WorkflowTest {
 protected:
  void SetUp() override {
    std::string data = tmp_.Join("data");
    std::filesystem::create_directories(data + "/policies");
    std::filesystem::create_directories(data + "/lists");
    std::ofstream(data + "/policies/scams.yaml") << kScamsPolicy;
    std::filesystem::copy_file(std::string(VIGIL_SOURCE_DIR) + "/policies/child-safety.yaml",
                               data + "/policies/child-safety.yaml");
    std::ofstream(data + "/lists/scam.list")
        << "@name scam-phrases\n@category scam\n@severity 4\nfree money\n";
    WorkflowTest::SetUp();
  }

  json Flag(const std::string& content_id, const std::string& text, const std::string& reason) {
    return {{"content",
             {{"id", content_id},
              {"type", "text"},
              {"text", text},
              {"author", {{"id", "author-" + content_id}}}}},
            {"reason", reason},
            {"source", "user"},
            {"reporter", {{"id", "r-" + content_id}}}};
  }

  json Events(int64_t id) {
    auto r = Client(admin_)->Get("/v1/cases/" + std::to_string(id) + "/events");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["events"];
  }

  // Waits until the case's timeline has an event of `type` (automation runs off the request).
  json WaitForEvent(int64_t id, const std::string& type) {
    // Up to ~15 s: work recovered at start waits while these polls keep the server busy, at most
    // storage.background_max_wait_ms (5 s) per batch.
    for (int i = 0; i < 750; ++i) {
      json events = Events(id);
      for (const auto& e : events)
        if (e["type"] == type) return e;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no " << type << " on case " << id << ": " << Events(id).dump();
    return nullptr;
  }

  int Count(const json& events, const std::string& type) {
    int n = 0;
    for (const auto& e : events) n += e["type"] == type;
    return n;
  }
};

TEST_F(AutomationTest, AListMatchIsDecidedAutomaticallyCitingThePolicyVersionWithTheTrace) {
  std::string text = "Claim your FREE money now!!";
  int64_t id = WorkflowTest::Flag(Flag("post-1", text, "scam"));
  json decided = WaitForEvent(id, "decision.made");
  EXPECT_EQ(decided["actor"], "automation");
  EXPECT_EQ(decided["payload"]["automated_decision"], "fully");
  EXPECT_EQ(decided["payload"]["policy"]["id"], "scams");
  EXPECT_EQ(decided["payload"]["policy"]["version"], "1");
  EXPECT_EQ(decided["payload"]["policy"]["clause"], "S1");
  EXPECT_EQ(decided["payload"]["policy"]["leaf"], "tree[0].then");
  EXPECT_FALSE(decided["payload"]["policy"]["trace"].empty());

  json events = Events(id);
  json evaluated;
  for (const auto& e : events)
    if (e["type"] == "policy.evaluated") evaluated = e;
  ASSERT_FALSE(evaluated.is_null()) << events.dump();
  EXPECT_EQ(evaluated["payload"]["policy"], "scams");
  EXPECT_EQ(evaluated["payload"]["mode"], "active");
  EXPECT_EQ(evaluated["payload"]["status"], "outcome");
  EXPECT_EQ(evaluated["payload"]["automation"], "decided the case");
  const json& first = evaluated["payload"]["trace"][0];
  EXPECT_EQ(first["result"], "true");
  EXPECT_EQ(first["values"]["analysis.term_match.lists"], "[scam-phrases]");
  // The evaluation is recorded before the decision it leads to.
  EXPECT_LT(evaluated["seq"].get<int64_t>(), decided["seq"].get<int64_t>());

  json c = Case(id);
  EXPECT_EQ(c["status"], "decided");
  ASSERT_EQ(c["decisions"].size(), 1u);
  EXPECT_EQ(c["decisions"][0]["policy"]["version"], "1");
  EXPECT_EQ(c["decisions"][0]["automated_decision"], "fully");
  // The stored signals, with the span of the match in the text as written.
  json match;
  for (const auto& s : c["analysis"]["signals"])
    if (s["name"] == "term_match") match = s;
  ASSERT_FALSE(match.is_null()) << c["analysis"].dump();
  size_t b = match["spans"][0]["begin"], e = match["spans"][0]["end"];
  EXPECT_EQ(text.substr(b, e - b), "FREE money");
  EXPECT_TRUE(c["analysis"]["current"].get<bool>());
  // The event log has the analysis as stored: what the projection is rebuilt from.
  auto log = Client(admin_)->Get("/v1/events?limit=1000");
  json all = log.json()["events"];
  json analysed;
  for (const auto& ev : all)
    if (ev["type"] == "content.analysed" && ev["payload"]["content_id"] == "post-1") analysed = ev;
  ASSERT_FALSE(analysed.is_null()) << all.dump();
  EXPECT_EQ(analysed["actor"], "automation");
  EXPECT_EQ(analysed["payload"]["analysis"]["signals"], c["analysis"]["signals"]);
  ASSERT_EQ(c["policies"].size(), 1u);
  EXPECT_EQ(c["policies"][0]["status"], "outcome");
}

TEST_F(AutomationTest, AQuestionWaitsAndIsDecidedThroughTheGuidance) {
  int64_t id = WorkflowTest::Flag(Flag("post-2", "Send me 50 euros and I double it", "scam"));
  json evaluated = WaitForEvent(id, "policy.evaluated");
  EXPECT_EQ(evaluated["payload"]["status"], "question");
  EXPECT_EQ(evaluated["payload"]["automation"], "waiting for a reviewer");
  auto agent = Client(a1_);
  auto g = agent->Get("/v1/cases/" + std::to_string(id) + "/guidance");
  ASSERT_EQ(g.status, 200) << g.body;
  json guide = g.json();
  ASSERT_EQ(guide["policies"].size(), 1u);
  EXPECT_EQ(guide["policies"][0]["question"]["name"], "is_scam");
  EXPECT_EQ(guide["policies"][0]["question"]["guidance"],
            "Look for payment requests, fake prizes, impersonated brands.");
  EXPECT_EQ(guide["policies"][0]["question"]["choices"], json({"yes", "no"}));
  EXPECT_EQ(Case(id)["status"], "open");
  EXPECT_GT(Case(id)["priority_breakdown"]["terms"].back()["value"].get<double>(), 0);  // +5

  std::string answers = "/v1/cases/" + std::to_string(id) + "/answers";
  auto bad =
      agent->PostJson(answers, {{"policy", "scams"}, {"question", "is_scam"}, {"answer", "maybe"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["field"], "answer") << bad.body;
  bad = agent->PostJson(answers, {{"policy", "scams"}, {"question", "other"}, {"answer", "yes"}});
  EXPECT_EQ(bad.json()["field"], "question") << bad.body;

  auto r =
      agent->PostJson(answers, {{"policy", "scams"}, {"question", "is_scam"}, {"answer", "yes"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json answered = r.json();
  EXPECT_EQ(answered["status"], "outcome");
  json proposed = answered["proposed_decision"];
  EXPECT_EQ(proposed["policy"]["leaf"], "questions.is_scam.yes");
  EXPECT_EQ(proposed["policy"]["clause"], "S2");
  EXPECT_EQ(proposed["policy"]["answers"]["is_scam"], "yes");
  EXPECT_EQ(WaitForEvent(id, "policy.answered")["payload"]["answer"], "yes");

  // A leaf the answers do not lead to is refused, naming the field; the right one is recorded.
  std::string decide = "/v1/cases/" + std::to_string(id) + "/decisions";
  json wrong = proposed;
  wrong["policy"]["leaf"] = "questions.is_scam.no";
  auto refused = agent->PostJson(decide, wrong);
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(refused.json()["field"], "policy.leaf") << refused.body;
  wrong = proposed;
  wrong["policy"]["answers"] = json::object();
  refused = agent->PostJson(decide, wrong);
  EXPECT_EQ(refused.json()["field"], "policy.answers") << refused.body;
  auto ok = agent->PostJson(decide, proposed);
  ASSERT_EQ(ok.status, 201) << ok.body;
  json c = Case(id);
  EXPECT_EQ(c["decisions"][0]["policy"]["leaf"], "questions.is_scam.yes");
  EXPECT_EQ(c["decisions"][0]["policy"]["answers"]["is_scam"], "yes");
  EXPECT_EQ(c["decisions"][0]["decided_by"].get<std::string>().rfind("user:", 0), 0u);
}

TEST_F(AutomationTest, ChildSafetyIsEscalatedButNeverDecidedAlone) {
  int64_t id = WorkflowTest::Flag(
      Flag("post-3", "hey how old are you, lets talk on another app", "child_safety"));
  json escalated = WaitForEvent(id, "case.escalated");
  EXPECT_EQ(escalated["actor"], "automation");
  EXPECT_EQ(escalated["payload"]["tier"], "child_safety");
  EXPECT_NE(escalated["payload"]["note"].get<std::string>().find("child_safety v1"),
            std::string::npos);
  // Nobody is there to say whether an NCMEC report is needed: the tier's required field is
  // listed for the tier to complete, and the escalation is not held back for it.
  EXPECT_EQ(escalated["payload"]["fields"], json::object());
  ASSERT_EQ(escalated["payload"]["incomplete"].size(), 1u) << escalated.dump();
  EXPECT_EQ(escalated["payload"]["incomplete"][0]["field"], "fields.ncmec_report_needed");
  EXPECT_EQ(escalated["payload"]["incomplete"][0]["reason"], "required by the child_safety tier");
  json c = Case(id);
  EXPECT_EQ(c["status"], "open");
  EXPECT_EQ(c["tier"], "child_safety");
  EXPECT_TRUE(c["decisions"].empty());
  // A second flag re-evaluates: still no decision, and the identical walk is not recorded again.
  WorkflowTest::Flag(
      Flag("post-3", "hey how old are you, lets talk on another app", "child_safety"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Case(id)["status"], "open");
  EXPECT_EQ(Count(Events(id), "decision.made"), 0);
  EXPECT_EQ(Count(Events(id), "policy.evaluated"), 1);

  auto g = Client(admin_)->Get("/v1/cases/" + std::to_string(id) + "/guidance");
  ASSERT_EQ(g.status, 200) << g.body;
  json guide = g.json();
  ASSERT_EQ(guide["policies"].size(), 1u);
  EXPECT_EQ(guide["policies"][0]["status"], "question");
  EXPECT_EQ(guide["policies"][0]["question"]["name"], "grooming");
  EXPECT_EQ(guide["policies"][0]["automation"], "never");
}

// A policy gives the legal tier's hand-off under `fields:`: the automatic escalation carries it,
// typed as a person would send it, and what the policy got wrong is listed, not sent.
TEST_F(AutomationTest, AnAutomaticEscalationCarriesThePolicysHandoffFields) {
  const std::string threats = R"(id: threats
title: Threats
dsa_category: STATEMENT_CATEGORY_VIOLENCE
guidelines: Credible threats go to legal for a law-enforcement report.
tiers: [legal]
tree:
  - else:
      escalate: legal
      fields:
        jurisdiction: EU
        legal_question: "Threat to life or safety: notify law enforcement under DSA Art. 18?"
        deadline: "not a time"
)";
  auto created = Client(admin_)->PostJson(
      "/v1/policies", {{"yaml", threats}, {"reason", "threats to legal"}, {"activate", true}});
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t id = WorkflowTest::Flag(Flag("post-threat", "I know where you live, see you", "violence"));
  json escalated = WaitForEvent(id, "case.escalated");
  EXPECT_EQ(escalated["actor"], "automation");
  EXPECT_EQ(escalated["payload"]["tier"], "legal");
  EXPECT_EQ(escalated["payload"]["fields"],
            (json{{"jurisdiction", "EU"},
                  {"legal_question",
                   "Threat to life or safety: notify law enforcement under DSA Art. 18?"}}));
  ASSERT_EQ(escalated["payload"]["incomplete"].size(), 1u) << escalated.dump();
  EXPECT_EQ(escalated["payload"]["incomplete"][0]["field"], "fields.deadline");
  EXPECT_EQ(Case(id)["tier"], "legal");
}

TEST_F(AutomationTest, RestartPicksUpWhatWasNotAnalysed) {
  ASSERT_EQ(server_.Stop(), 0);
  // Imported while no server runs: stored and acknowledged, never seen by automation.
  std::string file = tmp_.Join("flags.ndjson");
  std::ofstream(file) << Flag("post-4", "free money for everyone", "spam").dump() << "\n";
  ASSERT_EQ(RunVigil({"import", "--data", data_, "--file", file}), 0);
  ASSERT_TRUE(server_.Start(data_));
  auto list = Client(admin_)->Get("/v1/cases?limit=10");
  json cases = list.json()["cases"];
  ASSERT_EQ(cases.size(), 1u);
  int64_t id = cases[0]["id"];
  json decided = WaitForEvent(id, "decision.made");
  EXPECT_EQ(decided["payload"]["policy"]["id"], "scams");
  EXPECT_TRUE(Case(id)["analysis"]["current"].get<bool>());
}

TEST_F(AutomationTest, CatchUpHandlesAnImportedBacklogOffline) {
  ASSERT_EQ(server_.Stop(), 0);
  std::string file = tmp_.Join("flags.ndjson");
  {
    std::ofstream out(file);
    out << Flag("post-5", "free money for everyone", "spam").dump() << "\n";
    out << Flag("post-6", "a picture of my garden", "spam").dump() << "\n";
  }
  ASSERT_EQ(RunVigil({"import", "--data", data_, "--file", file}), 0);
  std::string out;
  ASSERT_EQ(RunVigil({"analysis", "catch-up", "--data", data_}, &out), 0);
  EXPECT_NE(out.find("analysed 2 content items, evaluated 2 cases"), std::string::npos) << out;
  EXPECT_NE(out.find("automation decided 1,"), std::string::npos) << out;
  // Nothing is left: a second run does nothing.
  ASSERT_EQ(RunVigil({"analysis", "catch-up", "--data", data_}, &out), 0);
  EXPECT_NE(out.find("analysed 0 content items, evaluated 0 cases"), std::string::npos) << out;
  EXPECT_NE(RunVigil({"analysis", "catch-up", "--data", tmp_.Join("nope")}), 0);

  ASSERT_TRUE(server_.Start(data_));
  auto list = Client(admin_)->Get("/v1/cases?limit=10");
  json cases = list.json()["cases"];
  ASSERT_EQ(cases.size(), 2u);
  int decided = 0;
  for (const auto& c : cases) {
    json full = Case(c["id"]);
    EXPECT_TRUE(full["analysis"]["current"].get<bool>()) << full.dump();
    decided += full["status"] == "decided";
  }
  EXPECT_EQ(decided, 1);
}

// A case a person escalated belongs to the tier: automation evaluating it later (here, work
// caught up after the escalation) records what the policy says but neither decides it nor
// moves it back to the policy's queue.
TEST_F(AutomationTest, AnEscalatedCaseIsLeftToItsTier) {
  ASSERT_EQ(server_.Stop(), 0);
  std::string config = data_ + "/vigil.yaml";
  std::string original;
  {
    std::ifstream in(config);
    original.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(config) << original << "\nautomation:\n  enabled: false\n";
  ASSERT_TRUE(server_.Start(data_));
  int64_t id = WorkflowTest::Flag(Flag("post-7", "Claim your FREE money now!!", "scam"));
  auto esc = Client(admin_)->PostJson(
      "/v1/cases/" + std::to_string(id) + "/escalate",
      {{"tier", "legal"},
       {"note", "Looks like a court matter"},
       {"case_version", Case(id)["version"]},
       {"fields", {{"jurisdiction", "DE"}, {"legal_question", "Unlawful under national law?"}}}});
  ASSERT_EQ(esc.status, 200) << esc.body;
  ASSERT_EQ(server_.Stop(), 0);
  std::ofstream(config) << original;  // automation back on
  std::string out;
  ASSERT_EQ(RunVigil({"analysis", "catch-up", "--data", data_}, &out), 0);
  EXPECT_NE(out.find("automation decided 0, escalated 0, routed 0"), std::string::npos) << out;

  ASSERT_TRUE(server_.Start(data_));
  json c = Case(id);
  EXPECT_EQ(c["status"], "open");
  EXPECT_EQ(c["queue"], "legal");
  EXPECT_EQ(c["tier"], "legal");
  json evaluated;
  for (const auto& e : Events(id))
    if (e["type"] == "policy.evaluated") evaluated = e;
  ASSERT_FALSE(evaluated.is_null());
  EXPECT_EQ(evaluated["payload"]["automation"], "held: escalated to the legal tier: the tier decides");
}

// A burst faster than automation keeps up with (more than 1,024 changes waiting) goes to the
// background lane; once the burst is over, every item is still analysed and evaluated.
TEST_F(AutomationTest, ABurstIsCaughtUpOnceIntakeQuietsDown) {
  constexpr int kFlags = 1500;
  std::string body;
  for (int i = 0; i < kFlags; ++i)
    body += Flag("burst-" + std::to_string(i), "a post number " + std::to_string(i), "spam")
                .dump() +
            "\n";
  auto r = Client(intake_)->Post("/v1/flags:batch", body,
                                 {{"Content-Type", "application/x-ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
  // Polls leave the server quiet in between, so the background lane runs.
  auto admin = Client(admin_);
  int analysed = 0;
  for (int attempt = 0; attempt < 200 && analysed < kFlags; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    analysed = 0;
    for (int64_t after = 0;;) {
      json page = admin->Get("/v1/events?limit=1000&after=" + std::to_string(after)).json();
      if (page["events"].empty()) break;
      for (const auto& e : page["events"]) {
        analysed += e["type"] == "content.analysed";
        after = e["seq"];
      }
    }
  }
  EXPECT_EQ(analysed, kFlags);
  ASSERT_EQ(server_.Stop(), 0);
  std::string out;
  ASSERT_EQ(RunVigil({"analysis", "catch-up", "--data", data_}, &out), 0);
  EXPECT_NE(out.find("analysed 0 content items, evaluated 0 cases"), std::string::npos) << out;
  ASSERT_TRUE(server_.Start(data_));
}

}  // namespace
}  // namespace vigil::testing
