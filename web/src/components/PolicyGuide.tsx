// The policy guide of the case view: for every policy that applies, what automation found, and
// when the tree waits for a person, its question with the guidance and one button per answer.
// At a leaf, the proposed decision fills the decide form (policy, version, clause, leaf, answers).
import { useEffect, useState } from "react";
import { get, post } from "../api";
import type { ProposedDecision } from "../types";
import { ErrorBox } from "./ErrorBox";
import { Link } from "../router";

interface GuidePolicy {
  policy: string;
  title: string;
  version: number;
  mode: string;
  status: string;
  automation?: string;
  question?: { name: string; ask: string; guidance: string; choices: string[] };
  answers: Record<string, string>;
  outcome: { actions?: string[]; clause?: string; escalate?: string; needs_human_review?: boolean };
  leaf?: string;
  proposed_decision?: ProposedDecision;
  trace: { node: string; what: string; result: string; values: Record<string, string> }[];
}

export function PolicyGuide({ caseId, version, mayAnswer, onPropose }: {
  caseId: number; version: number; mayAnswer: boolean; onPropose: (d: ProposedDecision) => void;
}) {
  const [policies, setPolicies] = useState<GuidePolicy[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () =>
    get<{ policies: GuidePolicy[] }>(`/v1/cases/${caseId}/guidance`).then((g) => setPolicies(g.policies), setError);
  useEffect(() => {
    setPolicies(null);
    load();
  }, [caseId, version]);

  async function answer(p: GuidePolicy, choice: string) {
    setError(null);
    try {
      const r = await post<GuidePolicy>(`/v1/cases/${caseId}/answers`,
        { policy: p.policy, version: p.version, question: p.question!.name, answer: choice });
      setPolicies((old) => (old ?? []).map((x) => (x.policy === p.policy ? { ...x, ...r } : x)));
      if (r.proposed_decision) onPropose(r.proposed_decision);
    } catch (e) {
      setError(e);
    }
  }

  if (!policies) return <ErrorBox error={error} />;
  return (
    <section className="policy-guide" aria-label="Policy guide">
      <h3>Policy guide</h3>
      {policies.length === 0 && <p className="muted">No policy applies to this case's reasons.</p>}
      {policies.map((p) => (
        <article key={p.policy} className="guide-policy">
          <h4>
            {p.title} <span className="muted">{p.policy} v{p.version}{p.mode === "shadow" ? " (shadow)" : ""}</span>
          </h4>
          {Object.entries(p.answers).length > 0 && (
            <p className="muted">Answered: {Object.entries(p.answers).map(([q, a]) => `${q}: ${a}`).join("; ")}</p>
          )}
          {p.status === "question" && p.question && (
            <div className="guide-question">
              <p><strong>{p.question.ask}</strong></p>
              {p.question.guidance && <p className="guidance">{p.question.guidance}</p>}
              <div className="buttons" role="group" aria-label={`Answer ${p.question.name}`}>
                {p.question.choices.map((choice) => (
                  <button key={choice} type="button" disabled={!mayAnswer} onClick={() => answer(p, choice)}>{choice}</button>
                ))}
              </div>
            </div>
          )}
          {p.status === "outcome" && (
            <p>
              Leaf <code>{p.leaf}</code>: {(p.outcome.actions ?? []).join(" + ") || (p.outcome.needs_human_review ? "needs human review" : "no action")}
              {p.outcome.clause ? `, clause ${p.outcome.clause}` : ""}
              {p.proposed_decision && mayAnswer && (
                <button type="button" className="secondary" onClick={() => onPropose(p.proposed_decision!)}>Use in the decide form</button>
              )}
            </p>
          )}
          {p.status === "no_match" && <p className="muted">No rule of the tree matched.</p>}
          {p.trace.length > 0 && (
            <p>
              <Link to={`/policies/${encodeURIComponent(p.policy)}?version=${p.version}&path=${encodeURIComponent(p.trace.map((t) => t.node).join(","))}`}>
                Show this path in the flowchart of {p.policy} v{p.version}
              </Link>
            </p>
          )}
          <details>
            <summary>Trace ({p.trace.length} nodes)</summary>
            <ol className="trace">
              {p.trace.map((t, i) => (
                <li key={i}>
                  <code>{t.node}</code> {t.what} → <strong>{t.result}</strong>
                  {Object.keys(t.values).length > 0 && (
                    <span className="muted"> ({Object.entries(t.values).map(([k, v]) => `${k} = ${v}`).join(", ")})</span>
                  )}
                </li>
              ))}
            </ol>
          </details>
        </article>
      ))}
      <ErrorBox error={error} />
    </section>
  );
}
