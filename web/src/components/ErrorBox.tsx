import { ApiError } from "../api";

// Shows the server's problem: the field it concerns and the reason, as the API said them.
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as Error;
  const field = e instanceof ApiError ? e.field : "";
  const detail = e instanceof ApiError ? e.detail : e.message || String(error);
  return (
    <div className="error" role="alert">
      {field && <strong className="error-field">{field}</strong>} {detail}
    </div>
  );
}
