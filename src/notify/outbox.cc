#include "notify/outbox.h"
#include "core/thread_name.h"

#include <spdlog/spdlog.h>

#include <map>
#include <nlohmann/json.hpp>

namespace vigil::notify {

OutboxWorker::OutboxWorker(store::Store& store, store::GroupCommitter& writer, const Clock& clock,
                           RetryPolicy policy, Millis poll)
    : store_(store), writer_(writer), clock_(clock), policy_(policy), poll_(poll) {
  if (poll_ > 0) thread_ = std::thread([this] {
    NameThisThread("vigil-outbox");
    Loop();
  });
}

OutboxWorker::~OutboxWorker() { Stop(); }

void OutboxWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OutboxWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void OutboxWorker::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(poll_), [&] { return stopping_ || woken_; });
    if (stopping_) break;
    woken_ = false;
    lock.unlock();
    try {
      while (RunOnce() > 0) {
      }
    } catch (const std::exception& e) {
      spdlog::warn("outbox: {}", e.what());
    }
    lock.lock();
  }
}

int OutboxWorker::RunOnce() {
  std::lock_guard run_lock(run_mu_);
  Millis now = clock_.Now();
  std::vector<store::OutboxRow> due;
  std::map<int64_t, store::WebhookRow> hooks;
  {
    auto rtx = store_.BeginRead();
    due = rtx->DueOutbox(now, 100);
    if (due.empty()) return 0;
    for (auto& w : rtx->ListWebhooks()) hooks[w.id] = w;
  }
  struct Outcome {
    store::OutboxRow row;
    AttemptResult result;
  };
  std::vector<Outcome> outcomes;
  for (const auto& row : due) {
    const auto& hook = hooks[row.webhook_id];
    WebhookTarget target{hook.url, hook.secret, 5000};
    Delivery d{"dlv_" + std::to_string(row.id), row.event_type, row.body, row.attempts + 1};
    AttemptResult r = hook.disabled ? AttemptResult{AttemptResult::kPermanentFailure, 0,
                                                    "webhook disabled", std::nullopt}
                                    : Deliver(target, d, now / 1000);
    outcomes.push_back({row, std::move(r)});
  }
  Millis after = clock_.Now();
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  Status s = writer_.Run([&](store::WriteTx& tx) -> Status {
    for (auto& o : outcomes) {
      int attempts = o.row.attempts + 1;
      std::optional<int> status =
          o.result.http_status ? std::optional<int>(o.result.http_status) : std::nullopt;
      if (o.result.kind == AttemptResult::kDelivered) {
        tx.MarkOutbox(o.row.id, "delivered", attempts, o.row.next_attempt_at, status, "", after);
        continue;
      }
      std::optional<Millis> next;
      if (o.result.kind == AttemptResult::kRetry) {
        next = NextAttemptAt(policy_, attempts, after, jitter(rng_));
        // Honour Retry-After, but never beyond the policy's cap.
        if (next && o.result.retry_after_ms)
          next = std::max(*next, after + std::min(*o.result.retry_after_ms, policy_.cap));
      }
      if (next) {
        tx.MarkOutbox(o.row.id, "pending", attempts, *next, status, o.result.error, std::nullopt);
        continue;
      }
      tx.MarkOutbox(o.row.id, "dead", attempts, o.row.next_attempt_at, status, o.result.error,
                    std::nullopt);
      events::Event e;
      e.type = "webhook.dead_lettered";
      e.subject = "outbox:" + std::to_string(o.row.id);
      e.actor = "system";
      e.ts = after;
      e.payload = nlohmann::json{{"webhook_id", o.row.webhook_id},
                                 {"event_type", o.row.event_type},
                                 {"attempts", attempts},
                                 {"error", o.result.error.substr(0, 500)}}
                      .dump();
      tx.AppendEvent(e);
    }
    return OkStatus();
  });
  if (!s) spdlog::warn("outbox: recording delivery outcomes failed: {}", s.error().message);
  return static_cast<int>(outcomes.size());
}

Status OutboxWorker::Replay(const auth::Principal& p, int64_t outbox_id) {
  Status s = writer_.Run([&](store::WriteTx& tx) -> Status {
    auto row = tx.GetOutbox(outbox_id);
    if (!row) return Error::NotFound("no delivery " + std::to_string(outbox_id));
    if (row->status != "dead")
      return Error::Conflict("status", "only dead-lettered deliveries can be replayed (this one is " +
                                           row->status + ")");
    Millis now = clock_.Now();
    tx.MarkOutbox(outbox_id, "pending", 0, now, row->last_status, row->last_error, std::nullopt);
    events::Event e;
    e.type = "webhook.replayed";
    e.subject = "outbox:" + std::to_string(outbox_id);
    e.actor = p.Actor();
    e.ts = now;
    e.payload = nlohmann::json{{"webhook_id", row->webhook_id}}.dump();
    tx.AppendEvent(e);
    return OkStatus();
  });
  if (s) Wake();
  return s;
}

}  // namespace vigil::notify
