// The notices a decision sends: the outcome to every notifier of the case and, when the decision
// restricts something, the statement of reasons to the affected user (DSA Art. 16(5), 17).
#pragma once

#include <vector>

#include "cases/case_service.h"
#include "notify/notices.h"

namespace vigil::cases {

std::vector<notify::Notice> DecisionNotices(const notify::NoticeTemplates& templates,
                                            const store::CaseSignals& signals,
                                            const Taxonomy& taxonomy, const std::string& content_id,
                                            const DecisionInput& d, Millis now);

}  // namespace vigil::cases
