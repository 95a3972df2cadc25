// What is known about one case at one moment, as plain data: the content, every flag on it,
// the reporter of the newest flag, the author, and the content's analysis. ToSnapshot turns it
// into the typed signals policies are written against (signals.h), so automation on intake and
// the backtest over stored history fill a snapshot the same way. Nothing here reads the store:
// callers gather the facts (live from the database, or as of a past time for a backtest).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analyzer.h"
#include "core/clock.h"
#include "core/domain.h"
#include "policy/signals.h"

namespace vigil::policy {

struct FlagFacts {
  Millis received_at = 0;
  FlagSource source = FlagSource::kUser;
  std::string reason;       // taxonomy reason code
  std::string reporter_id;  // platform account id; "" when anonymous
  bool duplicate = false;   // a repeat by the same reporter: excluded from flags.count
};

struct CaseFacts {
  // The content.
  std::string content_id;
  ContentType content_type = ContentType::kText;
  std::string text;
  std::string declared_language;             // ISO 639-1 as sent, "" when not declared
  std::optional<Millis> content_created_at;  // when posted; content_received_at stands in
  Millis content_received_at = 0;
  int64_t views = 0;
  int64_t shares = 0;
  bool mentions_person = false;

  // Every flag on the content, oldest first.
  std::vector<FlagFacts> flags;

  // The reporter of the flag being evaluated (the newest one): their record on earlier decided
  // cases. reporter.accuracy is the Beta-prior estimate cases/priority.h uses for priority.
  bool has_reporter = false;
  int64_t reporter_past_flags = 0;
  int64_t reporter_past_actioned = 0;

  // The author.
  std::string author_id;  // "" when unknown
  double author_strikes = 0;  // weight of active (unexpired, unreversed) strikes
  std::vector<Millis> author_strike_times;
  std::optional<Millis> author_created_at;
  bool author_verified = false;
  int64_t author_followers = 0;

  // The content's analysis (analyzer.h); `analysed` false: no analysis signals.
  bool analysed = false;
  analysis::AnalysisResult analysis;

  // Campaign detection (not built yet: stays zero).
  bool campaign_member = false;
  double campaign_score = 0;
};

// The content fields of the facts from a stored item: type, text, languages, times, reach,
// author, and from the item's metadata `author_verified` (boolean) and `mentions` (a non-empty
// array); an "@name" in the text also counts as mentioning a person.
void FillContentFacts(const ContentItem& item, Millis received_at, CaseFacts* facts);

// True when the text tags someone: "@" starting a word, followed by a name character.
bool MentionsPerson(std::string_view text);

// Every schema signal the facts can give, evaluated at `now_ms` (account age counts to it).
// Classifier scores (local models and the external classifier) go through SetClassifierScore,
// the highest score per label when several models share one.
Snapshot ToSnapshot(const CaseFacts& facts, int64_t now_ms);

// The name content.type has in policies: text, image, video, link, profile, product.
std::string_view PolicyContentType(ContentType t);

}  // namespace vigil::policy
