// Synthetic, deterministic data for `vigil demo`: a list of flags in Vigil's intake JSON format,
// ingested by the caller through the normal intake path. The set is meant to look like two weeks
// of a mid-sized social platform: multilingual posts, images, videos, links, accounts and
// products; user, trusted-flagger, automated, internal and legal-order notices; a ring of abusive
// mass-reporters targeting a political commentator; and a burst of near-identical scam posts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"

namespace vigil::intake {

struct DemoOptions {
  uint64_t seed = 42;
  size_t content_items = 3000;  // approximate; at least ~380 are generated
  // End of the window, taken back to its UTC midnight so that a seed gives the same data (moved
  // by whole days) at any hour; 0 means a fixed reference (2026-01-01Z).
  Millis now = 0;
  int days = 14;                // length of the window of received_at (at least 1)
};

struct DemoDataSet {
  std::vector<nlohmann::json> flags;          // in time order (received_at ascending)
  std::vector<std::string> trusted_flaggers;  // reporter ids used with source trusted_flagger
  std::vector<std::string> mass_reporters;    // ids of the abusive mass-reporter accounts
  std::string burst_marker;  // a substring present in every near-identical burst post
  // Every flagged content id with whether it really violates (the ground truth of the
  // synthetic data), so the demo can decide some cases the way a reviewer would.
  std::vector<std::pair<std::string, bool>> violations;
};

// Same options, byte-identical output (the generator uses no clock and no entropy source).
DemoDataSet GenerateDemoData(const DemoOptions& opts);

}  // namespace vigil::intake
