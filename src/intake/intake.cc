#include "intake/intake.h"

#include <sodium.h>

#include <algorithm>
#include <memory>

#include "events/chain.h"
#include "intake/flag_parser.h"

namespace vigil::intake {
namespace {

using nlohmann::json;

// What the write of one flag produced; turned into the API receipt off the writer thread.
struct FlagReceipt {
  int64_t id = 0;
  int64_t case_id = 0;
  bool case_opened = false;
  bool duplicate = false;
  Millis received_at = 0;
  int64_t event_seq = 0;
  bool receipt_queued = false;  // a receipt notice went to the outbox
  bool scored = false;          // the case opened with its priority already computed
};

json ReceiptJson(const Flag& f, const FlagReceipt& r) {
  return json{{"id", r.id},
              {"case_id", r.case_id},
              {"content_id", f.ContentId()},
              {"case_opened", r.case_opened},
              {"duplicate", r.duplicate},
              {"received_at", FormatIso8601(r.received_at)},
              {"event_seq", r.event_seq}};
}

// What can be computed of a flag's write before the writer takes it. Built on the request's
// thread, so the one writer thread spends its time on what only it can do.
struct PreparedFlag {
  // The priority a case opened on this flag's new content by a reporter without history (or
  // none) starts with: it needs nothing from the store. Computed at `now` of the request's
  // thread, milliseconds before the writer's; the case's age and deadlines are in hours.
  std::optional<double> priority;
  std::string content_json;   // the payload's "content", when the flag carries it inline
  std::string reporter_json;  // and its "reporter"
};

PreparedFlag PrepareFlag(const Flag& f, const Taxonomy& taxonomy, const Intake::Scorer& scorer,
                         Millis now) {
  PreparedFlag p;
  if (f.content) {
    AppendContentJson(p.content_json, *f.content);
    if (scorer)
      if (const Reason* reason = taxonomy.Find(f.reason))
        p.priority = scorer(f, *reason, f.received_at.value_or(now), now);
  }
  if (f.reporter) AppendAccountJson(p.reporter_json, *f.reporter);
  return p;
}

// The flag.received payload as canonical JSON, written directly (keys in byte order).
std::string FlagEventPayload(const Flag& f, const PreparedFlag& prep, const store::FlagRow& row,
                             bool case_opened, bool content_created) {
  std::string out;
  out.reserve(256 + prep.content_json.size() + prep.reporter_json.size() + f.explanation.size() +
              f.metadata_json.size());
  CanonicalObject p(out);
  p.Bool("bona_fide", f.bona_fide);
  p.Int("case_id", row.case_id);
  p.Bool("case_opened", case_opened);
  if (f.contact) p.Raw("contact", row.contact_json);
  if (f.content) {
    p.Raw("content", prep.content_json);
  } else {
    CanonicalObject ref(p.Key("content"));
    ref.Str("id", f.content_ref);
  }
  p.Bool("content_created", content_created);
  p.Bool("duplicate", row.duplicate);
  if (!f.explanation.empty()) p.Str("explanation", f.explanation);
  p.Int("flag_id", row.id);
  if (f.legal_order) p.Raw("legal_order", row.legal_order_json);
  if (!f.location_url.empty()) p.Str("location_url", f.location_url);
  if (f.metadata_json != "{}" && !f.metadata_json.empty()) p.Raw("metadata", f.metadata_json);
  p.Str("reason", f.reason);
  p.Str("received_at", FormatIso8601(row.received_at));
  if (f.reporter) p.Raw("reporter", prep.reporter_json);
  p.Str("source", ToString(f.source));
  return out;
}

// The durable write of one validated flag inside the group-commit transaction. Everything that
// can fail is checked before the first write, so a failed flag leaves nothing behind.
// DSA Art. 16(4): a notifier who gave electronic contact details gets a confirmation of receipt.
// Written to the outbox with the flag, so it is sent exactly when the flag is acknowledged.
bool QueueReceipt(store::WriteTx& tx, const notify::NoticeTemplates& templates, const Flag& f,
                  const Reason& reason, const store::FlagRow& row) {
  if (!f.contact || row.duplicate) return false;
  if (f.source == FlagSource::kAutomated || f.source == FlagSource::kInternal) return false;
  std::string lang = f.content && !f.content->language.empty() ? f.content->language : "en";
  auto n = templates.Render("receipt", lang,
                            {{"content_id", f.ContentId()},
                             {"reason_title", reason.title},
                             {"received_at", FormatIso8601(row.received_at)}});
  if (!n) return false;
  std::string to = f.reporter ? f.reporter->id : f.contact->email;
  json nj = {{"kind", n->kind},       {"to", "notifier:" + to},
             {"contact", {{"email", f.contact->email}, {"name", f.contact->name}}},
             {"language", n->language}, {"subject", n->subject},
             {"body", n->body},       {"case_id", row.case_id},
             {"flag_id", row.id}};
  return tx.EnqueueOutbox("notice.receipt", nj.dump(), row.received_at) > 0;
}

// `prep`: PrepareFlag(f) of the request's thread. `receipts`: templates for receipt notices, or
// null when none are sent (imports).
Result<FlagReceipt> WriteFlag(store::WriteTx& tx, const Flag& f, const PreparedFlag& prep,
                              const Taxonomy& taxonomy, const Intake::Router& router,
                              const notify::NoticeTemplates* receipts, const std::string& actor,
                              Millis now) {
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
  bool new_reporter_account = false;
  int64_t reporter_pk = f.reporter ? tx.UpsertAccount(*f.reporter, received, &new_reporter_account) : 0;
  bool case_opened = false, new_reporter = true;
  std::optional<double> initial_priority;
  auto case_id = content_created ? std::nullopt : tx.FindOpenCase(content_pk);
  if (case_id) {
    new_reporter = reporter_pk == 0 || tx.AddCaseReporter(*case_id, reporter_pk);
    tx.BumpCase(*case_id, new_reporter, received);
  } else {
    std::string queue = router ? router(f, *reason) : reason->queue;
    // A case opened with inline content by a reporter without history (or none) needs nothing
    // from the store to be scored: its priority is written with it, and the scorer is spared.
    if (f.content && (!f.reporter || new_reporter_account)) initial_priority = prep.priority;
    case_id = tx.OpenCase(content_pk, queue, f.reason, reporter_pk, received,
                          initial_priority.value_or(0));
    case_opened = true;
  }

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
  if (f.contact) {
    CanonicalObject c(row.contact_json);
    c.Str("email", f.contact->email);
    c.Str("name", f.contact->name);
  }
  if (f.legal_order) AppendLegalOrderJson(row.legal_order_json, *f.legal_order);

  events::Event e;
  e.type = "flag.received";
  e.subject = "flag:" + std::to_string(row.id);
  e.actor = actor;
  e.ts = now;
  e.payload = FlagEventPayload(f, prep, row, case_opened, content_created);
  int64_t seq = tx.AppendEvent(e);
  tx.InsertFlag(row, reporter_pk, seq);
  bool receipt = receipts && QueueReceipt(tx, *receipts, f, *reason, row);
  return FlagReceipt{row.id,   row.case_id, case_opened,
                     row.duplicate, received, seq,
                     receipt,  initial_priority.has_value()};
}

json LineResult(size_t line, int status, const char* key, json body) {
  return json{{"line", line}, {"status", status}, {key, std::move(body)}};
}

// The receipt as JSON text, written directly: batches answer thousands of these per request.
void AppendReceipt(std::string& out, const Flag& f, const FlagReceipt& r) {
  out.reserve(out.size() + 160 + f.ContentId().size());  // one allocation, not one per doubling
  CanonicalObject o(out);
  o.Int("id", r.id);
  o.Int("case_id", r.case_id);
  o.Str("content_id", f.ContentId());
  o.Bool("case_opened", r.case_opened);
  o.Bool("duplicate", r.duplicate);
  o.Str("received_at", FormatIso8601(r.received_at));
  o.Int("event_seq", r.event_seq);
}

// One NDJSON result line: {"line":N,"status":S,"flag"|"error":...}\n
void AppendLineResult(std::string& out, size_t line, int status, const char* key,
                      const std::function<void(std::string&)>& body) {
  out.reserve(out.size() + 192);
  CanonicalObject o(out);
  o.Int("line", static_cast<int64_t>(line));
  o.Int("status", status);
  body(o.Key(key));
}

std::string LineResultText(size_t line, int status, const char* key, const json& body) {
  std::string out;
  AppendLineResult(out, line, status, key, [&](std::string& s) { s += body.dump(); });
  return out;
}

bool SourceIsRateLimitedPerReporter(FlagSource s) { return s == FlagSource::kUser; }

}  // namespace

json Problem(const Error& e) {
  json j = {{"type", "about:blank"},
            {"title", ErrorTitle(e.code)},
            {"status", HttpStatus(e.code)},
            {"detail", e.field.empty() ? e.message : e.field + ": " + e.message}};
  if (!e.field.empty()) j["field"] = e.field;
  // An extension member (RFC 9457): the wait in the body too, where a batch's line results,
  // which share one response and its headers, can say it each.
  if (e.retry_after_s > 0) j["retry_after"] = e.retry_after_s;
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
      return Outcome{429, Problem(e), {}, *wait};
    }
  }
  if (f.reporter && SourceIsRateLimitedPerReporter(f.source)) {
    if (auto wait = limiter_.Take("reporter:" + f.reporter->id,
                                  config_.reporter_rate_per_min / 60000.0, config_.reporter_burst,
                                  1, now)) {
      Error e{ErrorCode::kRateLimited, "reporter.id",
              "reporter " + f.reporter->id.substr(0, 64) + " sends too many flags"};
      e.retry_after_s = *wait;
      return Outcome{429, Problem(e), {}, *wait};
    }
  }
  return std::nullopt;
}

namespace {

// Wraps a write in the idempotency protocol: a replay with the same body returns the stored
// response; the same key with another body is refused; a fresh key stores *out, which `write`
// must fill when a key is given (without one, callers may build their answer after the commit).
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
  struct State {
    Flag flag;
    PreparedFlag prep;
    Outcome out;
    std::optional<FlagReceipt> receipt;  // set when this request wrote the flag
  };
  auto st = std::make_shared<State>();
  st->flag = std::move(flag);
  st->prep = PrepareFlag(st->flag, taxonomy_, scorer_, clock_.Now());
  std::string actor = p.Actor();
  std::string iprincipal = IdempotencyPrincipal(p);
  writer_.Submit(
      [this, st, actor, iprincipal, idem = std::move(idem)](store::WriteTx& tx) -> Status {
        Millis now = clock_.Now();
        return WithIdempotency(tx, iprincipal, idem, now, &st->out, [&]() -> Status {
          auto templates = receipts_ ? receipts_->Get() : nullptr;
          auto r =
              WriteFlag(tx, st->flag, st->prep, taxonomy_, router_, templates.get(), actor, now);
          if (!r) return r.error();
          st->receipt = r.value();
          st->out.status = 201;
          // The stored answer of an idempotent request is needed now; otherwise it is built
          // after the commit, off the writer thread.
          if (!idem.key.empty()) st->out.body = ReceiptJson(st->flag, *st->receipt);
          return OkStatus();
        });
      },
      [this, st, done = std::move(done)](const Status& s) {
        if (!s) return done({HttpStatus(s.error().code), Problem(s.error())});
        if (st->receipt && !st->receipt->scored) CaseChanged(st->receipt->case_id);
        if (st->receipt) FlagWritten(st->receipt->case_id);
        if (st->receipt && st->receipt->receipt_queued) OutboxWritten();
        if (st->receipt && st->out.body.is_null()) AppendReceipt(st->out.text, st->flag, *st->receipt);
        done(std::move(st->out));
      },
      /*isolated=*/false);  // WriteFlag and the idempotency check fail only before writing
}

void Intake::SubmitContent(const auth::Principal& p, ContentItem content, IdempotencyKey idem,
                           OutcomeFn done) {
  auto out = std::make_shared<Outcome>();
  auto written_pk = std::make_shared<int64_t>(0);  // 0 when an idempotent replay wrote nothing
  std::string actor = p.Actor();
  std::string iprincipal = IdempotencyPrincipal(p);
  writer_.Submit(
      [this, out, written_pk, actor, iprincipal, idem = std::move(idem),
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
          *written_pk = pk;
          return OkStatus();
        });
      },
      [this, out, written_pk, done = std::move(done)](const Status& s) {
        if (!s) return done({HttpStatus(s.error().code), Problem(s.error())});
        if (*written_pk && content_written_) content_written_(*written_pk);
        done(std::move(*out));
      });
}

void Intake::SubmitBatch(const auth::Principal& p, std::string_view ndjson, IdempotencyKey idem,
                         std::function<void(BatchOutcome)> done) {
  struct Line {
    size_t no;
    Flag flag;
    PreparedFlag prep;
  };
  struct State {
    std::vector<std::string> results;          // one JSON text per non-blank input line
    std::vector<Line> valid;                   // the lines that parsed
    std::vector<size_t> slots;                 // result index of each valid line
    std::vector<Result<FlagReceipt>> written;  // outcome of each valid line, when written here
    Outcome replay;                            // the stored answer, when the key was seen before
    bool fresh = false;                        // this request wrote (not answered from a replay)

    void FillResults() {
      for (size_t i = 0; i < written.size(); ++i) {
        auto& r = written[i];
        size_t no = valid[i].no;
        if (r) {
          AppendLineResult(results[slots[i]], no, 201, "flag", [&](std::string& s) {
            AppendReceipt(s, valid[i].flag, r.value());
          });
        } else {
          results[slots[i]] = LineResultText(no, HttpStatus(r.error().code), "error", Problem(r.error()));
        }
      }
      written.clear();
    }
    std::string Ndjson() const {
      size_t n = 0;
      for (const auto& r : results) n += r.size() + 1;
      std::string out;
      out.reserve(n);
      for (const auto& r : results) {
        out += r;
        out += '\n';
      }
      return out;
    }
  };
  auto st = std::make_shared<State>();
  {  // one allocation per vector: moving flags as they grow costs more than counting lines
    size_t lines = std::min<size_t>(std::count(ndjson.begin(), ndjson.end(), '\n') + 1,
                                    config_.max_batch_lines + 1);
    st->results.reserve(lines);
    st->valid.reserve(lines);
    st->slots.reserve(lines);
  }
  size_t line_no = 0, start = 0;
  const Millis prepared_at = clock_.Now();
  while (start < ndjson.size()) {
    size_t end = ndjson.find('\n', start);
    if (end == std::string_view::npos) end = ndjson.size();
    std::string_view line = ndjson.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (st->results.size() >= config_.max_batch_lines) {
      st->results.push_back(LineResultText(
          line_no, 413, "error",
          Problem({ErrorCode::kTooLarge, "body",
                   "batch has more than " + std::to_string(config_.max_batch_lines) + " lines"})));
      continue;
    }
    Result<Flag> f = ParseFlagJson(line, taxonomy_, {}, "line " + std::to_string(line_no));
    if (!f) {
      st->results.push_back(
          LineResultText(line_no, HttpStatus(f.error().code), "error", Problem(f.error())));
      continue;
    }
    if (idem.key.empty())
      if (auto limited = CheckRate(p, f.value(), 1)) {
        st->results.push_back(LineResultText(line_no, 429, "error", limited->body));
        continue;
      }
    st->slots.push_back(st->results.size());
    st->results.emplace_back();
    PreparedFlag prep = PrepareFlag(f.value(), taxonomy_, scorer_, prepared_at);
    st->valid.push_back({line_no, std::move(f.value()), std::move(prep)});
  }
  if (st->valid.empty() && idem.key.empty()) return done({200, st->Ndjson()});

  std::string actor = p.Actor();
  std::string iprincipal = IdempotencyPrincipal(p);
  writer_.Submit(
      [this, st, actor, iprincipal, idem](store::WriteTx& tx) -> Status {
        Millis now = clock_.Now();
        return WithIdempotency(tx, iprincipal, idem, now, &st->replay, [&]() -> Status {
          st->written.clear();
          st->written.reserve(st->valid.size());
          auto templates = receipts_ ? receipts_->Get() : nullptr;
          for (const auto& line : st->valid)
            st->written.push_back(WriteFlag(tx, line.flag, line.prep, taxonomy_, router_,
                                            templates.get(), actor, now));
          st->fresh = true;
          if (!idem.key.empty()) {  // the answer to store with the key
            st->FillResults();
            st->replay = {200, json(st->Ndjson())};  // stored as one JSON string
          }
          return OkStatus();
        });
      },
      [this, st, done = std::move(done)](const Status& s) {
        if (s) {
          bool receipts = false;
          for (const auto& w : st->written) {
            if (!w) continue;
            if (!w->scored) CaseChanged(w->case_id);
            FlagWritten(w->case_id);
            receipts = receipts || w->receipt_queued;
          }
          if (receipts) OutboxWritten();
        }
        if (!s) {
          for (size_t i = 0; i < st->slots.size(); ++i)
            st->results[st->slots[i]] = LineResultText(st->valid[i].no, HttpStatus(s.error().code),
                                                       "error", Problem(s.error()));
          return done({200, st->Ndjson()});
        }
        if (!st->fresh) {  // a replay, or the key's conflict (a problem, not NDJSON)
          if (st->replay.status != 200) return done({st->replay.status, st->replay.body.dump()});
          const json& b = st->replay.body;
          if (b.is_string()) return done({200, b.get<std::string>()});
          std::string out;  // stored by an older version as an array of results
          for (const auto& line : b) out += line.dump() + "\n";
          return done({200, std::move(out)});
        }
        st->FillResults();
        done({200, st->Ndjson()});
      },
      /*isolated=*/false);  // failed lines fail before writing anything
}

std::vector<json> Intake::ImportLines(const auth::Principal& p,
                                      const std::vector<std::string>& lines, size_t first_line_no) {
  std::vector<json> results(lines.size());
  struct Line {
    size_t index;
    Flag flag;
    PreparedFlag prep;
  };
  std::vector<Line> valid;
  ParseOptions opts;
  opts.allow_import_fields = true;
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t no = first_line_no + i;
    if (lines[i].find_first_not_of(" \t\r") == std::string::npos) continue;  // blank: no result
    Result<Flag> f = ParseFlagJson(lines[i], taxonomy_, opts, "line " + std::to_string(no));
    if (!f) {
      results[i] = LineResult(no, HttpStatus(f.error().code), "error", Problem(f.error()));
      continue;
    }
    PreparedFlag prep = PrepareFlag(f.value(), taxonomy_, scorer_, clock_.Now());
    valid.push_back({i, std::move(f.value()), std::move(prep)});
  }
  std::string actor = p.Actor();
  // No savepoints: WriteFlag fails only before its first write, and SQLite's in-memory
  // sub-journal grows with every statement under a savepoint, which made large imports slow
  // down as the store grew.
  Status s = writer_.Run(
      [&](store::WriteTx& tx) -> Status {
        Millis now = clock_.Now();
        for (auto& [i, flag, prep] : valid) {
          auto r = WriteFlag(tx, flag, prep, taxonomy_, router_, /*receipts=*/nullptr, actor, now);
          results[i] = r ? LineResult(first_line_no + i, 201, "flag", ReceiptJson(flag, r.value()))
                         : LineResult(first_line_no + i, HttpStatus(r.error().code), "error",
                                      Problem(r.error()));
          if (r && r->scored) results[i]["scored"] = true;  // its case needs no rescoring
        }
        return OkStatus();
      },
      /*isolated=*/false);
  if (!s)
    for (auto& [i, flag, prep] : valid)
      results[i] = LineResult(first_line_no + i, HttpStatus(s.error().code), "error",
                              Problem(s.error()));
  return results;
}

}  // namespace vigil::intake
