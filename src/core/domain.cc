#include "core/domain.h"

#include <array>

namespace vigil {
namespace {

template <typename E, size_t N>
std::optional<E> Lookup(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

constexpr std::array<std::string_view, 6> kContentTypes = {"text",    "image", "video",
                                                           "url",     "account", "product"};
constexpr std::array<std::string_view, 5> kSources = {"user", "trusted_flagger", "automated",
                                                      "legal_order", "internal"};
constexpr std::array<std::string_view, 7> kRoles = {"agent", "senior",      "qa",         "legal",
                                                    "engineering", "admin", "integration"};

}  // namespace

std::string_view ToString(ContentType t) { return kContentTypes[static_cast<size_t>(t)]; }
std::string_view ToString(FlagSource s) { return kSources[static_cast<size_t>(s)]; }
std::string_view ToString(Role r) { return kRoles[static_cast<size_t>(r)]; }
std::optional<ContentType> ParseContentType(std::string_view s) {
  return Lookup<ContentType>(kContentTypes, s);
}
std::optional<FlagSource> ParseFlagSource(std::string_view s) {
  return Lookup<FlagSource>(kSources, s);
}
std::optional<Role> ParseRole(std::string_view s) { return Lookup<Role>(kRoles, s); }

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> roles = {Role::kAgent, Role::kSenior,      Role::kQa,
                                          Role::kLegal, Role::kEngineering, Role::kAdmin,
                                          Role::kIntegration};
  return roles;
}

}  // namespace vigil
