// What each role may do, mirroring the server's access table (tests/integration/access_test.cc).
// The console hides what a role cannot use; the server still checks every request.
import type { Me, Role } from "./types";

const reviewers: Role[] = ["agent", "senior", "legal", "admin"];
const caseReaders: Role[] = ["agent", "senior", "qa", "legal", "admin"];
const staff: Role[] = ["agent", "senior", "qa", "legal", "engineering", "admin"];

const table = {
  queues: caseReaders,
  takeNext: reviewers,
  decide: reviewers,
  escalate: reviewers,
  release: reviewers,
  comment: caseReaders,
  handback: ["senior", "legal", "admin"] as Role[],
  search: caseReaders,
  bulkDecide: ["senior", "admin"] as Role[],
  escalations: ["senior", "legal", "admin"] as Role[],
  appealsView: caseReaders,
  appealsDecide: reviewers,
  fileAppeal: ["senior", "admin"] as Role[],
  admin: ["admin"] as Role[],
  live: caseReaders,
  policiesView: staff,
  policiesEdit: ["senior", "admin"] as Role[],
};
export type Capability = keyof typeof table;

export function can(me: Me | null, what: Capability): boolean {
  if (!me || !table[what].includes(me.role)) return false;
  // Agents work only the queues their teams serve; appeals is one of those queues.
  if ((what === "appealsView" || what === "appealsDecide") && me.queues !== "all")
    return me.queues.includes("appeals");
  return true;
}

export function seesQueue(me: Me, queue: string): boolean {
  return me.queues === "all" || me.queues.includes(queue);
}
