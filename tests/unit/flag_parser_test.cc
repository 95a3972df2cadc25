#include "intake/flag_parser.h"

#include <gtest/gtest.h>

namespace vigil::intake {
namespace {

using nlohmann::json;

const char* kMinimal =
    R"({"content": {"id": "post-123", "type": "text", "text": "...", "author": {"id": "acct-9"}},
        "reason": "spam", "source": "user", "reporter": {"id": "user-42"}, "explanation": "..."})";

Error ParseError(const std::string& body) {
  auto j = ParseJsonBody(body);
  if (!j) return j.error();
  auto f = ParseFlag(j.value(), Taxonomy::Default());
  EXPECT_FALSE(f.ok()) << body;
  return f ? Error{} : f.error();
}

TEST(FlagParser, AcceptsTheMinimalFlagOfTheIssue) {
  auto j = ParseJsonBody(kMinimal);
  ASSERT_TRUE(j.ok());
  auto f = ParseFlag(j.value(), Taxonomy::Default());
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->ContentId(), "post-123");
  EXPECT_EQ(f->content->author->id, "acct-9");
  EXPECT_EQ(f->reporter->id, "user-42");
  EXPECT_EQ(f->source, FlagSource::kUser);
}

TEST(FlagParser, FullFlagWithLegalOrder) {
  auto f = ParseFlag(json::parse(R"({
    "content": {"id": "v1", "type": "video", "media": [{"url": "https://cdn/x.mp4", "hashes": {"sha256": "ab"}}],
                "reach": {"views": 10, "followers": 2, "shares": 1}, "language": "de",
                "created_at": "2026-11-01T10:00:00Z", "metadata": {"k": 1}},
    "reason": "violent_extremism", "source": "legal_order",
    "legal_order": {"authority": "BNetzA", "legal_ground": "TCO Regulation Art. 3",
                    "territorial_scope": ["DE", "AT"], "deadline": "2026-11-26T10:00:00Z"},
    "bona_fide": true, "location_url": "https://example.social/v/1"})"),
                     Taxonomy::Default());
  ASSERT_TRUE(f.ok()) << f.error().field << ": " << f.error().message;
  EXPECT_EQ(f->legal_order->territorial_scope.size(), 2u);
  EXPECT_EQ(f->content->reach.views, 10);
  EXPECT_EQ(f->content->media[0].hashes[0].first, "sha256");
}

TEST(FlagParser, BadInputNamesTheField) {
  struct Case {
    const char* body;
    ErrorCode code;
    const char* field;
  } cases[] = {
      {R"({"content_id": "x", "reason": "spam", "source": "user", "reporter": {"id": "u"}, "colour": 1})",
       ErrorCode::kInvalid, "colour"},
      {R"({"content_id": "x", "reason": "nope", "source": "user", "reporter": {"id": "u"}})",
       ErrorCode::kInvalid, "reason"},
      {R"({"content_id": "x", "source": "user", "reporter": {"id": "u"}})", ErrorCode::kInvalid,
       "reason"},
      {R"({"content_id": "x", "reason": "spam", "source": "user"})", ErrorCode::kInvalid,
       "reporter"},
      {R"({"content_id": "x", "reason": "spam", "source": "user", "reporter": {"id": 7}})",
       ErrorCode::kInvalid, "reporter.id"},
      {R"({"content": {"id": "x", "type": "hologram"}, "reason": "spam", "source": "automated"})",
       ErrorCode::kInvalid, "content.type"},
      {R"({"content": {"id": "x", "reach": {"views": -1}}, "reason": "spam", "source": "automated"})",
       ErrorCode::kInvalid, "content.reach.views"},
      {R"({"content": {"id": "x", "author": {"id": "a", "age": 3}}, "reason": "spam", "source": "automated"})",
       ErrorCode::kInvalid, "content.author.age"},
      {R"({"content_id": "x", "reason": "spam", "source": "legal_order"})", ErrorCode::kInvalid,
       "legal_order"},
      {R"({"content_id": "x", "reason": "spam", "source": "legal_order", "legal_order": {"authority": "A", "legal_ground": "B", "territorial_scope": ["US"]}})",
       ErrorCode::kInvalid, "legal_order.territorial_scope[0]"},
      {R"({"content_id": "x\u0000y", "reason": "spam", "source": "automated"})",
       ErrorCode::kBadRequest, "content_id"},
      {R"({"content_id": "x", "reason": "spam", "source": "automated", "bona_fide": "yes"})",
       ErrorCode::kInvalid, "bona_fide"},
      {R"({"content": {"id": "x", "created_at": "last tuesday"}, "reason": "spam", "source": "automated"})",
       ErrorCode::kInvalid, "content.created_at"},
      {R"({"reason": "spam", "source": "automated"})", ErrorCode::kInvalid, "content"},
      {R"([1, 2])", ErrorCode::kInvalid, ""},
  };
  for (const auto& c : cases) {
    Error e = ParseError(c.body);
    EXPECT_EQ(e.code, c.code) << c.body;
    EXPECT_EQ(e.field, c.field) << c.body << " -> " << e.message;
    EXPECT_FALSE(e.message.empty());
  }
}

TEST(FlagParser, OverLongFieldsAreRejected) {
  json j = json::parse(kMinimal);
  j["explanation"] = std::string(kMaxExplanationBytes + 1, 'a');
  auto f = ParseFlag(j, Taxonomy::Default());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().field, "explanation");
  j = json::parse(kMinimal);
  j["content"]["id"] = std::string(kMaxIdBytes + 1, 'a');
  f = ParseFlag(j, Taxonomy::Default());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().field, "content.id");
}

TEST(JsonBody, RejectsInvalidUtf8NulAndGarbage) {
  EXPECT_EQ(ParseJsonBody("{\"a\": \"\xff\"}").error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(ParseJsonBody("{\"a\": \"\xc0\xaf\"}").error().code, ErrorCode::kBadRequest);  // overlong
  EXPECT_EQ(ParseJsonBody(std::string("{\"a\": 1}\0", 9)).error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(ParseJsonBody("{\"a\": ").error().code, ErrorCode::kBadRequest);
  EXPECT_TRUE(ParseJsonBody("{\"a\": \"caf\xc3\xa9 \xf0\x9f\x98\x80\"}").ok());
}

TEST(Taxonomy, RejectsUnknownDsaCategoryNamingTheEntry) {
  auto t = Taxonomy::FromYaml(
      "reasons:\n  - {code: a, dsa_category: STATEMENT_CATEGORY_VIOLENCE}\n"
      "  - {code: b, dsa_category: NOT_A_CATEGORY}\n");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().field, "reasons[1].dsa_category");
  EXPECT_TRUE(Taxonomy::Default().Find("spam"));
}

// Replace() is seen by every holder of a reference; what a reader got before stays valid.
TEST(Taxonomy, ReplaceKeepsEarlierReasonsValid) {
  Taxonomy t = Taxonomy::FromYaml("reasons:\n  - {code: a, dsa_category: STATEMENT_CATEGORY_VIOLENCE}\n").value();
  const Taxonomy& held = t;
  const Reason* before = held.Find("a");
  const std::vector<Reason>* list_before = &held.reasons();
  ASSERT_NE(before, nullptr);
  t.Replace(Taxonomy::FromYaml("reasons:\n  - {code: a, dsa_category: STATEMENT_CATEGORY_VIOLENCE, severity: 4}\n"
                               "  - {code: b, dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD}\n")
                .value());
  EXPECT_EQ(before->severity, 1);  // still readable
  EXPECT_EQ(list_before->size(), 1u);
  EXPECT_EQ(held.Find("a")->severity, 4);
  ASSERT_NE(held.Find("b"), nullptr);
  Taxonomy copy = held;
  t.Replace(Taxonomy::Default());
  EXPECT_NE(copy.Find("b"), nullptr);  // a copy is independent
  EXPECT_EQ(held.Find("b"), nullptr);
}

}  // namespace
}  // namespace vigil::intake
