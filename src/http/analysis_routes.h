// Routes of the analysis step: POST /v1/analyze (signals for a text, nothing stored), the term
// lists in force (GET /v1/lists) and their hot reload from DIR/lists (POST /v1/lists:reload),
// the classifiers in force (GET /v1/classifiers) and their reload from DIR/models.
#pragma once

#include "cli/services.h"
#include "http/server.h"

namespace vigil::http {

void AddAnalysisRoutes(Server& server, Services& services);

}  // namespace vigil::http
