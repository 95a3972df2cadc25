// The domain types shared by every step of the flow: content, accounts, flags, legal orders,
// users and roles. Plain data; validation lives in intake/, persistence in store/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace vigil {

enum class ContentType { kText, kImage, kVideo, kUrl, kAccount, kProduct };
enum class FlagSource { kUser, kTrustedFlagger, kAutomated, kLegalOrder, kInternal };
enum class Role { kAgent, kSenior, kQa, kLegal, kEngineering, kAdmin, kIntegration };

// What a decision can do (DSA Art. 17(1) restrictions, plus deciding not to act).
inline constexpr const char* kActionTypes[] = {
    "no_violation", "remove", "disable", "demote", "age_restrict", "label",
    "interaction_restrict", "suspend_account", "terminate_account", "monetisation_restrict"};

std::string_view ToString(ContentType t);
std::string_view ToString(FlagSource s);
std::string_view ToString(Role r);
std::optional<ContentType> ParseContentType(std::string_view s);
std::optional<FlagSource> ParseFlagSource(std::string_view s);
std::optional<Role> ParseRole(std::string_view s);
const std::vector<Role>& AllRoles();

struct MediaItem {
  std::string url;
  std::vector<std::pair<std::string, std::string>> hashes;  // algorithm -> hex digest
};

// An account on the client platform (an author or a reporter), not a Vigil user.
struct Account {
  std::string id;                        // platform account id
  std::optional<Millis> created_at;      // when the platform created it
  std::string display_name;
};

struct Reach {
  int64_t views = 0;
  int64_t followers = 0;
  int64_t shares = 0;
};

struct ContentItem {
  std::string id;  // platform content id
  ContentType type = ContentType::kText;
  std::string text;
  std::string url;  // canonical location of the content on the platform
  std::vector<MediaItem> media;
  std::optional<Account> author;
  std::optional<Millis> created_at;
  Reach reach;
  std::string language;       // ISO 639-1 when known
  std::string metadata_json;  // free metadata, canonical JSON object ("{}" when none)
};

struct ReporterContact {
  std::string name;
  std::string email;
};

// A legal order (DSA Art. 9): an authority orders action against content.
struct LegalOrder {
  std::string authority;
  std::string legal_ground;
  std::vector<std::string> territorial_scope;  // EEA country codes
  std::optional<Millis> deadline;
  std::string reference;
};

struct Flag {
  std::optional<ContentItem> content;  // inline content...
  std::string content_ref;             // ...or the id of content sent earlier
  std::string reason;                  // a reason code from the taxonomy
  FlagSource source = FlagSource::kUser;
  std::optional<Account> reporter;
  std::optional<ReporterContact> contact;
  std::string explanation;
  std::string location_url;
  bool bona_fide = false;  // the Art. 16(2)(d) statement
  std::optional<LegalOrder> legal_order;
  std::string metadata_json;          // "{}" when none
  std::optional<Millis> received_at;  // only honoured on trusted import paths

  const std::string& ContentId() const { return content ? content->id : content_ref; }
};

}  // namespace vigil
