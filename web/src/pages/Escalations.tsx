import { get, qs } from "../api";
import { CaseTable } from "../components/CaseTable";
import { ErrorBox } from "../components/ErrorBox";
import { useLive } from "../live";
import { cachedQueues, useSession } from "../session";
import type { CaseSummary, QueueInfo, Tier } from "../types";
import { useLoad } from "../util";

// Open escalated cases by tier, most urgent first, with their holder and deadline.
export default function EscalationsPage() {
  const { me } = useSession();
  const { data, error, reload } = useLoad(async () => {
    const { tiers } = await cachedQueues(() => get<{ queues: QueueInfo[]; tiers: Tier[] }>("/v1/queues"));
    const names = [...tiers.map((t) => t.name), "appeal"];
    const lists = await Promise.all(
      names.map((tier) => get<{ cases: CaseSummary[] }>(`/v1/cases${qs({ status: "open", tier, limit: 200 })}`)),
    );
    // Only admins may list users; others see the holder's id.
    const users = me.role === "admin" ? await get<{ users: { id: number; name: string }[] }>("/v1/users") : { users: [] };
    return { names, lists: lists.map((l) => l.cases.sort((a, b) => b.priority - a.priority)), users: users.users };
  }, []);
  useLive(reload);
  const holder = (c: CaseSummary) =>
    c.claimed_by ? data?.users.find((u) => u.id === c.claimed_by)?.name ?? `user ${c.claimed_by}` : "unclaimed";
  return (
    <section aria-labelledby="esc-title">
      <h1 id="esc-title">Escalations</h1>
      <ErrorBox error={error} />
      {!data && !error && <p className="loading">Loading…</p>}
      {data?.names.map((tier, i) => (
        <section key={tier} aria-labelledby={`tier-${tier}`}>
          <h2 id={`tier-${tier}`}>Tier {tier} ({data.lists[i].length})</h2>
          <CaseTable cases={data.lists[i]} extra={{ title: "Holder", cell: holder }} />
        </section>
      ))}
    </section>
  );
}
