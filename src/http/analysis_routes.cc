#include "http/analysis_routes.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>

#include "analysis/analysis_report.h"
#include "analysis/analyzer.h"
#include "http/route_roles.h"
#include "intake/flag_parser.h"

namespace vigil::http {
namespace {

using nlohmann::json;

const std::set<Role> kListReaders = {Role::kSenior, Role::kQa, Role::kLegal, Role::kEngineering,
                                     Role::kAdmin};
const std::set<Role> kListAdmins = {Role::kAdmin, Role::kEngineering};
const std::set<Role> kReportReaders = {Role::kSenior, Role::kQa, Role::kAdmin};

constexpr size_t kMaxAnalyzeText = 64 * 1024;

Response Json(int status, const json& body) { return JsonResponse(status, body.dump()); }

json ExternalJson(const analysis::Analyzer& analyzer) {
  auto e = analyzer.external_classifier();
  if (!e) return {{"enabled", false}};
  const char* breaker[] = {"closed", "open", "half_open"};
  return {{"enabled", true},
          {"kind", e->config().kind == analysis::ExternalClassifierConfig::kChat ? "chat" : "moderation"},
          {"model", e->config().model},
          {"breaker", breaker[static_cast<int>(e->breaker_state())]},
          {"requests_today", e->requests_today()},
          {"daily_budget", e->config().daily_budget}};
}

json ClassifiersJson(const analysis::ClassifierSet::Models& models) {
  json arr = json::array();
  for (const auto& m : models) {
    json info = m->info().ToJson();
    info.erase("source");  // a path on the machine that trained it
    arr.push_back(std::move(info));
  }
  return arr;
}

json ListsJson(const analysis::TermMatcher& m) {
  json arr = json::array();
  for (const auto& l : m.lists()) {
    arr.push_back({{"name", l.name},
                   {"kind", l.kind == analysis::ListKind::kDomains ? "domains" : "terms"},
                   {"category", l.category},
                   {"severity", l.severity},
                   {"language", l.language},
                   {"owner", l.owner},
                   {"entries", l.entries.size()}});
  }
  return arr;
}

// ?since=30d&target_precision=0.9&min_support=10&examples=10; errors name the parameter.
Result<std::pair<Millis, analysis::ReportOptions>> ReportQuery(
    const std::map<std::string, std::string>& query, Millis now) {
  analysis::ReportOptions o;
  std::string since = "30d";
  for (const auto& [key, value] : query) {
    try {
      size_t used = 0;
      if (key == "since") {
        since = value;
      } else if (key == "target_precision") {
        o.target_precision = std::stod(value, &used);
      } else if (key == "min_support" || key == "examples") {
        long long n = std::stoll(value, &used);
        if (n < 0) return Error::Invalid(key, "must be a whole number, 0 or more");
        (key == "min_support" ? o.min_support : o.examples) = static_cast<size_t>(n);
      } else {
        return Error::Invalid(key, "unknown parameter (since, target_precision, min_support, examples)");
      }
      if (key != "since" && used != value.size()) return Error::Invalid(key, "must be a number");
    } catch (const std::exception&) {  // std::stod/stoll signal bad input only by throwing
      return Error::Invalid(key, "must be a number");
    }
  }
  if (auto st = analysis::ValidateReportOptions(o); !st) return st.error();
  auto from = analysis::ResolveSince(since, now, "since");
  if (!from) return from.error();
  return std::make_pair(*from, o);
}

}  // namespace

void AddAnalysisRoutes(Server& server, Services& s) {
  // The process's analyzer (Services), shared with analysis on intake; loaded at open.
  analysis::Analyzer* analyzer = s.analyzer.get();
  analysis::Normalizer::Warm();
  // With the external classifier on, an analysis may wait on the network (within its timeouts and
  // retries): those run on threads of their own, not on the server's I/O or worker threads.
  auto external_pool = std::make_shared<boost::asio::thread_pool>(4);

  server.Add({"POST", "/v1/analyze", kEveryone, false, false, 0,
              "Analyse a text: {text, language?} -> typed, explained signals (term-list matches, "
              "URLs, shorteners, listed domains, obfuscation, language) with byte spans in the "
              "original text. Nothing is stored.",
              "analysis", [analyzer, external_pool](Context& ctx, Respond respond) {
                auto body = intake::ParseJsonBody(ctx.req.body);
                if (!body) return respond(ProblemResponse(body.error()));
                const json& b = body.value();
                if (!b.is_object()) return respond(ProblemResponse(Error::Invalid("body", "must be a JSON object")));
                for (const auto& [key, value] : b.items())
                  if (key != "text" && key != "language")
                    return respond(ProblemResponse(Error::Invalid(key, "unknown field")));
                if (!b.contains("text") || !b["text"].is_string())
                  return respond(ProblemResponse(Error::Invalid("text", "required, a string")));
                const std::string& text = b["text"].get_ref<const std::string&>();
                if (text.size() > kMaxAnalyzeText)
                  return respond(ProblemResponse(Error::Invalid("text", "longer than 65536 bytes")));
                std::string language;
                if (b.contains("language")) {
                  if (!b["language"].is_string() || b["language"].get_ref<const std::string&>().size() > 16)
                    return respond(ProblemResponse(Error::Invalid("language", "must be a language code such as \"en\"")));
                  language = b["language"].get<std::string>();
                }
                if (auto e = analyzer->external_classifier(); e && e->config().enabled) {
                  boost::asio::post(*external_pool, [analyzer, text, language, respond] {
                    respond(Json(200, analyzer->Analyze(text, language).ToJson()));
                  });
                  return;
                }
                respond(Json(200, analyzer->Analyze(text, language).ToJson()));
              }});
  server.Add({"GET", "/v1/lists", kListReaders, false, false, 0,
              "The term and domain lists in force (name, kind, category, severity, language, "
              "owner, number of entries).",
              "analysis", [analyzer](Context&, Respond respond) {
                auto m = analyzer->lists();
                respond(Json(200, {{"lists", ListsJson(*m)}, {"patterns", m->pattern_count()}}));
              }});
  server.Add({"POST", "/v1/lists:reload", kListAdmins, false, true, 0,
              "Re-read DATA/lists/*.list and swap the compiled lists in without pausing "
              "analysis; an invalid list changes nothing and the error names the file and line.",
              "analysis", [analyzer](Context&, Respond respond) {
                if (auto st = analyzer->Reload(); !st) return respond(ProblemResponse(st.error()));
                auto m = analyzer->lists();
                respond(Json(200, {{"reloaded", true}, {"lists", ListsJson(*m)}, {"patterns", m->pattern_count()}}));
              }});
  server.Add({"GET", "/v1/analysis/report", kReportReaders, false, true, 0,
              "Replay the content of cases decided since `since` (default 30d) through the lists "
              "and models in force and compare every signal and classifier threshold with the "
              "human decisions: precision, recall, support, what automation could decide at "
              "`target_precision` (default 0.9, with at least `min_support` cases), and misses "
              "both ways with case ids. Same JSON as `vigil analysis report --json`.",
              "analysis", [&s](Context& ctx, Respond respond) {
                auto q = ReportQuery(ctx.req.query, s.clock->Now());
                if (!q) return respond(ProblemResponse(q.error()));
                // The analysis in force, without the external classifier: a replay of thousands
                // of cases must not spend its budget.
                analysis::Analyzer replay(s.data_dir + "/lists", {}, s.data_dir + "/models");
                for (auto st : {replay.Reload(), replay.ReloadClassifiers()})
                  if (!st) return respond(ProblemResponse(st.error()));
                auto rtx = s.store->BeginRead();
                auto report = analysis::ReplayDecidedCases(*rtx, replay, q->first, q->second);
                respond(Json(200, report.ToJson()));
              }});
  server.Add({"GET", "/v1/classifiers", kListReaders, false, false, 0,
              "The classifiers in force: the latest version of every model in DATA/models (labels, "
              "training examples per label, options, creation time).",
              "analysis", [analyzer](Context&, Respond respond) {
                respond(Json(200, {{"classifiers", ClassifiersJson(*analyzer->classifiers())},
                                   {"external", ExternalJson(*analyzer)}}));
              }});
  server.Add({"POST", "/v1/classifiers:reload", kListAdmins, false, true, 0,
              "Load the latest version of every model in DATA/models (after `vigil classifier "
              "train`) and DATA/external_classifier.yaml, and swap them in without pausing "
              "analysis; "
              "a model or setting that cannot be loaded changes nothing and the error names it.",
              "analysis", [analyzer, &s](Context&, Respond respond) {
                if (auto st = analyzer->ReloadClassifiers(); !st)
                  return respond(ProblemResponse(st.error()));
                if (auto st = s.LoadExternalClassifier(); !st)
                  return respond(ProblemResponse(st.error()));
                respond(Json(200, {{"reloaded", true}, {"classifiers", ClassifiersJson(*analyzer->classifiers())},
                                   {"external", ExternalJson(*analyzer)}}));
              }});
}

}  // namespace vigil::http
