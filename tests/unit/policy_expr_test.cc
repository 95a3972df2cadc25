// The condition language: values, operators, windows, and errors that name line and column.
#include <gtest/gtest.h>

#include "policy/expr.h"

namespace vigil::policy {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;
constexpr int64_t kHour = 3'600'000;

Snapshot Event() {
  Snapshot s(kNow);
  EXPECT_TRUE(s.SetNumber("author.strikes", 2).ok());
  EXPECT_TRUE(s.SetDurationMs("author.account_age", 3 * 24 * kHour).ok());
  EXPECT_TRUE(s.SetString("content.type", "text").ok());
  EXPECT_TRUE(s.SetString("content.language", "de").ok());
  EXPECT_TRUE(s.SetNumber("content.reach.views", 12000).ok());
  EXPECT_TRUE(s.SetNumber("reporter.accuracy", 0.93).ok());
  EXPECT_TRUE(s.SetBool("content.mentions_person", true).ok());
  EXPECT_TRUE(s.SetList("analysis.term_match.category", {"scam", "crypto_giveaway"}).ok());
  // Four flags: 1h, 5h, 23h and 30h ago.
  EXPECT_TRUE(
      s.SetSeries("flags", {kNow - kHour, kNow - 5 * kHour, kNow - 23 * kHour, kNow - 30 * kHour})
          .ok());
  EXPECT_TRUE(s.SetTimeMs("content.created_at", kNow - 2 * kHour).ok());
  s.SetClassifierScore("spam", 0.97);
  return s;
}

bool Eval(const std::string& src) {
  auto e = Expression::Compile(src);
  EXPECT_TRUE(e.ok()) << src << ": " << (e.ok() ? "" : e.error().field + " " + e.error().message);
  if (!e.ok()) return false;
  EXPECT_EQ(e->type(), Type::kBool) << src;
  return e->Test(Event());
}

std::string ErrorOf(const std::string& src) {
  auto e = Expression::Compile(src);
  if (e.ok()) return "compiled";
  return e.error().field + " " + e.error().message;
}

TEST(PolicyExpr, ComparesEveryValueType) {
  EXPECT_TRUE(Eval("author.strikes >= 2"));
  EXPECT_FALSE(Eval("author.strikes > 2"));
  EXPECT_TRUE(Eval("author.account_age < 7d"));
  EXPECT_FALSE(Eval("author.account_age < 72h"));  // exactly 72h: not less
  EXPECT_TRUE(Eval("content.type == \"text\" and content.language != 'en'"));
  EXPECT_TRUE(Eval("content.reach.views > 10000 or false"));
  EXPECT_TRUE(Eval("content.mentions_person == true"));
  EXPECT_TRUE(Eval("reporter.accuracy * 100 >= 90"));
  EXPECT_TRUE(Eval("now - content.created_at < 3h"));
  EXPECT_TRUE(Eval("classifier.score(\"spam\") >= 0.95 and classifier.score(\"ham\") == 0"));
}

TEST(PolicyExpr, ListsInContainsAny) {
  EXPECT_TRUE(Eval("content.language in [\"de\", \"at\"]"));
  EXPECT_TRUE(Eval("content.language not in [\"en\"]"));
  EXPECT_TRUE(Eval("\"scam\" in analysis.term_match.category"));
  EXPECT_TRUE(Eval("analysis.term_match.category contains \"crypto_giveaway\""));
  EXPECT_TRUE(Eval("analysis.term_match.category contains_any [\"phishing\", \"scam\"]"));
  EXPECT_FALSE(Eval("analysis.term_match.category contains_any [\"phishing\", \"hate\"]"));
  EXPECT_FALSE(Eval("analysis.term_match.category contains_any []"));
  EXPECT_TRUE(Eval("count(analysis.term_match.category) == 2"));
}

TEST(PolicyExpr, CountsEventsInsideTheWindowOnly) {
  EXPECT_TRUE(Eval("count(flags within 24h) == 3"));  // 30h ago is outside
  EXPECT_TRUE(Eval("count(flags, within: 2h) == 1"));
  EXPECT_TRUE(Eval("count(flags) == 4"));
  EXPECT_TRUE(Eval("count(flags within 7d) >= 4"));
}

TEST(PolicyExpr, AndOrShortCircuitAndPrecedence) {
  EXPECT_TRUE(Eval("false and true or true"));  // and binds tighter than or
  EXPECT_FALSE(Eval("false and (true or true)"));
  EXPECT_TRUE(Eval("not author.strikes > 5"));  // not applies to the comparison
  EXPECT_TRUE(Eval("not not true"));
  EXPECT_TRUE(Eval("1 + 2 * 3 == 7"));
  EXPECT_TRUE(Eval("-author.strikes < 0"));
  EXPECT_TRUE(Eval("author.strikes / 0 == 0"));  // division by zero is 0, never NaN
}

TEST(PolicyExpr, AbsentSignalsHaveZeroValues) {
  auto e =
      Expression::Compile("author.strikes == 0 and content.type == \"\" and count(flags) == 0");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->Test(Snapshot(kNow)));
}

TEST(PolicyExpr, TypeErrorsNameLineAndColumn) {
  EXPECT_EQ(ErrorOf("author.strikes > \"3\""), "1:16 '>' cannot combine a number with a string");
  EXPECT_EQ(
      ErrorOf("author.account_age < 30"),
      "1:20 '<' cannot combine a duration with a number; write durations with a unit, e.g. 30d");
  EXPECT_EQ(ErrorOf("author.strikes and true"), "1:1 'and' needs booleans, got a number");
  EXPECT_EQ(ErrorOf("not content.type"), "1:1 'not' needs a boolean, got a string");
  EXPECT_EQ(ErrorOf("content.type in \"text\""),
            "1:14 'in' needs a string on the left and a list on the right, got string and string");
  EXPECT_EQ(ErrorOf("flags > 3"),
            "1:1 'flags' is an event series; count it: count(flags within 24h)");
  // A multi-line condition, placed at line 10 column 7 of its file.
  auto e = Expression::Compile("author.strikes >= 1\n  and author.account_age > \"x\"", 10, 7);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().field, "11:26");  // the '>' on the second line
  EXPECT_EQ(e.error().code, ErrorCode::kInvalid);
}

TEST(PolicyExpr, UnknownSignalsAreErrorsWithSuggestions) {
  EXPECT_EQ(ErrorOf("author.strike >= 3"),
            "1:1 unknown signal 'author.strike' (did you mean 'author.strikes'?)");
  EXPECT_EQ(ErrorOf("true and user.karma > 3"), "1:10 unknown signal 'user.karma'");
  EXPECT_EQ(ErrorOf("classifier.scores(\"spam\") > 1"),
            "1:1 unknown function 'classifier.scores' (did you mean classifier.score?); functions "
            "are count and classifier.score");
  EXPECT_EQ(ErrorOf("count(author.strikes within 1d) > 1"),
            "1:29 only event series (flags, flags.trusted, author.strike_times) have windows");
}

TEST(PolicyExpr, SyntaxErrorsNameLineAndColumn) {
  auto e = Expression::Compile("author.strikes = 3");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(e.error().field + " " + e.error().message,
            "1:16 '=' is not an operator; compare with '=='");
  EXPECT_EQ(ErrorOf("(author.strikes > 1"), "1:20 expected ')' to close the '(' at 1:1");
  EXPECT_EQ(ErrorOf("1 < author.strikes < 3"),
            "1:20 comparisons do not chain; combine them with 'and'");
  EXPECT_EQ(ErrorOf("author.account_age > 3y"),
            "1:22 unknown duration unit 'y' (use ms, s, m, h, d or w)");
  EXPECT_EQ(ErrorOf("content.type == \"text"), "1:17 unterminated string");
  EXPECT_EQ(ErrorOf("a &&"), "1:3 '&' is not an operator; write and, or, not");
  EXPECT_EQ(ErrorOf(""), "1:1 expected a value, found end of expression");
}

TEST(PolicyExpr, NestingAndSizeAreBounded) {
  std::string deep(200, '(');
  deep += "true" + std::string(200, ')');
  EXPECT_EQ(ErrorOf(deep).substr(ErrorOf(deep).find(' ') + 1), "expression nested too deeply");
  EXPECT_EQ(ErrorOf(std::string(9000, ' ') + "true"), "1:1 expression longer than 8 KiB");
  // A long flat chain is fine: the stack stays shallow and evaluation visits each
  // instruction at most once (jumps only go forward).
  std::string chain = "author.strikes == 0";
  for (int i = 0; i < 300; ++i) chain += " or author.strikes == " + std::to_string(i + 1);
  auto e = Expression::Compile(chain);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->Test(Event()));
  EXPECT_LT(e->size(), 2000u);
}

TEST(PolicyExpr, RecordsTheSignalsItReads) {
  auto e = Expression::Compile(
      "author.strikes > 1 and author.strikes < 9 and classifier.score(\"spam\") > 0.5");
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->signals_read().size(), 1u);
  EXPECT_STREQ(SignalSchema()[e->signals_read()[0]].name, "author.strikes");
  EXPECT_EQ(e->classifier_labels(), std::vector<std::string>{"spam"});
  EXPECT_FALSE(e->is_constant());
  EXPECT_TRUE(Expression::Compile("1 < 2")->is_constant());
}

TEST(PolicyExpr, SnapshotSettersCheckNameAndType) {
  Snapshot s;
  EXPECT_FALSE(s.SetNumber("author.strike", 1).ok());
  auto st = s.SetString("author.strikes", "2");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "is a number, not a string");
}

}  // namespace
}  // namespace vigil::policy
