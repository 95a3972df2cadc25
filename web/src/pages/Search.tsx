import { useState, type FormEvent } from "react";
import { get, post, qs } from "../api";
import { ACTIONS } from "../components/CaseForms";
import { CaseTable } from "../components/CaseTable";
import { ErrorBox } from "../components/ErrorBox";
import { can } from "../roles";
import { useSession } from "../session";
import type { CaseSummary } from "../types";

const empty = { q: "", status: "open", queue: "", reason: "", tier: "", assignee: "", sla: "" };
type Filters = typeof empty;

interface BulkResult {
  id?: number;
  status: number;
  error?: { field?: string; detail?: string };
}

export default function SearchPage() {
  const { me } = useSession();
  const [f, setF] = useState<Filters>(empty);
  const [cases, setCases] = useState<CaseSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const bulk = can(me, "bulkDecide");

  async function search(e?: FormEvent) {
    e?.preventDefault();
    setError(null);
    try {
      const r = await get<{ cases: CaseSummary[] }>(`/v1/cases${qs({ ...f, limit: 100 })}`);
      setCases(r.cases);
      setChosen(new Set());
    } catch (err) {
      setError(err);
    }
  }
  const field = (name: keyof Filters, label: string, options?: string[]) => (
    <label>
      {label}
      {options ? (
        <select name={name} value={f[name]} onChange={(e) => setF({ ...f, [name]: e.target.value })}>
          {options.map((o) => <option key={o} value={o}>{o || "any"}</option>)}
        </select>
      ) : (
        <input name={name} value={f[name]} onChange={(e) => setF({ ...f, [name]: e.target.value })} />
      )}
    </label>
  );
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form onSubmit={search} className="filters" aria-label="Search cases">
        {field("q", "Content text")}
        {field("status", "Status", ["", "open", "decided"])}
        {field("queue", "Queue")}
        {field("reason", "Reason")}
        {field("tier", "Tier")}
        {field("assignee", "Assignee (user name or none)")}
        {field("sla", "SLA", ["", "ok", "near_breach", "breached", "met"])}
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={error} />
      {cases && (
        <>
          <p role="status">{cases.length} cases</p>
          {bulk && (
            <>
              <BulkDecide cases={cases.filter((c) => chosen.has(c.id))} onDone={() => search()} />
              <div className="buttons">
                <button type="button" className="secondary" onClick={() => setChosen(new Set(cases.map((c) => c.id)))}>
                  Select all {cases.length}
                </button>
                <button type="button" className="secondary" onClick={() => setChosen(new Set())}>Select none</button>
              </div>
            </>
          )}
          <CaseTable cases={cases} select={bulk ? {
            chosen,
            toggle: (id) => {
              const n = new Set(chosen);
              if (n.has(id)) n.delete(id);
              else n.add(id);
              setChosen(n);
            },
          } : undefined} />
        </>
      )}
    </section>
  );
}

function BulkDecide({ cases, onDone }: { cases: CaseSummary[]; onDone: () => void }) {
  const [action, setAction] = useState("no_violation");
  const [policy, setPolicy] = useState("");
  const [explanation, setExplanation] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [results, setResults] = useState<BulkResult[] | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const body: Record<string, unknown> = {
        cases: cases.map((c) => ({ id: c.id, case_version: c.version })),
        actions: [{ type: action }],
        explanation,
        facts: `Bulk decision on ${cases.length} cases`,
      };
      if (policy) body.policy = { id: policy };
      const r = await post<{ results: BulkResult[] }>("/v1/decisions:bulk", body);
      setResults(r.results);
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form onSubmit={submit} aria-label="Bulk decide" className="panel">
      <h2>Decide {cases.length} selected cases</h2>
      <div className="row">
        <label>
          Action
          <select name="bulk_action" value={action} onChange={(e) => setAction(e.target.value)}>
            {ACTIONS.map((a) => <option key={a.type} value={a.type}>{a.label}</option>)}
          </select>
        </label>
        <label>
          Policy
          <input name="bulk_policy" value={policy} onChange={(e) => setPolicy(e.target.value)} />
        </label>
        <label>
          Explanation
          <input name="bulk_explanation" value={explanation} onChange={(e) => setExplanation(e.target.value)} />
        </label>
      </div>
      <ErrorBox error={error} />
      <button type="submit" disabled={!cases.length}>Decide selected</button>
      {results && (
        <ul aria-label="Bulk results">
          {results.map((r, i) => (
            <li key={i}>
              Case {r.id ?? "?"}: {r.status === 201 ? "decided" : `${r.status} ${r.error?.field ?? ""} ${r.error?.detail ?? ""}`}
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
