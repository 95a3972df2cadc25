import { useState, type FormEvent } from "react";
import { get, post } from "../api";
import { ContentView } from "../components/CaseParts";
import { ErrorBox } from "../components/ErrorBox";
import { useLive } from "../live";
import { can } from "../roles";
import { Link } from "../router";
import { useSession } from "../session";
import type { Appeal, CaseDetail, Decision } from "../types";
import { useLoad, when } from "../util";
import { useWellness } from "../wellness";

function DecisionCard({ d }: { d?: Decision }) {
  if (!d) return <p>The appealed decision is not on this case.</p>;
  return (
    <dl>
      <dt>Decision</dt><dd>#{d.id}: {d.outcome} ({d.actions.map((a) => a.type).join(", ")})</dd>
      <dt>By</dt><dd>{d.decided_by} at {when(d.created_at)}</dd>
      <dt>Policy</dt><dd>{d.policy ? `${d.policy.id} ${d.policy.version ?? ""} ${d.policy.clause ?? ""}` : "—"}</dd>
      <dt>Facts</dt><dd>{d.facts || "—"}</dd>
      <dt>Explanation</dt><dd>{d.explanation || "—"}</dd>
    </dl>
  );
}

function AppealCard({ a }: { a: Appeal }) {
  return (
    <dl>
      <dt>Appeal</dt><dd>#{a.id} ({a.status})</dd>
      <dt>Appellant</dt><dd>{a.appellant.role} {a.appellant.id}</dd>
      <dt>Filed</dt><dd>{when(a.created_at)}</dd>
      <dt>Grounds</dt><dd>{a.grounds}</dd>
      {a.decided_at && (<><dt>Decided</dt><dd>{a.decided_by} at {when(a.decided_at)}: {a.explanation}</dd></>)}
    </dl>
  );
}

// The original decision and the appeal side by side, and the appeal's decision.
export default function AppealPage({ caseId }: { caseId: number }) {
  const { me } = useSession();
  const [wellness] = useWellness(me.id);
  const { data: c, error, reload } = useLoad(() => get<CaseDetail>(`/v1/cases/${caseId}`), [caseId]);
  useLive(reload, (cases) => cases.includes(caseId));
  const [outcome, setOutcome] = useState("");
  const [explanation, setExplanation] = useState("");
  const [formError, setFormError] = useState<unknown>(null);
  const [message, setMessage] = useState("");
  if (error) return <ErrorBox error={error} />;
  if (!c) return <p className="loading">Loading…</p>;
  const appeal = [...c.appeals].reverse().find((a) => a.status === "open") ?? c.appeals[c.appeals.length - 1];
  const original = appeal ? c.decisions.find((d) => d.id === appeal.decision_id) : undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    try {
      await post(`/v1/appeals/${appeal!.id}/decide`, { outcome, explanation, case_version: c!.version });
      setMessage(`Appeal ${outcome}.`);
      reload();
    } catch (err) {
      setFormError(err);
    }
  }
  return (
    <article aria-labelledby="appeal-title">
      <h1 id="appeal-title">Appeal on case {c.id}</h1>
      <p><Link to={`/cases/${c.id}`}>Open the full case</Link></p>
      {message && <p role="status" className="status">{message}</p>}
      {!appeal ? (
        <p>This case has no appeal.</p>
      ) : (
        <div className="side-by-side">
          <section aria-labelledby="orig-h" className="panel">
            <h2 id="orig-h">Original decision</h2>
            <DecisionCard d={original} />
          </section>
          <section aria-labelledby="ap-h" className="panel">
            <h2 id="ap-h">Appeal</h2>
            <AppealCard a={appeal} />
          </section>
        </div>
      )}
      {appeal?.status === "open" && can(me, "appealsDecide") && (
        <form onSubmit={submit} aria-label="Decide the appeal" className="panel">
          <fieldset>
            <legend>Outcome</legend>
            <label className="check">
              <input type="radio" name="outcome" value="upheld" checked={outcome === "upheld"} onChange={() => setOutcome("upheld")} />
              Uphold the decision
            </label>
            <label className="check">
              <input type="radio" name="outcome" value="overturned" checked={outcome === "overturned"}
                     onChange={() => setOutcome("overturned")} />
              Overturn the decision (records a reversal)
            </label>
          </fieldset>
          <label>
            Explanation (sent to the appellant)
            <textarea name="appeal_explanation" rows={3} value={explanation} onChange={(e) => setExplanation(e.target.value)} />
          </label>
          <ErrorBox error={formError} />
          <button type="submit">Decide the appeal</button>
        </form>
      )}
      <section aria-labelledby="appeal-content-h">
        <h2 id="appeal-content-h">Content</h2>
        <ContentView c={c} wellness={wellness} revealAll={false} />
      </section>
    </article>
  );
}
