// The moderation event log's tamper evidence. Every event's hash is BLAKE2b-256 over the previous
// event's hash and a canonical, length-prefixed encoding of (seq, time, type, subject, actor,
// payload). Altering any byte, deleting an event or swapping two breaks the chain at that event.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"

namespace vigil::events {

inline constexpr size_t kHashBytes = 32;

struct Event {
  int64_t seq = 0;
  std::string type;     // "flag.received", "case.opened", "user.login", ...
  std::string subject;  // what it is about: "flag:12", "case:7", "user:3"
  std::string actor;    // who did it: "user:1", "token:4", "system", "cli"
  Millis ts = 0;        // UTC ms
  std::string payload;  // canonical JSON (sorted keys, no insignificant whitespace)
  std::string prev_hash;  // kHashBytes raw bytes
  std::string hash;       // kHashBytes raw bytes
};

// The hash before the first event.
const std::string& GenesisHash();

// Hash of `e` given the previous hash; ignores e.prev_hash and e.hash.
std::string ComputeHash(const std::string& prev_hash, const Event& e);

std::string ToHex(const std::string& bytes);

struct VerifyReport {
  bool ok = true;
  int64_t events_checked = 0;
  std::optional<int64_t> first_bad_seq;
  std::string problem;
};

// Walks events in storage order (ascending seq, as stored) through `next`, which fills the event
// and returns false at the end. Checks contiguous sequence numbers, the prev-hash links and each
// hash. Stops at the first bad event.
VerifyReport VerifyChain(const std::function<bool(Event&)>& next);

}  // namespace vigil::events
