#include "notify/notices.h"

#include <gtest/gtest.h>

namespace vigil::notify {
namespace {

TEST(Notices, DefaultTemplatesRenderEveryKindWithFallback) {
  const auto& t = NoticeTemplates::Default();
  std::map<std::string, std::string> vars = {{"content_id", "post-1"}, {"actions", "removed"},
                                             {"facts", "Spam links"}, {"triggered_by", "a notice"},
                                             {"ground", "Terms of service, spam policy S1"}};
  auto sor = t.Render("statement_of_reasons", "en", vars);
  ASSERT_TRUE(sor.ok());
  EXPECT_NE(sor->body.find("Restriction: removed"), std::string::npos);
  EXPECT_NE(sor->body.find("Spam links"), std::string::npos);
  EXPECT_NE(sor->body.find("appeal"), std::string::npos);
  EXPECT_EQ(sor->body.find("{{"), std::string::npos);
  auto de = t.Render("outcome", "de", vars);
  EXPECT_EQ(de->language, "de");
  auto fr = t.Render("receipt", "fr", vars);
  EXPECT_EQ(fr->language, "en");  // fallback
  EXPECT_NE(fr->subject.find("post-1"), std::string::npos);
}

TEST(Notices, BadTemplatesAreRefusedNamingWhere) {
  auto bad = NoticeTemplates::FromYaml(
      "receipt: {en: {subject: 'x', body: 'Hello {{nmae}}'}}\n"
      "outcome: {en: {subject: 'x', body: 'y'}}\n"
      "statement_of_reasons: {en: {subject: 'x', body: 'y'}}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "receipt.en");
  EXPECT_NE(bad.error().message.find("nmae"), std::string::npos);
  auto missing = NoticeTemplates::FromYaml("receipt: {de: {subject: 'x', body: 'y'}}\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "receipt.en");
}

}  // namespace
}  // namespace vigil::notify

namespace vigil::notify {
namespace {

TEST(Notices, ActionVariantsApplyToTheirActionOnly) {
  auto t = NoticeTemplates::FromYaml(
      "receipt: {en: {subject: 'r', body: 'r'}}\n"
      "outcome: {en: {subject: 'o', body: 'o'}}\n"
      "statement_of_reasons:\n"
      "  en: {subject: 'generic', body: 'Restriction: {{actions}}'}\n"
      "  by_action:\n"
      "    label: {en: {subject: 'labelled', body: 'We labelled {{content_id}}'},\n"
      "            de: {subject: 'markiert', body: 'Markiert: {{content_id}}'}}\n");
  ASSERT_TRUE(t.ok()) << t.error().field << ": " << t.error().message;
  EXPECT_EQ(t->Render("statement_of_reasons", "en", {}, "remove")->subject, "generic");
  EXPECT_EQ(t->Render("statement_of_reasons", "en", {}, "label")->subject, "labelled");
  EXPECT_EQ(t->Render("statement_of_reasons", "de", {}, "label")->subject, "markiert");
  EXPECT_EQ(t->Render("statement_of_reasons", "fr", {{"content_id", "p9"}}, "label")->body,
            "We labelled p9");
  // The built-in texts have account-level variants.
  auto susp = NoticeTemplates::Default().Render("statement_of_reasons", "en",
                                                {{"account_id", "acct-7"}}, "suspend_account");
  EXPECT_NE(susp->subject.find("acct-7"), std::string::npos) << susp->subject;
  // Kinds a file leaves out fall back to the built-in texts.
  EXPECT_TRUE(t->Render("appeal_outcome", "en", {}).ok());

  auto typo = NoticeTemplates::FromYaml(
      "receipt: {en: {subject: 'r', body: 'r'}}\n"
      "outcome: {en: {subject: 'o', body: 'o'}}\n"
      "statement_of_reasons:\n"
      "  en: {subject: 'g', body: 'g'}\n"
      "  by_action: {suspend_acount: {en: {subject: 's', body: 's'}}}\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().field, "statement_of_reasons.by_action.suspend_acount");
  auto no_en = NoticeTemplates::FromYaml(
      "receipt: {en: {subject: 'r', body: 'r'}}\n"
      "outcome: {en: {subject: 'o', body: 'o'}}\n"
      "statement_of_reasons:\n"
      "  en: {subject: 'g', body: 'g'}\n"
      "  by_action: {label: {de: {subject: 's', body: 's'}}}\n");
  ASSERT_FALSE(no_en.ok());
  EXPECT_EQ(no_en.error().field, "statement_of_reasons.by_action.label.en");
}

}  // namespace
}  // namespace vigil::notify
