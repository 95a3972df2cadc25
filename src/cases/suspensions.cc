#include "cases/suspensions.h"

#include <cstdio>

namespace vigil::cases {

using nlohmann::json;

Result<SuspensionDecision> ParseSuspensionDecision(const json& j) {
  if (!j.is_object()) return Error::Invalid("body", "must be a JSON object");
  for (const auto& [k, v] : j.items())
    if (k != "decision" && k != "duration" && k != "explanation")
      return Error::Invalid(k, "unknown field");
  SuspensionDecision d;
  if (!j.contains("decision") || !j["decision"].is_string() ||
      (j["decision"] != "suspend" && j["decision"] != "dismiss"))
    return Error::Invalid("decision", "must be suspend or dismiss");
  d.suspend = j["decision"] == "suspend";
  if (d.suspend) {
    auto dur = j.contains("duration") && j["duration"].is_string()
                   ? ParseDuration(j["duration"].get<std::string>())
                   : std::nullopt;
    if (!dur || *dur <= 0)
      return Error::Invalid("duration", "is required to suspend: a period such as 30d (Art. 23)");
    d.duration = *dur;
  } else if (j.contains("duration")) {
    return Error::Invalid("duration", "only a suspension has a duration");
  }
  if (!j.contains("explanation") || !j["explanation"].is_string() ||
      j["explanation"].get_ref<const std::string&>().empty())
    return Error::Invalid("explanation", "is required: the account holder is told why");
  if (j["explanation"].get_ref<const std::string&>().size() > 5000)
    return Error::Invalid("explanation", "is longer than 5000 bytes");
  d.explanation = j["explanation"];
  return d;
}

void DecideSuspension(store::GroupCommitter& writer, const notify::NoticeStore& notices,
                      const Clock& clock, const auth::Principal& p, std::string account_id,
                      SuspensionDecision d, std::function<void()> outbox_written, JsonFn done) {
  auto out = std::make_shared<json>();
  writer.Submit(
      [&notices, &clock, out, actor = p.Actor(), account_id = std::move(account_id),
       d = std::move(d)](store::WriteTx& tx) -> Status {
        auto pk = tx.FindAccountPk(account_id);
        if (!pk) return Error::NotFound("no account " + account_id);
        Millis now = clock.Now();
        std::optional<Millis> until;
        if (d.suspend) until = now + d.duration;
        if (!tx.ResolveSuspension(*pk, until))
          return Error::Conflict("account", "no suspension proposal is pending for " + account_id);
        double weight = tx.ActiveStrikeWeight(*pk, now);
        json payload = {{"account_id", account_id},
                        {"decision", d.suspend ? "suspend" : "dismiss"},
                        {"active_strike_weight", weight},
                        {"explanation", d.explanation}};
        events::Event e;
        e.subject = "account:" + account_id;
        e.actor = actor;
        e.ts = now;
        if (!d.suspend) {
          e.type = "account.suspension_dismissed";
          e.payload = payload.dump();
          tx.AppendEvent(e);
          *out = payload;
          return OkStatus();
        }
        payload["until"] = FormatIso8601(*until);
        payload["duration_ms"] = d.duration;
        payload["decided_by"] = actor;
        e.type = "account.suspended";
        e.payload = payload.dump();
        payload["event_seq"] = tx.AppendEvent(e);
        tx.EnqueueOutbox("account.suspended", payload.dump(), now);
        char facts[160];
        std::snprintf(facts, sizeof facts,
                      "repeated violations of our terms (active strike weight %.1f)", weight);
        auto n = notices.Get()->Render(
            "statement_of_reasons", "en",
            {{"account_id", account_id},
             {"content_id", "-"},
             {"duration", std::to_string(d.duration / 86'400'000) + " days"},
             {"scope", "worldwide"},
             {"facts", facts},
             {"triggered_by", "our own initiative"},
             {"automated_detection", "no"},
             {"automated_decision", "not_automated"},
             {"ground", "our terms of service on repeat infringers (DSA Art. 23(1))"},
             {"explanation", d.explanation},
             {"appeal_info", "reply to this message or use the appeal form of the service"},
             {"decision_date", FormatIso8601(now)}},
            "suspend_account");
        if (n) {
          json nj = {{"kind", n->kind},       {"to", "affected_user:" + account_id},
                     {"language", n->language}, {"subject", n->subject},
                     {"body", n->body},       {"account_id", account_id}};
          tx.EnqueueOutbox("notice.statement_of_reasons", nj.dump(), now);
        }
        *out = payload;
        return OkStatus();
      },
      [out, outbox_written = std::move(outbox_written), done = std::move(done)](const Status& s) {
        if (!s) return done(s.error());
        if (outbox_written) outbox_written();
        done(std::move(*out));
      });
}

}  // namespace vigil::cases
