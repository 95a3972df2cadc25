import { useState, type FormEvent } from "react";
import { post } from "../api";
import type { CaseDetail } from "../types";
import { ErrorBox } from "./ErrorBox";

// Files an appeal on behalf of the affected user or a notifier (e.g. one that came in by e-mail).
export function FileAppeal({ c, onDone }: { c: CaseDetail; onDone: (msg: string) => void }) {
  const [role, setRole] = useState("affected_user");
  const [who, setWho] = useState(c.content?.author?.id ?? "");
  const [grounds, setGrounds] = useState("");
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const r = await post<{ id?: number }>(`/v1/cases/${c.id}/appeals`, { appellant: { role, id: who }, grounds });
      onDone(`Appeal filed${r.id ? ` (#${r.id})` : ""}: the case is in the appeals queue.`);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form onSubmit={submit} aria-label="File an appeal">
      <div className="row">
        <label>
          Appellant
          <select name="appellant_role" value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="affected_user">affected user</option>
            <option value="notifier">notifier</option>
          </select>
        </label>
        <label>
          Account id
          <input name="appellant_id" value={who} onChange={(e) => setWho(e.target.value)} />
        </label>
      </div>
      <label>
        Grounds
        <textarea name="grounds" rows={2} value={grounds} onChange={(e) => setGrounds(e.target.value)} />
      </label>
      <ErrorBox error={error} />
      <button type="submit">File appeal</button>
    </form>
  );
}
