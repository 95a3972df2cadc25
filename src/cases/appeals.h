// Appeals (DSA Art. 20 internal complaints): the affected user appeals a restriction, or the
// notifier a decision not to act, within the configured window (at least six months). The case
// reopens in the appeals queue; a person other than the original decider decides it (never an
// integration client, never fully automated). Overturning records a reversal decision citing
// the original; both outcomes go out through the outbox so the platform can notify both parties.
#pragma once

#include <nlohmann/json.hpp>

#include "cases/case_service.h"

namespace vigil::cases {

struct AppealInput {
  int64_t decision_id = 0;  // 0: the case's latest decision
  std::string appellant_role;  // affected_user | notifier
  std::string appellant_id;
  std::string grounds;
};

struct AppealDecisionInput {
  bool overturn = false;
  std::string explanation;
  std::vector<Action> actions;  // required when overturning a decision not to act
  int64_t case_version = 0;
};

Result<AppealInput> ParseAppeal(const nlohmann::json& j);
Result<AppealDecisionInput> ParseAppealDecision(const nlohmann::json& j);

class Appeals {
 public:
  // `notices` must outlive this object (the case service's templates).
  Appeals(store::GroupCommitter& writer, const Config& config, const Clock& clock,
          const notify::NoticeStore& notices, std::function<void()> outbox_written)
      : writer_(writer),
        config_(config),
        clock_(clock),
        notices_(notices),
        outbox_written_(std::move(outbox_written)) {}

  void File(const auth::Principal& p, int64_t case_id, AppealInput in, JsonFn done);
  void Decide(const auth::Principal& p, int64_t appeal_id, AppealDecisionInput in, JsonFn done);

 private:
  store::GroupCommitter& writer_;
  const Config& config_;
  const Clock& clock_;
  const notify::NoticeStore& notices_;
  std::function<void()> outbox_written_;
};

}  // namespace vigil::cases
