// GET /metrics as a Prometheus scrape sees it: request counts per route and status class, the
// writer's commits and latency histograms, open cases per queue, the outbox; and who may read it.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "support/workflow_fixture.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

// "name{labels}" -> value, from the text format (comments skipped).
std::map<std::string, double> Parse(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

class MetricsTest : public WorkflowTest {
 protected:
  json SpamFlag(const std::string& id) {
    return {{"content", {{"id", id}, {"type", "text"}, {"text", "cheap followers"}, {"author", {{"id", "acct-" + id}}}}},
            {"reason", "spam"},
            {"source", "user"},
            {"reporter", {{"id", "rep-" + id}}}};
  }
};

TEST_F(MetricsTest, AScrapeCountsRequestsCommitsAndOpenCases) {
  for (const char* id : {"m-1", "m-2", "m-3"}) Flag(SpamFlag(id));
  json bad = SpamFlag("m-4");
  bad["reason"] = "no-such-reason";
  EXPECT_EQ(Client(intake_)->PostJson("/v1/flags", bad).status, 422);

  auto r = Client(admin_)->Get("/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"].rfind("text/plain; version=0.0.4", 0), 0u)
      << r.headers["content-type"];
  auto m = Parse(r.body);
  EXPECT_EQ(m["vigil_http_requests_total{route=\"POST /v1/flags\",code=\"2xx\"}"], 3);
  EXPECT_EQ(m["vigil_http_requests_total{route=\"POST /v1/flags\",code=\"4xx\"}"], 1);
  const std::string flags_latency = "vigil_http_request_duration_seconds";
  EXPECT_EQ(m[flags_latency + "_count{route=\"POST /v1/flags\"}"], 4);
  EXPECT_EQ(m[flags_latency + "_bucket{route=\"POST /v1/flags\",le=\"+Inf\"}"], 4);
  // Buckets are cumulative.
  EXPECT_LE(m[flags_latency + "_bucket{route=\"POST /v1/flags\",le=\"0.001\"}"],
            m[flags_latency + "_bucket{route=\"POST /v1/flags\",le=\"0.01\"}"]);
  EXPECT_GT(m[flags_latency + "_sum{route=\"POST /v1/flags\"}"], 0);
  // Three flags, three durable commits at least (plus what automation wrote).
  EXPECT_GE(m["vigil_writer_commits_total"], 3);
  EXPECT_GE(m["vigil_writer_jobs_total"], 3);
  EXPECT_EQ(m["vigil_writer_commit_duration_seconds_count"], m["vigil_writer_commits_total"]);
  EXPECT_EQ(m["vigil_writer_failed_groups_total"], 0);
  EXPECT_EQ(m["vigil_open_cases{queue=\"general\"}"], 3);
  EXPECT_EQ(m["vigil_claimed_cases{queue=\"general\"}"], 0);
  EXPECT_EQ(m["vigil_outbox_messages{status=\"dead\"}"], 0);
  EXPECT_GT(m["vigil_event_log_last_seq"], 3);
  EXPECT_TRUE(m.count("vigil_automation_total{kind=\"analysed\"}")) << r.body;

  // A claim shows as claimed in its queue.
  auto claim = Client(a1_)->PostJson("/v1/queues/general/next", json::object());
  ASSERT_EQ(claim.status, 200) << claim.body;
  auto after = Parse(Client(admin_)->Get("/metrics").body);
  EXPECT_EQ(after["vigil_claimed_cases{queue=\"general\"}"], 1);
  EXPECT_EQ(after["vigil_http_requests_total{route=\"POST /v1/queues/{queue}/next\",code=\"2xx\"}"], 1);
  // The first scrape is counted by the second.
  EXPECT_EQ(after["vigil_http_requests_total{route=\"GET /metrics\",code=\"2xx\"}"], 1);

  // Reviewers do not read operational metrics; an integration token (the platform's) does.
  EXPECT_EQ(Client(a1_)->Get("/metrics").status, 403);
  EXPECT_EQ(Client(intake_)->Get("/metrics").status, 200);
  HttpClient anonymous(server_.port());
  EXPECT_EQ(anonymous.Get("/metrics").status, 401);
}

}  // namespace
}  // namespace vigil::testing
