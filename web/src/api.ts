// The console's only door to the server: JSON over fetch with the session cookie, the CSRF
// header on state-changing requests, and the server's problem+json turned into ApiError so
// screens can show the field and the reason.
export class ApiError extends Error {
  constructor(
    public status: number,
    public field: string,
    public detail: string,
  ) {
    super(field ? `${field}: ${detail}` : detail);
  }
}

let csrfToken = "";
export function setCsrf(token: string) {
  csrfToken = token;
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const detail = json?.detail || json?.title || text || res.statusText;
    throw new ApiError(res.status, json?.field || "", detail);
  }
  return json as T;
}

export const get = <T = any>(path: string) => api<T>("GET", path);
export const post = <T = any>(path: string, body: unknown = {}) => api<T>("POST", path, body);

export function qs(params: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}
