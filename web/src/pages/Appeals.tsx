import { get, qs } from "../api";
import { CaseTable } from "../components/CaseTable";
import { ErrorBox } from "../components/ErrorBox";
import { useLive } from "../live";
import type { CaseSummary } from "../types";
import { useLoad } from "../util";

export default function AppealsPage() {
  const { data, error, reload } = useLoad(
    () => get<{ cases: CaseSummary[] }>(`/v1/cases${qs({ status: "open", tier: "appeal", limit: 200 })}`),
    [],
  );
  useLive(reload);
  return (
    <section aria-labelledby="appeals-title">
      <h1 id="appeals-title">Appeals</h1>
      <ErrorBox error={error} />
      {!data && !error && <p className="loading">Loading…</p>}
      {data && <CaseTable cases={data.cases} href={(c) => `/appeals/${c.id}`} />}
    </section>
  );
}
