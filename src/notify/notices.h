// Notices to the people a decision concerns (DSA Art. 16 and 17): a receipt confirmation to the
// notifier, the outcome to the notifier, and a statement of reasons to the affected user. Texts
// are templates per kind and language (notices.yaml in the data directory; English fallback)
// with {{placeholders}}; unknown placeholders are refused when the file loads. A kind may have
// variants per action (`by_action: {suspend_account: {en: ...}}`), e.g. for account-level
// restrictions whose statement of reasons reads differently.
#pragma once

#include <map>
#include <memory>
#include <mutex>
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

// The placeholders templates may use, and the notice kinds.
const std::vector<std::string>& NoticeVariables();
const std::vector<std::string>& NoticeKinds();
// Plausible values for every placeholder, for previews of templates being edited.
std::map<std::string, std::string> SampleNoticeVariables();

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

// The templates in force, replaceable while the server runs (an admin edits notices.yaml through
// the API). Readers take a snapshot and keep it for the whole rendering.
class NoticeStore {
 public:
  NoticeStore() : current_(std::make_shared<NoticeTemplates>(NoticeTemplates::Default())) {}
  std::shared_ptr<const NoticeTemplates> Get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void Set(NoticeTemplates t) {
    auto next = std::make_shared<const NoticeTemplates>(std::move(t));
    std::lock_guard lock(mu_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const NoticeTemplates> current_;
};

}  // namespace vigil::notify
