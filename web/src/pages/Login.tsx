import { useState, type FormEvent } from "react";
import { post } from "../api";
import { ErrorBox } from "../components/ErrorBox";
import type { Me } from "../types";

export function Login({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await post<{ user: Me; csrf_token: string }>("/v1/auth/login", { name, password });
      const me = await fetch("/v1/auth/me", { credentials: "same-origin" }).then((x) => x.json());
      onSignedIn({ ...me, csrf_token: r.csrf_token });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main id="main" className="login">
      <h1>Vigil</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          User name
          <input name="name" autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" value={password}
                 onChange={(e) => setPassword(e.target.value)} />
        </label>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
    </main>
  );
}
