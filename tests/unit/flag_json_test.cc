// ParseFlagJson (JsonDoc, falling back to nlohmann) must answer exactly as ParseJsonBody followed
// by ParseFlag does: the same flag, or the same error with the same field and message.
#include <gtest/gtest.h>

#include <random>

#include "intake/flag_parser.h"
#include "intake/json_doc.h"

namespace vigil::intake {
namespace {

using nlohmann::json;

// Every field of a flag, as text, to compare two parses.
std::string Describe(const Result<Flag>& r) {
  if (!r) {
    return "error " + std::to_string(static_cast<int>(r.error().code)) + " [" + r.error().field +
           "] " + r.error().message;
  }
  const Flag& f = r.value();
  std::string out = "flag ";
  if (f.content) {
    AppendContentJson(out, *f.content);
    out += " hashes:";
    for (const auto& m : f.content->media)
      for (const auto& [alg, digest] : m.hashes) out += alg + "=" + digest + ";";
    out += " content_metadata:" + f.content->metadata_json;
  }
  out += " ref:" + f.content_ref + " reason:" + f.reason +
         " source:" + std::string(ToString(f.source));
  if (f.reporter) AppendAccountJson(out += " reporter:", *f.reporter);
  if (f.contact) out += " contact:" + f.contact->name + "/" + f.contact->email;
  out += " explanation:" + f.explanation + " location:" + f.location_url;
  out += f.bona_fide ? " bona_fide" : " not_bona_fide";
  if (f.legal_order) AppendLegalOrderJson(out += " order:", *f.legal_order);
  out += " metadata:" + f.metadata_json;
  if (f.received_at) out += " received:" + std::to_string(*f.received_at);
  return out;
}

std::string ThroughNlohmann(std::string_view body, const ParseOptions& opts) {
  auto j = ParseJsonBody(std::string(body));
  if (!j) return Describe(j.error());
  return Describe(ParseFlag(j.value(), Taxonomy::Default(), opts));
}

void ExpectSameAnswer(std::string_view body, const ParseOptions& opts = {}) {
  EXPECT_EQ(Describe(ParseFlagJson(body, Taxonomy::Default(), opts)), ThroughNlohmann(body, opts))
      << body;
}

const char* kFull =
    R"({"content": {"id": "v1", "type": "video", "text": "caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t",
  "media": [{"url": "https://cdn/x.mp4", "hashes": {"sha256": "ab", "md5": "cd", "pdq": "ef"}}, {"url": "u2"}],
  "reach": {"views": 10, "followers": 0, "shares": 9223372036854775807}, "language": "de",
  "created_at": "2026-11-01T10:00:00Z", "url": "https://example.social/v/1",
  "author": {"id": "a1", "name": "Ann", "created_at": "2020-01-01T00:00:00+01:00"},
  "metadata": {"z": [1, -2, 3.5, -0.0, 1e21, 1E-7, true, false, null, "s\u0001"], "a": {"y": {}, "x": []}, "": 0}},
 "reason": "violent_extremism", "source": "legal_order",
 "legal_order": {"authority": "BNetzA", "legal_ground": "TCO Regulation Art. 3", "reference": "r-1",
                 "territorial_scope": ["DE", "AT"], "deadline": "2026-11-26T10:00:00Z"},
 "reporter": {"id": "r1", "contact": {"name": "Rita", "email": "rita@example.org"}},
 "bona_fide": true, "location_url": "https://example.social/v/1", "explanation": "see \u2028 there",
 "metadata": {"k": 1, "k": 2}})";

const char* kBench =
    R"({"content":{"id":"bench-batch-0-1","type":"text","text":"benchmark content bench-batch-0-1 buy cheap followers now, limited offer","author":{"id":"acct-1"}},"reason":"spam","source":"user","reporter":{"id":"rep-bench-batch-0-1"},"explanation":"ingest benchmark","metadata":{"bench":"batch","conn":0,"seq":1}})";

TEST(FlagJson, ReadsCommonFlagsWithoutNlohmann) {
  for (const char* body : {kFull, kBench}) {
    JsonDoc doc;
    EXPECT_TRUE(doc.Parse(body)) << body;
    ExpectSameAnswer(body);
  }
  auto f = ParseFlagJson(kFull, Taxonomy::Default());
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->content->text, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ / \b\f\n\r\t");
  EXPECT_EQ(f->metadata_json, R"({"k":2})");  // a repeated key keeps its last value
  EXPECT_EQ(f->content->media[0].hashes.front().first, "md5");  // in key order, as nlohmann
}

TEST(FlagJson, LeavesWhatItCannotReadToNlohmann) {
  for (const char* body :
       {"\xef\xbb\xbf{}", R"({"a": 18446744073709551615})", R"({"a": -9223372036854775809})",
        R"({"a": 1e400})", "{", "", " ", R"({"a": 01})", R"({"a": "\ud800"})",
        R"({"a": "\udc00x"})", R"({"a": tru})", R"({"a": 1,})", R"([1,])", "{\"a\": \"\t\"}"}) {
    JsonDoc doc;
    EXPECT_FALSE(doc.Parse(body)) << body;
    ExpectSameAnswer(body);
  }
  std::string deep(200, '[');
  JsonDoc doc;
  EXPECT_FALSE(doc.Parse(deep + std::string(200, ']')));
}

TEST(FlagJson, DumpsValuesAsNlohmannDoes) {
  for (
      const char* text :
      {R"({"b": [1, 2.5, -0.0, 1e21, 1.5e-7, 123456789012345678, -1, 0], "a": "\u0000\u001f\u007f"})",
       R"({"k": {"z": null, "y": true, "x": false}, "k": "last", "\u00e9": 1, "e": 2})",
       R"([0.1, 100000.0, 1e5, 3.141592653589793, 2.5e-300, 1.7976931348623157e308])", R"("plain")",
       "17", "null"}) {
    JsonDoc doc;
    ASSERT_TRUE(doc.Parse(text)) << text;
    std::string dumped;
    doc.Root().Dump(dumped);
    EXPECT_EQ(dumped, json::parse(text).dump()) << text;
  }
}

TEST(FlagJson, EscapesStringsAsNlohmannDoes) {
  std::mt19937 rng(7);
  const std::string pieces[] = {"a",
                                "\"",
                                "\\",
                                "\n",
                                "\t",
                                "\x01",
                                "\x1f",
                                "\x7f",
                                " ",
                                "\xc3\xa9",
                                "\xf0\x9f\x98\x80",
                                "/",
                                "0123456789"};
  for (int n = 0; n < 2000; ++n) {
    std::string s;
    for (size_t len = rng() % 40; len > 0; --len) s += pieces[rng() % std::size(pieces)];
    std::string out = "x";
    AppendJsonString(out, s);
    EXPECT_EQ(out, "x" + json(s).dump());
  }
}

TEST(FlagJson, BadInputGetsTheSameErrors) {
  for (
      const char* body :
      {R"({"content_id": "x", "reason": "spam", "source": "user", "reporter": {"id": "u"}, "colour": 1, "ber": 2})",
       R"({"content_id": "x", "reason": "nope", "source": "user", "reporter": {"id": "u"}})",
       R"({"content_id": "x", "source": "user", "reporter": {"id": "u"}})",
       R"({"content_id": "x", "reason": "spam", "source": "user", "reporter": {"id": 7}})",
       R"({"content_id": "x", "reason": "spam", "source": "user", "reporter": null})",
       R"({"content_id": "x", "content": {"id": "y"}, "reason": "spam", "source": "automated"})",
       R"({"content_id": null, "content": {"id": "y"}, "reason": "spam", "source": "automated"})",
       R"({"content": {"id": "x", "reach": {"views": -1}}, "reason": "spam", "source": "automated"})",
       R"({"content": {"id": "x", "reach": {"views": 1.0}}, "reason": "spam", "source": "automated"})",
       R"({"content": {"id": "x", "media": [{"url": "u", "hashes": {"b": 1, "a": 2}}]}, "reason": "spam", "source": "automated"})",
       R"({"content": {"id": "x", "media": {}}, "reason": "spam", "source": "automated"})",
       R"({"content": {"id": "x", "metadata": []}, "reason": "spam", "source": "automated"})",
       R"({"content": {"id": "x", "metadata": {"a": "\\u0000"}}, "reason": "spam", "source": "automated"})",
       R"({"content": {"id": "x", "language": "EN"}, "reason": "spam", "source": "automated"})",
       R"({"content_id": "x\u0000y", "reason": "spam", "source": "automated"})",
       R"({"content_id": "x", "reason": "spam", "source": "legal_order", "legal_order": {"authority": "A", "legal_ground": "B", "territorial_scope": ["DE", 4]}})",
       R"({"content_id": "x", "reason": "spam", "source": "user", "reporter": {"id": "u", "contact": {"email": "nope"}}})",
       R"({"content_id": "x", "reason": "spam", "source": "automated", "bona_fide": "yes"})",
       R"({"content_id": "", "reason": "spam", "source": "automated"})",
       R"({"content_id": "x", "reason": "spam", "source": "automated", "received_at": "2026-01-01T00:00:00Z"})",
       "[1, 2]",
       "\"flag\"",
       "{\"a\": \"\xff\"}",
       "{\"reason\": 1}\n\n",
       "{} {}"}) {
    ExpectSameAnswer(body);
  }
  ExpectSameAnswer(
      R"({"content_id": "x", "reason": "spam", "source": "automated", "received_at": "2026-01-01T00:00:00Z", "id": 3})",
      ParseOptions{true});
  std::string body = kBench;
  body.replace(body.find("ingest benchmark"), 16, std::string(kMaxExplanationBytes + 1, 'e'));
  ExpectSameAnswer(body);
}

// Random edits of valid flags land on every path: both readers must still agree.
TEST(FlagJson, AgreesWithNlohmannOnMutatedFlags) {
  std::mt19937 rng(20261125);
  const std::string alphabet = "{}[]\",:\\u0123456789.eE+-tfnrlsa \t\n\x01\xc3\xa9";
  const std::vector<std::string> seeds = {kFull, kBench};
  for (int n = 0; n < 20000; ++n) {
    std::string body = seeds[n % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % body.size();
      switch (rng() % 3) {
        case 0:
          body[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          body.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        default:
          body.erase(at, 1 + rng() % 8);
      }
      if (body.empty()) body = "{";
    }
    ExpectSameAnswer(body, ParseOptions{n % 2 == 0});
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace vigil::intake
