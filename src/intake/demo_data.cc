#include "intake/demo_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>

#include "intake/demo_texts.h"

namespace vigil::intake {
namespace {

using demo::Cat;
using demo::Rng;
using nlohmann::json;

constexpr Millis kMinute = 60'000;
constexpr Millis kHour = 60 * kMinute;
constexpr Millis kDay = 24 * kHour;
constexpr Millis kYear = 365 * kDay;
constexpr Millis kDefaultNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::string_view kBurstMarker = "crypto-double.example";
constexpr size_t kCommentatorPosts = 185;  // every mass-reporter flags 150-180 of them
constexpr size_t kBurstPosts = 120;
constexpr size_t kBurstAccounts = 40;
constexpr size_t kLegalOrders = 20;

// Indexed like demo::Cat.
const std::vector<double> kCatWeights = {34,  4, 17, 8, 5.5, 13, 0.7, 1,
                                         0.3, 6, 2,  3, 1.5, 2,  1.5, 3};
// Content type weights per category (text, image, video, url, account, product).
// clang-format off
const std::vector<double> kTypeWeights[demo::kCatCount] = {
    /*benign*/ {78, 12, 4, 3, 3, 0},  /*political*/ {78, 12, 4, 3, 3, 0}, /*spam*/ {60, 10, 0, 20, 10, 0},
    /*scam*/ {55, 10, 0, 20, 10, 5},  /*hate*/ {78, 12, 4, 0, 6, 0},      /*harassment*/ {78, 12, 4, 0, 6, 0},
    /*extremism*/ {70, 15, 12, 0, 3, 0}, /*self_harm*/ {85, 12, 3, 0, 0, 0}, /*child*/ {0, 70, 20, 0, 10, 0},
    /*misinfo*/ {75, 12, 5, 8, 0, 0}, /*impersonation*/ {30, 0, 0, 0, 70, 0}, /*ip*/ {15, 0, 35, 25, 0, 25},
    /*privacy*/ {85, 15, 0, 0, 0, 0}, /*illegal*/ {40, 0, 0, 10, 0, 50},   /*violence*/ {50, 30, 20, 0, 0, 0},
    /*adult*/ {10, 60, 25, 0, 5, 0}};
// clang-format on
// Indexed like demo::Languages().
const std::vector<double> kLangWeights = {50, 13, 10, 9, 6, 4, 5, 3};
// Share of activity by UTC hour (the platform's users are mostly in Europe).
constexpr double kHourWeight[24] = {0.35, 0.25, 0.18, 0.15, 0.15, 0.2,  0.35, 0.55,
                                    0.7,  0.75, 0.8,  0.85, 0.9,  0.9,  0.85, 0.85,
                                    0.9,  0.95, 1.0,  1.0,  0.95, 0.85, 0.7,  0.5};
// What well-meaning users pick when the content is not what they flag it for.
const std::vector<std::string_view> kNoiseReasons = {
    "spam",          "harassment", "hate_speech", "misinformation", "other",
    "impersonation", "privacy",    "violence",    "adult_nudity"};
const std::vector<double> kNoiseWeights = {22, 22, 16, 14, 14, 3, 3, 3, 3};
const std::vector<std::string_view> kClients = {"web", "ios", "android", "web", "android", "api"};

struct Author {
  std::string id, name, handle, lang;
  Millis created;
  int64_t followers;
};

struct Item {
  Cat cat;
  std::string lang, url;
  Millis created, first;  // first: earliest flag time (after created, inside the window)
  json content;
};

struct Rec {
  Millis t;
  size_t seq, item;
  json flag;
};

std::string Hex(Rng& rng, size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  while (s.size() < digits) {
    uint64_t x = rng.Next();
    for (int i = 0; i < 16 && s.size() < digits; ++i, x >>= 4) s += kHex[x & 15];
  }
  return s;
}

std::string Readable(std::string code) {
  std::replace(code.begin(), code.end(), '_', ' ');
  return code;
}

std::string Score(double s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

class Generator {
 public:
  explicit Generator(const DemoOptions& o)
      : rng_(o.seed),
        now_((o.now > 0 ? o.now : kDefaultNow) / kDay * kDay),
        span_(std::max(o.days, 1) * kDay),
        start_(now_ - span_),
        n_(o.content_items) {}

  DemoDataSet Run();

 private:
  // A time in the window: denser towards now, and by time of day.
  Millis WindowTime() {
    constexpr double a = 0.8;  // the newest day is 1 + a times as busy as the oldest
    for (;;) {
      const double u = rng_.Uniform();
      const double x = (std::sqrt(1 + 2 * a * u * (1 + a / 2)) - 1) / a;
      const Millis t = start_ + static_cast<Millis>(x * static_cast<double>(span_ - kMinute));
      if (rng_.Chance(kHourWeight[((t / kHour) % 24 + 24) % 24])) return t;
    }
  }
  // A later flag on an item: some time after its first one, never after now.
  Millis FlagTime(const Item& it, double mean) {
    const Millis t = it.first + static_cast<Millis>(rng_.Exponential(mean));
    if (t < now_) return t;
    return it.first + static_cast<Millis>(rng_.Uniform() * static_cast<double>(now_ - it.first));
  }
  std::string NextNumber() { return std::to_string(next_number_ += 1 + rng_.Below(9)); }

  size_t AddAuthor(std::string name, std::string lang, Millis created, int64_t followers);
  size_t AddItem(size_t author, Cat cat, std::string type, std::string lang, std::string text,
                 Millis created, Millis first, std::string url = "");
  void Push(Millis t, size_t item, json flag) {
    recs_.push_back({t, recs_.size(), item, std::move(flag)});
  }
  void UserFlags(size_t item, size_t n, double mean_gap, bool first_at_start,
                 const std::vector<std::string_view>* reasons);
  void PickReporter(std::vector<size_t>& used);
  void MakeUsers();
  void MakeRegular();
  void MakeCommentatorAndMassReporters(DemoDataSet& out);
  void MakeBurst();
  void MakeTrusted(DemoDataSet& out);
  void MakeLegal();
  void MakeAutomatedAndInternal();

  Rng rng_;
  const Millis now_, span_, start_;
  const size_t n_;
  uint64_t next_number_ = 100'000;
  uint64_t next_account_ = 10'000;
  std::vector<Author> authors_;
  std::vector<double> author_weights_;
  std::vector<json> users_;
  std::vector<Item> items_;
  std::vector<size_t> regular_;  // indices of the ordinary items
  std::vector<Rec> recs_;
};

size_t Generator::AddAuthor(std::string name, std::string lang, Millis created, int64_t followers) {
  Author a;
  a.id = "acct-" + std::to_string(next_account_ += 1 + rng_.Below(40));
  a.handle = demo::HandleFrom(name) + std::to_string(rng_.Range(1, 999));
  a.name = std::move(name);
  a.lang = std::move(lang);
  a.created = created;
  a.followers = followers;
  authors_.push_back(std::move(a));
  return authors_.size() - 1;
}

size_t Generator::AddItem(size_t author, Cat cat, std::string type, std::string lang,
                          std::string text, Millis created, Millis first, std::string url) {
  const Author& a = authors_[author];
  Item it;
  it.cat = cat;
  it.lang = lang;
  it.created = created;
  it.first = first;
  std::string id;
  if (type == "account") {
    id = a.id;
    it.url = "https://example.social/@" + a.handle;
  } else if (type == "product") {
    const std::string num = NextNumber();
    id = "prod-" + num;
    it.url = "https://market.example.social/item/" + num;
  } else if (type == "url") {
    id = "link-" + NextNumber();
    it.url = url;
  } else {
    const std::string num = NextNumber();
    id = "post-" + num;
    it.url = "https://example.social/p/" + num;
  }
  const double reach = std::min(
      5e7, rng_.LogNormal(4.2, 2.0) + static_cast<double>(a.followers) * rng_.Uniform() * 0.3);
  const auto views = static_cast<int64_t>(reach);
  json c = {
      {"id", id},
      {"type", type},
      {"text", std::move(text)},
      {"url", it.url},
      {"author", {{"id", a.id}, {"created_at", FormatIso8601(a.created)}, {"name", a.name}}},
      {"created_at", FormatIso8601(created)},
      {"reach",
       {{"views", views},
        {"followers", a.followers},
        {"shares", static_cast<int64_t>(static_cast<double>(views) * rng_.Uniform() * 0.04)}}},
      {"language", lang},
      {"metadata", {{"client", rng_.Pick(kClients)}}}};
  if (type == "image" || type == "video") {
    json media = json::array();
    const size_t count = rng_.Chance(0.15) ? 2 + rng_.Below(2) : 1;
    for (size_t i = 0; i < count; ++i) {
      media.push_back({{"url", "https://cdn.example.social/m/" + Hex(rng_, 16) +
                                   (type == "image" ? ".jpg" : ".mp4")},
                       {"hashes", {{"sha256", Hex(rng_, 64)}}}});
    }
    c["media"] = std::move(media);
  }
  it.content = std::move(c);
  items_.push_back(std::move(it));
  return items_.size() - 1;
}

void Generator::MakeUsers() {
  static const std::vector<std::string_view> kMail = {"mail.example", "post.example",
                                                      "inbox.example"};
  const size_t n = std::clamp<size_t>(n_ / 2, 150, 20'000);
  uint64_t number = 200'000;
  for (size_t i = 0; i < n; ++i) {
    const std::string_view lang = demo::Languages()[rng_.Weighted(kLangWeights)];
    const std::string name = demo::PersonName(lang, rng_);
    const double age = std::pow(rng_.Uniform(), 1.5) * 10 * static_cast<double>(kYear);
    json u = {{"id", "user-" + std::to_string(number += 1 + rng_.Below(60))},
              {"created_at", FormatIso8601(start_ - kDay - static_cast<Millis>(age))}};
    if (rng_.Chance(0.35)) {
      u["contact"] = {{"name", name},
                      {"email", demo::HandleFrom(name) + std::to_string(rng_.Range(1, 99)) + "@" +
                                    std::string(rng_.Pick(kMail))}};
    }
    users_.push_back(std::move(u));
  }
}

// Appends to `used` a user who is not in it yet; a few "power reporters" flag a lot.
void Generator::PickReporter(std::vector<size_t>& used) {
  size_t r = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    r = rng_.Chance(0.25) ? rng_.Below(std::max<size_t>(users_.size() / 20, 1))
                          : rng_.Below(users_.size());
    if (std::find(used.begin(), used.end(), r) == used.end()) break;
  }
  used.push_back(r);
}

// n ordinary user flags on an item. reasons: restrict the reasons users pick (else by category).
void Generator::UserFlags(size_t item, size_t n, double mean_gap, bool first_at_start,
                          const std::vector<std::string_view>* reasons) {
  std::vector<size_t> used;
  const Item& it = items_[item];
  for (size_t k = 0; k < n; ++k) {
    PickReporter(used);
    std::string reason;
    if (reasons)
      reason = rng_.Pick(*reasons);
    else if (demo::IsViolation(it.cat) && rng_.Chance(0.8))
      reason = demo::ReasonCode(it.cat);
    else
      reason = kNoiseReasons[rng_.Weighted(kNoiseWeights)];
    json f = {{"reason", reason}, {"source", "user"}, {"reporter", users_[used.back()]}};
    if (rng_.Chance(0.55))
      f["explanation"] = demo::Fill(rng_.Pick(demo::Explanations(reason)), "en", rng_);
    if (rng_.Chance(0.5)) f["bona_fide"] = true;
    if (rng_.Chance(0.4)) f["location_url"] = it.url;
    Push(k == 0 && first_at_start ? it.first : FlagTime(it, mean_gap), item, std::move(f));
  }
}

void Generator::MakeRegular() {
  const size_t n_authors = std::clamp<size_t>(n_ / 8, 60, 3000);
  for (size_t i = 0; i < n_authors; ++i) {
    const std::string lang(demo::Languages()[rng_.Weighted(kLangWeights)]);
    const Millis created = start_ - 30 * kDay - static_cast<Millis>(rng_.Uniform() * 9 * kYear);
    const auto followers = static_cast<int64_t>(std::min(5e6, rng_.LogNormal(5.0, 2.0)));
    AddAuthor(demo::PersonName(lang, rng_), lang, created, followers);
    author_weights_.push_back(1.0 / std::pow(static_cast<double>(i + 1), 0.6));
  }
  std::vector<bool> has_account_item(authors_.size(), false);
  const size_t special = kCommentatorPosts + 1 + kBurstPosts;
  const size_t count = n_ > special + 75 ? n_ - special : 75;
  for (size_t i = 0; i < count; ++i) {
    const auto cat = static_cast<Cat>(rng_.Weighted(kCatWeights));
    const std::vector<double>& tw = kTypeWeights[static_cast<size_t>(cat)];
    static const std::vector<std::string> kTypes = {"text", "image",   "video",
                                                    "url",  "account", "product"};
    std::string type = kTypes[rng_.Weighted(tw)];
    size_t author = rng_.Weighted(author_weights_);
    if (type == "account") {
      for (int a = 0; a < 10 && has_account_item[author]; ++a)
        author = rng_.Weighted(author_weights_);
      if (has_account_item[author] || demo::AccountBios(cat).empty()) type = "text";
    }
    if (type == "product" && demo::ProductListings(cat).empty()) type = "text";
    const Author& au = authors_[author];
    std::string lang =
        rng_.Chance(0.9) ? au.lang : std::string(demo::Languages()[rng_.Weighted(kLangWeights)]);
    if (type == "account" || type == "product" || demo::PostTemplates(lang, cat).empty())
      lang = "en";
    std::string text, url;
    if (type == "account") {
      has_account_item[author] = true;
      text = demo::Fill(rng_.Pick(demo::AccountBios(cat)), lang, rng_);
    } else if (type == "product") {
      text = demo::Fill(rng_.Pick(demo::ProductListings(cat)), lang, rng_);
    } else {
      text = demo::Fill(rng_.Pick(demo::PostTemplates(lang, cat)), lang, rng_);
      if (type == "url") {  // the item is the link the post promotes
        const size_t at = text.find("https://");
        if (at == std::string::npos) {
          url = demo::Fill("{link}", lang, rng_);
          text += " " + url;
        } else {
          url = text.substr(at, text.find(' ', at) - at);
        }
      }
    }
    const Millis first = WindowTime();
    const Millis lag = kMinute + static_cast<Millis>(std::min(
                                     400.0 * kDay, rng_.LogNormal(std::log(6.0 * kHour), 1.8)));
    Millis created = type == "account" ? au.created : first - lag;
    if (type != "account" && created <= au.created) created = au.created + (first - au.created) / 2;
    const size_t item = AddItem(author, cat, type, lang, std::move(text), created, first, url);
    regular_.push_back(item);
    // Heavy-tailed number of user flags; wide reach and real violations draw more.
    const auto views = items_[item].content["reach"]["views"].get<int64_t>();
    const double xm = 1.4 + (views > 5'000 ? 0.6 : 0) + (views > 200'000 ? 1.2 : 0) +
                      (demo::IsViolation(cat) ? 0.3 : 0);
    const double draw = xm * std::pow(1.0 - rng_.Uniform(), -1.0 / 1.7);
    const size_t n = draw > 30 ? 18 + rng_.Below(13) : static_cast<size_t>(std::max(draw, 1.0));
    UserFlags(item, n, 10.0 * kHour, true, nullptr);
  }
}

void Generator::MakeCommentatorAndMassReporters(DemoDataSet& out) {
  const Millis mass_start = start_ + static_cast<Millis>(0.45 * static_cast<double>(span_));
  const size_t commentator =
      AddAuthor("Jordan Avery", "en", now_ - 6 * kYear - rng_.Range(0, 60 * kDay), 84'200);
  std::vector<size_t> targets;
  static const std::vector<std::string_view> kBiasedReasons = {"harassment", "hate_speech",
                                                               "misinformation", "other"};
  for (size_t i = 0; i < kCommentatorPosts; ++i) {
    const Millis created =
        mass_start - 30 * kMinute - static_cast<Millis>(std::pow(rng_.Uniform(), 2) * 300 * kDay);
    const size_t item =
        AddItem(commentator, Cat::kPolitical, "text", "en",
                demo::Fill(rng_.Pick(demo::PostTemplates("en", Cat::kPolitical)), "en", rng_),
                created, std::max(created + 5 * kMinute, start_));
    targets.push_back(item);
    if (rng_.Chance(0.2)) UserFlags(item, 1 + rng_.Below(2), 2.0 * kDay, false, &kBiasedReasons);
  }
  const size_t account = AddItem(commentator, Cat::kPolitical, "account", "en",
                                 std::string(demo::AccountBios(Cat::kPolitical).front()),
                                 authors_[commentator].created, start_);
  // Six accounts registered within ten minutes, two days before their coordinated hour.
  static const std::vector<std::string_view> kStems = {"truthwatch",  "patriot_eye", "clean_feed",
                                                       "justice4all", "real_voice",  "citizen_x"};
  static const std::vector<std::string_view> kShort = {"hate speech",  "harassment",
                                                       "This is hate", "ban this account",
                                                       "racist",       "targeted harassment"};
  const Millis registered = mass_start - 2 * kDay - 3 * kHour;
  for (size_t r = 0; r < kStems.size(); ++r) {
    const std::string id = "mr-" + std::string(kStems[r]) + std::to_string(rng_.Range(10, 99));
    out.mass_reporters.push_back(id);
    const json reporter = {
        {"id", id},
        {"created_at", FormatIso8601(registered + rng_.Range(0, 9 * kMinute))},
        {"contact", {{"name", id.substr(3)}, {"email", id.substr(3) + "@throwaway.example"}}}};
    const double p_hate = r % 2 ? 0.7 : 0.35;
    const size_t k = std::min(targets.size(), 150 + rng_.Below(31));
    for (size_t j = 0; j < k; ++j) {  // partial shuffle: k distinct posts
      std::swap(targets[j], targets[j + rng_.Below(targets.size() - j)]);
      const std::string reason = rng_.Chance(p_hate) ? "hate_speech" : "harassment";
      json f = {{"reason", reason}, {"source", "user"}, {"reporter", reporter}};
      if (rng_.Chance(0.5)) f["explanation"] = rng_.Pick(kShort);
      if (rng_.Chance(0.3)) f["bona_fide"] = true;
      Push(mass_start + rng_.Range(0, 58 * kMinute), targets[j], std::move(f));
    }
    Push(mass_start + rng_.Range(55 * kMinute, 60 * kMinute), account,
         {{"reason", "harassment"},
          {"source", "user"},
          {"reporter", reporter},
          {"explanation", "This account spreads hate and harasses people. Ban it."}});
  }
}

void Generator::MakeBurst() {
  const Millis burst_start = now_ - static_cast<Millis>(0.18 * static_cast<double>(span_));
  std::vector<size_t> accounts;
  for (size_t i = 0; i < kBurstAccounts; ++i) {
    accounts.push_back(AddAuthor(demo::BurstAccountName(rng_), "en",
                                 burst_start - rng_.Range(2 * kHour, 20 * kHour),
                                 rng_.Range(0, 40)));
  }
  static const std::vector<std::string_view> kScamReasons = {"scam", "scam", "scam", "scam",
                                                             "spam"};
  for (size_t i = 0; i < kBurstPosts; ++i) {
    const Millis created = burst_start + rng_.Range(0, 30 * kMinute);
    const size_t item =
        AddItem(accounts[i % accounts.size()], Cat::kScam, rng_.Chance(0.1) ? "image" : "text",
                "en", demo::BurstPost(kBurstMarker, rng_), created, created + 2 * kMinute);
    const size_t n = 1 + rng_.Below(4);
    const size_t automated = rng_.Chance(0.3) ? 1 : 0;
    UserFlags(item, n - automated, 40.0 * kMinute, false, &kScamReasons);
    if (automated) {
      const double score = std::round((0.8 + 0.19 * rng_.Uniform()) * 100) / 100;
      Push(created + kMinute + static_cast<Millis>(rng_.Exponential(10.0 * kMinute)), item,
           {{"reason", "scam"},
            {"source", "automated"},
            {"explanation", "Automated detection by scam-text-v2 (score " + Score(score) + ")"},
            {"metadata", {{"model", "scam-text-v2"}, {"score", score}}}});
    }
  }
}

void Generator::MakeTrusted(DemoDataSet& out) {
  const std::string year = FormatIso8601(now_).substr(0, 4);
  const size_t per_flagger = std::max<size_t>(6, n_ / 15 / demo::TrustedFlaggers().size());
  for (const demo::TrustedFlagger& tf : demo::TrustedFlaggers()) {
    out.trusted_flaggers.emplace_back(tf.id);
    const json reporter = {{"id", tf.id},
                           {"created_at", FormatIso8601(now_ - 3 * kYear - rng_.Range(0, kYear))},
                           {"contact", {{"name", tf.org}, {"email", tf.email}}}};
    std::vector<size_t> candidates;
    for (size_t i : regular_) {
      if (std::find(tf.specialties.begin(), tf.specialties.end(), items_[i].cat) !=
          tf.specialties.end())
        candidates.push_back(i);
    }
    if (candidates.empty()) {
      for (size_t i : regular_)
        if (demo::IsViolation(items_[i].cat)) candidates.push_back(i);
    }
    const size_t k = std::min(candidates.size(), per_flagger);
    for (size_t j = 0; j < k; ++j) {
      std::swap(candidates[j], candidates[j + rng_.Below(candidates.size() - j)]);
      const Item& it = items_[candidates[j]];
      const std::string reason(demo::ReasonCode(it.cat));
      const std::string ref =
          std::string(tf.ref_prefix) + "-" + year + "-" + std::to_string(rng_.Range(10000, 99999));
      json f = {{"reason", reason},
                {"source", "trusted_flagger"},
                {"reporter", reporter},
                {"bona_fide", true},
                {"location_url", it.url},
                {"explanation", std::string(tf.org) + " notice " + ref +
                                    ": our analysts assessed this content as " + Readable(reason) +
                                    ". An archived copy and screenshots are retained; please act "
                                    "under your terms of service and the applicable law."},
                {"metadata", {{"notice_reference", ref}}}};
      Push(FlagTime(it, 18.0 * kHour), candidates[j], std::move(f));
    }
  }
}

void Generator::MakeLegal() {
  std::vector<size_t> pool;
  for (size_t i : regular_)
    if (demo::IsViolation(items_[i].cat)) pool.push_back(i);
  for (size_t j = 0; j + 1 < pool.size(); ++j)
    std::swap(pool[j], pool[j + rng_.Below(pool.size() - j)]);
  std::vector<std::pair<size_t, const demo::LegalOrderTemplate*>> chosen;
  std::vector<bool> taken(pool.size(), false);
  // Best match first (language and reason), then reason only, then anything.
  for (int pass = 0; pass < 3 && chosen.size() < kLegalOrders; ++pass) {
    for (size_t p = 0; p < pool.size() && chosen.size() < kLegalOrders; ++p) {
      if (taken[p]) continue;
      const Item& it = items_[pool[p]];
      std::vector<const demo::LegalOrderTemplate*> fits;
      for (const demo::LegalOrderTemplate& t : demo::LegalOrderTemplates()) {
        const bool reason_ok = t.reason == demo::ReasonCode(it.cat);
        if ((pass == 0 && reason_ok && t.lang == it.lang) || (pass == 1 && reason_ok) || pass == 2)
          fits.push_back(&t);
      }
      if (fits.empty()) continue;
      taken[p] = true;
      chosen.push_back({pool[p], rng_.Pick(fits)});
    }
  }
  const std::string year = FormatIso8601(now_).substr(0, 4);
  for (const auto& [item, t] : chosen) {
    const Item& it = items_[item];
    const Millis at = FlagTime(it, 2.0 * kDay);
    const std::string ref =
        std::string(t->ref_prefix) + "-" + year + "-" + std::to_string(rng_.Range(1000, 9999));
    json f = {
        {"reason", demo::ReasonCode(it.cat)},
        {"source", "legal_order"},
        {"location_url", it.url},
        {"explanation", "Order " + ref + " of " + std::string(t->authority) +
                            " to remove or disable access to the content at the location given."},
        {"legal_order",
         {{"authority", t->authority},
          {"legal_ground", t->ground},
          {"territorial_scope", t->scope},
          {"deadline", FormatIso8601(at + rng_.Range(1, 7) * kDay)},
          {"reference", ref}}}};
    Push(at, item, std::move(f));
  }
}

void Generator::MakeAutomatedAndInternal() {
  struct Model {
    Cat cat;
    std::string_view name;
  };
  static const std::vector<Model> kModels = {
      {Cat::kSpam, "spam-text-v4"},           {Cat::kScam, "scam-text-v2"},
      {Cat::kAdultNudity, "nsfw-image-v3"},   {Cat::kChildSafety, "hash-match"},
      {Cat::kViolence, "violence-image-v1"},  {Cat::kHateSpeech, "toxicity-v5"},
      {Cat::kIpInfringement, "content-id-v2"}};
  std::vector<size_t> detectable, benign;
  for (size_t i : regular_) {
    const Cat c = items_[i].cat;
    if (!demo::IsViolation(c)) benign.push_back(i);
    for (const Model& m : kModels)
      if (m.cat == c) detectable.push_back(i);
  }
  const size_t total = std::max<size_t>(40, n_ / 10);
  for (size_t k = 0; k < total && !detectable.empty(); ++k) {
    const bool false_positive = !benign.empty() && rng_.Chance(0.12);
    const size_t item = false_positive ? rng_.Pick(benign) : rng_.Pick(detectable);
    const Item& it = items_[item];
    const Cat as = false_positive ? (rng_.Chance(0.7) ? Cat::kSpam : Cat::kAdultNudity) : it.cat;
    std::string_view model;
    for (const Model& m : kModels)
      if (m.cat == as) model = m.name;
    double score = false_positive ? 0.55 + 0.3 * rng_.Uniform() : 0.75 + 0.24 * rng_.Uniform();
    score = model == "hash-match" ? 1.0 : std::round(score * 100) / 100;
    Millis t = it.created + kMinute + static_cast<Millis>(rng_.Exponential(20.0 * kMinute));
    if (t < start_ || t >= now_) t = FlagTime(it, 6.0 * kHour);
    Push(t, item,
         {{"reason", demo::ReasonCode(as)},
          {"source", "automated"},
          {"explanation",
           "Automated detection by " + std::string(model) + " (score " + Score(score) + ")"},
          {"metadata", {{"model", model}, {"score", score}}}});
  }
  // A few escalations by the platform's own investigators.
  std::vector<size_t> serious;
  for (size_t i : regular_) {
    const Cat c = items_[i].cat;
    if (c == Cat::kViolentExtremism || c == Cat::kChildSafety || c == Cat::kScam ||
        c == Cat::kHateSpeech)
      serious.push_back(i);
  }
  for (size_t k = 0; k < 10 && !serious.empty(); ++k) {
    const size_t item = rng_.Pick(serious);
    Push(FlagTime(items_[item], 1.0 * kDay), item,
         {{"reason", demo::ReasonCode(items_[item].cat)},
          {"source", "internal"},
          {"explanation", "Escalated by the investigations team after an off-platform tip."},
          {"metadata", {{"team", "investigations"}}}});
  }
}

DemoDataSet Generator::Run() {
  DemoDataSet out;
  out.burst_marker = kBurstMarker;
  MakeUsers();
  MakeRegular();
  MakeCommentatorAndMassReporters(out);
  MakeBurst();
  MakeTrusted(out);
  MakeLegal();
  MakeAutomatedAndInternal();

  std::sort(recs_.begin(), recs_.end(),
            [](const Rec& a, const Rec& b) { return a.t != b.t ? a.t < b.t : a.seq < b.seq; });
  std::vector<bool> sent(items_.size(), false);
  out.flags.reserve(recs_.size());
  for (Rec& r : recs_) {
    json f = std::move(r.flag);
    const json& content = items_[r.item].content;
    // The first flag on an item carries it; later ones resend it or refer to it by id.
    if (!sent[r.item] || rng_.Chance(0.5))
      f["content"] = content;
    else
      f["content_id"] = content["id"];
    sent[r.item] = true;
    f["received_at"] = FormatIso8601(r.t);
    out.flags.push_back(std::move(f));
  }
  for (size_t i = 0; i < items_.size(); ++i)
    if (sent[i])
      out.violations.emplace_back(items_[i].content["id"].get<std::string>(),
                                  demo::IsViolation(items_[i].cat));
  return out;
}

}  // namespace

DemoDataSet GenerateDemoData(const DemoOptions& opts) { return Generator(opts).Run(); }

}  // namespace vigil::intake
