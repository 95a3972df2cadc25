// Who may call a route: the role sets the route tables share (the access test holds the
// complete table of who may do what).
#pragma once

#include <set>

#include "core/domain.h"

namespace vigil::http {

inline const std::set<Role> kEveryone = {Role::kAgent, Role::kSenior,      Role::kQa,
                                         Role::kLegal, Role::kEngineering, Role::kAdmin,
                                         Role::kIntegration};
inline const std::set<Role> kStaff = {Role::kAgent,       Role::kSenior, Role::kQa, Role::kLegal,
                                      Role::kEngineering, Role::kAdmin};
inline const std::set<Role> kCaseReaders = {Role::kAgent, Role::kSenior, Role::kQa, Role::kLegal,
                                            Role::kAdmin};
inline const std::set<Role> kFlaggers = {Role::kIntegration, Role::kAdmin, Role::kSenior,
                                         Role::kAgent, Role::kLegal};
inline const std::set<Role> kReviewers = {Role::kAgent, Role::kSenior, Role::kLegal, Role::kAdmin};
inline const std::set<Role> kAdminOnly = {Role::kAdmin};
inline const std::set<Role> kAuditors = {Role::kAdmin, Role::kQa, Role::kLegal};

}  // namespace vigil::http
