// `vigil audit verify`: checks the event log's hash chain and that the flag projection matches
// the log (every flag has its flag.received event and every such event its flag).
#pragma once

#include <string>

#include "events/chain.h"
#include "store/store.h"

namespace vigil::events {

struct AuditReport {
  VerifyReport chain;
  int64_t flags = 0;
  int64_t flags_without_event = 0;
  int64_t events_without_flag = 0;
  int64_t rows_missing_reference = 0;  // rows whose foreign key finds no row
  bool ok() const {
    return chain.ok && flags_without_event == 0 && events_without_flag == 0 &&
           rows_missing_reference == 0;
  }
  std::string Summary() const;
};

AuditReport VerifyStore(store::ReadTx& rtx);

}  // namespace vigil::events
