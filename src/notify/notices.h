// Notices to the people a decision concerns (DSA Art. 16 and 17): a receipt confirmation to the
// notifier, the outcome to the notifier, and a statement of reasons to the affected user. Texts
// are templates per kind and language (notices.yaml in the data directory; English fallback)
// with {{placeholders}}; unknown placeholders are refused when the file loads. A kind may have
// variants per action (`by_action: {suspend_account: {en: ...}}`), e.g. for account-level
// restrictions whose statement of reasons reads differently.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/error.h"

namespace vigil::notify {

struct Notice {
  std::string kind;      // receipt | outcome | statement_of_reasons
  std::string language;  // the template language used
  std::string to;        // "notifier:<id>" or "affected_user:<id>"
  std::string subject;
  std::string body;
};

// The placeholders templates may use.
const std::vector<std::string>& NoticeVariables();

class NoticeTemplates {
 public:
  static Result<NoticeTemplates> FromYaml(const std::string& text);
  static const char* DefaultYaml();
  static const NoticeTemplates& Default();

  // Renders `kind` in `language` (falls back to "en"); variables not given render empty. With
  // an `action` (the decision's first action), that action's variant (`by_action:` in the
  // file) is used when there is one.
  Result<Notice> Render(const std::string& kind, const std::string& language,
                        const std::map<std::string, std::string>& vars,
                        const std::string& action = "") const;

 private:
  struct Template {
    std::string subject, body;
  };
  std::map<std::string, std::map<std::string, Template>> by_kind_;  // kind -> language -> text
};

}  // namespace vigil::notify
