// The console benchmark: time to interactive of the queue page and the case page on a cold load
// (a fresh browser context: empty cache, new connections) and of case-to-case navigation, from
// the browser's own performance timings, against `vigil serve` with the default demo data.
// "Interactive" is the console's performance mark set once the screen's data is rendered and its
// keys work (vigil:queues-interactive, vigil:case-interactive). Targets: cold < 1 s, navigation
// < 150 ms. Run by `make bench` (bench/run.sh) or: node bench/console/run.mjs --vigil build/vigil
import { args, launch, signIn, startVigil } from "../../tests/e2e/harness.mjs";

const opts = args();
const runs = Number(opts.runs || 15);
const items = Number(opts.items || 3000);

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p90: q(0.9), max: s[s.length - 1] };
};
const fmt = (name, xs, target) => {
  const st = stats(xs);
  const verdict = st.p90 < target ? "within" : "OVER";
  return `${name.padEnd(34)} median ${st.median.toFixed(1).padStart(7)} ms  p90 ${st.p90.toFixed(1).padStart(7)} ms  max ${st.max.toFixed(1).padStart(7)} ms  (n=${st.n}; target < ${target} ms: ${verdict})`;
};

const t0 = Date.now();
const vigil = await startVigil(opts.vigil, { items });
console.log(`vigil serve with demo data (${items} items) ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const browser = await launch();
let status = 0;
try {
  // Sign in once; every cold load reuses the session cookie in a fresh context.
  const login = await browser.newContext();
  const lp = await login.newPage();
  await signIn(lp, vigil.base, "e2e.agent");
  const state = await login.storageState();
  const caseIds = await lp.evaluate(async () =>
    (await (await fetch("/v1/cases?queue=general&status=open&limit=100")).json()).cases.map((c) => c.id));
  await login.close();

  // Cold loads: navigation start -> the screen's interactive mark.
  async function cold(path, mark) {
    const ctx = await browser.newContext({ storageState: state });
    const page = await ctx.newPage();
    await page.goto(vigil.base + path);
    await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, { polling: 10 });
    const r = await page.evaluate((m) => {
      const nav = performance.getEntriesByType("navigation")[0];
      return { tti: performance.getEntriesByName(m)[0].startTime, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
    }, mark);
    await ctx.close();
    return r;
  }
  const queuesCold = [];
  const caseCold = [];
  const dcl = [];
  await cold("/queues", "vigil:queues-interactive"); // the server's first read of each kind, not counted
  for (let i = 0; i < runs; i++) {
    const q = await cold("/queues", "vigil:queues-interactive");
    queuesCold.push(q.tti);
    dcl.push(q.dcl);
    caseCold.push((await cold(`/cases/${caseIds[i % caseIds.length]}`, "vigil:case-interactive")).tti);
  }

  // Case to case: in one page, the key press (or in-app link) -> the next case's interactive mark.
  const ctx = await browser.newContext({ storageState: state });
  const page = await ctx.newPage();
  await page.goto(`${vigil.base}/queues`);
  await page.waitForFunction(() => performance.getEntriesByName("vigil:queues-interactive").length > 0);
  await page.evaluate(() => {
    window.__start = 0;
    addEventListener("keydown", () => (window.__start = performance.now()), true);
  });
  // Time from the last key press (or link) to the first interactive mark of another case.
  async function waitNext(prevId) {
    const fn = (prev) =>
      performance.getEntriesByName("vigil:case-interactive").find((m) => m.startTime >= window.__start && m.detail !== prev);
    await page.waitForFunction(fn, prevId, { polling: "raf" });
    return page.evaluate(`(${fn})(${prevId}).startTime - window.__start`);
  }
  const current = async () => Number(await page.locator("[data-case-ready]").getAttribute("data-case-ready"));
  // The review loop: decide the case held ("1" = no violation, Ctrl+Enter), then time "n".
  const nextKey = [];
  await page.keyboard.press("n"); // the queue page's first queue is general
  await waitNext(0);
  for (let i = 0; i < runs; i++) {
    await page.keyboard.press("1");
    await page.waitForFunction(() => document.querySelector('select[name="action"]')?.value === "no_violation");
    await page.keyboard.press("Control+Enter");
    await page.locator("p.status", { hasText: "Decided" }).waitFor();
    const prev = await current();
    await page.keyboard.press("n");
    nextKey.push(await waitNext(prev));
  }
  const link = [];
  for (let i = 0; i < runs; i++) {
    const prev = await current();
    let id = caseIds[(i * 7 + 3) % caseIds.length];
    if (id === prev) id = caseIds[(i * 7 + 4) % caseIds.length];
    await page.evaluate((to) => {
      window.__start = performance.now();
      history.pushState(null, "", to);
      dispatchEvent(new PopStateEvent("popstate"));
    }, `/cases/${id}?queue=general`);
    link.push(await waitNext(prev));
  }
  await ctx.close();

  const lines = [
    fmt("queue page, cold load", queuesCold, 1000),
    fmt("case page, cold load", caseCold, 1000),
    fmt("case to case, decide + 'n' (claim)", nextKey, 150),
    fmt("case to case, in-app link", link, 150),
    fmt("(queue page DOMContentLoaded)", dcl, 1000),
  ];
  for (const l of lines) console.log(l);
  if (lines.slice(0, 4).some((l) => l.includes("OVER"))) status = 1;
} catch (e) {
  console.error(e);
  status = 2;
} finally {
  await browser.close();
  await vigil.stop();
}
process.exit(status);
