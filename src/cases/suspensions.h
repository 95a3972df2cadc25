// Acting on suspension proposals (DSA Art. 23(1)): when an author's active strike weight reaches
// the threshold, a suspension is proposed (never applied automatically); a senior reviewer
// suspends the account for a period or dismisses the proposal. Suspending sends the
// `account.suspended` webhook for the platform to enforce and a statement of reasons to the
// account holder; both outcomes are events.
#pragma once

#include <nlohmann/json.hpp>

#include "auth/auth.h"
#include "cases/case_service.h"
#include "notify/notices.h"
#include "store/group_commit.h"

namespace vigil::cases {

struct SuspensionDecision {
  bool suspend = false;  // false: dismiss the proposal
  Millis duration = 0;   // required when suspending ("for a reasonable period")
  std::string explanation;
};

// Strict parsing; errors name the field.
Result<SuspensionDecision> ParseSuspensionDecision(const nlohmann::json& j);

// Resolves the pending proposal for `account_id`: 404 for an unknown account, 409 when no
// proposal is pending. `outbox_written` is called after a commit that queued messages.
void DecideSuspension(store::GroupCommitter& writer, const notify::NoticeStore& notices,
                      const Clock& clock, const auth::Principal& p, std::string account_id,
                      SuspensionDecision d, std::function<void()> outbox_written, JsonFn done);

}  // namespace vigil::cases
