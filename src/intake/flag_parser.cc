#include "intake/flag_parser.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>

#include "intake/json_doc.h"

namespace vigil::intake {
namespace {

using nlohmann::json;

bool ValidUtf8(std::string_view s, size_t* bad_at) {
  size_t i = 0, n = s.size();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      *bad_at = i;
      return false;
    }
    if (i + len > n) {
      *bad_at = i;
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) {
        *bad_at = i;
        return false;
      }
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      *bad_at = i;
      return false;
    }
    i += len;
  }
  return true;
}

// nlohmann::json seen through the interface of JsonDoc::Value, so one set of readers below
// validates both documents the same way.
class NlohmannValue {
 public:
  explicit NlohmannValue(const json& j) : j_(&j) {}
  bool is_null() const { return j_->is_null(); }
  bool is_bool() const { return j_->is_boolean(); }
  bool is_int() const { return j_->is_number_integer(); }
  bool is_string() const { return j_->is_string(); }
  bool is_array() const { return j_->is_array(); }
  bool is_object() const { return j_->is_object(); }
  bool boolean() const { return j_->get<bool>(); }
  int64_t integer() const { return j_->get<int64_t>(); }
  std::string_view str() const { return j_->get_ref<const std::string&>(); }
  size_t size() const { return j_->size(); }
  std::vector<NlohmannValue> elements() const {
    std::vector<NlohmannValue> out;
    for (const auto& e : *j_) out.emplace_back(e);
    return out;
  }
  std::optional<NlohmannValue> find(std::string_view key) const {
    auto it = j_->find(key);
    if (it == j_->end()) return std::nullopt;
    return NlohmannValue(*it);
  }
  template <typename F>
  void members(F f) const {  // nlohmann's objects are ordered by key
    for (const auto& [key, value] : j_->items()) f(std::string_view(key), NlohmannValue(value));
  }
  template <typename F>
  void each_member(F f) const {
    members(f);
  }
  void Dump(std::string& out) const { out += j_->dump(); }

 private:
  const json* j_;
};

// Walks one JSON object, checking every key is known and each value's type and size. V is
// NlohmannValue or JsonDoc::Value.
template <typename V>
class ObjectReader {
 public:
  ObjectReader(V j, std::string path) : j_(j), path_(std::move(path)) {}

  Status Expect(std::initializer_list<std::string_view> allowed) const {
    if (!j_.is_object()) return Error::Invalid(path_, "must be a JSON object");
    // The first unknown key in byte order, whatever order the document keeps.
    std::optional<std::string_view> unknown;
    j_.each_member([&](std::string_view key, const V&) {
      if (unknown && *unknown <= key) return;
      for (auto a : allowed)
        if (a == key) return;
      unknown = key;
    });
    if (unknown) return Error::Invalid(Field(*unknown), "unknown field");
    return OkStatus();
  }

  std::string Field(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  // The value of `key`, unless it is missing or null (which count as absent).
  std::optional<V> Get(const char* key) const {
    auto v = j_.find(key);
    if (v && v->is_null()) return std::nullopt;
    return v;
  }
  bool Has(const char* key) const { return Get(key).has_value(); }
  V At(const char* key) const { return *j_.find(key); }

  Status String(const char* key, size_t max, std::string* out, bool required) const {
    auto v = Get(key);
    if (!v) return required ? Error::Invalid(Field(key), "is required") : OkStatus();
    if (!v->is_string()) return Error::Invalid(Field(key), "must be a string");
    std::string_view s = v->str();
    if (s.size() > max)
      return Error::Invalid(Field(key), "is longer than " + std::to_string(max) + " bytes");
    if (s.find('\0') != std::string::npos)
      return Error::BadRequest(Field(key), "contains a NUL character");
    if (required && s.empty()) return Error::Invalid(Field(key), "must not be empty");
    out->assign(s);
    return OkStatus();
  }

  Status Int(const char* key, int64_t* out) const {
    auto v = Get(key);
    if (!v) return OkStatus();
    if (!v->is_int()) return Error::Invalid(Field(key), "must be an integer");
    int64_t n = v->integer();
    if (n < 0) return Error::Invalid(Field(key), "must not be negative");
    *out = n;
    return OkStatus();
  }

  Status Bool(const char* key, bool* out) const {
    auto v = Get(key);
    if (!v) return OkStatus();
    if (!v->is_bool()) return Error::Invalid(Field(key), "must be true or false");
    *out = v->boolean();
    return OkStatus();
  }

  Status Time(const char* key, std::optional<Millis>* out) const {
    std::string s;
    if (auto st = String(key, 64, &s, false); !st) return st;
    if (s.empty()) return OkStatus();
    auto t = ParseIso8601(s);
    if (!t)
      return Error::Invalid(Field(key), "must be an ISO-8601 date-time with a zone, e.g. "
                                        "2026-11-25T14:00:00Z");
    *out = *t;
    return OkStatus();
  }

  Status Metadata(const char* key, std::string* out) const {
    *out = "{}";
    auto v = Get(key);
    if (!v) return OkStatus();
    if (!v->is_object()) return Error::Invalid(Field(key), "must be a JSON object");
    std::string dumped;
    v->Dump(dumped);
    if (dumped.size() > kMaxMetadataBytes)
      return Error::Invalid(Field(key),
                            "is larger than " + std::to_string(kMaxMetadataBytes) + " bytes");
    if (dumped.find("\\u0000") != std::string::npos)
      return Error::BadRequest(Field(key), "contains a NUL character");
    *out = std::move(dumped);
    return OkStatus();
  }

 private:
  V j_;
  std::string path_;
};

#define VIGIL_TRY(expr)               \
  do {                                \
    if (auto _s = (expr); !_s) return _s.error(); \
  } while (0)

template <typename V>
Result<Account> ParseAccount(V j, const std::string& path, bool allow_contact,
                             std::optional<ReporterContact>* contact) {
  ObjectReader<V> r(j, path);
  if (allow_contact) {
    VIGIL_TRY(r.Expect({"id", "created_at", "name", "contact"}));
  } else {
    VIGIL_TRY(r.Expect({"id", "created_at", "name"}));
  }
  Account a;
  VIGIL_TRY(r.String("id", kMaxIdBytes, &a.id, true));
  VIGIL_TRY(r.Time("created_at", &a.created_at));
  VIGIL_TRY(r.String("name", kMaxNameBytes, &a.display_name, false));
  if (allow_contact && r.Has("contact")) {
    ObjectReader<V> c(r.At("contact"), r.Field("contact"));
    VIGIL_TRY(c.Expect({"name", "email"}));
    ReporterContact rc;
    VIGIL_TRY(c.String("name", kMaxNameBytes, &rc.name, false));
    VIGIL_TRY(c.String("email", kMaxNameBytes, &rc.email, false));
    if (!rc.email.empty() && rc.email.find('@') == std::string::npos)
      return Error::Invalid(c.Field("email"), "is not an email address");
    *contact = rc;
  }
  return a;
}

template <typename V>
Result<LegalOrder> ParseLegalOrder(V j, const std::string& path) {
  ObjectReader<V> r(j, path);
  VIGIL_TRY(r.Expect({"authority", "legal_ground", "territorial_scope", "deadline", "reference"}));
  LegalOrder o;
  VIGIL_TRY(r.String("authority", kMaxNameBytes, &o.authority, true));
  VIGIL_TRY(r.String("legal_ground", 500, &o.legal_ground, true));
  VIGIL_TRY(r.String("reference", kMaxNameBytes, &o.reference, false));
  VIGIL_TRY(r.Time("deadline", &o.deadline));
  if (r.Has("territorial_scope")) {
    V scope = r.At("territorial_scope");
    if (!scope.is_array()) return Error::Invalid(r.Field("territorial_scope"), "must be a list");
    static const std::initializer_list<std::string_view> kEea = {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
        "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK"};
    auto codes = scope.elements();
    for (size_t i = 0; i < codes.size(); ++i) {
      std::string field = r.Field("territorial_scope") + "[" + std::to_string(i) + "]";
      if (!codes[i].is_string()) return Error::Invalid(field, "must be a string");
      std::string code(codes[i].str());
      bool known = false;
      for (auto k : kEea) known = known || k == code;
      if (!known) return Error::Invalid(field, "'" + code.substr(0, 8) + "' is not an EEA country code");
      o.territorial_scope.push_back(code);
    }
  }
  return o;
}

template <typename V>
Status ParseMedia(const ObjectReader<V>& r, ContentItem& c) {
  V media = r.At("media");
  if (!media.is_array()) return Error::Invalid(r.Field("media"), "must be a list");
  if (media.size() > kMaxMediaItems)
    return Error::Invalid(r.Field("media"),
                          "has more than " + std::to_string(kMaxMediaItems) + " items");
  auto items = media.elements();
  for (size_t i = 0; i < items.size(); ++i) {
    ObjectReader<V> m(items[i], r.Field("media") + "[" + std::to_string(i) + "]");
    VIGIL_TRY(m.Expect({"url", "hashes"}));
    MediaItem item;
    VIGIL_TRY(m.String("url", kMaxUrlBytes, &item.url, true));
    if (m.Has("hashes")) {
      V h = m.At("hashes");
      if (!h.is_object()) return Error::Invalid(m.Field("hashes"), "must be an object");
      std::optional<Error> bad;
      h.members([&](std::string_view alg, const V& digest) {
        if (bad) return;
        std::string field = m.Field("hashes") + "." + std::string(alg);
        if (alg.size() > 32) {
          bad = Error::Invalid(field, "algorithm name too long");
        } else if (!digest.is_string() || digest.str().size() > 512) {
          bad = Error::Invalid(field, "must be a string of at most 512 characters");
        } else {
          item.hashes.emplace_back(std::string(alg), std::string(digest.str()));
        }
      });
      if (bad) return *bad;
    }
    c.media.push_back(std::move(item));
  }
  return OkStatus();
}

template <typename V>
Result<ContentItem> ParseContentValue(V j, const std::string& path) {
  ObjectReader<V> r(j, path);
  VIGIL_TRY(r.Expect({"id", "type", "text", "url", "media", "author", "created_at", "reach",
                      "language", "metadata"}));
  ContentItem c;
  VIGIL_TRY(r.String("id", kMaxIdBytes, &c.id, true));
  std::string type = "text";
  VIGIL_TRY(r.String("type", 32, &type, false));
  auto t = ParseContentType(type);
  if (!t)
    return Error::Invalid(r.Field("type"),
                          "must be one of text, image, video, url, account, product");
  c.type = *t;
  VIGIL_TRY(r.String("text", kMaxTextBytes, &c.text, false));
  VIGIL_TRY(r.String("url", kMaxUrlBytes, &c.url, false));
  VIGIL_TRY(r.Time("created_at", &c.created_at));
  VIGIL_TRY(r.String("language", 8, &c.language, false));
  if (!c.language.empty()) {
    bool ok = c.language.size() >= 2 && c.language.size() <= 3;
    for (char ch : c.language) ok = ok && ch >= 'a' && ch <= 'z';
    if (!ok) return Error::Invalid(r.Field("language"), "must be an ISO 639-1 code like \"en\"");
  }
  VIGIL_TRY(r.Metadata("metadata", &c.metadata_json));
  if (r.Has("author")) {
    std::optional<ReporterContact> unused;
    auto a = ParseAccount(r.At("author"), r.Field("author"), false, &unused);
    if (!a) return a.error();
    c.author = std::move(a.value());
  }
  if (r.Has("reach")) {
    ObjectReader<V> rr(r.At("reach"), r.Field("reach"));
    VIGIL_TRY(rr.Expect({"views", "followers", "shares"}));
    VIGIL_TRY(rr.Int("views", &c.reach.views));
    VIGIL_TRY(rr.Int("followers", &c.reach.followers));
    VIGIL_TRY(rr.Int("shares", &c.reach.shares));
  }
  if (r.Has("media")) VIGIL_TRY(ParseMedia(r, c));
  return c;
}

template <typename V>
Result<Flag> ParseFlagValue(V j, const Taxonomy& taxonomy, const ParseOptions& opts) {
  ObjectReader<V> r(j, "");
  if (opts.allow_import_fields) {
    VIGIL_TRY(r.Expect({"content", "content_id", "reason", "source", "reporter", "explanation",
                        "location_url", "bona_fide", "legal_order", "metadata", "received_at",
                        "id", "case_id", "duplicate"}));
  } else {
    VIGIL_TRY(r.Expect({"content", "content_id", "reason", "source", "reporter", "explanation",
                        "location_url", "bona_fide", "legal_order", "metadata"}));
  }
  Flag f;
  if (r.Has("content") && r.Has("content_id"))
    return Error::Invalid("content_id", "send either content or content_id, not both");
  if (r.Has("content")) {
    auto c = ParseContentValue(r.At("content"), "content");
    if (!c) return c.error();
    f.content = std::move(c.value());
  } else {
    VIGIL_TRY(r.String("content_id", kMaxIdBytes, &f.content_ref, false));
    if (f.content_ref.empty())
      return Error::Invalid("content", "is required (or content_id of content sent before)");
  }
  VIGIL_TRY(r.String("reason", 64, &f.reason, true));
  if (!taxonomy.Find(f.reason))
    return Error::Invalid("reason", "unknown reason code '" + f.reason.substr(0, 64) +
                                        "' (see GET /v1/taxonomy)");
  std::string source = "user";
  VIGIL_TRY(r.String("source", 32, &source, false));
  auto src = ParseFlagSource(source);
  if (!src)
    return Error::Invalid("source",
                          "must be one of user, trusted_flagger, automated, legal_order, internal");
  f.source = *src;
  if (r.Has("reporter")) {
    auto a = ParseAccount(r.At("reporter"), "reporter", true, &f.contact);
    if (!a) return a.error();
    f.reporter = std::move(a.value());
  } else if (f.source == FlagSource::kUser || f.source == FlagSource::kTrustedFlagger) {
    return Error::Invalid("reporter", "is required for source " + source);
  }
  VIGIL_TRY(r.String("explanation", kMaxExplanationBytes, &f.explanation, false));
  VIGIL_TRY(r.String("location_url", kMaxUrlBytes, &f.location_url, false));
  VIGIL_TRY(r.Bool("bona_fide", &f.bona_fide));
  VIGIL_TRY(r.Metadata("metadata", &f.metadata_json));
  if (r.Has("legal_order")) {
    if (f.source != FlagSource::kLegalOrder)
      return Error::Invalid("legal_order", "is only allowed with source legal_order");
    auto o = ParseLegalOrder(r.At("legal_order"), "legal_order");
    if (!o) return o.error();
    f.legal_order = std::move(o.value());
  } else if (f.source == FlagSource::kLegalOrder) {
    return Error::Invalid("legal_order", "is required for source legal_order");
  }
  if (opts.allow_import_fields) {
    std::optional<Millis> received;
    VIGIL_TRY(r.Time("received_at", &received));
    f.received_at = received;
  }
  return f;
}

// The 400s every JSON body gets before it is parsed.
Status CheckBodyBytes(std::string_view body, std::string_view field) {
  if (body.find('\0') != std::string_view::npos)
    return Error::BadRequest(std::string(field), "contains a NUL byte");
  size_t bad_at = 0;
  if (!ValidUtf8(body, &bad_at))
    return Error::BadRequest(std::string(field),
                             "is not valid UTF-8 (byte offset " + std::to_string(bad_at) + ")");
  return OkStatus();
}

}  // namespace

Result<json> ParseJsonBody(std::string_view body, const std::string& field) {
  VIGIL_TRY(CheckBodyBytes(body, field));
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error::BadRequest(field, "is not valid JSON");
  return j;
}

Result<ContentItem> ParseContent(const json& j, const std::string& path) {
  return ParseContentValue(NlohmannValue(j), path);
}

Result<Flag> ParseFlag(const json& j, const Taxonomy& taxonomy, const ParseOptions& opts) {
  return ParseFlagValue(NlohmannValue(j), taxonomy, opts);
}

Result<Flag> ParseFlagJson(std::string_view body, const Taxonomy& taxonomy,
                           const ParseOptions& opts, std::string_view field) {
  VIGIL_TRY(CheckBodyBytes(body, field));
  // One document a thread, its buffers kept from flag to flag: a fresh one cost each flag a
  // ~2 KiB allocation on malloc's slow path (~1,000 instructions a flag, scripts/
  // ingest-callgrind.sh). After an unusually large body it starts afresh, so a thread does not
  // keep large buffers.
  thread_local JsonDoc doc;
  struct Shrink {
    size_t bytes;
    ~Shrink() {
      if (bytes > 64 * 1024) doc = JsonDoc();
    }
  } shrink{body.size()};
  if (doc.Parse(body)) return ParseFlagValue(doc.Root(), taxonomy, opts);
  // Outside what JsonDoc reads (or not JSON at all): nlohmann decides, and names the error.
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error::BadRequest(std::string(field), "is not valid JSON");
  return ParseFlag(j, taxonomy, opts);
}

json AccountToJson(const Account& a) {
  json j = {{"id", a.id}};
  if (a.created_at) j["created_at"] = FormatIso8601(*a.created_at);
  if (!a.display_name.empty()) j["name"] = a.display_name;
  return j;
}

json ContentToJson(const ContentItem& c) {
  json j = {{"id", c.id}, {"type", ToString(c.type)}};
  if (!c.text.empty()) j["text"] = c.text;
  if (!c.url.empty()) j["url"] = c.url;
  if (!c.media.empty()) {
    json media = json::array();
    for (const auto& m : c.media) {
      json item = {{"url", m.url}};
      for (const auto& [alg, digest] : m.hashes) item["hashes"][alg] = digest;
      media.push_back(item);
    }
    j["media"] = media;
  }
  if (c.author) j["author"] = AccountToJson(*c.author);
  if (c.created_at) j["created_at"] = FormatIso8601(*c.created_at);
  if (c.reach.views || c.reach.followers || c.reach.shares)
    j["reach"] = {{"views", c.reach.views}, {"followers", c.reach.followers},
                  {"shares", c.reach.shares}};
  if (!c.language.empty()) j["language"] = c.language;
  if (c.metadata_json != "{}" && !c.metadata_json.empty())
    j["metadata"] = json::parse(c.metadata_json);
  return j;
}

json LegalOrderToJson(const LegalOrder& o) {
  json j = {{"authority", o.authority}, {"legal_ground", o.legal_ground},
            {"territorial_scope", o.territorial_scope}};
  if (o.deadline) j["deadline"] = FormatIso8601(*o.deadline);
  if (!o.reference.empty()) j["reference"] = o.reference;
  return j;
}

void AppendJsonString(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  const char* p = s.data();
  size_t n = s.size(), run = 0;  // run: start of the pending span of bytes copied as they are
  for (size_t i = 0; i < n;) {
    // Eight bytes at a time while none is a control byte, a quote or a backslash.
    if (i + 8 <= n) {
      uint64_t x;
      std::memcpy(&x, p + i, 8);
      if (!HasJsonSpecialByte(x)) {
        i += 8;
        continue;
      }
    }
    auto c = static_cast<unsigned char>(p[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(p + run, i - run);
    run = ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(p + run, n - run);
  out += '"';
}

std::string& CanonicalObject::Key(std::string_view key) {
  if (!first_) out_ += ',';
  first_ = false;
  AppendJsonString(out_, key);
  out_ += ':';
  return out_;
}
void CanonicalObject::Str(std::string_view key, std::string_view value) {
  AppendJsonString(Key(key), value);
}
void CanonicalObject::Int(std::string_view key, int64_t value) {
  Key(key) += std::to_string(value);
}
void CanonicalObject::Bool(std::string_view key, bool value) {
  Key(key) += value ? "true" : "false";
}
void CanonicalObject::Raw(std::string_view key, std::string_view json_text) {
  Key(key) += json_text;
}

void AppendAccountJson(std::string& out, const Account& a) {
  CanonicalObject o(out);
  if (a.created_at) o.Str("created_at", FormatIso8601(*a.created_at));
  o.Str("id", a.id);
  if (!a.display_name.empty()) o.Str("name", a.display_name);
}

namespace {

void AppendMediaJson(std::string& out, const std::vector<MediaItem>& media) {
  out += '[';
  for (size_t i = 0; i < media.size(); ++i) {
    if (i) out += ',';
    CanonicalObject item(out);
    const auto& hashes = media[i].hashes;
    if (!hashes.empty()) {
      // Sorted by algorithm; for a repeated algorithm the last digest wins, as in a JSON object.
      std::vector<const std::pair<std::string, std::string>*> sorted;
      for (const auto& h : hashes) sorted.push_back(&h);
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](auto* a, auto* b) { return a->first < b->first; });
      CanonicalObject h(item.Key("hashes"));
      for (size_t k = 0; k < sorted.size(); ++k)
        if (k + 1 == sorted.size() || sorted[k + 1]->first != sorted[k]->first)
          h.Str(sorted[k]->first, sorted[k]->second);
    }
    item.Str("url", media[i].url);
  }
  out += ']';
}

}  // namespace

void AppendContentJson(std::string& out, const ContentItem& c) {
  CanonicalObject o(out);
  if (c.author) AppendAccountJson(o.Key("author"), *c.author);
  if (c.created_at) o.Str("created_at", FormatIso8601(*c.created_at));
  o.Str("id", c.id);
  if (!c.language.empty()) o.Str("language", c.language);
  if (!c.media.empty()) AppendMediaJson(o.Key("media"), c.media);
  if (c.metadata_json != "{}" && !c.metadata_json.empty()) o.Raw("metadata", c.metadata_json);
  if (c.reach.views || c.reach.followers || c.reach.shares) {
    CanonicalObject r(o.Key("reach"));
    r.Int("followers", c.reach.followers);
    r.Int("shares", c.reach.shares);
    r.Int("views", c.reach.views);
  }
  if (!c.text.empty()) o.Str("text", c.text);
  o.Str("type", ToString(c.type));
  if (!c.url.empty()) o.Str("url", c.url);
}

void AppendLegalOrderJson(std::string& out, const LegalOrder& lo) {
  CanonicalObject o(out);
  o.Str("authority", lo.authority);
  if (lo.deadline) o.Str("deadline", FormatIso8601(*lo.deadline));
  o.Str("legal_ground", lo.legal_ground);
  if (!lo.reference.empty()) o.Str("reference", lo.reference);
  std::string& scope = o.Key("territorial_scope");
  scope += '[';
  for (size_t i = 0; i < lo.territorial_scope.size(); ++i) {
    if (i) scope += ',';
    AppendJsonString(scope, lo.territorial_scope[i]);
  }
  scope += ']';
}

}  // namespace vigil::intake
