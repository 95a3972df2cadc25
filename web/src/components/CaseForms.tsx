// The forms of the case view: decide (with notice preview), escalate (the tier's hand-off form)
// and comment. Each posts to the API and shows the server's error, field and reason, as it came.
import { forwardRef, useImperativeHandle, useRef, useState, type FormEvent } from "react";
import { post } from "../api";
import type { CaseDetail, ProposedDecision, Tier } from "../types";
import { ErrorBox } from "./ErrorBox";

export const ACTIONS: { type: string; label: string; key?: string; verb: string }[] = [
  { type: "no_violation", label: "No violation", key: "1", verb: "No violation of" },
  { type: "remove", label: "Remove", key: "2", verb: "Removed under" },
  { type: "disable", label: "Disable (geo-block)", key: "3", verb: "Access disabled under" },
  { type: "age_restrict", label: "Age-restrict", key: "4", verb: "Age-restricted under" },
  { type: "label", label: "Label", key: "5", verb: "Labelled under" },
  { type: "demote", label: "Demote", key: "6", verb: "Visibility reduced under" },
  { type: "interaction_restrict", label: "Restrict interaction", verb: "Interaction restricted under" },
  { type: "monetisation_restrict", label: "Restrict monetisation", verb: "Monetisation restricted under" },
  { type: "suspend_account", label: "Suspend account", verb: "Account suspended under" },
  { type: "terminate_account", label: "Terminate account", verb: "Account terminated under" },
];

export interface DecideHandle {
  choose: (type: string) => void;
  submit: () => void;
  // Fills the form from the policy guide's leaf: actions, policy, version, clause, leaf, answers.
  prefill: (d: ProposedDecision) => void;
}

interface Notice {
  kind: string;
  to: string;
  language: string;
  subject: string;
  body: string;
}

export const DecideForm = forwardRef<DecideHandle, { c: CaseDetail; onDone: (msg: string) => void }>(
  function DecideForm({ c, onDone }, ref) {
    const [action, setAction] = useState("");
    const [scope, setScope] = useState("");
    const [duration, setDuration] = useState("");
    const [policy, setPolicy] = useState({ id: c.reason, version: "1", clause: "" });
    const [facts, setFacts] = useState("");
    const [explanation, setExplanation] = useState("");
    const [error, setError] = useState<unknown>(null);
    const [notices, setNotices] = useState<Notice[] | null>(null);
    const [busy, setBusy] = useState(false);
    const [guided, setGuided] = useState<ProposedDecision | null>(null);
    const form = useRef<HTMLFormElement>(null);

    function prefill(d: ProposedDecision) {
      choose(d.actions[0].type);
      setDuration(d.actions[0].duration ?? "");
      setPolicy({ id: d.policy.id, version: d.policy.version, clause: d.policy.clause });
      setGuided(d);
    }

    function choose(type: string) {
      const a = ACTIONS.find((x) => x.type === type);
      if (!a) return;
      setAction(type);
      setNotices(null);
      // Sensible defaults a reviewer edits rather than types from scratch.
      if (!facts) setFacts(`Content ${c.content_id} reported for ${c.reason} (${c.flag_count} flags).`);
      setExplanation((old) =>
        !old || ACTIONS.some((x) => old.startsWith(x.verb)) ? `${a.verb} the ${policy.id} policy.` : old,
      );
    }
    function body() {
      const act: Record<string, unknown> = { type: action };
      const countries = scope.split(/[\s,]+/).filter(Boolean).map((s) => s.toUpperCase());
      if (countries.length) act.territorial_scope = countries;
      if (duration) act.duration = duration;
      const b: Record<string, unknown> = { case_version: c.version, actions: [act], facts, explanation };
      if (policy.id) b.policy = { id: policy.id, version: policy.version, clause: policy.clause };
      // Still the guide's leaf: cite it with the answers, and keep the leaf's other actions.
      if (guided && guided.policy.id === policy.id && guided.actions[0].type === action) {
        b.actions = [act, ...guided.actions.slice(1)];
        b.policy = { ...(b.policy as object), leaf: guided.policy.leaf, answers: guided.policy.answers };
      }
      return b;
    }
    async function submit(e?: FormEvent) {
      e?.preventDefault();
      if (busy) return;
      setError(null);
      setBusy(true);
      try {
        const d = await post<{ decision?: { id: number }; id?: number }>(`/v1/cases/${c.id}/decisions`, body());
        onDone(`Decided: ${ACTIONS.find((a) => a.type === action)?.label ?? action} (decision ${d.decision?.id ?? d.id ?? ""}).`);
      } catch (err) {
        setError(err);
      } finally {
        setBusy(false);
      }
    }
    async function preview() {
      setError(null);
      try {
        const r = await post<{ notices: Notice[] }>(`/v1/cases/${c.id}/notices:preview`, body());
        setNotices(r.notices);
      } catch (err) {
        setError(err);
      }
    }
    useImperativeHandle(ref, () => ({ choose, prefill, submit: () => form.current?.requestSubmit() }));

    return (
      <form ref={form} onSubmit={submit} className="decide" aria-label="Decide"
            onKeyDown={(e) => e.key === "Enter" && (e.ctrlKey || e.metaKey) && (e.preventDefault(), submit())}>
        <div className="row">
          <label>
            Action
            <select name="action" value={action} onChange={(e) => choose(e.target.value)}>
              <option value="">Choose…</option>
              {ACTIONS.map((a) => (
                <option key={a.type} value={a.type}>{a.label}{a.key ? ` (${a.key})` : ""}</option>
              ))}
            </select>
          </label>
          <label>
            Territorial scope
            <input name="scope" placeholder="e.g. DE, FR (empty: everywhere)" value={scope}
                   onChange={(e) => setScope(e.target.value)} />
          </label>
          {action === "suspend_account" && (
            <label>
              Duration
              <input name="duration" placeholder="e.g. 7d" value={duration} onChange={(e) => setDuration(e.target.value)} />
            </label>
          )}
        </div>
        <div className="row">
          <label>
            Policy
            <input name="policy" value={policy.id} onChange={(e) => setPolicy({ ...policy, id: e.target.value })} />
          </label>
          <label>
            Version
            <input name="policy_version" size={4} value={policy.version}
                   onChange={(e) => setPolicy({ ...policy, version: e.target.value })} />
          </label>
          <label>
            Clause
            <input name="clause" size={6} value={policy.clause} onChange={(e) => setPolicy({ ...policy, clause: e.target.value })} />
          </label>
        </div>
        <label>
          Facts
          <textarea name="facts" rows={2} value={facts} onChange={(e) => setFacts(e.target.value)} />
        </label>
        <label>
          Explanation (sent to the user in the statement of reasons)
          <textarea name="explanation" rows={2} value={explanation} onChange={(e) => setExplanation(e.target.value)} />
        </label>
        <ErrorBox error={error} />
        <div className="buttons">
          <button type="submit" disabled={busy}>Decide <kbd>Ctrl+Enter</kbd></button>
          <button type="button" className="secondary" onClick={preview}>Preview notices</button>
        </div>
        {notices && (
          <div className="notices" aria-label="Notice preview">
            {notices.length === 0 && <p>No notices would be sent.</p>}
            {notices.map((n, i) => (
              <article key={i} className="notice">
                <h4>{n.kind} to {n.to} ({n.language})</h4>
                <p><strong>{n.subject}</strong></p>
                <pre>{n.body}</pre>
              </article>
            ))}
          </div>
        )}
      </form>
    );
  },
);

export interface FocusHandle {
  focus: () => void;
}

export const EscalateForm = forwardRef<FocusHandle, { c: CaseDetail; tiers: Tier[]; onDone: (msg: string) => void }>(
  function EscalateForm({ c, tiers, onDone }, ref) {
    const [tier, setTier] = useState("");
    const [note, setNote] = useState("");
    const [fields, setFields] = useState<Record<string, string | boolean>>({});
    const [error, setError] = useState<unknown>(null);
    const select = useRef<HTMLSelectElement>(null);
    useImperativeHandle(ref, () => ({ focus: () => select.current?.focus() }));
    const t = tiers.find((x) => x.name === tier);

    async function submit(e: FormEvent) {
      e.preventDefault();
      setError(null);
      const out: Record<string, unknown> = {};
      for (const f of t?.fields ?? []) {
        const v = fields[f.name];
        if (f.type === "bool") out[f.name] = !!v;
        else if (v === undefined || v === "") continue;
        else if (f.type === "number") out[f.name] = Number(v);
        else if (f.type === "time") out[f.name] = new Date(String(v)).toISOString();
        else out[f.name] = v;
      }
      try {
        await post(`/v1/cases/${c.id}/escalate`, { tier, note, case_version: c.version, fields: out });
        onDone(`Escalated to ${tier}.`);
      } catch (err) {
        setError(err);
      }
    }
    return (
      <form onSubmit={submit} aria-label="Escalate">
        <label>
          Tier
          <select ref={select} name="tier" value={tier} onChange={(e) => { setTier(e.target.value); setFields({}); }}>
            <option value="">Choose…</option>
            {tiers.map((x) => <option key={x.name} value={x.name}>{x.name} (to {x.queue})</option>)}
          </select>
        </label>
        <label>
          Hand-off note
          <textarea name="note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
        </label>
        {t?.fields.map((f) => {
          const label = `${f.name.replace(/_/g, " ")}${f.required ? " (required)" : ""}`;
          const set = (v: string | boolean) => setFields({ ...fields, [f.name]: v });
          if (f.type === "bool")
            return (
              <label key={f.name} className="check">
                <input type="checkbox" name={f.name} checked={!!fields[f.name]} onChange={(e) => set(e.target.checked)} />
                {label}
              </label>
            );
          if (f.type === "choice")
            return (
              <label key={f.name}>
                {label}
                <select name={f.name} value={String(fields[f.name] ?? "")} onChange={(e) => set(e.target.value)}>
                  <option value="">Choose…</option>
                  {f.choices?.map((ch) => <option key={ch} value={ch}>{ch}</option>)}
                </select>
              </label>
            );
          return (
            <label key={f.name}>
              {label}
              <input name={f.name} type={f.type === "time" ? "datetime-local" : f.type === "number" ? "number" : "text"}
                     value={String(fields[f.name] ?? "")} onChange={(e) => set(e.target.value)} />
            </label>
          );
        })}
        <ErrorBox error={error} />
        <button type="submit">Escalate</button>
      </form>
    );
  },
);

export const CommentForm = forwardRef<FocusHandle, { c: CaseDetail; onDone: () => void }>(function CommentForm(
  { c, onDone },
  ref,
) {
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  useImperativeHandle(ref, () => ({ focus: () => area.current?.focus() }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await post(`/v1/cases/${c.id}/comments`, { text });
      setText("");
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form onSubmit={submit} aria-label="Comment">
      <label>
        Internal comment (@name mentions a colleague)
        <textarea ref={area} name="comment" rows={2} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <ErrorBox error={error} />
      <button type="submit">Add comment</button>
    </form>
  );
});
