import { useEffect, useState } from "react";
import { get, post } from "../api";
import { ErrorBox } from "../components/ErrorBox";
import { HelpOverlay } from "../components/HelpOverlay";
import { useLive } from "../live";
import { can } from "../roles";
import { useRouter } from "../router";
import { cachedQueues, useSession } from "../session";
import type { QueueInfo, Tier } from "../types";
import { duration, isTyping, useLoad, useNow } from "../util";

export const fetchQueues = () => get<{ queues: QueueInfo[]; tiers: Tier[] }>("/v1/queues");

// Claims the next case of `queue` and opens it; resolves to its id, or null when the queue is
// empty. A reviewer who still holds a case of the queue gets that case again.
export async function takeNext(queue: string, navigate: (to: string) => void): Promise<number | null> {
  const r = await post<{ case: { id: number } | null }>(`/v1/queues/${encodeURIComponent(queue)}/next`);
  if (!r.case) return null;
  navigate(`/cases/${r.case.id}?queue=${encodeURIComponent(queue)}`);
  return r.case.id;
}

function slaState(q: QueueInfo): string {
  if (q.sla.breached) return "breached";
  if (q.sla.near_breach) return "near_breach";
  return "ok";
}

export function QueuesPage() {
  const { me } = useSession();
  const { navigate } = useRouter();
  const { data, error, reload } = useLoad(() => cachedQueues(fetchQueues, true), []);
  const [selected, setSelected] = useState(0);
  const [message, setMessage] = useState("");
  const [actionError, setActionError] = useState<unknown>(null);
  const [help, setHelp] = useState(false);
  const now = useNow(5000);
  useLive(reload);
  useEffect(() => {
    if (data) performance.mark("vigil:queues-interactive");
  }, [data]);
  const queues = data?.queues ?? [];
  const mayTake = can(me, "takeNext");

  async function next(i: number) {
    const q = queues[i];
    if (!q || !mayTake) return;
    setMessage("");
    setActionError(null);
    try {
      if ((await takeNext(q.name, navigate)) === null) setMessage(`${q.title}: no case to take.`);
    } catch (e) {
      setActionError(e);
    }
  }

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "?") setHelp(true);
      else if (e.key === "j" || e.key === "ArrowDown") setSelected((s) => Math.min(s + 1, queues.length - 1));
      else if (e.key === "k" || e.key === "ArrowUp") setSelected((s) => Math.max(s - 1, 0));
      else if (e.key === "n") next(selected);
      else return;
      e.preventDefault();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  });

  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">Queues</h1>
      <p className="hint">
        {mayTake ? (
          <>Press <kbd>n</kbd> to take the next case of the selected queue, <kbd>j</kbd>/<kbd>k</kbd> to move, <kbd>?</kbd> for help.</>
        ) : (
          <>Press <kbd>?</kbd> for help.</>
        )}
      </p>
      <ErrorBox error={error || actionError} />
      {message && <p role="status">{message}</p>}
      {!data && !error && <p className="loading">Loading…</p>}
      {data && (
        <table className="queues" data-ready="true">
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Open</th>
              <th scope="col">Claimed</th>
              <th scope="col">Oldest</th>
              <th scope="col">SLA</th>
              {mayTake && <th scope="col"><span className="sr-only">Take</span></th>}
            </tr>
          </thead>
          <tbody>
            {queues.map((q, i) => (
              <tr key={q.name} className={i === selected ? "selected" : ""}
                  onClick={() => setSelected(i)}>
                <th scope="row">
                  {q.title} <span className="muted">({q.name})</span>
                </th>
                <td data-testid={`depth-${q.name}`}>{q.open}</td>
                <td>{q.claimed}</td>
                <td>{q.oldest_opened_at ? duration(now - Date.parse(q.oldest_opened_at)) : "—"}</td>
                <td>
                  {q.sla.as_of === null ? (
                    <span className="sla sla-unknown">being counted…</span>
                  ) : (
                    <span className={`sla sla-${slaState(q)}`}
                          title={`As of ${new Date(q.sla.as_of).toLocaleTimeString()}`}>
                      {q.sla.breached} breached · {q.sla.near_breach} near · {q.sla.ok} ok
                    </span>
                  )}
                </td>
                {mayTake && (
                  <td>
                    <button onClick={() => next(i)} aria-label={`Next case from ${q.title}`}>
                      Next case{i === selected ? " (n)" : ""}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {help && (
        <HelpOverlay
          onClose={() => setHelp(false)}
          shortcuts={[
            ...(mayTake ? [{ keys: "n", what: "Take the next case of the selected queue" }] : []),
            { keys: "j / ↓", what: "Select the next queue" },
            { keys: "k / ↑", what: "Select the previous queue" },
            { keys: "?", what: "This help" },
          ]}
        />
      )}
    </section>
  );
}
