// The /v1 JSON API: every route with the roles allowed on it. Handlers parse, authorize, call one
// service function and serialize; the rules live in intake/, auth/, store/ and events/.
#pragma once

#include <nlohmann/json.hpp>

#include "cli/services.h"
#include "http/server.h"

namespace vigil::http {

// Registers every route of the API on `server`.
void AddApiRoutes(Server& server, Services& services);

// The OpenAPI 3.1 document describing the routes registered on `server`.
nlohmann::json OpenApiDocument(const Server& server);

// Queues whose cases a principal may see; empty optional = all queues.
std::optional<std::vector<std::string>> VisibleQueues(const auth::Principal& p,
                                                      const cases::QueueConfig& queues);

}  // namespace vigil::http
