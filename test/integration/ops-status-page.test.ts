// Issue 16 "a status page": GET / of the admin API, loaded in a real browser (Debian's headless
// Chromium through playwright-core) from a running sidecar (real gearmand, the Jenkins simulator)
// with builds in flight. The test reads what the page shows (DOM text: node groups with their nodes,
// in-flight builds with their node, event sequence numbers, drain state), watches it refresh by
// itself, and checks that it requested nothing outside the admin origin.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import type { Page } from "playwright-core";

import { launchChromium, type Browser } from "../helpers/browser.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { startStack, submitLikeZuul, waitFor, zuulJob, type Outcome, type Stack } from "../helpers/stack.js";

interface Replay {
  events: { topic: string; event: { sequence: number; name: string } }[];
  newest: number | null;
}

describe("ops: the status page in headless Chromium", { timeout: 120_000 }, () => {
  let gd: Gearmand;
  let stack: Stack;
  let browser: Browser;
  let admin: string;
  const pending: Promise<Outcome>[] = [];

  before(async () => {
    gd = await startGearmand();
    stack = await startStack({
      servers: [{ host: gd.host, port: gd.port }],
      zmq: true,
      masters: [
        {
          name: "page-master",
          jobs: [zuulJob("quick", "trusty", { durationMs: 100 }), zuulJob("slow-trusty", "trusty", { durationMs: 600_000 }), zuulJob("slow-precise", "precise", { durationMs: 600_000 })],
          nodes: [
            { name: "trusty-1", labels: ["trusty"], executors: 2 },
            { name: "precise-1", labels: ["precise"], executors: 1 },
          ],
        },
      ],
    });
    const url = stack.masters[0]!.daemon.adminUrl;
    assert.ok(url !== null);
    admin = url;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    const m = stack?.masters[0];
    if (m) for (const b of m.sim.runningBuilds()) m.sim.finishBuild(b.job, b.number, "SUCCESS");
    await Promise.allSettled(pending);
    await stack?.close();
    await gd?.stop();
  });

  const text = (page: Page, sel: string): Promise<string> => page.locator(sel).innerText();

  it("answers HTML with a CSP that allows only itself, under the same rules as /status", async () => {
    const res = await fetch(admin);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html; charset=utf-8/);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
    const html = await res.text();
    assert.doesNotMatch(html, /\b(src|href)="(https?:)?\/\//, "no external asset");
    assert.equal((await fetch(admin, { method: "HEAD" })).status, 200);
    const post = await fetch(admin, { method: "POST" });
    assert.equal(post.status, 405, "read-only");
    assert.equal(post.headers.get("allow"), "GET, HEAD");
  });

  it("shows master, readiness, node groups, in-flight builds with node and elapsed time, and events with their sequence; refreshes itself; requests nothing elsewhere", async () => {
    const m = stack.masters[0]!;
    // One finished build (its events have sequence numbers), then two that keep running.
    assert.equal((await submitLikeZuul(stack.client, "build:quick")).complete?.["result"], "SUCCESS");
    pending.push(submitLikeZuul(stack.client, "build:slow-trusty"), submitLikeZuul(stack.client, "build:slow-precise"));
    await waitFor("two builds in flight", () => m.sim.runningBuilds().length === 2);
    await waitFor("the sidecar follows them", async () => ((await (await fetch(new URL("status", admin))).json()) as { inFlight: { number: number | null }[] }).inFlight.filter((b) => b.number !== null).length === 2);

    const origin = new URL(admin).origin;
    const requests: string[] = [];
    const problems: string[] = [];
    browser.context.on("request", (r) => requests.push(r.url()));
    const page = await browser.context.newPage();
    page.on("console", (msg) => {
      if (msg.type() === "error" && !/favicon/.test(msg.location().url)) problems.push(msg.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(admin);

    await waitFor("the page rendered the status", async () => (await text(page, "#master")) === "page-master", 15_000, 100);
    assert.equal(await text(page, "#ready"), "ready");
    assert.match(await text(page, "#version"), /^version \d+\.\d+\.\d+/);
    assert.match(await text(page, "#drain"), /^running; 2 in flight/);

    const groups = await text(page, "#groups");
    assert.match(groups, /trusty-1/, "a node group with its node");
    assert.match(groups, /precise-1/);
    assert.match(groups, /\d+ \/ \d+ registered/);

    const rows = await page.locator("#inflight tr").allInnerTexts();
    const slowTrusty = rows.find((r) => r.startsWith("slow-trusty"));
    assert.ok(slowTrusty, `an in-flight build: ${rows.join(" | ")}`);
    assert.match(slowTrusty, /#\d+\s+trusty-1\s+\w+\s+\d+s/, "with its build number, node, state and elapsed time");
    assert.ok(rows.some((r) => /^slow-precise\s+#\d+\s+precise-1/.test(r)), rows.join(" | "));

    // Events: the page lists the sequence numbers the replay endpoint has.
    const replay = (await (await fetch(new URL("events?since=0&limit=100", admin))).json()) as Replay;
    assert.ok(replay.events.length >= 5, "quick: 3 events; each slow build: onStarted");
    const seqCell = async (): Promise<string[]> => (await page.locator("#event-list tr td:first-child").allInnerTexts()).map((s) => s.trim());
    await waitFor("events listed", async () => (await seqCell()).includes(String(replay.newest)), 10_000, 100);
    const seqs = await seqCell();
    for (const e of replay.events) assert.ok(seqs.includes(String(e.event.sequence)), `sequence ${e.event.sequence} shown`);
    assert.match(await text(page, "#event-list"), /onFinalized\s+quick\s+#1\s+trusty-1\s+SUCCESS/);

    // It refreshes by itself: a build ends, and the page (not reloaded) shows its events and one build fewer.
    const b = m.sim.runningBuilds().find((x) => x.job === "slow-precise");
    assert.ok(b);
    m.sim.finishBuild(b.job, b.number, "FAILURE");
    await waitFor("the page shows the end", async () => /onFinalized\s+slow-precise\s+#\d+\s+precise-1\s+FAILURE/.test(await text(page, "#event-list")), 15_000, 200);
    await waitFor("one build left in flight", async () => /^running; 1 in flight/.test(await text(page, "#drain")), 10_000, 200);

    // Drain state, as an operator starts it elsewhere (the page itself only reads).
    await fetch(new URL("drain", admin), { method: "POST", body: "{}" });
    await waitFor("draining shown", async () => /^draining, not yet safe to restart.*; 1 in flight; oldest slow-trusty #\d+ on trusty-1 for \d+s/.test(await text(page, "#drain")), 10_000, 200);
    await fetch(new URL("resume", admin), { method: "POST", body: "{}" });
    await waitFor("running again", async () => /^running/.test(await text(page, "#drain")), 10_000, 200);

    await page.close();
    assert.ok(requests.length >= 3, `the page fetched status and events: ${requests.join(", ")}`);
    assert.deepEqual(requests.filter((u) => new URL(u).origin !== origin), [], "no request off the admin origin");
    assert.ok(requests.some((u) => new URL(u).pathname === "/status") && requests.some((u) => new URL(u).pathname === "/events"));
    assert.deepEqual(problems, [], "no script error, no CSP violation");
  });
});
