#include "intake/intake.h"

#include <sodium.h>

#include <memory>

#include "events/chain.h"
#include "intake/flag_parser.h"

namespace vigil::intake {
namespace {

using nlohmann::json;

// The durable write of one validated flag inside the group-commit transaction. Everything that
// can fail is checked before the first write, so a failed flag leaves nothing behind.
Result<json> WriteFlag(store::WriteTx& tx, const Flag& f, const Taxonomy& taxonomy,
                       const std::string& actor, Millis now) {
  const Reason* reason = taxonomy.Find(f.reason);
  if (!reason) return Error::Invalid("reason", "unknown reason code '" + f.reason + "'");
  int64_t content_pk = 0;
  bool content_created = false;
  if (!f.content) {
    auto pk = tx.FindContentPk(f.content_ref);
    if (!pk)
      return Error::Invalid("content_id", "no content with id '" + f.content_ref.substr(0, 64) +
                                              "'; send it inline or through POST /v1/content");
    content_pk = *pk;
  }
  Millis received = f.received_at.value_or(now);
  if (f.content) {
    int64_t author_pk = f.content->author ? tx.UpsertAccount(*f.content->author, received) : 0;
    std::tie(content_pk, content_created) = tx.UpsertContent(*f.content, author_pk, received);
  }
  int64_t reporter_pk = f.reporter ? tx.UpsertAccount(*f.reporter, received) : 0;
  bool case_opened = false;
  auto case_id = content_created ? std::nullopt : tx.FindOpenCase(content_pk);
  if (!case_id) {
    case_id = tx.OpenCase(content_pk, reason->queue, f.reason, received);
    case_opened = true;
  }
  bool new_reporter = reporter_pk == 0 || tx.AddCaseReporter(*case_id, reporter_pk);
  tx.BumpCase(*case_id, new_reporter, received);

  store::FlagRow row;
  row.id = tx.NextFlagId();
  row.case_id = *case_id;
  row.content_pk = content_pk;
  row.reason = f.reason;
  row.source = f.source;
  row.explanation = f.explanation;
  row.location_url = f.location_url;
  row.bona_fide = f.bona_fide;
  row.metadata_json = f.metadata_json;
  row.duplicate = !new_reporter;
  row.received_at = received;
  row.principal = actor;

  json payload = {{"flag_id", row.id},
                  {"case_id", row.case_id},
                  {"case_opened", case_opened},
                  {"duplicate", row.duplicate},
                  {"reason", f.reason},
                  {"source", ToString(f.source)},
                  {"received_at", FormatIso8601(received)},
                  {"bona_fide", f.bona_fide}};
  payload["content"] = f.content ? ContentToJson(*f.content) : json{{"id", f.content_ref}};
  payload["content_created"] = content_created;
  if (f.reporter) payload["reporter"] = AccountToJson(*f.reporter);
  if (f.contact) {
    row.contact_json = json{{"name", f.contact->name}, {"email", f.contact->email}}.dump();
    payload["contact"] = json::parse(row.contact_json);
  }
  if (!f.explanation.empty()) payload["explanation"] = f.explanation;
  if (!f.location_url.empty()) payload["location_url"] = f.location_url;
  if (f.legal_order) {
    json lo = LegalOrderToJson(*f.legal_order);
    row.legal_order_json = lo.dump();
    payload["legal_order"] = std::move(lo);
  }
  if (f.metadata_json != "{}") payload["metadata"] = json::parse(f.metadata_json);

  events::Event e;
  e.type = "flag.received";
  e.subject = "flag:" + std::to_string(row.id);
  e.actor = actor;
  e.ts = now;
  e.payload = payload.dump();
  int64_t seq = tx.AppendEvent(e);
  tx.InsertFlag(row, reporter_pk, seq);

  return json{{"id", row.id},
              {"case_id", row.case_id},
              {"content_id", f.ContentId()},
              {"case_opened", case_opened},
              {"duplicate", row.duplicate},
              {"received_at", FormatIso8601(received)},
              {"event_seq", seq}};
}

json LineResult(size_t line, int status, const char* key, json body) {
  return json{{"line", line}, {"status", status}, {key, std::move(body)}};
}

bool SourceIsRateLimitedPerReporter(FlagSource s) { return s == FlagSource::kUser; }

}  // namespace

json Problem(const Error& e) {
  json j = {{"type", "about:blank"},
            {"title", ErrorTitle(e.code)},
            {"status", HttpStatus(e.code)},
            {"detail", e.field.empty() ? e.message : e.field + ": " + e.message}};
  if (!e.field.empty()) j["field"] = e.field;
  return j;
}

std::string HashRequest(std::string_view body) {
  unsigned char out[16];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(body.data()),
                     body.size(), nullptr, 0);
  return events::ToHex(std::string(reinterpret_cast<char*>(out), sizeof out));
}

std::optional<Outcome> Intake::CheckRate(const auth::Principal& p, const Flag& f, double cost) {
  Millis now = clock_.Now();
  if (p.token_id) {
    if (auto wait = limiter_.Take("token:" + std::to_string(p.token_id),
                                  config_.token_rate_per_s / 1000.0, config_.token_burst, cost,
                                  now)) {
      Error e{ErrorCode::kRateLimited, "Authorization", "API token rate limit exceeded"};
      e.retry_after_s = *wait;
      return Outcome{429, Problem(e)};
    }
  }
  if (f.reporter && SourceIsRateLimitedPerReporter(f.source)) {
    if (auto wait = limiter_.Take("reporter:" + f.reporter->id,
                                  config_.reporter_rate_per_min / 60000.0, config_.reporter_burst,
                                  1, now)) {
      Error e{ErrorCode::kRateLimited, "reporter.id",
              "reporter " + f.reporter->id.substr(0, 64) + " sends too many flags"};
      e.retry_after_s = *wait;
      return Outcome{429, Problem(e)};
    }
  }
  return std::nullopt;
}

namespace {

// Wraps a write in the idempotency protocol: a replay with the same body returns the stored
// response; the same key with another body is refused; a fresh key stores the response.
template <typename WriteFn>
Status WithIdempotency(store::WriteTx& tx, const std::string& principal,
                       const IdempotencyKey& idem, Millis now, Outcome* out, WriteFn write) {
  if (!idem.key.empty()) {
    if (auto prior = tx.FindIdempotency(principal, idem.key)) {
      if (prior->request_hash != idem.request_hash) {
        *out = {422, Problem(Error::Invalid("Idempotency-Key",
                                            "this key was used with a different request body"))};
      } else {
        *out = {prior->status, json::parse(prior->response)};
      }
      return OkStatus();
    }
  }
  Status s = write();
  if (!s) return s;
  if (!idem.key.empty())
    tx.SaveIdempotency(principal, idem.key, {idem.request_hash, out->status, out->body.dump()},
                       now);
  return OkStatus();
}

std::string IdempotencyPrincipal(const auth::Principal& p) {
  return p.token_id ? "token:" + std::to_string(p.token_id) : "user:" + std::to_string(p.user_id);
}

}  // namespace

void Intake::SubmitFlag(const auth::Principal& p, Flag flag, IdempotencyKey idem,
                        OutcomeFn done) {
  // A replayed request must not be refused by rate limits it already paid for.
  if (idem.key.empty())
    if (auto limited = CheckRate(p, flag, 1)) return done(std::move(*limited));
  auto out = std::make_shared<Outcome>();
  std::string actor = p.Actor();
  std::string iprincipal = IdempotencyPrincipal(p);
  writer_.Submit(
      [this, out, actor, iprincipal, idem = std::move(idem),
       flag = std::move(flag)](store::WriteTx& tx) -> Status {
        Millis now = clock_.Now();
        return WithIdempotency(tx, iprincipal, idem, now, out.get(), [&]() -> Status {
          auto r = WriteFlag(tx, flag, taxonomy_, actor, now);
          if (!r) return r.error();
          *out = {201, std::move(r.value())};
          return OkStatus();
        });
      },
      [out, done = std::move(done)](const Status& s) {
        if (!s) return done({HttpStatus(s.error().code), Problem(s.error())});
        done(std::move(*out));
      },
      /*isolated=*/false);  // WriteFlag and the idempotency check fail only before writing
}

void Intake::SubmitContent(const auth::Principal& p, ContentItem content, IdempotencyKey idem,
                           OutcomeFn done) {
  auto out = std::make_shared<Outcome>();
  std::string actor = p.Actor();
  std::string iprincipal = IdempotencyPrincipal(p);
  writer_.Submit(
      [this, out, actor, iprincipal, idem = std::move(idem),
       content = std::move(content)](store::WriteTx& tx) -> Status {
        Millis now = clock_.Now();
        return WithIdempotency(tx, iprincipal, idem, now, out.get(), [&]() -> Status {
          int64_t author_pk = content.author ? tx.UpsertAccount(*content.author, now) : 0;
          auto [pk, created] = tx.UpsertContent(content, author_pk, now);
          events::Event e;
          e.type = created ? "content.received" : "content.updated";
          e.subject = "content:" + std::to_string(pk);
          e.actor = actor;
          e.ts = now;
          e.payload = json{{"content", ContentToJson(content)}}.dump();
          int64_t seq = tx.AppendEvent(e);
          *out = {created ? 201 : 200,
                  json{{"id", content.id}, {"created", created}, {"event_seq", seq}}};
          return OkStatus();
        });
      },
      [out, done = std::move(done)](const Status& s) {
        if (!s) return done({HttpStatus(s.error().code), Problem(s.error())});
        done(std::move(*out));
      });
}

void Intake::SubmitBatch(const auth::Principal& p, std::string_view ndjson, IdempotencyKey idem,
                         std::function<void(std::vector<json>)> done) {
  struct Line {
    size_t no;
    Flag flag;
  };
  auto results = std::make_shared<std::vector<json>>();
  auto valid = std::make_shared<std::vector<Line>>();
  auto slots = std::make_shared<std::vector<size_t>>();  // result index of each valid line
  size_t line_no = 0, start = 0;
  while (start < ndjson.size()) {
    size_t end = ndjson.find('\n', start);
    if (end == std::string_view::npos) end = ndjson.size();
    std::string_view line = ndjson.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (results->size() >= config_.max_batch_lines) {
      results->push_back(LineResult(
          line_no, 413, "error",
          Problem({ErrorCode::kTooLarge, "body",
                   "batch has more than " + std::to_string(config_.max_batch_lines) + " lines"})));
      continue;
    }
    auto j = ParseJsonBody(line, "line " + std::to_string(line_no));
    Result<Flag> f = j ? ParseFlag(j.value(), taxonomy_) : Result<Flag>(j.error());
    if (!f) {
      results->push_back(LineResult(line_no, HttpStatus(f.error().code), "error",
                                    Problem(f.error())));
      continue;
    }
    if (idem.key.empty())
      if (auto limited = CheckRate(p, f.value(), 1)) {
        results->push_back(LineResult(line_no, 429, "error", limited->body));
        continue;
      }
    slots->push_back(results->size());
    results->push_back(nullptr);
    valid->push_back({line_no, std::move(f.value())});
  }
  if (valid->empty() && idem.key.empty()) return done(std::move(*results));

  auto out = std::make_shared<Outcome>();
  std::string actor = p.Actor();
  std::string iprincipal = IdempotencyPrincipal(p);
  writer_.Submit(
      [this, out, results, valid, slots, actor, iprincipal, idem](store::WriteTx& tx) -> Status {
        Millis now = clock_.Now();
        return WithIdempotency(tx, iprincipal, idem, now, out.get(), [&]() -> Status {
          for (size_t i = 0; i < valid->size(); ++i) {
            auto r = WriteFlag(tx, (*valid)[i].flag, taxonomy_, actor, now);
            size_t no = (*valid)[i].no;
            (*results)[(*slots)[i]] =
                r ? LineResult(no, 201, "flag", std::move(r.value()))
                  : LineResult(no, HttpStatus(r.error().code), "error", Problem(r.error()));
          }
          *out = {200, json(*results)};
          return OkStatus();
        });
      },
      [out, results, slots, done = std::move(done)](const Status& s) {
        if (!s) {
          for (size_t idx : *slots)
            (*results)[idx] = {{"status", HttpStatus(s.error().code)}, {"error", Problem(s.error())}};
          return done(std::move(*results));
        }
        if (out->status != 200) return done({out->body});  // idempotency conflict
        done(out->body.get<std::vector<json>>());
      },
      /*isolated=*/false);  // failed lines fail before writing anything
}

std::vector<json> Intake::ImportLines(const auth::Principal& p,
                                      const std::vector<std::string>& lines, size_t first_line_no) {
  std::vector<json> results(lines.size());
  std::vector<std::pair<size_t, Flag>> valid;
  ParseOptions opts;
  opts.allow_import_fields = true;
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t no = first_line_no + i;
    if (lines[i].find_first_not_of(" \t\r") == std::string::npos) continue;  // blank: no result
    auto j = ParseJsonBody(lines[i], "line " + std::to_string(no));
    Result<Flag> f = j ? ParseFlag(j.value(), taxonomy_, opts) : Result<Flag>(j.error());
    if (!f) {
      results[i] = LineResult(no, HttpStatus(f.error().code), "error", Problem(f.error()));
      continue;
    }
    valid.emplace_back(i, std::move(f.value()));
  }
  std::string actor = p.Actor();
  Status s = writer_.Run([&](store::WriteTx& tx) -> Status {
    Millis now = clock_.Now();
    for (auto& [i, flag] : valid) {
      tx.Savepoint();
      auto r = WriteFlag(tx, flag, taxonomy_, actor, now);
      if (r) {
        tx.ReleaseSavepoint();
        results[i] = LineResult(first_line_no + i, 201, "flag", std::move(r.value()));
      } else {
        tx.RollbackToSavepoint();
        results[i] = LineResult(first_line_no + i, HttpStatus(r.error().code), "error",
                                Problem(r.error()));
      }
    }
    return OkStatus();
  });
  if (!s)
    for (auto& [i, flag] : valid)
      results[i] = LineResult(first_line_no + i, HttpStatus(s.error().code), "error",
                              Problem(s.error()));
  return results;
}

}  // namespace vigil::intake
