import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { api, get, post, qs } from "../api";
import { ErrorBox } from "../components/ErrorBox";
import { duration, useLoad, when } from "../util";

interface User { id: number; name: string; role: string; teams: string[]; disabled: boolean }
interface Token { id: number; label: string; created_at: string; revoked_at?: string }
interface Webhook { id: number; url: string; events: string[]; disabled: boolean }
interface Delivery { id: number; delivery_id: string; webhook_id: number; event_type: string; status: string; attempts: number; last_status?: number; last_error?: string }

// Runs an admin action and shows its outcome or the server's error next to the form.
function useAction() {
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState("");
  const run = async (fn: () => Promise<unknown>, ok: string) => {
    setError(null);
    setDone("");
    try {
      await fn();
      setDone(ok);
    } catch (e) {
      setError(e);
    }
  };
  const view: ReactNode = (<>{done && <p role="status">{done}</p>}<ErrorBox error={error} /></>);
  return { run, view };
}

export default function AdminPage() {
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Admin</h1>
      <Users />
      <Tokens />
      <Queues />
      <Webhooks />
      <NoticeTemplates />
    </section>
  );
}

function Users() {
  const { data, error, reload } = useLoad(() => get<{ users: User[] }>("/v1/users"), []);
  const [u, setU] = useState({ name: "", role: "agent", password: "", teams: "" });
  const a = useAction();
  const create = (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = { name: u.name, role: u.role, teams: u.teams.split(",").map((t) => t.trim()).filter(Boolean) };
    if (u.password) body.password = u.password;
    a.run(() => post("/v1/users", body).then(reload), `User ${u.name} created.`);
  };
  const toggle = (x: User) =>
    a.run(() => post(`/v1/users/${encodeURIComponent(x.name)}/${x.disabled ? "enable" : "disable"}`).then(reload),
          `${x.name} ${x.disabled ? "enabled" : "disabled"}.`);
  return (
    <section aria-labelledby="users-h">
      <h2 id="users-h">Users and roles</h2>
      <ErrorBox error={error} />
      <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Teams</th><th scope="col">State</th></tr></thead>
        <tbody>
          {data?.users.map((x) => (
            <tr key={x.id}>
              <td>{x.name}</td><td>{x.role}</td><td>{x.teams.join(", ")}</td>
              <td><button className="secondary" onClick={() => toggle(x)} aria-label={`${x.disabled ? "Enable" : "Disable"} ${x.name}`}>
                {x.disabled ? "Enable" : "Disable"}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={create} className="row" aria-label="Add a user">
        <label>Name<input name="user_name" value={u.name} onChange={(e) => setU({ ...u, name: e.target.value })} /></label>
        <label>Role
          <select name="user_role" value={u.role} onChange={(e) => setU({ ...u, role: e.target.value })}>
            {["agent", "senior", "qa", "legal", "engineering", "admin", "integration"].map((r) => <option key={r}>{r}</option>)}
          </select>
        </label>
        <label>Password<input name="user_password" type="password" autoComplete="new-password" value={u.password} onChange={(e) => setU({ ...u, password: e.target.value })} /></label>
        <label>Teams<input name="user_teams" value={u.teams} onChange={(e) => setU({ ...u, teams: e.target.value })} /></label>
        <button type="submit">Add user</button>
      </form>
      {a.view}
    </section>
  );
}

function Tokens() {
  const [user, setUser] = useState("");
  const [label, setLabel] = useState("");
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [secret, setSecret] = useState("");
  const a = useAction();
  const list = () => get<{ tokens: Token[] }>(`/v1/tokens${qs({ user })}`).then((r) => setTokens(r.tokens));
  const load = (e: FormEvent) => { e.preventDefault(); a.run(list, ""); };
  const create = () => a.run(async () => {
    const r = await post<{ token: string }>("/v1/tokens", { user, label });
    setSecret(r.token);
    await list();
  }, "Token created; it is shown once.");
  const revoke = (id: number) => a.run(() => api("DELETE", `/v1/tokens/${id}`).then(list), `Token ${id} revoked.`);
  return (
    <section aria-labelledby="tokens-h">
      <h2 id="tokens-h">API tokens</h2>
      <form onSubmit={load} className="row" aria-label="Tokens of a user">
        <label>User<input name="token_user" value={user} onChange={(e) => setUser(e.target.value)} /></label>
        <button type="submit">Show tokens</button>
        <label>Label<input name="token_label" value={label} onChange={(e) => setLabel(e.target.value)} /></label>
        <button type="button" onClick={create}>Create token</button>
      </form>
      {secret && <p>New token: <code>{secret}</code></p>}
      {tokens && (
        <ul>
          {tokens.map((t) => (
            <li key={t.id}>#{t.id} {t.label || "(no label)"}, created {when(t.created_at)}
              {t.revoked_at ? `, revoked ${when(t.revoked_at)}` : <> <button className="secondary" onClick={() => revoke(t.id)} aria-label={`Revoke token ${t.id}`}>Revoke</button></>}
            </li>
          ))}
        </ul>
      )}
      {a.view}
    </section>
  );
}

interface QueueRow { name: string; title: string; teams: string[]; sla_default: { first_action_ms: number; resolution_ms: number } }
interface TierRow { name: string; queue: string; fields: { name: string; type: string; required: boolean }[] }
interface Reason { code: string; title: string; dsa_category: string; severity: number; queue: string }

function Queues() {
  const a = useAction();
  const q = useLoad(() => get<{ queues: QueueRow[]; tiers: TierRow[] }>("/v1/queues"), []);
  const tax = useLoad(() => get<{ reasons: Reason[] }>("/v1/taxonomy"), []);
  return (
    <section aria-labelledby="queues-admin-h">
      <h2 id="queues-admin-h">Queues, SLAs, tiers and reasons</h2>
      <p>Edit <code>queues.yaml</code> (queues, teams, SLA windows, routing rules, escalation tiers) below, or on disk and reload it; an invalid text changes nothing and the error names the path and line.</p>
      <button onClick={() => a.run(() => post("/v1/queues:reload").then(q.reload), "queues.yaml reloaded.")}>Reload queues.yaml</button>
      {a.view}
      <ConfigEditor path="/v1/queues/config" file="queues.yaml" name="queues_yaml"
        label="Edit queues, routing and SLAs" onSaved={q.reload} />
      <ErrorBox error={q.error || tax.error} />
      <table>
        <caption>Queues and their default SLA</caption>
        <thead><tr><th scope="col">Queue</th><th scope="col">Teams</th><th scope="col">First action</th><th scope="col">Resolution</th></tr></thead>
        <tbody>
          {q.data?.queues.map((x) => (
            <tr key={x.name}><td>{x.title} ({x.name})</td><td>{x.teams.join(", ")}</td>
              <td>{duration(x.sla_default.first_action_ms)}</td><td>{duration(x.sla_default.resolution_ms)}</td></tr>
          ))}
        </tbody>
      </table>
      <table>
        <caption>Escalation tiers and their hand-off fields</caption>
        <thead><tr><th scope="col">Tier</th><th scope="col">Queue</th><th scope="col">Fields</th></tr></thead>
        <tbody>
          {q.data?.tiers.map((t) => (
            <tr key={t.name}><td>{t.name}</td><td>{t.queue}</td>
              <td>{t.fields.map((f) => `${f.name} (${f.type}${f.required ? ", required" : ""})`).join("; ") || "—"}</td></tr>
          ))}
        </tbody>
      </table>
      <table>
        <caption>Reason taxonomy (taxonomy.yaml)</caption>
        <thead><tr><th scope="col">Code</th><th scope="col">Title</th><th scope="col">DSA category</th><th scope="col">Severity</th><th scope="col">Queue</th></tr></thead>
        <tbody>
          {tax.data?.reasons.map((r) => (
            <tr key={r.code}><td>{r.code}</td><td>{r.title}</td><td>{r.dsa_category}</td><td>{r.severity}</td><td>{r.queue}</td></tr>
          ))}
        </tbody>
      </table>
      <p>Reason codes in force cannot be removed (flags and cases cite them); change a title, DSA category or severity, or add codes.</p>
      <ConfigEditor path="/v1/taxonomy/config" file="taxonomy.yaml" name="taxonomy_yaml"
        label="Edit the reason taxonomy" onSaved={tax.reload} />
    </section>
  );
}

function Webhooks() {
  const hooks = useLoad(() => get<{ webhooks: Webhook[] }>("/v1/webhooks"), []);
  const [status, setStatus] = useState("dead");
  const deliveries = useLoad(() => get<{ deliveries: Delivery[] }>(`/v1/webhooks/deliveries${qs({ status })}`), [status]);
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState("decision.made, decision.reversed, appeal.decided");
  const [secret, setSecret] = useState("");
  const a = useAction();
  const create = (e: FormEvent) => {
    e.preventDefault();
    a.run(async () => {
      const r = await post<{ secret: string }>("/v1/webhooks", { url, events: events.split(",").map((x) => x.trim()).filter(Boolean) });
      setSecret(r.secret);
      hooks.reload();
    }, "Webhook registered; its secret is shown once.");
  };
  const replay = (id: number) => a.run(() => post(`/v1/webhooks/deliveries/${id}/replay`).then(deliveries.reload), `Delivery ${id} replayed.`);
  return (
    <section aria-labelledby="hooks-h">
      <h2 id="hooks-h">Webhooks</h2>
      <ErrorBox error={hooks.error} />
      <ul>{hooks.data?.webhooks.map((w) => <li key={w.id}>#{w.id} <code>{w.url}</code>: {w.events.join(", ")}{w.disabled && " (disabled)"}</li>)}</ul>
      <form onSubmit={create} className="row" aria-label="Register a webhook">
        <label>URL<input name="hook_url" value={url} onChange={(e) => setUrl(e.target.value)} /></label>
        <label>Events<input name="hook_events" value={events} onChange={(e) => setEvents(e.target.value)} /></label>
        <button type="submit">Register</button>
      </form>
      {secret && <p>Secret: <code>{secret}</code></p>}
      <h3>Deliveries</h3>
      <label>Status
        <select name="delivery_status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="dead">dead (dead letters)</option><option value="pending">pending</option><option value="delivered">delivered</option>
        </select>
      </label>
      <ErrorBox error={deliveries.error} />
      <table>
        <thead><tr><th scope="col">Delivery</th><th scope="col">Webhook</th><th scope="col">Event</th><th scope="col">Attempts</th><th scope="col">Last result</th><th scope="col"><span className="sr-only">Replay</span></th></tr></thead>
        <tbody>
          {deliveries.data?.deliveries.map((d) => (
            <tr key={d.id}>
              <td>{d.delivery_id}</td><td>#{d.webhook_id}</td><td>{d.event_type}</td><td>{d.attempts}</td>
              <td>{d.last_status ?? ""} {d.last_error ?? ""}</td>
              <td>{d.status === "dead" && <button onClick={() => replay(d.id)} aria-label={`Replay ${d.delivery_id}`}>Replay</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {a.view}
    </section>
  );
}

interface NoticeInfo { yaml: string; kinds: string[]; actions: string[]; variables: string[] }
interface NoticePreview { subject: string; body: string; language: string }

// notices.yaml in a text area with a live preview of one notice, rendered by the server from the
// text being edited (so the preview is exactly what would be sent); saving validates again.
function NoticeTemplates() {
  const info = useLoad(() => get<NoticeInfo>("/v1/notices"), []);
  const [text, setText] = useState<string | null>(null);
  const [kind, setKind] = useState("statement_of_reasons");
  const [language, setLanguage] = useState("en");
  const [action, setAction] = useState("");
  const [preview, setPreview] = useState<NoticePreview | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const a = useAction();
  const yaml = text ?? info.data?.yaml ?? "";
  useEffect(() => {
    if (!yaml) return;
    let live = true;
    const t = setTimeout(() => {
      post<NoticePreview>("/v1/notices:preview", { yaml, kind, language, action: action || undefined })
        .then((r) => live && (setPreview(r), setPreviewError(null)))
        .catch((e) => live && (setPreview(null), setPreviewError(e)));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [yaml, kind, language, action]);
  const save = (e: FormEvent) => {
    e.preventDefault();
    a.run(() => api("PUT", "/v1/notices", { yaml }).then(() => { setText(null); info.reload(); }),
      "Notice templates saved; new notices use them.");
  };
  return (
    <section aria-labelledby="notices-h">
      <h2 id="notices-h">Notice templates</h2>
      <ErrorBox error={info.error} />
      <p className="muted">Placeholders: {info.data?.variables.map((v) => `{{${v}}}`).join(" ")}</p>
      <form onSubmit={save} aria-label="Edit notice templates">
        <label>notices.yaml
          <textarea name="notices_yaml" rows={16} value={yaml} onChange={(e) => setText(e.target.value)} spellCheck={false} />
        </label>
        <div className="row">
          <label>Preview kind
            <select name="preview_kind" value={kind} onChange={(e) => setKind(e.target.value)}>
              {info.data?.kinds.map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
          </label>
          <label>Language<input name="preview_language" value={language} onChange={(e) => setLanguage(e.target.value)} size={4} /></label>
          <label>Action
            <select name="preview_action" value={action} onChange={(e) => setAction(e.target.value)}>
              <option value="">(any)</option>
              {info.data?.actions.map((x) => <option key={x} value={x}>{x}</option>)}
            </select>
          </label>
          <button type="submit">Save templates</button>
        </div>
      </form>
      <div aria-live="polite" aria-label="Notice preview">
        <ErrorBox error={previewError} />
        {preview && (
          <article className="notice-preview">
            <h3>{preview.subject}</h3>
            <pre>{preview.body}</pre>
            <p className="muted">language: {preview.language}</p>
          </article>
        )}
      </div>
      {a.view}
    </section>
  );
}

// A configuration file as text, saved through the API (validated by the server; an invalid
// text changes nothing and the error names the field or line).
function ConfigEditor({ path, file, name, label, onSaved }: {
  path: string; file: string; name: string; label: string; onSaved: () => void;
}) {
  const cfg = useLoad(() => get<{ yaml: string }>(path), [path]);
  const [text, setText] = useState<string | null>(null);
  const a = useAction();
  const yaml = text ?? cfg.data?.yaml ?? "";
  const save = (e: FormEvent) => {
    e.preventDefault();
    a.run(() => api("PUT", path, { yaml }).then(() => { setText(null); cfg.reload(); onSaved(); }),
      `${file} saved and in force.`);
  };
  return (
    <form onSubmit={save} aria-label={label}>
      <ErrorBox error={cfg.error} />
      <label>{file}
        <textarea name={name} rows={14} value={yaml} onChange={(e) => setText(e.target.value)} spellCheck={false} />
      </label>
      <button type="submit">Save {file}</button>
      {a.view}
    </form>
  );
}
