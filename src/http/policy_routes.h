// Routes of the policy library (/v1/policies...): policies with their active and shadow
// versions, one version's text and parsed summary, versions, diffs, saving a new version
// (validated first; invalid text is a 422 naming file:line:column and changes nothing),
// activation, rollback, shadow runs, flowcharts (Mermaid or SVG with a highlighted path) and
// reloading DATA/policies. Reads for staff, changes for senior specialists and admins.
#pragma once

#include "cli/services.h"
#include "http/server.h"

namespace vigil::http {

void AddPolicyRoutes(Server& server, Services& services);

}  // namespace vigil::http
