// libFuzzer target: a flag body read by ParseFlagJson (JsonDoc, nlohmann when JsonDoc declines)
// gets exactly the answer of ParseJsonBody + ParseFlag: the same flag or the same error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "intake/flag_parser.h"

namespace {

using namespace vigil;
using namespace vigil::intake;

// Every field of a flag, as text (enough to tell two parses apart).
std::string Describe(const Result<Flag>& r) {
  if (!r)
    return "error " + std::to_string(static_cast<int>(r.error().code)) + r.error().field + ": " +
           r.error().message;
  const Flag& f = r.value();
  std::string out;
  if (f.content) {
    AppendContentJson(out, *f.content);
    for (const auto& m : f.content->media)
      for (const auto& [alg, digest] : m.hashes) out += alg + "=" + digest + ";";
  }
  out += "|" + f.content_ref + "|" + f.reason + "|" + std::string(ToString(f.source)) + "|";
  if (f.reporter) AppendAccountJson(out, *f.reporter);
  if (f.contact) out += "|" + f.contact->name + "|" + f.contact->email;
  out += "|" + f.explanation + "|" + f.location_url + (f.bona_fide ? "|1|" : "|0|");
  if (f.legal_order) AppendLegalOrderJson(out, *f.legal_order);
  out += "|" + f.metadata_json + "|" + std::to_string(f.received_at.value_or(-1));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  for (bool import : {false, true}) {
    ParseOptions opts;
    opts.allow_import_fields = import;
    auto j = ParseJsonBody(body);
    std::string slow =
        j ? Describe(ParseFlag(j.value(), Taxonomy::Default(), opts)) : Describe(j.error());
    if (Describe(ParseFlagJson(body, Taxonomy::Default(), opts)) != slow) std::abort();
  }
  return 0;
}
