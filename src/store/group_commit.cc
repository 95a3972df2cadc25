#include "store/group_commit.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <vector>

#include "core/thread_name.h"
#include "store/sqlite_db.h"

namespace vigil::store {

GroupCommitter::GroupCommitter(Store& store, Options options)
    : store_(store),
      options_(options),
      completer_([this] {
        NameThisThread("vigil-complete");
        Complete();
      }),
      thread_([this] {
        NameThisThread("vigil-writer");
        Loop();
      }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  {
    std::lock_guard lock(done_mu_);
    writer_stopped_ = true;
  }
  done_cv_.notify_all();
  completer_.join();
}

void GroupCommitter::Submit(Job job, Done done, bool isolated, Lane lane) {
  {
    std::lock_guard lock(mu_);
    if (lane == Lane::kBackground) {
      background_.push_back(
          {std::move(job), std::move(done), isolated, std::chrono::steady_clock::now()});
    } else {
      queue_.push_back({std::move(job), std::move(done), isolated, {}});
    }
  }
  cv_.notify_one();
}

Status GroupCommitter::Run(Job job, bool isolated, Lane lane) {
  std::promise<Status> p;
  auto f = p.get_future();
  Submit(std::move(job), [&p](const Status& s) { p.set_value(s); }, isolated, lane);
  return f.get();
}

bool GroupCommitter::TakeGroup(std::vector<Pending>& group) {
  std::unique_lock lock(mu_);
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (!queue_.empty()) {
      while (!queue_.empty() && group.size() < options_.max_group) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      last_activity_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
      // Background work that waited long enough rides along, one job per group.
      if (!background_.empty() && now - background_.front().since >= options_.max_wait) {
        group.push_back(std::move(background_.front()));
        background_.pop_front();
        background_jobs_.fetch_add(1, std::memory_order_relaxed);
        background_overdue_.fetch_add(1, std::memory_order_relaxed);
      }
      return true;
    }
    if (!background_.empty()) {
      // The writer is idle; background work starts once nobody used the server for idle_gap,
      // or once it has waited max_wait (or stopping: drain it).
      auto quiet =
          SteadyTime(SteadyTime::duration(last_activity_.load(std::memory_order_relaxed))) +
          options_.idle_gap;
      auto overdue = background_.front().since + options_.max_wait;
      auto ready = std::min(quiet, overdue);
      if (stopping_ || now >= ready) {
        if (!stopping_ && now < quiet) background_overdue_.fetch_add(1, std::memory_order_relaxed);
        while (!background_.empty() && group.size() < options_.max_group) {
          group.push_back(std::move(background_.front()));
          background_.pop_front();
          background_jobs_.fetch_add(1, std::memory_order_relaxed);
        }
        return true;
      }
      cv_.wait_until(lock, ready);
      continue;
    }
    if (stopping_) return false;  // stopping and drained
    cv_.wait(lock);
  }
}

void GroupCommitter::Loop() {
  std::vector<Pending> group;
  std::vector<Status> results;
  while (TakeGroup(group)) {
    const auto taken = std::chrono::steady_clock::now();
    results.clear();
    results.reserve(group.size());
    try {
      auto tx = store_.BeginWrite();
      for (auto& p : group) {
        if (p.isolated) tx->Savepoint();
        Status s = Error::Internal("job did not run");
        try {
          s = p.job(*tx);
        } catch (const StoreError&) {
          throw;  // the transaction itself is broken: fail the whole group
        } catch (const std::exception& e) {
          if (!p.isolated) throw;
          s = Error::Internal(e.what());
        }
        if (p.isolated) {
          if (s.ok()) {
            tx->ReleaseSavepoint();
          } else {
            tx->RollbackToSavepoint();
          }
        }
        results.push_back(std::move(s));
      }
      const auto committing = std::chrono::steady_clock::now();
      store_.Commit(*tx);
      const auto committed = std::chrono::steady_clock::now();
      commit_latency_.Observe(committed - committing);
      group_latency_.Observe(committed - taken);
      commits_.fetch_add(1, std::memory_order_relaxed);
      jobs_.fetch_add(group.size(), std::memory_order_relaxed);
      if (failures_in_a_row_) LogRecovery();
    } catch (const std::exception& e) {
      LogFailure(group.size(), e.what());
      failed_groups_.fetch_add(1, std::memory_order_relaxed);
      results.assign(group.size(),
                     Error{ErrorCode::kUnavailable, "", "storage failure; retry the request"});
    }
    Finish(group, results);
    bool idle;
    {
      std::lock_guard lock(mu_);
      idle = queue_.empty();
    }
    try {
      store_.Maintain(idle);
    } catch (const std::exception& e) {  // retried after the next group: once a second in the log
      ++upkeep_failures_unlogged_;
      auto now = std::chrono::steady_clock::now();
      if (now - last_upkeep_failure_logged_ >= std::chrono::seconds(1)) {
        spdlog::warn("store upkeep failed ({} times since the last message): {}",
                     upkeep_failures_unlogged_, e.what());
        last_upkeep_failure_logged_ = now;
        upkeep_failures_unlogged_ = 0;
      }
    }
  }
}

void GroupCommitter::LogFailure(size_t requests, const char* what) {
  auto now = std::chrono::steady_clock::now();
  if (++failures_in_a_row_ == 1) {  // the first of a run, at once
    spdlog::error("write transaction failed, {} requests not acknowledged: {}", requests, what);
    last_failure_logged_ = now;
    return;
  }
  ++failures_unlogged_;
  if (now - last_failure_logged_ < std::chrono::seconds(1)) return;
  spdlog::error(
      "write transactions still failing: {} more since the last message, none "
      "acknowledged; the last with {} requests: {}",
      failures_unlogged_, requests, what);
  last_failure_logged_ = now;
  failures_unlogged_ = 0;
}

void GroupCommitter::LogRecovery() {
  spdlog::warn("write transactions commit again after {} failed in a row", failures_in_a_row_);
  failures_in_a_row_ = 0;
  failures_unlogged_ = 0;
}

void GroupCommitter::WriteMetrics(std::string& out) {
  size_t interactive = 0, background = 0;
  {
    std::lock_guard lock(mu_);
    interactive = queue_.size();
    background = background_.size();
  }
  metrics::Family(out, "vigil_writer_commits_total", "counter",
                  "Write transactions committed (each one fsync for a group of jobs).");
  metrics::Sample(out, "vigil_writer_commits_total", "", static_cast<double>(commits_.load()));
  metrics::Family(out, "vigil_writer_jobs_total", "counter", "Jobs in committed groups.");
  metrics::Sample(out, "vigil_writer_jobs_total", "", static_cast<double>(jobs_.load()));
  metrics::Family(out, "vigil_writer_failed_groups_total", "counter",
                  "Groups whose transaction failed (every job in them answered 503).");
  metrics::Sample(out, "vigil_writer_failed_groups_total", "", static_cast<double>(failed_groups_.load()));
  metrics::Family(out, "vigil_writer_background_jobs_total", "counter",
                  "Background-lane jobs committed, and those that rode along overdue.");
  metrics::Sample(out, "vigil_writer_background_jobs_total", "kind=\"all\"",
                  static_cast<double>(background_jobs_.load()));
  metrics::Sample(out, "vigil_writer_background_jobs_total", "kind=\"overdue\"",
                  static_cast<double>(background_overdue_.load()));
  metrics::Family(out, "vigil_writer_queued_jobs", "gauge", "Jobs waiting for the writer, by lane.");
  metrics::Sample(out, "vigil_writer_queued_jobs", "lane=\"interactive\"", static_cast<double>(interactive));
  metrics::Sample(out, "vigil_writer_queued_jobs", "lane=\"background\"", static_cast<double>(background));
  metrics::Family(out, "vigil_writer_group_duration_seconds", "histogram",
                  "From taking a group of jobs to its commit returning.");
  group_latency_.Write(out, "vigil_writer_group_duration_seconds", "");
  metrics::Family(out, "vigil_writer_commit_duration_seconds", "histogram",
                  "The COMMIT alone: writing the WAL and its fsync.");
  commit_latency_.Write(out, "vigil_writer_commit_duration_seconds", "");
}

void GroupCommitter::Finish(std::vector<Pending>& group, std::vector<Status>& results) {
  {
    std::lock_guard lock(done_mu_);
    finished_.push_back({std::move(group), std::move(results)});
  }
  done_cv_.notify_one();
  group = {};
  results = {};
}

void GroupCommitter::Complete() {
  for (;;) {
    Finished f;
    {
      std::unique_lock lock(done_mu_);
      done_cv_.wait(lock, [&] { return writer_stopped_ || !finished_.empty(); });
      if (finished_.empty()) return;  // the writer stopped and everything was reported
      f = std::move(finished_.front());
      finished_.pop_front();
    }
    for (size_t i = 0; i < f.group.size(); ++i) f.group[i].done(f.results[i]);
  }  // the group's jobs and callbacks are destroyed here, off the writer thread
}

}  // namespace vigil::store
