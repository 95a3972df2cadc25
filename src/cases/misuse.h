// Misuse by notifiers (DSA Art. 23(2)): a reviewer who finds a case's notices manifestly
// unfounded marks them so; each user reporter of the case gets a mark. Counted over the
// configured window, marks lead first to a warning, then (only after a warning) to the
// reporter's notices being deprioritized for a period: their flags stop adding weight to case
// priority. Both steps are events, outbox notices to the reporter, and visible in the reporter's
// profile. Reversing the decision removes its marks and lifts a deprioritization they caused.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "notify/notices.h"
#include "store/store.h"

namespace vigil::cases {

// Marks the case's user reporters; returns their platform ids.
std::vector<std::string> RecordUnfoundedNotices(store::WriteTx& tx, const Config& config,
                                                const notify::NoticeTemplates& notices,
                                                int64_t case_id, int64_t decision_id,
                                                const std::string& actor, Millis now);

// Removes the marks `decision_id` gave and reinstates reporters who fall below the threshold.
void ReverseUnfoundedNotices(store::WriteTx& tx, const Config& config, int64_t case_id,
                             int64_t decision_id, const std::string& actor, Millis now);

}  // namespace vigil::cases
