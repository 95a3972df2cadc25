import { lazy, Suspense, useEffect, useState } from "react";
import { ApiError, get, post, setCsrf } from "./api";
import { startLive, stopLive } from "./live";
import { can, type Capability } from "./roles";
import { Link, match, useRouter } from "./router";
import { SessionContext } from "./session";
import type { Me } from "./types";
import { Login } from "./pages/Login";
import { QueuesPage } from "./pages/Queues";
import { CasePage } from "./pages/Case";

// The review screens load with the app; the others on first visit.
const EscalationsPage = lazy(() => import("./pages/Escalations"));
const SearchPage = lazy(() => import("./pages/Search"));
const AppealsPage = lazy(() => import("./pages/Appeals"));
const AppealPage = lazy(() => import("./pages/Appeal"));
const AdminPage = lazy(() => import("./pages/Admin"));
const SettingsPage = lazy(() => import("./pages/Settings"));
const PoliciesPage = lazy(() => import("./pages/Policies"));
const PolicyPage = lazy(() => import("./pages/Policies").then((m) => ({ default: m.PolicyPage })));

const nav: { to: string; label: string; cap?: Capability }[] = [
  { to: "/queues", label: "Queues", cap: "queues" },
  { to: "/escalations", label: "Escalations", cap: "escalations" },
  { to: "/search", label: "Search", cap: "search" },
  { to: "/appeals", label: "Appeals", cap: "appealsView" },
  { to: "/policies", label: "Policies", cap: "policiesView" },
  { to: "/admin", label: "Admin", cap: "admin" },
  { to: "/settings", label: "Settings" },
];

export function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    get<Me>("/v1/auth/me")
      .then(signedIn)
      .catch(() => {})
      .finally(() => setChecked(true));
  }, []);
  function signedIn(m: Me) {
    setCsrf(m.csrf_token || "");
    setMe(m);
    if (can(m, "live")) startLive();
  }
  async function signOut() {
    try {
      await post("/v1/auth/logout");
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    stopLive();
    setCsrf("");
    setMe(null);
  }
  if (!checked) return <p className="loading">Loading…</p>;
  if (!me) return <Login onSignedIn={signedIn} />;
  return (
    <SessionContext.Provider value={{ me, signOut }}>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <span className="brand">Vigil</span>
        <nav aria-label="Main">
          <ul>
            {nav
              .filter((n) => !n.cap || can(me, n.cap))
              .map((n) => (
                <li key={n.to}>
                  <Link to={n.to}>{n.label}</Link>
                </li>
              ))}
          </ul>
        </nav>
        <span className="who">
          {me.name} <span className="role">({me.role})</span>
        </span>
        <button className="link" onClick={signOut}>Sign out</button>
      </header>
      <main id="main">
        <Suspense fallback={<p className="loading">Loading…</p>}>
          <Screen me={me} />
        </Suspense>
      </main>
    </SessionContext.Provider>
  );
}

function Screen({ me }: { me: Me }) {
  const { path } = useRouter();
  let m: Record<string, string> | null;
  if ((path === "/" || path === "/queues") && can(me, "queues")) return <QueuesPage />;
  if ((m = match("/cases/:id", path)) && can(me, "queues")) return <CasePage id={Number(m.id)} />;
  if (path === "/escalations" && can(me, "escalations")) return <EscalationsPage />;
  if (path === "/search" && can(me, "search")) return <SearchPage />;
  if (path === "/appeals" && can(me, "appealsView")) return <AppealsPage />;
  if ((m = match("/appeals/:caseId", path)) && can(me, "appealsView"))
    return <AppealPage caseId={Number(m.caseId)} />;
  if (path === "/policies" && can(me, "policiesView")) return <PoliciesPage />;
  if ((m = match("/policies/:id", path)) && can(me, "policiesView")) return <PolicyPage id={m.id} />;
  if (path === "/admin" && can(me, "admin")) return <AdminPage />;
  if (path === "/settings") return <SettingsPage />;
  if (path === "/")
    return (
      <section>
        <h1>Welcome, {me.name}</h1>
        <p>There are no review screens for the {me.role} role yet. Your settings are under Settings.</p>
      </section>
    );
  return (
    <section>
      <h1>Not here</h1>
      <p>This page does not exist, or your role cannot use it.</p>
    </section>
  );
}
