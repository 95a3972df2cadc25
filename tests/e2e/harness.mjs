// The console's end-to-end harness: a real `vigil serve` on a free loopback port over a temporary
// data directory with the demo data, and Debian's chromium driven by playwright-core. Shared by
// the e2e test (console.e2e.mjs) and the benchmark (bench/console/run.mjs).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(join(repo, "web", "package.json"));
export const { chromium } = require("playwright-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const PASSWORD = "e2e-password-123";

export function args() {
  const out = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) if (a[i].startsWith("--")) out[a[i].slice(2)] = a[i + 1]?.startsWith("--") ? true : a[++i];
  if (!out.vigil) throw new Error("usage: --vigil PATH/TO/vigil --out DIR");
  return out;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts vigil with the demo data and the e2e users; returns {base, token, stop}. `caughtUp`:
// automation has analysed the demo backlog before the server starts (otherwise the server does it
// in the background, as after an import).
export async function startVigil(vigil, { items = 400, caughtUp = false } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), "vigil-e2e-"));
  const data = join(tmp, "data");
  const run = (...a) => execFileSync(vigil, a, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  run("init", "--data", data, "--admin", "admin", "--password", PASSWORD);
  run("demo", "--data", data, "--items", String(items), "--seed", "7");
  const users = [
    ["e2e.agent", "agent", "trust-safety"],
    ["e2e.senior", "senior", "senior"],
    ["e2e.legal", "legal", "legal"],
  ];
  for (const [name, role, teams] of users)
    run("user", "add", "--data", data, "--name", name, "--role", role, "--password", PASSWORD, "--teams", teams);
  run("user", "add", "--data", data, "--name", "e2e.platform", "--role", "integration");
  // A policy whose tree asks a reviewer (never acts alone), for the policy guide.
  mkdirSync(join(data, "policies"), { recursive: true });
  writeFileSync(join(data, "policies", "e2e-impersonation.yaml"), [
    "id: e2e_impersonation",
    "title: Impersonation",
    "dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "guidelines: Accounts may not pretend to be someone else.",
    "clauses: { I1: Pretending to be a real person, I2: Parody or fan account }",
    "tree:",
    "  - if: flags.count >= 1",
    "    then: { question: pretends }",
    "  - else: { needs_human_review: true }",
    "questions:",
    "  pretends:",
    '    ask: "Does the content pretend to be a real person or brand?"',
    '    guidance: "Compare name, picture and claims with the real account; parody labelled as such is allowed."',
    "    yes: { action: remove, clause: I1 }",
    "    no: { action: no_violation, clause: I2 }",
    "",
  ].join("\n"));
  if (caughtUp) run("analysis", "catch-up", "--data", data);
  const token = run("token", "create", "--data", data, "--user", "e2e.platform").trim().split("\n")[0];
  const port = await freePort();
  const ready = join(tmp, "ready");
  const child = spawn(vigil, ["serve", "--data", data, "--listen", `127.0.0.1:${port}`, "--ready-file", ready], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const deadline = Date.now() + 20000;
  while (!existsSync(ready)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error("vigil serve did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  const base = `http://127.0.0.1:${port}`;
  if (caughtUp) {
    // And the first SLA sweep done: it records the backlog's breaches and escalates some cases,
    // which would move queue depths under the checks.
    const admin = run("token", "create", "--data", data, "--user", "admin").trim().split("\n")[0];
    for (;;) {
      const r = await apiCall(base, admin, "GET", "/v1/queues");
      if (r.status === 200 && r.body.queues.every((q) => q.sla.as_of !== null)) break;
      if (Date.now() > deadline) throw new Error("the first SLA sweep did not finish");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
    rmSync(tmp, { recursive: true, force: true });
  };
  return { base, token, stop };
}

export async function apiCall(base, token, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
}

export async function signIn(page, base, name, password = PASSWORD) {
  await page.goto(base + "/");
  await page.getByLabel("User name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

export async function signOut(page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
}

// axe-core on the page: returns the serious and critical violations.
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

// Tabs through the page and returns the visible, enabled controls that keyboard focus never reached.
export async function unreachableByKeyboard(page) {
  const count = await page.evaluate(() => {
    const controls = [...document.querySelectorAll("a[href], button, input, select, textarea")].filter(
      (el) => !el.disabled && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden",
    );
    controls.forEach((el, i) => el.setAttribute("data-e2e-control", String(i)));
    window.__reached = new Set();
    window.__onFocus = (e) => {
      const id = e.target?.getAttribute ? e.target.getAttribute("data-e2e-control") : null;
      if (id !== null) window.__reached.add(id);
    };
    document.addEventListener("focusin", window.__onFocus);
    controls[0]?.focus(); // Tab order starts at the first control
    return controls.length;
  });
  // Other tab stops (the parts of a date input, <summary>, scrollable regions) sit between the
  // controls, so tab until every control was reached or twice the count plus a margin.
  for (let i = 0; i < 2 * count + 20; i++) {
    await page.keyboard.press("Tab");
    if (i >= count && i % 10 === 0 && (await page.evaluate((n) => window.__reached.size >= n, count))) break;
  }
  return page.evaluate(() => {
    document.removeEventListener("focusin", window.__onFocus);
    // A radio group is one tab stop (arrow keys move within it).
    const reachedGroups = new Set(
      [...document.querySelectorAll("input[type=radio][data-e2e-control]")]
        .filter((el) => window.__reached.has(el.getAttribute("data-e2e-control")))
        .map((el) => el.name),
    );
    const missed = [...document.querySelectorAll("[data-e2e-control]")]
      .filter((el) => !window.__reached.has(el.getAttribute("data-e2e-control")))
      .filter((el) => !(el.type === "radio" && reachedGroups.has(el.name)))
      .map((el) => el.outerHTML.slice(0, 120));
    document.querySelectorAll("[data-e2e-control]").forEach((el) => el.removeAttribute("data-e2e-control"));
    return missed;
  });
}

// An empty directory for this run's screenshots (none left from an earlier run).
export function freshDir(d) {
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  return d;
}
