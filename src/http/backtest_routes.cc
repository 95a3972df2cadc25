#include "http/backtest_routes.h"

#include <atomic>

#include "cli/policy_commands.h"
#include "http/route_roles.h"
#include "intake/flag_parser.h"

namespace vigil::http {
namespace {

using nlohmann::json;

// One backtest at a time: each reads the whole period and keeps both cores busy.
std::atomic<bool> g_running{false};

Result<cli::BacktestRequest> ParseBacktest(const std::string& policy_id, const json& b) {
  cli::BacktestRequest r;
  r.policy_id = policy_id;
  for (const auto& [k, v] : b.items()) {
    if (k == "version") {
      if (!v.is_number_integer() || v.get<int64_t>() < 1)
        return Error::Invalid("version", "must be a positive integer");
      r.version = v.get<int>();
    } else if (k == "yaml") {
      if (!v.is_string() || v.get<std::string>().empty())
        return Error::Invalid("yaml", "must be the text of a draft policy");
      r.yaml = v.get<std::string>();
    } else if (k == "since") {
      auto d = v.is_string() ? ParseDuration(v.get<std::string>()) : std::nullopt;
      if (!d || *d <= 0) return Error::Invalid("since", "must be a period such as \"30d\" or \"12h\"");
      r.since = *d;
    } else if (k == "sample") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 1000)
        return Error::Invalid("sample", "must be an integer between 0 and 1000");
      r.sample = v.get<size_t>();
    } else if (k == "analyse") {
      if (!v.is_boolean()) return Error::Invalid("analyse", "must be true or false");
      r.analyse = v.get<bool>();
    } else {
      return Error::Invalid(k, "unknown field");
    }
  }
  if (r.version && !r.yaml.empty()) return Error::Invalid("yaml", "give a version or a draft, not both");
  return r;
}

}  // namespace

void AddBacktestRoutes(Server& server, Services& s) {
  server.Add({"POST", "/v1/policies/{id}/backtest", {Role::kSenior, Role::kQa, Role::kAdmin}, false,
              true, 0,
              "Replay stored cases through a policy version ({version}, default the one in force) "
              "or a draft ({yaml}) over {since} (default 30d): outcomes changed against the version "
              "in force, agreement with people's decisions (confusion matrix, precision and recall "
              "per action, coverage) and {sample} disagreements with links. Nothing is written. "
              "One backtest runs at a time (429 while another runs).",
              "policies", [&s](Context& ctx, Respond respond) {
                json body = json::object();
                if (!ctx.req.body.empty()) {
                  auto parsed = intake::ParseJsonBody(ctx.req.body);
                  if (!parsed) return respond(ProblemResponse(parsed.error()));
                  body = std::move(parsed.value());
                  if (!body.is_object())
                    return respond(ProblemResponse(Error::Invalid("body", "must be a JSON object")));
                }
                auto req = ParseBacktest(ctx.Param("id"), body);
                if (!req) return respond(ProblemResponse(req.error()));
                if (g_running.exchange(true)) {
                  Error busy{ErrorCode::kRateLimited, "", "another backtest is running; try again shortly"};
                  busy.retry_after_s = 10;
                  return respond(ProblemResponse(busy));
                }
                // Released before answering (the caller may ask again at once), and also when
                // the backtest throws.
                auto report = [&] {
                  struct Release {
                    ~Release() { g_running = false; }
                  } release;
                  return cli::RunPolicyBacktest(s, req.value());
                }();
                if (!report) return respond(ProblemResponse(report.error()));
                respond(JsonResponse(200, report->ToJson().dump()));
              }});
}

}  // namespace vigil::http
