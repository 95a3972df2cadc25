#include "events/chain.h"

#include <sodium.h>

#include <stdexcept>

namespace vigil::events {
namespace {

void PutU64(crypto_generichash_blake2b_state* st, uint64_t v) {
  unsigned char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
  crypto_generichash_blake2b_update(st, b, sizeof b);
}

void PutField(crypto_generichash_blake2b_state* st, const std::string& s) {
  PutU64(st, s.size());
  crypto_generichash_blake2b_update(st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

}  // namespace

const std::string& GenesisHash() {
  static const std::string genesis(kHashBytes, '\0');
  return genesis;
}

std::string ComputeHash(const std::string& prev_hash, const Event& e) {
  crypto_generichash_blake2b_state st;
  crypto_generichash_blake2b_init(&st, nullptr, 0, kHashBytes);
  static const std::string kDomain = "vigil.event.v1";
  PutField(&st, kDomain);
  PutField(&st, prev_hash);
  PutU64(&st, static_cast<uint64_t>(e.seq));
  PutU64(&st, static_cast<uint64_t>(e.ts));
  PutField(&st, e.type);
  PutField(&st, e.subject);
  PutField(&st, e.actor);
  PutField(&st, e.payload);
  std::string out(kHashBytes, '\0');
  crypto_generichash_blake2b_final(&st, reinterpret_cast<unsigned char*>(out.data()), kHashBytes);
  return out;
}

std::string ToHex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

VerifyReport VerifyChain(const std::function<bool(Event&)>& next) {
  VerifyReport r;
  std::string prev = GenesisHash();
  int64_t expected_seq = 1;
  Event e;
  while (next(e)) {
    auto bad = [&](int64_t seq, std::string why) {
      r.ok = false;
      r.first_bad_seq = seq;
      r.problem = std::move(why);
    };
    if (e.seq != expected_seq) {
      bad(expected_seq, e.seq > expected_seq
                            ? "event " + std::to_string(expected_seq) + " is missing (next is " +
                                  std::to_string(e.seq) + ")"
                            : "sequence out of order: found " + std::to_string(e.seq));
      return r;
    }
    if (e.prev_hash != prev) {
      bad(e.seq, "previous-hash link does not match event " + std::to_string(e.seq - 1));
      return r;
    }
    if (ComputeHash(prev, e) != e.hash) {
      bad(e.seq, "content does not match its hash (altered or swapped)");
      return r;
    }
    prev = e.hash;
    ++expected_seq;
    ++r.events_checked;
  }
  return r;
}

}  // namespace vigil::events
