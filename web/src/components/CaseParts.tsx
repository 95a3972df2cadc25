// Read-only parts of the case view: content, flags with reporters, priority, timeline.
import { useEffect, useState } from "react";
import type { AccountProfile, CaseDetail, CaseSummary, EventItem } from "../types";
import { get, qs } from "../api";
import { when } from "../util";
import type { Wellness } from "../wellness";
import { Link } from "../router";

export interface Signal {
  name: string;
  why: string;
  spans: { begin: number; end: number }[];
}

// The text with the analysis' spans (UTF-8 byte offsets) marked, each explained in its title.
function HighlightedText({ text, signals }: { text: string; signals: Signal[] }) {
  const bytes = new TextEncoder().encode(text);
  const decode = (a: number, b: number) => new TextDecoder().decode(bytes.slice(a, b));
  const marks = signals
    .flatMap((s) => s.spans.map((sp) => ({ ...sp, why: `${s.name}: ${s.why}` })))
    .filter((m) => m.begin < m.end && m.end <= bytes.length)
    .sort((x, y) => x.begin - y.begin);
  const out: JSX.Element[] = [];
  let at = 0;
  for (const m of marks) {
    if (m.begin < at) continue; // overlapping spans: the first one wins
    if (m.begin > at) out.push(<span key={`t${at}`}>{decode(at, m.begin)}</span>);
    out.push(<mark key={`m${m.begin}`} title={m.why}>{decode(m.begin, m.end)}</mark>);
    at = m.end;
  }
  if (at < bytes.length) out.push(<span key={`t${at}`}>{decode(at, bytes.length)}</span>);
  return <>{out}</>;
}

export function ContentView({ c, wellness, revealAll, signals = [] }: {
  c: CaseDetail; wellness: Wellness; revealAll: boolean; signals?: Signal[];
}) {
  const content = c.content;
  if (!content) return <p>No content stored for {c.content_id}.</p>;
  const explained = signals.filter((s) => s.spans.length);
  return (
    <div className="content">
      <p className="muted">
        {content.type} <code>{content.id}</code>
        {content.language && <> · {content.language}</>}
        {content.reach && <> · {content.reach.views} views, {content.reach.shares} shares</>}
      </p>
      {content.text && (
        <blockquote className="content-text"><HighlightedText text={content.text} signals={signals} /></blockquote>
      )}
      {explained.length > 0 && (
        <ul className="signals" aria-label="Analysis signals">
          {explained.map((s, i) => <li key={i}><mark>{s.name}</mark> {s.why}</li>)}
        </ul>
      )}
      {content.url && <p>URL: <code>{content.url}</code></p>}
      {content.media?.map((m, i) => (
        <Media key={m.url + i} url={m.url} index={i} wellness={wellness} revealAll={revealAll} />
      ))}
    </div>
  );
}

function Media({ url, index, wellness, revealAll }: { url: string; index: number; wellness: Wellness; revealAll: boolean }) {
  const [revealed, setRevealed] = useState(false);
  const shown = revealed || revealAll;
  const cls = ["media", !shown && wellness.blur ? "blurred" : "", wellness.grayscale ? "gray" : ""].join(" ");
  return (
    <figure className="media-box">
      <button className="media-toggle" onClick={() => setRevealed(!revealed)} aria-pressed={shown}
              aria-label={shown ? `Hide image ${index + 1}` : `Reveal image ${index + 1}`}>
        <img className={cls} src={url} alt={`Reported image ${index + 1}`} loading="lazy" />
      </button>
      <figcaption>{shown ? "Shown" : "Hidden: click or press i to reveal"} · <code>{url}</code></figcaption>
    </figure>
  );
}

export function FlagsView({ c, reporters }: { c: CaseDetail; reporters: Record<string, AccountProfile | null> }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Flag</th>
          <th scope="col">Reason</th>
          <th scope="col">Source</th>
          <th scope="col">Reporter</th>
          <th scope="col">Reporter accuracy</th>
          <th scope="col">Received</th>
        </tr>
      </thead>
      <tbody>
        {c.flags.map((f) => {
          const p = f.reporter ? reporters[f.reporter.id] : null;
          return (
            <tr key={f.id} className={f.duplicate ? "muted" : ""}>
              <td>#{f.id}{f.duplicate && " (duplicate)"}</td>
              <td>
                {f.reason}
                {f.explanation && <div className="muted small">{f.explanation}</div>}
                {f.legal_order && (
                  <div className="small">Order: {f.legal_order.authority}, {f.legal_order.legal_ground}</div>
                )}
              </td>
              <td>{f.source}{f.bona_fide && " (bona fide)"}</td>
              <td>{f.reporter?.id ?? "anonymous"}</td>
              <td>
                {p
                  ? p.reporter.accuracy == null || p.reporter.flags_decided === 0
                    ? `no decided flags yet (${p.reporter.flags_sent} sent)`
                    : `${Math.round(p.reporter.accuracy * 100)}% of ${p.reporter.flags_decided} decided`
                  : "—"}
              </td>
              <td>{when(f.received_at)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function PriorityView({ c }: { c: CaseDetail }) {
  return (
    <table>
      <caption>Total {c.priority_breakdown.total.toFixed(2)}</caption>
      <thead>
        <tr><th scope="col">Term</th><th scope="col">Value</th><th scope="col">Why</th></tr>
      </thead>
      <tbody>
        {c.priority_breakdown.terms.map((t) => (
          <tr key={t.name}>
            <td>{t.name}</td>
            <td>{t.value.toFixed(2)}</td>
            <td>{t.explanation}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function summary(e: EventItem): string {
  const p = e.payload || {};
  const bits: string[] = [];
  for (const k of ["reason", "queue", "tier", "note", "text", "outcome", "explanation", "grounds",
                   "policy", "mode", "status", "automation", "question", "answer"])
    if (typeof p[k] === "string" && p[k]) bits.push(`${k}: ${p[k]}`);
  if (p.policy && typeof p.policy === "object" && p.policy.id)
    bits.push(`policy: ${p.policy.id} v${p.policy.version}${p.policy.clause ? `, clause ${p.policy.clause}` : ""}`);
  if (p.analysis && Array.isArray(p.analysis.signals)) bits.push(`${p.analysis.signals.length} signals`);
  if (Array.isArray(p.actions)) bits.push("actions: " + p.actions.map((a: any) => a.type ?? a).join(", "));
  if (p.fields && typeof p.fields === "object")
    for (const [k, v] of Object.entries(p.fields)) bits.push(`${k}: ${String(v)}`);
  let text = bits.join(" · ").slice(0, 300);
  // An automatic escalation's hand-off the tier still has to complete.
  if (Array.isArray(p.incomplete) && p.incomplete.length)
    text += " · hand-off incomplete: " +
      p.incomplete.map((g: any) => `${String(g.field).replace(/^fields\./, "")} (${g.reason})`).join(", ");
  return text;
}

export function TimelineView({ events }: { events: EventItem[] }) {
  return (
    <ol className="timeline" aria-label="Timeline" tabIndex={0}>
      {events.map((e) => (
        <li key={e.seq}>
          <span className="ts">{when(e.ts)}</span> <strong>{e.type}</strong>{" "}
          <span className="muted">by {e.actor}</span>
          <div className="small">{summary(e)}</div>
        </li>
      ))}
    </ol>
  );
}

export function RelatedView({ author, caseId }: { author: AccountProfile | null | undefined; caseId: number }) {
  const [cases, setCases] = useState<CaseSummary[] | null>(null);
  useEffect(() => {
    if (!author) return;
    let live = true;
    get<{ cases: CaseSummary[] }>(`/v1/cases${qs({ author: author.id, limit: 20 })}`)
      .then((r) => live && setCases(r.cases.filter((c) => c.id !== caseId)))
      .catch(() => live && setCases([]));
    return () => {
      live = false;
    };
  }, [author, caseId]);
  if (author === undefined) return <p className="loading">Loading…</p>;
  if (!author) return <p>No known author.</p>;
  const struck = new Set(author.strikes.map((s) => s.case_id));
  return (
    <div>
      <p>
        Author <code>{author.id}</code>{author.name && <> ({author.name})</>}: active strike weight{" "}
        {author.active_strike_weight}; {author.reporter.flags_sent} flags sent as a reporter.
      </p>
      {cases === null ? (
        <p className="loading">Loading…</p>
      ) : cases.length ? (
        <ul>
          {cases.map((c) => (
            <li key={c.id}>
              <Link to={`/cases/${c.id}`}>Case {c.id}</Link> {c.reason}, {c.status}
              {struck.has(c.id) && " (strike)"}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No other cases of this author.</p>
      )}
    </div>
  );
}
