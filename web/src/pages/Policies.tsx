// The policy library: every policy with its active and shadow versions; a policy's flowchart
// next to its guidelines, clauses and examples; its versions with diffs; and, for senior
// specialists and admins, activation, rollback, shadow runs and a YAML editor that shows the
// server's validation issues (file:line:column) before anything is saved.
import { useEffect, useState, type FormEvent } from "react";
import { ApiError, get, post, qs } from "../api";
import { ErrorBox } from "../components/ErrorBox";
import { can } from "../roles";
import { Link, useRouter } from "../router";
import { useSession } from "../session";
import { useLoad, when } from "../util";

interface PolicyRow {
  id: string; title?: string; dsa_category?: string; severity?: string; file: string;
  active_version: number | null; shadow_version: number | null; latest_version: number;
}
interface Example { text: string; decision: string; clause: string; why: string }
interface Summary {
  title: string; version_note: string; dsa_category: string; severity: string; guidelines: string;
  clauses: Record<string, string>; examples: Example[]; notices: string[]; tiers: string[];
}
interface PolicyVersion extends PolicyRow {
  version: number; state: string; yaml: string; author: string; reason: string; created_at: string; summary: Summary;
}
interface VersionRow { version: number; author: string; reason: string; created_at: string; state: string }
interface Issue { file: string; line: number; column: number; kind: string; message: string }

const stateLabel = (p: { active_version: number | null; shadow_version: number | null }) =>
  `active v${p.active_version ?? "—"}${p.shadow_version ? `, shadow v${p.shadow_version}` : ""}`;

export default function PoliciesPage() {
  const { me } = useSession();
  const { data, error, reload } = useLoad(() => get<{ policies: PolicyRow[] }>("/v1/policies"), []);
  return (
    <section aria-labelledby="policies-h">
      <h1 id="policies-h">Policies</h1>
      <ErrorBox error={error} />
      <table className="policies">
        <caption>The policy library: decision trees that guide reviewers and automation</caption>
        <thead><tr><th scope="col">Policy</th><th scope="col">DSA category</th><th scope="col">Severity</th><th scope="col">Versions</th></tr></thead>
        <tbody>
          {data?.policies.map((p) => (
            <tr key={p.id}>
              <td><Link to={`/policies/${encodeURIComponent(p.id)}`}>{p.title || p.id}</Link> <span className="muted">({p.id})</span></td>
              <td>{p.dsa_category}</td><td>{p.severity}</td>
              <td>{stateLabel(p)}; latest v{p.latest_version}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {can(me, "policiesEdit") && <YamlEditor title="New policy" initial="" onSaved={reload} />}
    </section>
  );
}

export function PolicyPage({ id }: { id: string }) {
  const { me } = useSession();
  const { search } = useRouter();
  const params = new URLSearchParams(search);
  const path = params.get("path") || "";
  const [version, setVersion] = useState(Number(params.get("version")) || 0);
  const versions = useLoad(() => get<{ versions: VersionRow[]; active_version: number | null; shadow_version: number | null }>(
    `/v1/policies/${encodeURIComponent(id)}/versions`), [id]);
  const shown = useLoad(() => get<PolicyVersion>(`/v1/policies/${encodeURIComponent(id)}${qs({ version: version || undefined })}`), [id, version]);
  const editor = can(me, "policiesEdit");
  const p = shown.data;
  const refresh = () => Promise.all([versions.reload(), shown.reload()]);
  return (
    <section aria-labelledby="policy-h" data-policy-ready={p ? `${p.id}@${p.version}` : undefined}>
      <h1 id="policy-h">{p ? `${p.summary.title} (${p.id})` : id}</h1>
      <ErrorBox error={shown.error || versions.error} />
      {p && versions.data && (
        <>
          <p>
            Showing version {p.version} ({p.state}), {stateLabel(versions.data)}. Saved {when(p.created_at)} by {p.author}: {p.reason}
          </p>
          <label className="inline">Version
            <select name="policy_version" value={p.version} onChange={(e) => setVersion(Number(e.target.value))}>
              {versions.data.versions.map((v) => <option key={v.version} value={v.version}>v{v.version} ({v.state})</option>)}
            </select>
          </label>
          <div className="policy-split">
            <figure className="panel flowchart">
              <img src={`/v1/policies/${encodeURIComponent(id)}/render${qs({ format: "svg", version: p.version, path })}`}
                   alt={`Decision tree of ${p.summary.title}, version ${p.version}${path ? ", with a decision's path highlighted" : ""}`} />
              <figcaption className="muted small">
                Conditions (blue) are checked by automation, questions (purple) are asked to a reviewer, outcomes are green.
                {path && " The highlighted path is the one a decision took."}
              </figcaption>
            </figure>
            <Guidelines s={p.summary} />
          </div>
          <Versions id={id} rows={versions.data.versions} editor={editor} onChanged={refresh} />
          {editor && <YamlEditor key={`${p.id}@${p.version}`} title={`Edit ${p.id}`} id={p.id} initial={p.yaml} onSaved={refresh} />}
        </>
      )}
    </section>
  );
}

function Guidelines({ s }: { s: Summary }) {
  return (
    <div className="panel">
      <h2>Guidelines</h2>
      <p className="muted small">{s.dsa_category}, severity {s.severity}{s.version_note && `. ${s.version_note}`}</p>
      <Markdownish text={s.guidelines} />
      <h2>Clauses</h2>
      <dl>{Object.entries(s.clauses).map(([k, v]) => <div key={k} className="contents"><dt>{k}</dt><dd>{v}</dd></div>)}</dl>
      <h2>Examples</h2>
      <ul className="examples">
        {s.examples.map((e, i) => (
          <li key={i}>
            <q>{e.text}</q> <strong>{e.decision}</strong>{e.clause && ` (${e.clause})`}: {e.why}
          </li>
        ))}
      </ul>
      {(s.tiers.length > 0 || s.notices.length > 0) && (
        <p className="small">Escalation tiers: {s.tiers.join(", ") || "—"}. Notices: {s.notices.join(", ") || "—"}.</p>
      )}
    </div>
  );
}

// Guidelines are written in a little markdown: paragraphs split at blank lines, a line starting
// with ** or - starts a new line, **text** is bold. Rendered as elements, never as HTML.
function Markdownish({ text }: { text: string }) {
  const paragraphs = text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  const bold = (line: string) =>
    line.split(/(\*\*[^*]+\*\*)/).map((part, i) =>
      part.startsWith("**") && part.endsWith("**") ? <strong key={i}>{part.slice(2, -2)}</strong> : part);
  return (
    <div className="guidelines">
      {paragraphs.map((p, i) => {
        const lines: string[] = [];
        for (const raw of p.split("\n").map((l) => l.trim())) {
          if (lines.length && !/^(\*\*|- )/.test(raw)) lines[lines.length - 1] += " " + raw;
          else lines.push(raw);
        }
        return <p key={i}>{lines.map((l, k) => <span key={k}>{k > 0 && <br />}{bold(l)}</span>)}</p>;
      })}
    </div>
  );
}

function Versions({ id, rows, editor, onChanged }: { id: string; rows: VersionRow[]; editor: boolean; onChanged: () => Promise<unknown> }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState("");
  const latest = rows.length ? rows[rows.length - 1].version : 1;
  const [from, setFrom] = useState(Math.max(1, latest - 1));
  const [to, setTo] = useState(latest);
  useEffect(() => { setFrom(Math.max(1, latest - 1)); setTo(latest); }, [latest]);
  const diff = useLoad(() => get<{ diff: string }>(`/v1/policies/${encodeURIComponent(id)}/diff${qs({ from, to })}`), [id, from, to]);
  const act = async (path: string, body: Record<string, unknown>, ok: string) => {
    setError(null);
    setDone("");
    try {
      await post(`/v1/policies/${encodeURIComponent(id)}/${path}`, { ...body, reason });
      setDone(ok);
      await onChanged();
      diff.reload();
    } catch (e) {
      setError(e);
    }
  };
  const active = rows.find((r) => r.state === "active");
  return (
    <section aria-labelledby="versions-h">
      <h2 id="versions-h">Versions</h2>
      {editor && (
        <div className="row">
          <label>Reason for the change<input name="change_reason" value={reason} onChange={(e) => setReason(e.target.value)} /></label>
          <button className="secondary" onClick={() => act("rollback", {}, "Rolled back to the previously active version.")}>Roll back</button>
          {rows.some((r) => r.state === "shadow") && (
            <button className="secondary" onClick={() => act("shadow:stop", {}, "Shadow run stopped.")}>Stop shadow</button>
          )}
        </div>
      )}
      {done && <p className="status" role="status">{done}</p>}
      <ErrorBox error={error} />
      <table>
        <thead><tr><th scope="col">Version</th><th scope="col">Saved</th><th scope="col">Author</th><th scope="col">Reason</th><th scope="col">State</th>{editor && <th scope="col">Change</th>}</tr></thead>
        <tbody>
          {[...rows].reverse().map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td><td>{when(v.created_at)}</td><td>{v.author}</td><td>{v.reason}</td><td>{v.state}</td>
              {editor && (
                <td>
                  {v.state !== "active" && (
                    <span className="buttons">
                      <button className="secondary" aria-label={`Activate version ${v.version}`}
                              onClick={() => act("activate", { version: v.version }, `Version ${v.version} is active.`)}>Activate</button>
                      {v.state !== "shadow" && (
                        <button className="secondary" aria-label={`Run version ${v.version} in shadow`}
                                onClick={() => act("shadow", { version: v.version }, `Version ${v.version} runs in shadow.`)}>Shadow</button>
                      )}
                    </span>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > 1 && (
        <>
          <div className="row" role="group" aria-label="Compare versions">
            <label>From<select name="diff_from" value={from} onChange={(e) => setFrom(Number(e.target.value))}>
              {rows.map((r) => <option key={r.version} value={r.version}>v{r.version}</option>)}</select></label>
            <label>To<select name="diff_to" value={to} onChange={(e) => setTo(Number(e.target.value))}>
              {rows.map((r) => <option key={r.version} value={r.version}>v{r.version}</option>)}</select></label>
            {active && <span className="muted small">v{active.version} is active</span>}
          </div>
          <ErrorBox error={diff.error} />
          <Diff text={diff.data?.diff ?? ""} />
        </>
      )}
    </section>
  );
}

function Diff({ text }: { text: string }) {
  if (!text) return <p className="muted">No differences.</p>;
  return (
    <pre className="diff" aria-label="Differences between the versions" tabIndex={0}>
      {text.split("\n").map((line, i) => {
        const cls = line.startsWith("@@") ? "diff-hunk" : line.startsWith("+") ? "diff-add" : line.startsWith("-") ? "diff-del" : "";
        return <span key={i} className={cls}>{line + "\n"}</span>;
      })}
    </pre>
  );
}

// Edits a policy's YAML (or a new policy's): checked on demand, saved as a new version with a
// reason; the server's issues are listed with their line and column.
function YamlEditor({ title, id, initial, onSaved }: { title: string; id?: string; initial: string; onSaved: () => unknown }) {
  const [yaml, setYaml] = useState(initial);
  const [reason, setReason] = useState("");
  const [activate, setActivate] = useState(false);
  const [issues, setIssues] = useState<Issue[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState("");
  const check = async () => {
    setError(null);
    setDone("");
    try {
      const r = await post<{ ok: boolean; issues: Issue[] }>("/v1/policies:check", { yaml });
      setIssues(r.issues);
      if (r.ok) setDone("No issues.");
    } catch (e) {
      setError(e);
    }
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone("");
    setIssues(null);
    try {
      const r = await post<{ id: string; version: number }>(id ? `/v1/policies/${encodeURIComponent(id)}/versions` : "/v1/policies",
                                                          { yaml, reason, activate });
      setDone(`Saved ${r.id} version ${r.version}${activate ? ", active" : ""}.`);
      await onSaved();
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.status === 422) {
        // The server lists every issue; ask for them again to show them all with their place.
        const r = await post<{ issues: Issue[] }>("/v1/policies:check", { yaml }).catch(() => null);
        if (r?.issues.length) setIssues(r.issues);
      }
    }
  };
  const name = id ? "policy_yaml" : "new_policy_yaml";
  return (
    <section aria-labelledby={`${name}-h`}>
      <h2 id={`${name}-h`}>{title}</h2>
      <form onSubmit={save} aria-label={title}>
        <label>YAML (docs/policy-language.md)
          <textarea name={name} rows={18} value={yaml} onChange={(e) => setYaml(e.target.value)} spellCheck={false} className="code" />
        </label>
        <div className="row">
          <label>Reason<input name={`${name}_reason`} value={reason} onChange={(e) => setReason(e.target.value)} /></label>
          <label className="check"><input type="checkbox" checked={activate} onChange={(e) => setActivate(e.target.checked)} />Activate at once</label>
          <button type="button" className="secondary" onClick={check}>Check</button>
          <button type="submit">Save version</button>
        </div>
      </form>
      {done && <p className="status" role="status">{done}</p>}
      <ErrorBox error={error} />
      {issues && issues.length > 0 && (
        <ul className="issues" aria-label="Validation issues">
          {issues.map((i, k) => <li key={k}><code>line {i.line}, column {i.column}</code> {i.kind}: {i.message}</li>)}
        </ul>
      )}
    </section>
  );
}
