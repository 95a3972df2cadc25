// The outbox worker: delivers the webhook messages that changes wrote into the outbox in their
// own transactions. A message is marked delivered only after the receiver answered 2xx; a crash
// in between re-sends it with the same delivery id, so receivers deduplicate by that id. Failed
// attempts back off exponentially; permanent failures and exhausted retries go to the dead-letter
// list, from which an admin can replay them.
#pragma once

#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "auth/auth.h"
#include "notify/webhook.h"
#include "store/group_commit.h"

namespace vigil::notify {

class OutboxWorker {
 public:
  // Polls every `poll` (0: only RunOnce, for tests and the CLI).
  OutboxWorker(store::Store& store, store::GroupCommitter& writer, const Clock& clock,
               RetryPolicy policy, Millis poll);
  ~OutboxWorker();
  // Stops the background thread (idempotent); pending writes keep their callbacks valid.
  void Stop();

  // Attempts every due message once; returns how many were attempted.
  int RunOnce();
  // Puts a dead-lettered message back in line (a webhook.replayed event).
  Status Replay(const auth::Principal& p, int64_t outbox_id);
  void Wake();

 private:
  void Loop();

  store::Store& store_;
  store::GroupCommitter& writer_;
  const Clock& clock_;
  RetryPolicy policy_;
  Millis poll_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::mutex run_mu_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::thread thread_;
};

}  // namespace vigil::notify
