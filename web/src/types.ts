// The shapes of the API's JSON that the console reads (see GET /v1/openapi.json).
export type Role = "agent" | "senior" | "qa" | "legal" | "engineering" | "admin" | "integration";

export interface Me {
  id: number;
  name: string;
  role: Role;
  teams: string[];
  queues: string[] | "all";
  csrf_token?: string;
}

export interface Sla {
  first_action_due: string;
  resolution_due: string;
  state: "ok" | "near_breach" | "breached" | "met";
}

export interface QueueInfo {
  name: string;
  title: string;
  teams: string[];
  open: number;
  claimed: number;
  oldest_opened_at?: string;
  oldest_age_ms?: number;
  // As of the last SLA sweep (as_of); all null until the first one after a start has finished.
  sla: {ok: number|null; near_breach: number | null; breached: number | null; as_of: string | null};
}

export interface TierField {
  name: string;
  type: "string" | "bool" | "time" | "choice" | "number";
  required: boolean;
  choices?: string[];
}
export interface Tier {
  name: string;
  queue: string;
  fields: TierField[];
}

export interface Flag {
  id: number;
  reason: string;
  source: string;
  bona_fide: boolean;
  duplicate: boolean;
  received_at: string;
  reporter?: { id: string };
  explanation?: string;
  legal_order?: { authority: string; legal_ground: string; territorial_scope: string[]; deadline?: string };
}

export interface Decision {
  id: number;
  decided_by: string;
  actions: { type: string; duration?: string; territorial_scope?: string[] }[];
  outcome: string;
  policy?: { id: string; version?: string; clause?: string };
  facts?: string;
  explanation?: string;
  reverses?: number;
  case_version: number;
  created_at: string;
}

export interface Appeal {
  id: number;
  decision_id: number;
  appellant: { role: string; id: string };
  grounds: string;
  status: string;
  created_at: string;
  decided_at?: string;
  decided_by?: string;
  explanation?: string;
}

export interface CaseSummary {
  id: number;
  status: string;
  queue: string;
  reason: string;
  content_id: string;
  flag_count: number;
  reporter_count: number;
  opened_at: string;
  version: number;
  priority: number;
  claimed_by?: number;
  lease_until?: string;
  tier?: string;
  escalated_from?: string;
  outcome?: string;
  first_action_at?: string;
  sla?: Sla;
}

export interface CaseDetail extends CaseSummary {
  content?: {
    id: string;
    type: string;
    text?: string;
    url?: string;
    media?: { url: string }[];
    author?: { id: string; name?: string; created_at?: string };
    reach?: { views: number; followers: number; shares: number };
    language?: string;
  };
  flags: Flag[];
  priority_breakdown: { total: number; terms: { name: string; value: number; explanation: string }[] };
  decisions: Decision[];
  appeals: Appeal[];
  holder?: string;
  sla: Sla;
  // Stored by analysis on intake: signals with byte spans in the text as written.
  analysis?: { signals: { name: string; value: string; score: number; why: string; spans: { begin: number; end: number }[] }[]; current: boolean };
  policies?: { policy: string; version: number; mode: string; status: string; question?: string }[];
}

// What the tree proposes at a leaf, in the form POST /v1/cases/{id}/decisions takes.
export interface ProposedDecision {
  actions: { type: string; duration?: string }[];
  policy: { id: string; version: string; clause: string; leaf: string; answers: Record<string, string> };
  case_version: number;
}

export interface EventItem {
  seq: number;
  type: string;
  subject: string;
  actor: string;
  ts: string;
  payload: any;
}

export interface AccountProfile {
  id: string;
  name?: string;
  created_at?: string;
  strikes: { case_id: number; weight: number; active: boolean; expires_at: string }[];
  active_strike_weight: number;
  reporter: { flags_sent: number; flags_decided: number; flags_actioned: number; accuracy: number | null };
}
