import type { ReactNode } from "react";
import { Link } from "../router";
import type { CaseSummary } from "../types";
import { duration, useNow } from "../util";

// A list of cases; `select` adds a checkbox column for bulk actions.
export function CaseTable({ cases, select, href = (c) => `/cases/${c.id}`, extra }: {
  cases: CaseSummary[];
  select?: { chosen: Set<number>; toggle: (id: number) => void };
  href?: (c: CaseSummary) => string;
  extra?: { title: string; cell: (c: CaseSummary) => ReactNode };
}) {
  const now = useNow(10000);
  if (!cases.length) return <p>No cases.</p>;
  return (
    <table className="cases">
      <thead>
        <tr>
          {select && <th scope="col"><span className="sr-only">Select</span></th>}
          <th scope="col">Case</th>
          <th scope="col">Status</th>
          <th scope="col">Queue</th>
          <th scope="col">Reason</th>
          <th scope="col">Flags</th>
          <th scope="col">Priority</th>
          <th scope="col">Deadline</th>
          {extra && <th scope="col">{extra.title}</th>}
        </tr>
      </thead>
      <tbody>
        {cases.map((c) => {
          const due = c.sla ? Date.parse(c.first_action_at ? c.sla.resolution_due : c.sla.first_action_due) : NaN;
          return (
            <tr key={c.id}>
              {select && (
                <td>
                  <input type="checkbox" aria-label={`Select case ${c.id}`} checked={select.chosen.has(c.id)}
                         onChange={() => select.toggle(c.id)} />
                </td>
              )}
              <td><Link to={href(c)}>Case {c.id}</Link></td>
              <td>{c.status}{c.outcome ? `: ${c.outcome}` : ""}</td>
              <td>{c.queue}{c.tier ? ` (tier ${c.tier})` : ""}</td>
              <td>{c.reason}</td>
              <td>{c.flag_count}</td>
              <td>{c.priority.toFixed(1)}</td>
              <td>
                {c.sla && (
                  <span className={`sla sla-${c.sla.state}`}>
                    {c.status !== "open" ? c.sla.state : due < now ? `overdue ${duration(now - due)}` : `in ${duration(due - now)}`}
                  </span>
                )}
              </td>
              {extra && <td>{extra.cell(c)}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
