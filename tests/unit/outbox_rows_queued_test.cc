// A decision wakes the webhook delivery worker only when it queued something for it
// (CaseService::Decide): WriteTx::OutboxRowsQueued counts the outbox rows a transaction wrote,
// which is none for an event no active webhook subscribes to.
#include <gtest/gtest.h>

#include "store/store.h"
#include "support/test_support.h"

namespace vigil::store {
namespace {

TEST(OutboxRowsQueued, CountsOnlyRowsForSubscribedActiveWebhooks) {
  vigil::testing::TempDir tmp;
  auto store = OpenSqliteStore(tmp.path());
  auto tx = store->BeginWrite();
  EXPECT_EQ(tx->EnqueueOutbox("decision.made", "{}", 1000), 0);  // no webhooks yet
  EXPECT_EQ(tx->OutboxRowsQueued(), 0);
  WebhookRow hook;
  hook.url = "http://127.0.0.1:9/hook";
  hook.secret = "0123456789abcdef0123456789abcdef";
  hook.events = {"decision.made"};
  hook.created_at = 1000;
  tx->InsertWebhook(hook);
  hook.events = {"*"};
  hook.disabled = true;
  tx->InsertWebhook(hook);
  EXPECT_EQ(tx->EnqueueOutbox("notice.outcome", "{}", 1000), 0);  // not subscribed; disabled
  EXPECT_EQ(tx->OutboxRowsQueued(), 0);
  EXPECT_EQ(tx->EnqueueOutbox("decision.made", "{}", 1000), 1);
  EXPECT_EQ(tx->EnqueueOutbox("decision.made", "{}", 1001), 1);
  EXPECT_EQ(tx->OutboxRowsQueued(), 2);
  store->Commit(*tx);
}

}  // namespace
}  // namespace vigil::store
