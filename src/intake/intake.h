// Flag and content intake: rate limits, idempotency, deduplication and the durable write. A flag
// joins the open case of its content (or opens one); a second flag from the same reporter on the
// same case is stored but marked duplicate and does not count as a new reporter. The callback
// fires only after the group commit made the flag durable.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "auth/auth.h"
#include "core/config.h"
#include "core/taxonomy.h"
#include "intake/rate_limiter.h"
#include "notify/notices.h"
#include "store/group_commit.h"

namespace vigil::intake {

// An HTTP-shaped outcome: status and JSON body (a problem document when status >= 400).
struct Outcome {
  int status = 200;
  nlohmann::json body;
  std::string text = {};  // the body already serialized (then `body` is unused)
  int retry_after_s = 0;  // 429: the limiter's wait (0: the server's default, 1 s)
};

using OutcomeFn = std::function<void(Outcome)>;

// A batch's answer: 200 with NDJSON results, or an error status with a problem+json body.
struct BatchOutcome {
  int status = 200;
  std::string body;
};

struct IdempotencyKey {
  std::string key;           // empty: none
  std::string request_hash;  // hash of the request body
};

class Intake {
 public:
  Intake(store::GroupCommitter& writer, const Taxonomy& taxonomy, const Config& config,
         const Clock& clock)
      : writer_(writer), taxonomy_(taxonomy), config_(config), clock_(clock) {}

  // One flag, already parsed. `done` gets 201 with the flag receipt, or an error.
  void SubmitFlag(const auth::Principal& p, Flag flag, IdempotencyKey idem, OutcomeFn done);
  // NDJSON batch: every line is parsed and validated, valid ones are written in one job, and
  // `done` gets 200 with NDJSON, one result per non-blank input line ({"line", "status",
  // "flag"|"error"}), or the idempotency conflict's problem.
  void SubmitBatch(const auth::Principal& p, std::string_view ndjson, IdempotencyKey idem,
                   std::function<void(BatchOutcome)> done);
  void SubmitContent(const auth::Principal& p, ContentItem content, IdempotencyKey idem,
                     OutcomeFn done);

  // Called after the commit with the case each accepted flag joined or opened (to keep
  // derived state such as priority current). Set once, before requests arrive.
  void SetCaseChangedHook(std::function<void(int64_t case_id)> hook) {
    case_changed_ = std::move(hook);
  }

  // Called after the commit for every accepted flag (the case it joined or opened) and every
  // content item written (its row id), scored or not: analysis and policies run on each.
  void SetAutomationHooks(std::function<void(int64_t case_id)> flag_written,
                          std::function<void(int64_t content_pk)> content_written) {
    flag_written_ = std::move(flag_written);
    content_written_ = std::move(content_written);
  }

  // Chooses the queue a new case opens in (routing rules); defaults to the reason's queue.
  using Router = std::function<std::string(const Flag&, const Reason&)>;
  void SetRouter(Router router) { router_ = std::move(router); }

  // Scores a case opened by `flag` alone (inline content, reporter without history) at
  // `received`, evaluated at `now`; such cases are written with their priority. Set once.
  using Scorer = std::function<double(const Flag&, const Reason&, Millis received, Millis now)>;
  void SetScorer(Scorer scorer) { scorer_ = std::move(scorer); }

  // Receipt notices to notifiers with contact details (DSA Art. 16(4)) go to the outbox with the
  // flag; `hook` is called after a commit that queued one. Imports send none.
  void SetReceipts(const notify::NoticeStore* templates, std::function<void()> hook) {
    receipts_ = templates;
    outbox_written_ = std::move(hook);
  }

  // For trusted local paths (CLI import, demo): no rate limits, import fields allowed.
  // Writes all valid lines, returns per-line results like SubmitBatch (blocking); a line whose
  // flag opened a case already scored carries "scored": true.
  std::vector<nlohmann::json> ImportLines(const auth::Principal& p,
                                          const std::vector<std::string>& lines,
                                          size_t first_line_no);

 private:
  std::optional<Outcome> CheckRate(const auth::Principal& p, const Flag& f, double cost);

  store::GroupCommitter& writer_;
  const Taxonomy& taxonomy_;
  const Config& config_;
  const Clock& clock_;
  RateLimiter limiter_;
  std::function<void(int64_t)> case_changed_;
  std::function<void(int64_t)> flag_written_, content_written_;
  Router router_;
  Scorer scorer_;
  const notify::NoticeStore* receipts_ = nullptr;
  std::function<void()> outbox_written_;
  void OutboxWritten() const {
    if (outbox_written_) outbox_written_();
  }
  void CaseChanged(int64_t case_id) const {
    if (case_changed_) case_changed_(case_id);
  }
  void FlagWritten(int64_t case_id) const {
    if (flag_written_) flag_written_(case_id);
  }
};

nlohmann::json Problem(const Error& e);
std::string HashRequest(std::string_view body);

}  // namespace vigil::intake
