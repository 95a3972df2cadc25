// The Prometheus text format helpers: cumulative buckets, sum and count, escaped label values.
#include "core/metrics.h"

#include <gtest/gtest.h>

namespace vigil::metrics {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
  Histogram h;
  h.Observe(microseconds(300));   // <= 0.0005
  h.Observe(milliseconds(3));     // <= 0.005
  h.Observe(milliseconds(3));
  h.Observe(std::chrono::seconds(20));  // above every bound
  std::string out;
  h.Write(out, "t_seconds", "route=\"x\"");
  EXPECT_NE(out.find("t_seconds_bucket{route=\"x\",le=\"0.0005\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("t_seconds_bucket{route=\"x\",le=\"0.0025\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("t_seconds_bucket{route=\"x\",le=\"0.005\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("t_seconds_bucket{route=\"x\",le=\"10\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("t_seconds_bucket{route=\"x\",le=\"+Inf\"} 4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("t_seconds_sum{route=\"x\"} 20.0063\n"), std::string::npos) << out;
  EXPECT_NE(out.find("t_seconds_count{route=\"x\"} 4\n"), std::string::npos) << out;
  EXPECT_EQ(h.count(), 4u);
}

TEST(Metrics, SamplesFamiliesAndEscapedLabels) {
  std::string out;
  Family(out, "vigil_x_total", "counter", "Things.");
  Sample(out, "vigil_x_total", "", 3);
  Sample(out, "vigil_y", "q=\"" + LabelValue("a\"b\\c\nd") + "\"", 0.25);
  EXPECT_EQ(out,
            "# HELP vigil_x_total Things.\n# TYPE vigil_x_total counter\nvigil_x_total 3\n"
            "vigil_y{q=\"a\\\"b\\\\c\\nd\"} 0.25\n");
}

}  // namespace
}  // namespace vigil::metrics
