// Enforcement webhooks end to end: a decision writes its webhook into the outbox in the same
// transaction; the server delivers it signed to a local receiver, retries with backoff on
// failure (time moved by the test clock), dead-letters permanent failures, and an admin replays
// them with the same delivery id.
#include <gtest/gtest.h>

#include <thread>

#include "notify/webhook.h"
#include "support/webhook_receiver.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

TEST(WebhookDelivery, SignedRetriedDeadLetteredAndReplayed) {
  TempDir tmp("vigil-webhook");
  std::string data = tmp.Join("data");
  InitDataDir(data);
  std::string intake = CreateUserWithToken(data, "platform", "integration");
  std::string admin = CreateUserWithToken(data, "boss", "admin");
  ServerProcess server;
  ASSERT_TRUE(server.Start(data, {"--test-clock"}));
  Receiver receiver;
  HttpClient c(server.port());
  c.set_token(admin);
  // Bad registrations change nothing.
  EXPECT_EQ(c.PostJson("/v1/webhooks", {{"url", "https://example.org/x"}}).json()["field"], "url");
  // A misspelt event type would be a subscription that never fires.
  std::string ok_url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
  auto typo = c.PostJson("/v1/webhooks",
                         {{"url", ok_url}, {"events", {"decision.made", "decison.reversed"}}});
  EXPECT_EQ(typo.status, 422) << typo.body;
  EXPECT_EQ(typo.json()["field"], "events[1]") << typo.body;
  EXPECT_NE(typo.body.find("decision.reversed"), std::string::npos) << "the known types are listed";
  EXPECT_EQ(
      c.PostJson("/v1/webhooks", {{"url", ok_url}, {"events", {"*", "decision.made"}}}).status,
      422);
  EXPECT_TRUE(c.Get("/v1/webhooks").json()["webhooks"].empty());
  auto reg = c.PostJson("/v1/webhooks", {{"url", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook"},
                                         {"events", {"decision.made", "decision.reversed"}}});
  ASSERT_EQ(reg.status, 201) << reg.body;
  std::string secret = reg.json()["secret"];

  auto decide = [&](const std::string& content) {
    HttpClient in(server.port());
    in.set_token(intake);
    auto f = in.PostJson("/v1/flags", SampleFlag(content, "u-" + content));
    int64_t id = f.json()["case_id"];
    int64_t v = c.Get("/v1/cases/" + std::to_string(id)).json()["version"];
    auto d = c.PostJson("/v1/cases/" + std::to_string(id) + "/decisions",
                        {{"case_version", v}, {"actions", {"remove"}}, {"explanation", "spam"}});
    EXPECT_EQ(d.status, 201) << d.body;
    return id;
  };

  // 1. The receiver fails once (500): the delivery is retried after its backoff.
  receiver.Script({500});
  int64_t case_id = decide("wh-1");
  ASSERT_TRUE(WaitFor([&] { return receiver.hits().size() >= 1; }));
  json pending;
  ASSERT_TRUE(WaitFor([&] {  // the failed attempt is recorded just after the receiver answered
    pending = c.Get("/v1/webhooks/deliveries?status=pending").json()["deliveries"];
    return pending.size() == 1 && pending[0].contains("last_status");
  }));
  EXPECT_EQ(pending[0]["last_status"], 500);
  EXPECT_EQ(pending[0]["attempts"], 1);
  ASSERT_EQ(c.PostJson("/v1/test/clock", {{"advance", "1h"}}).status, 200);
  ASSERT_TRUE(WaitFor([&] { return receiver.hits().size() >= 2; }));
  auto hits = receiver.hits();
  EXPECT_EQ(hits[0].delivery_id, hits[1].delivery_id);  // the idempotency id is stable
  EXPECT_EQ(hits[1].event, "decision.made");
  // The server's clock was moved an hour ahead, so allow that much skew when verifying.
  EXPECT_TRUE(notify::VerifySignature(secret, hits[1].signature, hits[1].body,
                                      std::time(nullptr), 2 * 3600).ok());
  EXPECT_FALSE(notify::VerifySignature("wrong-secret-0123456789", hits[1].signature, hits[1].body,
                                       std::time(nullptr), 2 * 3600).ok());
  json body = json::parse(hits[1].body);
  EXPECT_EQ(body["case_id"], case_id);
  EXPECT_EQ(body["content_id"], "wh-1");
  EXPECT_EQ(body["actions"][0]["type"], "remove");
  ASSERT_TRUE(WaitFor([&] {
    return c.Get("/v1/webhooks/deliveries?status=delivered").json()["deliveries"].size() == 1;
  }));

  // 2. A permanent failure (400) goes to the dead-letter list; replay delivers it.
  // (Only decision events are subscribed here, so notices do not reach this receiver.)
  receiver.Script({400});
  decide("wh-2");
  ASSERT_TRUE(WaitFor([&] {
    return c.Get("/v1/webhooks/deliveries?status=dead").json()["deliveries"].size() == 1;
  }));
  auto dead = c.Get("/v1/webhooks/deliveries?status=dead").json()["deliveries"][0];
  EXPECT_EQ(dead["last_status"], 400);
  EXPECT_EQ(c.Post("/v1/webhooks/deliveries/" + std::to_string(dead["id"].get<int>()) + "/replay", "{}").status, 200);
  ASSERT_TRUE(WaitFor([&] {
    return c.Get("/v1/webhooks/deliveries?status=delivered").json()["deliveries"].size() == 2;
  }));
  EXPECT_EQ(receiver.hits().back().delivery_id, dead["delivery_id"]);
  // Replaying a delivered message is refused.
  EXPECT_EQ(c.Post("/v1/webhooks/deliveries/" + std::to_string(dead["id"].get<int>()) + "/replay", "{}").status, 409);
  EXPECT_EQ(RunVigil({"audit", "verify", "--data", data}), 0);
}

}  // namespace
}  // namespace vigil::testing
