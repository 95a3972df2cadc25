#include "events/audit.h"

namespace vigil::events {

AuditReport VerifyStore(store::ReadTx& rtx) {
  AuditReport r;
  // Stream the events through the verifier without holding them all in memory.
  std::vector<Event> batch;
  int64_t next_from = 1;
  size_t pos = 0;
  bool exhausted = false;
  auto next = [&](Event& e) -> bool {
    if (pos == batch.size()) {
      if (exhausted) return false;
      batch.clear();
      pos = 0;
      int64_t last_rowid = next_from - 1;
      rtx.ScanEvents(next_from, [&](Event& ev) {
        last_rowid = ev.seq;
        batch.push_back(std::move(ev));
        return batch.size() < 10000;
      });
      if (batch.size() < 10000) exhausted = true;
      if (batch.empty()) return false;
      // Resume after the highest rowid seen; seq equals rowid unless tampered, which the
      // verifier reports before we could loop.
      next_from = std::max(next_from, last_rowid + 1);
    }
    e = std::move(batch[pos++]);
    return true;
  };
  r.chain = VerifyChain(next);
  r.flags = rtx.CountFlags();
  r.flags_without_event = rtx.CountFlagsWithoutEvent();
  r.events_without_flag = rtx.CountFlagEventsWithoutFlag();
  r.rows_missing_reference = rtx.CountRowsWithMissingReference();
  return r;
}

std::string AuditReport::Summary() const {
  std::string s;
  if (chain.ok) {
    s = "event log intact: " + std::to_string(chain.events_checked) + " events verified";
  } else {
    s = "event log BROKEN at seq " + std::to_string(chain.first_bad_seq.value_or(0)) + ": " +
        chain.problem + " (" + std::to_string(chain.events_checked) + " events verified before it)";
  }
  s += "; " + std::to_string(flags) + " flags";
  if (flags_without_event)
    s += "; " + std::to_string(flags_without_event) + " flags without their flag.received event";
  if (events_without_flag)
    s += "; " + std::to_string(events_without_flag) + " flag.received events without their flag";
  if (rows_missing_reference)
    s += "; " + std::to_string(rows_missing_reference) +
         " rows refer to a row that is not there (a case, content item, account or event)";
  return s;
}

}  // namespace vigil::events
