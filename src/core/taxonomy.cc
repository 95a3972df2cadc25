#include "core/taxonomy.h"

#include <yaml-cpp/yaml.h>

#include <array>

namespace vigil {
namespace {

constexpr std::array<std::string_view, 16> kDsaCategories = {
    "STATEMENT_CATEGORY_ANIMAL_WELFARE",
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
    "STATEMENT_CATEGORY_VIOLENCE",
};

constexpr const char* kDefaultYaml = R"YAML(# Reason codes a flag may carry. Each maps to a DSA statement-of-reasons category, a severity
# (1 lowest .. 5 highest) and the queue its cases open in.
reasons:
  - {code: spam, title: Spam, dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD, severity: 1, queue: general}
  - {code: scam, title: Scam or fraud, dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD, severity: 3, queue: general}
  - {code: hate_speech, title: Hate speech, dsa_category: STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH, severity: 4, queue: general}
  - {code: harassment, title: Harassment or bullying, dsa_category: STATEMENT_CATEGORY_CYBER_VIOLENCE, severity: 3, queue: general}
  - {code: violent_extremism, title: Violent extremism or terrorist content, dsa_category: STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY, severity: 5, queue: high_risk}
  - {code: self_harm, title: Self-harm or suicide, dsa_category: STATEMENT_CATEGORY_SELF_HARM, severity: 5, queue: high_risk}
  - {code: child_safety, title: Child safety, dsa_category: STATEMENT_CATEGORY_PROTECTION_OF_MINORS, severity: 5, queue: child_safety}
  - {code: misinformation, title: Civic or election misinformation, dsa_category: STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS, severity: 3, queue: general}
  - {code: impersonation, title: Impersonation, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC, severity: 2, queue: general}
  - {code: ip_infringement, title: Copyright or trademark infringement, dsa_category: STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS, severity: 2, queue: legal}
  - {code: privacy, title: Privacy violation or doxxing, dsa_category: STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS, severity: 4, queue: general}
  - {code: illegal_product, title: Unsafe or prohibited product, dsa_category: STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS, severity: 3, queue: general}
  - {code: violence, title: Violence or threats, dsa_category: STATEMENT_CATEGORY_VIOLENCE, severity: 4, queue: high_risk}
  - {code: adult_nudity, title: Adult nudity or sexual content, dsa_category: STATEMENT_CATEGORY_PROTECTION_OF_MINORS, severity: 2, queue: general}
  - {code: other, title: Other terms-of-service violation, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC, severity: 1, queue: general}
)YAML";

}  // namespace

bool IsDsaCategory(std::string_view key) {
  for (auto c : kDsaCategories)
    if (c == key) return true;
  return false;
}

const char* Taxonomy::DefaultYaml() { return kDefaultYaml; }

const Taxonomy& Taxonomy::Default() {
  static const Taxonomy t = FromYaml(kDefaultYaml).value();
  return t;
}

Taxonomy::Taxonomy() : Taxonomy(Reasons{}) {}

Taxonomy::Taxonomy(Reasons reasons) : state_(std::make_shared<State>()) {
  state_->versions.push_back(std::make_unique<const Reasons>(std::move(reasons)));
  state_->current.store(state_->versions.back().get(), std::memory_order_release);
}

Taxonomy::Taxonomy(const Taxonomy& other) : Taxonomy(other.reasons()) {}

Taxonomy& Taxonomy::operator=(const Taxonomy& other) {
  if (this != &other) *this = Taxonomy(other.reasons());
  return *this;
}

void Taxonomy::Replace(const Taxonomy& fresh) {
  auto copy = std::make_unique<const Reasons>(fresh.reasons());
  std::lock_guard lock(state_->mu);
  state_->current.store(copy.get(), std::memory_order_release);
  state_->versions.push_back(std::move(copy));
}

Result<Taxonomy> Taxonomy::FromYaml(const std::string& text) {
  Reasons reasons;
  try {
    YAML::Node root = YAML::Load(text);
    YAML::Node list = root["reasons"];
    if (!list || !list.IsSequence()) return Error::Invalid("reasons", "expected a list of reasons");
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node& n = list[i];
      std::string where = "reasons[" + std::to_string(i) + "]";
      Reason r;
      if (!n["code"]) return Error::Invalid(where + ".code", "missing");
      r.code = n["code"].as<std::string>();
      r.title = n["title"] ? n["title"].as<std::string>() : r.code;
      r.dsa_category = n["dsa_category"] ? n["dsa_category"].as<std::string>() : "";
      if (!IsDsaCategory(r.dsa_category))
        return Error::Invalid(where + ".dsa_category",
                              "'" + r.dsa_category + "' is not a DSA statement category");
      r.severity = n["severity"] ? n["severity"].as<int>() : 1;
      if (r.severity < 1 || r.severity > 5)
        return Error::Invalid(where + ".severity", "must be between 1 and 5");
      r.queue = n["queue"] ? n["queue"].as<std::string>() : "general";
      for (const auto& seen : reasons)
        if (seen.code == r.code) return Error::Invalid(where + ".code", "duplicate code " + r.code);
      reasons.push_back(std::move(r));
    }
  } catch (const YAML::Exception& e) {
    return Error::Invalid("taxonomy", std::string("YAML: ") + e.what());
  }
  if (reasons.empty()) return Error::Invalid("reasons", "at least one reason is required");
  return Taxonomy(std::move(reasons));
}

const Reason* Taxonomy::Find(std::string_view code) const {
  for (const auto& r : reasons())
    if (r.code == code) return &r;
  return nullptr;
}

}  // namespace vigil
