import { useEffect, useRef, useState } from "react";
import { get, post } from "../api";
import { PolicyGuide } from "../components/PolicyGuide";
import { ContentView, FlagsView, PriorityView, RelatedView, TimelineView, type Signal } from "../components/CaseParts";
import { ACTIONS, CommentForm, DecideForm, EscalateForm, type DecideHandle, type FocusHandle } from "../components/CaseForms";
import { ErrorBox } from "../components/ErrorBox";
import { FileAppeal } from "../components/FileAppeal";
import { HelpOverlay } from "../components/HelpOverlay";
import { useLive } from "../live";
import { can } from "../roles";
import { Link, useRouter } from "../router";
import { cachedQueues, useSession } from "../session";
import type { AccountProfile, CaseDetail, EventItem, Tier } from "../types";
import { duration, isTyping, useLoad, useNow, when } from "../util";
import { useWellness } from "../wellness";
import { fetchQueues, takeNext } from "./Queues";

async function loadCase(id: number) {
  const [c, ev] = await Promise.all([
    get<CaseDetail>(`/v1/cases/${id}`),
    get<{ events: EventItem[] }>(`/v1/cases/${id}/events`),
  ]);
  return { c, events: ev.events };
}

const profile = (id: string) =>
  get<AccountProfile>(`/v1/accounts/${encodeURIComponent(id)}`).catch(() => null);

function SlaCountdown({ c }: { c: CaseDetail }) {
  const now = useNow(1000);
  if (c.status !== "open") return <span className={`sla sla-${c.sla.state}`}>SLA {c.sla.state}</span>;
  const firstDone = !!c.first_action_at;
  const due = Date.parse(firstDone ? c.sla.resolution_due : c.sla.first_action_due);
  const left = due - now;
  return (
    <span className={`sla sla-${left < 0 ? "breached" : c.sla.state}`} role="timer" aria-live="off">
      {firstDone ? "Resolution" : "First action"} {left < 0 ? `overdue by ${duration(-left)}` : `due in ${duration(left)}`}
    </span>
  );
}

export function CasePage({ id }: { id: number }) {
  const { me } = useSession();
  const { navigate, search } = useRouter();
  const { data, error, reload } = useLoad(() => loadCase(id), [id]);
  const [author, setAuthor] = useState<AccountProfile | null | undefined>(undefined);
  const [reporters, setReporters] = useState<Record<string, AccountProfile | null>>({});
  const [tiers, setTiers] = useState<Tier[]>([]);
  const [signals, setSignals] = useState<Signal[]>([]);
  const [message, setMessage] = useState("");
  const [actionError, setActionError] = useState<unknown>(null);
  const [panel, setPanel] = useState<"decide" | "escalate">("decide");
  const [help, setHelp] = useState(false);
  const [revealAll, setRevealAll] = useState(false);
  const [wellness] = useWellness(me.id);
  const decide = useRef<DecideHandle>(null);
  const escalate = useRef<FocusHandle>(null);
  const comment = useRef<FocusHandle>(null);
  const c = data?.c;
  const queue = new URLSearchParams(search).get("queue") || c?.escalated_from || c?.queue || "";

  useLive(reload, (cases) => cases.includes(id));
  // For the benchmark (bench/console): when the case is on screen and its keys work.
  useEffect(() => {
    if (data) performance.mark("vigil:case-interactive", { detail: data.c.id });
  }, [data]);
  useEffect(() => {
    setMessage("");
    setActionError(null);
    setRevealAll(false);
    setPanel("decide");
  }, [id]);
  useEffect(() => {
    cachedQueues(fetchQueues).then((q) => setTiers(q.tiers), () => {});
  }, []);
  // Author and reporter profiles follow the case; the case is usable before they arrive.
  useEffect(() => {
    if (!c) return;
    // Matched spans from analysis (highlighted in the text): the signals stored on intake, or
    // while the case awaits its analysis, the text analysed now.
    setSignals(c.analysis?.current ? c.analysis.signals : []);
    if (c.content?.text && !c.analysis?.current)
      post<{ signals: Signal[] }>("/v1/analyze", { text: c.content.text, ...(c.content.language ? { language: c.content.language } : {}) })
        .then((r) => setSignals(r.signals), () => {});
    const authorId = c.content?.author?.id;
    setAuthor(undefined);
    (authorId ? profile(authorId) : Promise.resolve(null)).then(setAuthor);
    const ids = Array.from(new Set(c.flags.map((f) => f.reporter?.id).filter(Boolean) as string[])).slice(0, 20);
    Promise.all(ids.map((r) => profile(r).then((p) => [r, p] as const))).then((pairs) =>
      setReporters(Object.fromEntries(pairs)),
    );
  }, [c?.id, c?.flag_count, c?.analysis?.current]);

  const open = c?.status === "open";
  const mayDecide = open && can(me, "decide") && c?.tier !== "appeal";
  const mayRelease = open && can(me, "release") && !!c?.holder;

  async function act(fn: () => Promise<unknown>, ok: string) {
    setActionError(null);
    try {
      await fn();
      setMessage(ok);
      reload();
    } catch (e) {
      setActionError(e);
    }
  }
  async function next() {
    if (!queue || !can(me, "takeNext")) return;
    setActionError(null);
    try {
      const got = await takeNext(queue, navigate);
      if (got === null) setMessage(`No case left in ${queue}.`);
      else if (got === id) setMessage("You still hold this case: decide, escalate or release it before taking the next.");
    } catch (e) {
      setActionError(e);
    }
  }
  const release = () => act(() => post(`/v1/cases/${id}/release`), "Released: the case is back in its queue.");
  const handback = () =>
    act(() => post(`/v1/cases/${id}/handback`, { note: "Handed back from the console", case_version: c?.version }),
        "Handed back to the queue it came from.");

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") return setHelp(false);
      if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const a = ACTIONS.find((x) => x.key === e.key);
      if (a && mayDecide) {
        setPanel("decide");
        setTimeout(() => decide.current?.choose(a.type));
      } else if (e.key === "?") setHelp(true);
      else if (e.key === "n") next();
      else if (e.key === "e" && mayDecide) {
        setPanel("escalate");
        setTimeout(() => escalate.current?.focus());
      } else if (e.key === "c" && can(me, "comment")) comment.current?.focus();
      else if (e.key === "r" && mayRelease) release();
      else if (e.key === "i") setRevealAll((v) => !v);
      else return;
      e.preventDefault();
    };
    const onCtrlEnter = (e: KeyboardEvent) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && mayDecide && panel === "decide" && !isTyping(e)) {
        e.preventDefault();
        decide.current?.submit();
      }
    };
    addEventListener("keydown", onKey);
    addEventListener("keydown", onCtrlEnter);
    return () => {
      removeEventListener("keydown", onKey);
      removeEventListener("keydown", onCtrlEnter);
    };
  });

  // Also after an escalation that moved the case out of this user's queues.
  if (error)
    return (
      <section aria-label={`Case ${id}`}>
        {message && <p role="status" className="status">{message}</p>}
        <ErrorBox error={error} />
        <p>
          <Link to="/queues">Back to the queues</Link>
          {can(me, "takeNext") && queue && <>, or press <kbd>n</kbd> for the next case of {queue}.</>}
        </p>
      </section>
    );
  if (!c || !data) return <p className="loading">Loading case {id}…</p>;
  const shortcuts = [
    ...(mayDecide ? ACTIONS.filter((a) => a.key).map((a) => ({ keys: a.key!, what: `Choose “${a.label}”` })) : []),
    ...(mayDecide ? [{ keys: "Ctrl+Enter", what: "Submit the decision" }, { keys: "e", what: "Escalate" }] : []),
    ...(can(me, "takeNext") ? [{ keys: "n", what: `Take the next case of ${queue}` }] : []),
    ...(can(me, "comment") ? [{ keys: "c", what: "Write a comment" }] : []),
    ...(mayRelease ? [{ keys: "r", what: "Release the case" }] : []),
    { keys: "i", what: "Reveal or hide all images" },
    { keys: "?", what: "This help" },
  ];

  return (
    <article className="case" aria-labelledby="case-title" data-case-ready={c.id}>
      <header className="case-head">
        <h1 id="case-title">Case {c.id}</h1>
        <span className="pill">{c.status}{c.outcome ? `: ${c.outcome}` : ""}</span>
        <span className="pill">queue {c.queue}</span>
        {c.tier && <span className="pill">tier {c.tier}</span>}
        <span className="pill">reason {c.reason}</span>
        <SlaCountdown c={c} />
        {c.holder && <span className="muted">held by {c.holder}{c.lease_until && ` until ${when(c.lease_until)}`}</span>}
        <span className="spacer" />
        <button className="secondary" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">?</button>
      </header>
      {message && <p role="status" className="status">{message}{can(me, "takeNext") && queue && " Press n for the next case."}</p>}
      <ErrorBox error={actionError} />
      <div className="case-grid">
        <div>
          <section aria-labelledby="content-h">
            <h2 id="content-h">Content</h2>
            <ContentView c={c} wellness={wellness} revealAll={revealAll} signals={signals} />
          </section>
          <section aria-labelledby="flags-h">
            <h2 id="flags-h">Flags ({c.flag_count} from {c.reporter_count} reporters)</h2>
            <FlagsView c={c} reporters={reporters} />
          </section>
          <section aria-labelledby="prio-h">
            <h2 id="prio-h">Priority</h2>
            <PriorityView c={c} />
          </section>
          <section aria-labelledby="related-h">
            <h2 id="related-h">Same author</h2>
            <RelatedView author={author} caseId={c.id} />
          </section>
        </div>
        <div>
          {open && (c.policies?.length ?? 0) > 0 && (
            <PolicyGuide caseId={c.id} version={c.version} mayAnswer={mayDecide}
                         onPropose={(d) => { setPanel("decide"); setTimeout(() => decide.current?.prefill(d)); }} />
          )}
          {mayDecide && (
            <section aria-labelledby="act-h" className="panel">
              <h2 id="act-h">Act</h2>
              <div className="tabs" role="group" aria-label="Choose a form">
                <button className={panel === "decide" ? "on" : ""} aria-pressed={panel === "decide"} onClick={() => setPanel("decide")}>Decide</button>
                <button className={panel === "escalate" ? "on" : ""} aria-pressed={panel === "escalate"} onClick={() => setPanel("escalate")}>Escalate (e)</button>
                {mayRelease && <button onClick={release}>Release (r)</button>}
                {c.tier && c.tier !== "appeal" && can(me, "handback") && <button onClick={handback}>Hand back</button>}
              </div>
              {/* Keyed by case only: a live refresh must not wipe what the reviewer typed; the
                  decision names the version on screen when it is sent. */}
              {panel === "decide" ? (
                <DecideForm key={c.id} ref={decide} c={c} onDone={(m) => { setMessage(m); reload(); }} />
              ) : (
                <EscalateForm ref={escalate} c={c} tiers={tiers} onDone={(m) => { setMessage(m); setPanel("decide"); reload(); }} />
              )}
            </section>
          )}
          {c.tier === "appeal" && open && (
            <p>This case is under appeal: <Link to={`/appeals/${c.id}`}>open the appeal</Link>.</p>
          )}
          {c.status === "decided" && can(me, "fileAppeal") && (
            <details className="panel">
              <summary>File an appeal</summary>
              <FileAppeal c={c} onDone={(m) => { setMessage(m); reload(); }} />
            </details>
          )}
          {c.decisions.length > 0 && (
            <section aria-labelledby="dec-h">
              <h2 id="dec-h">Decisions</h2>
              <ul>
                {c.decisions.map((d) => (
                  <li key={d.id}>
                    #{d.id} {d.outcome}: {d.actions.map((a) => a.type).join(", ")} by {d.decided_by} at {when(d.created_at)}
                    {d.reverses ? ` (reverses #${d.reverses})` : ""}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {can(me, "comment") && (
            <section aria-labelledby="comment-h">
              <h2 id="comment-h">Comment</h2>
              <CommentForm ref={comment} c={c} onDone={() => { setMessage("Comment added."); reload(); }} />
            </section>
          )}
          <section aria-labelledby="timeline-h">
            <h2 id="timeline-h">Timeline</h2>
            <TimelineView events={data.events} />
          </section>
        </div>
      </div>
      {help && <HelpOverlay shortcuts={shortcuts} onClose={() => setHelp(false)} />}
    </article>
  );
}
