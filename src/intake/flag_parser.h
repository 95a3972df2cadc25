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

// Canonical JSON encodings used in event payloads and API responses.
nlohmann::json ContentToJson(const ContentItem& c);
nlohmann::json AccountToJson(const Account& a);
nlohmann::json LegalOrderToJson(const LegalOrder& o);

}  // namespace vigil::intake
