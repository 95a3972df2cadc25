// The console end to end, as its users work: an agent signs in, takes the next case, decides it
// with a keyboard shortcut, takes another and escalates it to legal; a legal specialist takes it
// from the escalations board and decides; the platform files the user's appeal; a senior
// overturns it in the appeals view. Every screen is screenshotted (--out) and checked with
// axe-core (no serious or critical violations) and for keyboard reachability of every control.
// Also: the server's errors are shown with their field, live updates change a queue's depth
// without reload, and the console's files are served with the right cache headers.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  apiCall, args, axeViolations, freshDir, launch, PASSWORD, signIn, signOut, startVigil, unreachableByKeyboard,
} from "./harness.mjs";

const opts = args();
const out = freshDir(opts.out || "test-output/console");
const started = Date.now();
let passed = 0;
let failed = 0;
const step = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

// Automation caught up before serving: otherwise the server analyses the demo backlog and its
// policies close cases while the checks run, and queue depths move under them (a live update
// check saw the general queue shrink by 6 while its new flag added 1).
const vigil = await startVigil(opts.vigil, { caughtUp: true });
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
const page = await context.newPage();
page.on("pageerror", (e) => {
  console.error("page error:", e.message);
  failed++;
});
const { base, token } = vigil;
const screens = [];

// Screenshot + accessibility checks of the screen on display.
async function screen(name, { keyboard = true } = {}) {
  await page.screenshot({ path: join(out, `${String(screens.length + 1).padStart(2, "0")}-${name}.png`), fullPage: true });
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe on ${name}`);
  if (keyboard) {
    const missed = await unreachableByKeyboard(page);
    assert.deepEqual(missed, [], `controls not reachable by keyboard on ${name}`);
  }
  screens.push(name);
  passed++;
  step(`screen ${name}: screenshot, axe, keyboard ok`);
}

async function check(name, fn) {
  await fn();
  passed++;
  step(`ok: ${name}`);
}

const caseIdOf = async () => Number(await page.locator("[data-case-ready]").getAttribute("data-case-ready"));
const status = () => page.locator("p.status[role=status]");
let liveCase = 0;

try {
  await check("assets: SPA fallback and cache headers", async () => {
    const index = await fetch(base + "/cases/12345");
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type"), /text\/html/);
    assert.equal(index.headers.get("cache-control"), "no-cache");
    const html = await index.text();
    const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)[1];
    const js = await fetch(base + asset);
    assert.equal(js.status, 200);
    assert.match(js.headers.get("cache-control"), /immutable/);
    assert.equal((await fetch(base + "/assets/no-such-file.js")).status, 404);
    const api404 = await fetch(base + "/v1/no-such-route");
    assert.equal(api404.status, 404);
    assert.match(api404.headers.get("content-type"), /problem\+json/);
  });

  // --- Agent: sign in, next case, decide with a shortcut, escalate another to legal.
  await page.goto(base + "/");
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await check("a wrong password shows the server's reason", async () => {
    await page.getByLabel("User name").fill("e2e.agent");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    assert.ok((await page.getByRole("alert").innerText()).length > 5);
  });
  await screen("sign-in");
  await signIn(page, base, "e2e.agent");
  await page.locator("table.queues").waitFor();
  await check("an agent sees only what agents may use", async () => {
    const nav = await page.getByRole("navigation", { name: "Main" }).innerText();
    assert.match(nav, /Queues/);
    assert.doesNotMatch(nav, /Admin/);
    assert.doesNotMatch(nav, /Escalations/);
    assert.equal(await page.getByRole("button", { name: /Next case from Legal/ }).count(), 0);
  });
  await check("each queue shows its SLA counts as of the last sweep", async () => {
    // The harness waited for the first sweep, and nothing has changed the open cases since: the
    // counts of the general queue add up to its depth.
    const row = page.getByRole("row", { name: /General/ });
    const sla = row.locator(".sla");
    const m = (await sla.innerText()).match(/^(\d+) breached · (\d+) near · (\d+) ok$/);
    assert.ok(m, await sla.innerText());
    const depth = Number(await page.getByTestId("depth-general").innerText());
    assert.equal(Number(m[1]) + Number(m[2]) + Number(m[3]), depth);
    assert.match(await sla.getAttribute("title"), /^As of /);
  });
  await screen("queues");

  await check("live updates: a new flag changes the queue depth without reload", async () => {
    const cell = page.getByTestId("depth-general");
    const before = Number(await cell.innerText());
    const r = await apiCall(base, token, "POST", "/v1/flags", {
      content: { id: "e2e-live-1", type: "text", text: "Cheap followers at https://bit.ly/e2e123 now", author: { id: "acct-e2e" } },
      reason: "spam", source: "user", reporter: { id: "e2e-reporter-1" },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="depth-general"]').textContent) > n, before, { timeout: 10000 });
    liveCase = r.body.case_id;
  });

  await check("live updates: a change before the stream opens shows once it does", async () => {
    // The stream reports changes from its hello on; the page loaded its depths earlier. Hold the
    // stream back, change a depth in between, then let it open: its hello must make the page
    // refetch.
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route("**/v1/stream", async (route) => { await held; await route.continue(); });
    await page.reload();
    const cell = page.getByTestId("depth-general");
    await cell.waitFor();
    const before = Number(await cell.innerText());
    const r = await apiCall(base, token, "POST", "/v1/flags", {
      content: { id: "e2e-live-early", type: "text", text: "Cheap followers, early bird offer", author: { id: "acct-e2e" } },
      reason: "spam", source: "user", reporter: { id: "e2e-reporter-early" },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    release();
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="depth-general"]').textContent) > n, before, { timeout: 10000 });
    await page.unroute("**/v1/stream");
  });

  await check("analysis spans are highlighted in the content text", async () => {
    await page.goto(`${base}/cases/${liveCase}`);
    await page.locator(".content-text mark", { hasText: "https://bit.ly/e2e123" }).waitFor();
    assert.match(await page.locator(".content-text mark").first().getAttribute("title"), /bit\.ly/);
    await page.getByRole("link", { name: "Queues" }).click();
    await page.locator("table.queues").waitFor();
  });

  await check("the policy guide asks the tree's question and fills the decide form", async () => {
    const r = await apiCall(base, token, "POST", "/v1/flags", {
      content: { id: "e2e-guide-1", type: "text", text: "Official support of MegaBank: send your PIN here", author: { id: "acct-e2e-imp" } },
      reason: "impersonation", source: "user", reporter: { id: "e2e-reporter-guide" },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await page.goto(`${base}/cases/${r.body.case_id}`);
    const guide = page.getByRole("region", { name: "Policy guide" });
    await guide.waitFor({ timeout: 10000 });
    await guide.getByText("Does the content pretend to be a real person or brand?", { exact: true }).waitFor();
    await screen("case-policy-guide");
    // The path the tree took so far, highlighted in the policy's flowchart.
    const href = await guide.getByRole("link", { name: /Show this path in the flowchart/ }).first().getAttribute("href");
    assert.match(href, /^\/policies\/e2e_impersonation\?version=\d+&path=/);
    await page.goto(`${base}${href}`);
    await page.getByRole("img", { name: /with a decision's path highlighted/ }).waitFor();
    await screen("policy-path-from-case");
    await page.goto(`${base}/cases/${r.body.case_id}`);
    await guide.waitFor({ timeout: 10000 });
    await guide.getByRole("button", { name: "yes", exact: true }).click();
    await page.waitForFunction(() => document.querySelector('input[name="clause"]')?.value === "I1");
    assert.equal(await page.locator('input[name="policy"]').inputValue(), "e2e_impersonation");
    assert.equal(await page.locator('select[name="action"]').inputValue(), "remove");
    await page.getByRole("button", { name: "Decide Ctrl+Enter" }).click();
    await status().filter({ hasText: "Decided" }).waitFor();
    await page.locator(".timeline li", { hasText: "decision.made" }).waitFor();
    await page.getByRole("link", { name: "Queues" }).click();
    await page.locator("table.queues").waitFor();
  });

  await page.keyboard.press("n");
  await page.locator("[data-case-ready]").waitFor();
  const decidedByAgent = await caseIdOf();
  await screen("case");
  await page.keyboard.press("?");
  await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
  await screen("case-shortcuts", { keyboard: false });
  await page.keyboard.press("Escape");

  await check("live updates: the open case's timeline shows a new flag without reload", async () => {
    const contentId = await page.locator(".content code").first().innerText();
    const before = await page.locator(".timeline li").count();
    const r = await apiCall(base, token, "POST", "/v1/flags", {
      content_id: contentId, reason: "spam", source: "user", reporter: { id: "e2e-reporter-live" },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.case_id, decidedByAgent);
    await page.waitForFunction((n) => document.querySelectorAll(".timeline li").length > n, before, { timeout: 10000 });
  });

  await check("decide with a keyboard shortcut (2 = remove, Ctrl+Enter)", async () => {
    await page.keyboard.press("2");
    await page.waitForFunction(() => document.querySelector('select[name="action"]')?.value === "remove");
    await page.getByRole("button", { name: "Preview notices" }).click();
    await page.locator(".notices").waitFor();
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("Control+Enter");
    await status().filter({ hasText: "Decided: Remove" }).waitFor();
    const c = await apiCall(base, token, "GET", `/v1/cases/${decidedByAgent}`);
    assert.equal(c.status, 403); // integration clients cannot read cases; check through the UI
    await page.getByText(/^decided: actioned$/).waitFor();
  });
  await screen("case-decided");

  await page.keyboard.press("n");
  await page.waitForFunction((id) => {
    const ready = document.querySelector("[data-case-ready]")?.getAttribute("data-case-ready");
    return ready && Number(ready) !== id; // the next case is on screen, not the loading state
  }, decidedByAgent);
  const escalated = await caseIdOf();
  await check("the server's error is shown with its field (hand-off field missing)", async () => {
    await page.keyboard.press("e");
    await page.getByLabel("Tier").selectOption("legal");
    await page.getByLabel("Hand-off note").fill("Possible defamation of a public figure");
    await page.getByRole("button", { name: "Escalate", exact: true }).click();
    const alert = page.locator(".error[role=alert]");
    await alert.waitFor();
    assert.match(await alert.innerText(), /fields\.jurisdiction/);
  });
  await screen("case-escalate-form");
  await check("escalate to legal with the tier's hand-off form", async () => {
    await page.getByLabel("jurisdiction (required)").fill("DE");
    await page.getByLabel("legal question (required)").fill("Defamation under StGB 186?");
    await page.getByRole("button", { name: "Escalate", exact: true }).click();
    await status().filter({ hasText: "Escalated to legal" }).waitFor();
    // The case left the agent's queues: the console says so, in the server's words.
    await page.getByRole("alert").filter({ hasText: "queue legal" }).waitFor();
  });
  await signOut(page);

  // --- Legal: take the escalated case from the board and decide it.
  await signIn(page, base, "e2e.legal");
  await page.getByRole("link", { name: "Escalations" }).click();
  await page.getByRole("heading", { name: /Tier legal/ }).waitFor();
  await screen("escalations");
  await check("legal takes the escalated case, comments and decides it", async () => {
    await page.getByRole("link", { name: `Case ${escalated}`, exact: true }).click();
    await page.locator(`[data-case-ready="${escalated}"]`).waitFor();
    // The hand-off reaches legal in the timeline.
    await page.locator(".timeline li", { hasText: "legal_question: Defamation under StGB 186?" }).waitFor();
    await page.keyboard.press("c");
    await page.keyboard.type("Checked the hand-off, @e2e.senior FYI");
    await page.getByRole("button", { name: "Add comment" }).click();
    await status().filter({ hasText: "Comment added." }).waitFor();
    await page.locator(".timeline li", { hasText: "case.comment" }).waitFor();
    await page.keyboard.press("2");
    await page.getByLabel("Clause").fill("3.1");
    await page.getByLabel("Explanation (sent to the user in the statement of reasons)").fill("Removed in Germany: unlawful defamation.");
    await page.getByLabel("Territorial scope").fill("DE");
    await page.getByRole("button", { name: "Decide Ctrl+Enter" }).click();
    await status().filter({ hasText: "Decided: Remove" }).waitFor();
  });
  await screen("case-decided-by-legal");
  await page.getByRole("link", { name: "Search" }).click();
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("table.cases").waitFor();
  await screen("search");
  await signOut(page);

  // --- The platform files the affected user's appeal (API); a senior overturns it.
  const appeal = await apiCall(base, token, "POST", `/v1/cases/${escalated}/appeals`, {
    appellant: { role: "affected_user", id: "acct-appellant" }, grounds: "It was satire, not a statement of fact.",
  });
  assert.equal(appeal.status, 201, JSON.stringify(appeal.body));
  await signIn(page, base, "e2e.senior");
  await page.getByRole("link", { name: "Appeals" }).click();
  await page.getByRole("link", { name: `Case ${escalated}`, exact: true }).waitFor();
  await screen("appeals");
  await page.getByRole("link", { name: `Case ${escalated}`, exact: true }).click();
  await page.getByRole("heading", { name: "Original decision" }).waitFor();
  await screen("appeal");
  await check("overturn the appeal in the appeals view", async () => {
    assert.match(await page.locator(".side-by-side").innerText(), /satire/);
    assert.match(await page.locator(".side-by-side").innerText(), /unlawful defamation/);
    await page.getByLabel("Overturn the decision (records a reversal)").check();
    await page.getByLabel("Explanation (sent to the appellant)").fill("Satire is protected; restored.");
    await page.getByRole("button", { name: "Decide the appeal" }).click();
    await status().filter({ hasText: "Appeal overturned" }).waitFor();
    await page.getByText("(overturned)").waitFor();
  });
  await screen("appeal-overturned");
  await check("search with filters and bulk decide as a senior", async () => {
    await page.getByRole("link", { name: "Search" }).click();
    await page.getByLabel("Assignee (user name or none)").fill("none");
    await page.getByLabel("Queue").fill("general");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.locator("table.cases").waitFor();
    const boxes = page.getByRole("checkbox", { name: /^Select case/ });
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.getByLabel("Explanation", { exact: true }).fill("Reviewed in bulk: not a violation.");
    await page.getByRole("button", { name: "Decide selected" }).click();
    const results = page.getByRole("list", { name: "Bulk results" });
    await results.waitFor();
    assert.equal(await results.getByText(/: decided$/).count(), 2, await results.innerText());
  });
  await screen("search-bulk-decided");
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByLabel("Blur images until I reveal them").waitFor();
  await screen("settings");
  await check("the wellness setting is kept with the account, not the browser", async () => {
    const gray = page.getByLabel("Show images in grayscale");
    await gray.waitFor();
    assert.equal(await gray.isChecked(), true);
    await gray.uncheck();
    await page.getByText("Saved for your account.").waitFor();
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.waitForFunction(() => {
      const el = [...document.querySelectorAll("label.check")].find((l) => l.textContent.includes("grayscale"));
      return el && !el.querySelector("input").checked;
    });
    await page.getByLabel("Show images in grayscale").check();
    await page.getByText("Saved for your account.").waitFor();
  });
  await signOut(page);

  // --- Read-only roles (demo users): QA reads and comments, engineering has no case screens.
  await check("qa: queues without next, a case without decide or escalate", async () => {
    await signIn(page, base, "qa.quinn", "vigil-demo-password");
    await page.locator("table.queues").waitFor();
    assert.equal(await page.getByRole("button", { name: /Next case/ }).count(), 0);
    const nav = await page.getByRole("navigation", { name: "Main" }).innerText();
    assert.doesNotMatch(nav, /Admin|Escalations/);
    await page.goto(`${base}/cases/${decidedByAgent}`);
    await page.locator(`[data-case-ready="${decidedByAgent}"]`).waitFor();
    assert.equal(await page.getByRole("form", { name: "Decide" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: /Escalate/ }).count(), 0);
    await page.getByRole("form", { name: "Comment" }).waitFor();
    await signOut(page);
  });
  await check("engineering: no review screens at all", async () => {
    await signIn(page, base, "eng.eli", "vigil-demo-password");
    const nav = await page.getByRole("navigation", { name: "Main" }).innerText();
    assert.deepEqual(nav.split(/\s+/).filter(Boolean), ["Policies", "Settings"]);
    await page.goto(`${base}/cases/${decidedByAgent}`);
    await page.getByRole("heading", { name: "Not here" }).waitFor();
    await signOut(page);
  });

  // --- Policies: the library, a flowchart beside its guidelines, versions edited by a senior.
  await check("agent: policies are read-only", async () => {
    await signIn(page, base, "e2e.agent", PASSWORD);
    await page.getByRole("link", { name: "Policies" }).click();
    await page.locator("table.policies tbody tr").first().waitFor();
    await page.locator("table.policies tbody a").first().click();
    await page.locator("[data-policy-ready]").waitFor();
    assert.equal(await page.getByRole("button", { name: "Save version" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: "Roll back" }).count(), 0);
    await signOut(page);
  });
  await signIn(page, base, "e2e.senior", PASSWORD);
  await page.getByRole("link", { name: "Policies" }).click();
  await page.locator('table.policies a[href="/policies/harassment"]').waitFor();
  await screen("policies");
  await check("senior: an invalid edit refused with its line, a new version activated, diffed, rolled back", async () => {
    await page.locator('table.policies a[href="/policies/harassment"]').click();
    await page.locator('[data-policy-ready="harassment@1"]').waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector(".flowchart img");
      return img && img.complete && img.naturalWidth > 0;
    });
    await screen("policy");
    const area = page.locator('textarea[name="policy_yaml"]');
    const text = await area.inputValue();
    await area.fill(text + "\nbogus_key: 1\n");
    await page.locator('input[name="policy_yaml_reason"]').fill("e2e: an invalid edit");
    await page.getByRole("button", { name: "Save version" }).click();
    await page.getByText(/harassment\.yaml:\d+:\d+/).waitFor();
    await page.getByRole("list", { name: "Validation issues" }).getByText("bogus_key").waitFor();
    await area.fill(text + "\n# e2e: a clarified version\n");
    await page.locator('input[name="policy_yaml_reason"]').fill("e2e: clarified");
    await page.getByRole("button", { name: "Save version" }).click();
    await page.getByText("Saved harassment version 2.").waitFor();
    await page.locator('input[name="change_reason"]').fill("e2e: try the clarified text");
    await page.getByRole("button", { name: "Activate version 2" }).click();
    await page.getByText("Version 2 is active.").waitFor();
    await page.locator('[data-policy-ready="harassment@2"]').waitFor();
    await page.locator("pre.diff .diff-add", { hasText: "# e2e: a clarified version" }).waitFor();
    await screen("policy-versions");
    await page.getByRole("button", { name: "Roll back" }).click();
    await page.getByText("Rolled back to the previously active version.").waitFor();
    await page.locator('[data-policy-ready="harassment@1"]').waitFor();
  });
  await check("a decision's path highlighted in the flowchart", async () => {
    await page.goto(`${base}/policies/harassment?path=tree[0],tree[0].then`);
    const img = page.getByRole("img", { name: /with a decision's path highlighted/ });
    await img.waitFor();
    assert.match(decodeURIComponent(await img.getAttribute("src")), /path=tree\[0\],tree\[0\]\.then/);
    await page.waitForFunction(() => {
      const i = document.querySelector(".flowchart img");
      return i && i.complete && i.naturalWidth > 0;
    });
    const svg = await (await fetch(base + "/v1/policies/harassment/render?format=svg&path=tree[0],tree[0].then", {
      headers: { Cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ") },
    })).text();
    assert.equal((svg.match(/class="node path"/g) || []).length, 2, svg.slice(0, 300));
    await screen("policy-path", { keyboard: false });
  });
  await signOut(page);

  // --- Admin.
  await signIn(page, base, "admin", PASSWORD);
  await page.getByRole("link", { name: "Admin" }).click();
  await page.getByRole("cell", { name: "e2e.senior", exact: true }).waitFor();
  // Every section loaded (the notice preview comes last) before the screen is checked.
  await page.getByRole("heading", { name: "Why we restricted post-123" }).waitFor();
  await screen("admin");
  await check("admin: reload queues.yaml", async () => {
    await page.getByRole("button", { name: "Reload queues.yaml" }).click();
    await page.getByText("queues.yaml reloaded.").waitFor();
  });
  await check("admin: notice templates with live preview, invalid text named, saved", async () => {
    const area = page.getByLabel("notices.yaml");
    const text = await area.inputValue();
    await area.fill(text.replace("Why we restricted {{content_id}}", "Decision about {{content_id}}"));
    await page.getByRole("heading", { name: "Decision about post-123" }).waitFor();
    await area.fill(text.replace("Why we restricted {{content_id}}", "Decision about {{content_idd}}"));
    await page.getByText("content_idd").first().waitFor();
    await area.fill(text.replace("Why we restricted {{content_id}}", "Decision about {{content_id}}"));
    await page.getByRole("button", { name: "Save templates" }).click();
    await page.getByText("Notice templates saved; new notices use them.").waitFor();
    await screen("admin-notices");
  });
  await check("admin: queues.yaml edited in the console, an invalid text refused", async () => {
    const area = page.locator('textarea[name="queues_yaml"]');
    const text = await area.inputValue();
    await area.fill(text + "\nbogus_key: 1\n");
    await page.getByRole("button", { name: "Save queues.yaml" }).click();
    await page.getByText("bogus_key").first().waitFor();
    await area.fill(text.replace("title: General", "title: General review"));
    await page.getByRole("button", { name: "Save queues.yaml" }).click();
    await page.getByText("queues.yaml saved and in force.").waitFor();
    await page.getByRole("cell", { name: "General review (general)" }).waitFor();
  });
  await check("admin: reason taxonomy edited, removing a code in use refused", async () => {
    const area = page.locator('textarea[name="taxonomy_yaml"]');
    const text = await area.inputValue();
    await area.fill(text.split("\n").filter((l) => !l.includes("code: spam,")).join("\n"));
    await page.getByRole("button", { name: "Save taxonomy.yaml" }).click();
    await page.getByText("'spam' is in use").first().waitFor();
    await area.fill(text.replace("title: Impersonation,", "title: Impersonation of a person or brand,"));
    await page.getByRole("button", { name: "Save taxonomy.yaml" }).click();
    await page.getByText("taxonomy.yaml saved and in force.").waitFor();
    await page.getByRole("cell", { name: "Impersonation of a person or brand" }).waitFor();
    await screen("admin-taxonomy");
  });
} catch (e) {
  failed++;
  console.error(e);
  await page.screenshot({ path: join(out, "failure.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
  await vigil.stop();
}
step(`screens: ${screens.join(", ")}; screenshots in ${out}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
