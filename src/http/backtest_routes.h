// POST /v1/policies/{id}/backtest: the backtest of `vigil policy backtest` over HTTP.
#pragma once

#include "cli/services.h"
#include "http/server.h"

namespace vigil::http {

void AddBacktestRoutes(Server& server, Services& services);

}  // namespace vigil::http
