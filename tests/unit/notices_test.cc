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
