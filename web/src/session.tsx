import { createContext, useContext } from "react";
import type { Me, QueueInfo, Tier } from "./types";

export interface Session {
  me: Me;
  signOut: () => void;
}
export const SessionContext = createContext<Session | null>(null);
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("no session");
  return s;
}

// GET /v1/queues, shared by the screens that need queues or tiers in one page view.
let queuesCache: Promise<{ queues: QueueInfo[]; tiers: Tier[] }> | null = null;
export function cachedQueues(fetcher: () => Promise<{ queues: QueueInfo[]; tiers: Tier[] }>, fresh = false) {
  if (!queuesCache || fresh) queuesCache = fetcher().catch((e) => {
    queuesCache = null;
    throw e;
  });
  return queuesCache;
}
