#include <regex>

#include "http/api.h"

namespace vigil::http {

nlohmann::json OpenApiDocument(const Server& server) {
  using nlohmann::json;
  json paths = json::object();
  const json problem = {{"description", "Error (application/problem+json) naming the field"},
                        {"content",
                         {{"application/problem+json",
                           {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
  for (const auto& r : server.routes()) {
    std::string method = r.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(c));
    json op = {{"summary", r.summary},
               {"tags", {r.tag}},
               {"operationId", method + std::regex_replace(r.pattern, std::regex("[^A-Za-z0-9]+"), "_")}};
    json params = json::array();
    static const std::regex param_re("\\{([a-z_]+)\\}");
    for (auto it = std::sregex_iterator(r.pattern.begin(), r.pattern.end(), param_re);
         it != std::sregex_iterator(); ++it)
      params.push_back({{"name", (*it)[1].str()}, {"in", "path"}, {"required", true},
                        {"schema", {{"type", "string"}}}});
    if (!params.empty()) op["parameters"] = params;
    if (r.is_public) {
      op["security"] = json::array();
    } else {
      json roles = json::array();
      for (Role role : r.roles) roles.push_back(std::string(ToString(role)));
      op["x-vigil-roles"] = roles;
    }
    if (r.method == "POST") {
      std::string ctype = r.pattern == "/v1/flags:batch" ? "application/x-ndjson" : "application/json";
      op["requestBody"] = {{"required", true}, {"content", {{ctype, {{"schema", {{"type", ctype == "application/json" ? "object" : "string"}}}}}}}};
    }
    op["responses"] = {{"200", {{"description", "Success"}}},
                       {"400", problem}, {"401", problem}, {"403", problem}, {"404", problem},
                       {"413", problem}, {"422", problem}, {"429", problem}};
    if (r.pattern == "/v1/stream")
      op["responses"]["200"]["content"] = {{"text/event-stream", {{"schema", {{"type", "string"}}}}}};
    if (r.pattern == "/v1/policies/{id}/render")
      op["responses"]["200"]["content"] = {{"image/svg+xml", {{"schema", {{"type", "string"}}}}},
                                           {"text/plain", {{"schema", {{"type", "string"}}}}}};
    if (r.pattern == "/v1/flags" || r.pattern == "/v1/content" || r.pattern == "/v1/users" ||
        r.pattern == "/v1/tokens" || (r.method == "POST" && (r.pattern == "/v1/policies" ||
                                                             r.pattern == "/v1/policies/{id}/versions")))
      op["responses"]["201"] = {{"description", "Created (durably committed)"}};
    paths[r.pattern][method] = op;
  }
  return {{"openapi", "3.1.0"},
          {"info",
           {{"title", "Vigil API"},
            {"version", "1"},
            {"description", "Trust & Safety operations: intake, cases, decisions, audit."}}},
          {"servers", {{{"url", "/"}}}},
          {"paths", paths},
          {"security", {{{"bearer", json::array()}}, {{"session", json::array()}}}},
          {"components",
           {{"securitySchemes",
             {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
              {"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "vigil_session"}}}}},
            {"schemas",
             {{"Problem",
               {{"type", "object"},
                {"properties",
                 {{"type", {{"type", "string"}}},
                  {"title", {{"type", "string"}}},
                  {"status", {{"type", "integer"}}},
                  {"detail", {{"type", "string"}}},
                  {"field", {{"type", "string"}}},
                  {"retry_after",
                   {{"type", "integer"},
                    {"description",
                     "429: seconds until the request may succeed (also the Retry-After "
                     "header)"}}}}}}}}}}}};
}

}  // namespace vigil::http
