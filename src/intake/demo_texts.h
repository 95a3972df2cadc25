// Text material for the synthetic `vigil demo` data set (see demo_data.h): per-language post
// templates for each category, account bios, product listings, flag explanations and the
// slot filling that varies them. Internal to the demo generator.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::intake::demo {

// Random helpers built only on the raw output of std::mt19937_64, whose sequence the standard
// fixes; the std::*_distribution algorithms are implementation-defined, so using them would make
// the "same seed, same data" promise depend on the standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t Next() { return engine_(); }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n); 0 when n == 0.
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(engine_() % n); }
  // Uniform in [lo, hi].
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<size_t>(hi - lo + 1)));
  }
  bool Chance(double p) { return Uniform() < p; }
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }
  double Normal(double mean, double stddev) {
    const double u1 = 1.0 - Uniform(), u2 = Uniform();
    return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double LogNormal(double mu, double sigma) { return std::exp(Normal(mu, sigma)); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  // Index drawn with probability proportional to weights[i].
  size_t Weighted(const std::vector<double>& weights);

 private:
  std::mt19937_64 engine_;
};

// What a demo content item really is. kBenign/kPolitical are not violations (they get flagged
// anyway, by mistake or in bad faith); the rest map 1:1 to a flag reason code.
enum class Cat : uint8_t {
  kBenign,
  kPolitical,
  kSpam,
  kScam,
  kHateSpeech,
  kHarassment,
  kViolentExtremism,
  kSelfHarm,
  kChildSafety,
  kMisinformation,
  kImpersonation,
  kIpInfringement,
  kPrivacy,
  kIllegalProduct,
  kViolence,
  kAdultNudity,
};
inline constexpr size_t kCatCount = 16;

// The flag reason code of a violating category; "" for kBenign and kPolitical.
std::string_view ReasonCode(Cat c);
bool IsViolation(Cat c);

// Languages of the demo posts, most common first.
const std::vector<std::string_view>& Languages();

// Post templates of a category in a language; empty when that language has none.
// kChildSafety has no text of its own: such items carry a neutral caption (kBenign).
const std::vector<std::string_view>& PostTemplates(std::string_view lang, Cat cat);
// English bios of accounts reported as a whole; empty when none fits the category.
const std::vector<std::string_view>& AccountBios(Cat cat);
// English marketplace listings; empty when none fits the category.
const std::vector<std::string_view>& ProductListings(Cat cat);
// English reporter explanations for a reason code (never empty).
const std::vector<std::string_view>& Explanations(std::string_view reason);

// The demo's trusted flaggers (Art. 22 organisations) and what they specialise in.
struct TrustedFlagger {
  std::string_view id, org, email, ref_prefix;
  std::vector<Cat> specialties;
};
const std::vector<TrustedFlagger>& TrustedFlaggers();

// A kind of legal order (Art. 9): who issues it, on what ground, for which reason code, and the
// language of the content it typically concerns.
struct LegalOrderTemplate {
  std::string_view lang, reason;
  std::vector<std::string> scope;  // territorial scope, EEA country codes
  std::string_view authority, ground, ref_prefix;
};
const std::vector<LegalOrderTemplate>& LegalOrderTemplates();

// Replaces the {slots} of a template with random values fitting the language:
// {name} {handle} {city} {day} {num} {num2} {big} {price} {pct} {brand} {product} {link}.
std::string Fill(std::string_view tpl, std::string_view lang, Rng& rng);
// "First Last" in the style of the language.
std::string PersonName(std::string_view lang, Rng& rng);
// Lower-case ASCII account handle stem derived from a display name ("anna_kowalska").
std::string HandleFrom(std::string_view display_name);
// One of the near-identical posts of the crypto scam burst; always contains `marker`.
std::string BurstPost(std::string_view marker, Rng& rng);
// Display name of a fresh account of the scam burst ("Crypto Coach Mia").
std::string BurstAccountName(Rng& rng);

}  // namespace vigil::intake::demo
