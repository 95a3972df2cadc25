// Strict parsing of intake JSON into domain types. Unknown fields, wrong types, missing required
// fields, over-long values and unknown reason codes are 422 errors naming the field; bodies that
// are not JSON, not UTF-8 or contain NUL characters are 400 errors. Nothing here touches storage.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/domain.h"
#include "core/error.h"
#include "core/taxonomy.h"

namespace vigil::intake {

inline constexpr size_t kMaxIdBytes = 256;
inline constexpr size_t kMaxTextBytes = 20000;
inline constexpr size_t kMaxExplanationBytes = 5000;
inline constexpr size_t kMaxUrlBytes = 2048;
inline constexpr size_t kMaxNameBytes = 256;
inline constexpr size_t kMaxMediaItems = 32;
inline constexpr size_t kMaxMetadataBytes = 16384;

struct ParseOptions {
  // Import paths (CLI import, demo) may carry the time the platform received the flag and the
  // fields `vigil export` writes (id, case_id, duplicate), which are ignored.
  bool allow_import_fields = false;
};

// Parses a request body as one JSON value: 400 on invalid UTF-8, NUL bytes or bad JSON.
Result<nlohmann::json> ParseJsonBody(std::string_view body, const std::string& field = "body");

Result<Flag> ParseFlag(const nlohmann::json& j, const Taxonomy& taxonomy,
                       const ParseOptions& opts = {});
Result<ContentItem> ParseContent(const nlohmann::json& j, const std::string& path = "content");

// ParseJsonBody and then ParseFlag in one step, with the same results and errors (`field` names
// the body in the 400s), without building an nlohmann tree for the flags JsonDoc can read: the
// intake path.
Result<Flag> ParseFlagJson(std::string_view body, const Taxonomy& taxonomy,
                           const ParseOptions& opts = {}, std::string_view field = "body");

// Canonical JSON encodings used in event payloads and API responses.
nlohmann::json ContentToJson(const ContentItem& c);
nlohmann::json AccountToJson(const Account& a);
nlohmann::json LegalOrderToJson(const LegalOrder& o);

// Writes one JSON object as canonical text straight into a string, without building a tree: the
// bytes are exactly those of nlohmann's dump() of the equivalent object (keys in byte order, no
// whitespace, the same string escapes), so hashes over either encoding agree. Callers must add
// keys in ascending byte order; values given as JSON text (Raw) must already be canonical.
class CanonicalObject {
 public:
  explicit CanonicalObject(std::string& out) : out_(out) { out_ += '{'; }
  ~CanonicalObject() { out_ += '}'; }
  CanonicalObject(const CanonicalObject&) = delete;
  CanonicalObject& operator=(const CanonicalObject&) = delete;

  void Str(std::string_view key, std::string_view value);
  void Int(std::string_view key, int64_t value);
  void Bool(std::string_view key, bool value);
  void Raw(std::string_view key, std::string_view json_text);
  // Starts the value of `key`; the caller then writes exactly one JSON value to out().
  std::string& Key(std::string_view key);
  std::string& out() { return out_; }

 private:
  std::string& out_;
  bool first_ = true;
};

// Appends `s` as a JSON string literal, escaped as nlohmann's dump() does (s is valid UTF-8).
void AppendJsonString(std::string& out, std::string_view s);
// Canonical text of ContentToJson / AccountToJson / LegalOrderToJson.
void AppendContentJson(std::string& out, const ContentItem& c);
void AppendAccountJson(std::string& out, const Account& a);
void AppendLegalOrderJson(std::string& out, const LegalOrder& o);

}  // namespace vigil::intake
