// The web console (web/): its built files are embedded in the binary at build time
// (cmake/BuildConsole.cmake generates console_assets.cc), so `vigil serve` needs no source tree.
// The console is served at / with a fallback to index.html for its client-side paths; hashed
// assets are cached for good, index.html never. GET /v1/stream pushes live changes (SSE).
#pragma once

#include <cstddef>
#include <string_view>

#include "cli/services.h"
#include "http/server.h"

namespace vigil::http {

struct ConsoleAsset {
  const char* path;  // "/index.html", "/assets/index-3f9a1c.js"
  const unsigned char* data;
  size_t size;
};

// The embedded files (generated at build time).
extern const ConsoleAsset kConsoleAssets[];
extern const size_t kConsoleAssetCount;

// The embedded file at `path`, or nullptr.
const ConsoleAsset* FindConsoleAsset(std::string_view path);

// Registers GET / and GET /v1/stream and the fallback that serves the console's files.
void AddConsoleRoutes(Server& server, Services& services);

}  // namespace vigil::http
