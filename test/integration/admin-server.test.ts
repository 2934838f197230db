// Issue 6: the admin API over real HTTP on 127.0.0.1, port 0.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";

import { AdminConfigError, AdminListenError, AdminServer, Metrics, type AdminHandlers } from "../../src/admin/index.js";
import type { DrainStatus, SidecarStatus } from "../../src/bridge/index.js";
import { METRIC_NAMES } from "../unit/admin/metric-names.js";

const TOKEN = "admin-t0ken";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

function call(base: string, method: string, path: string, o: { body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers: { connection: "close", ...o.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown = null;
        if (text !== "" && String(res.headers["content-type"]).startsWith("application/json")) json = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(o.body);
  });
}

const DRAIN: DrainStatus = { phase: "running", quietDown: false, since: null, inFlight: 0, notStarted: 0, oldestRunning: null, safeToRestart: false, eventsPending: 0, otherRunning: 0 };

/** A status whose fields the tests read; the rest empty. */
function fakeStatus(draining: boolean): SidecarStatus {
  return {
    master: "jenkins.example", version: "0.0.0", jenkins: { url: "http://j/", healthy: true, lastSuccessAt: null, jobs: 0, nodes: 0 }, gearman: ["127.0.0.1:4730"], events: null,
    ready: { ready: true, reasons: [] }, drain: { ...DRAIN, phase: draining ? "draining" : "running" }, jenkinsHealthy: true, paused: [], groups: [],
    management: [{ server: "127.0.0.1:4730", status: "connected", functions: 2, running: 0 }], inFlight: [], orphaned: [], heldWhilePaused: [], unpinnable: [], badLabelExpressions: [],
    nameClashes: [], masterNameConflicts: [], eventsNotRepublished: 0, recentErrors: [],
  };
}

/** Handlers that record what they were asked and answer with changeable state. */
function fakeHandlers() {
  const state = { healthy: true, ready: false, draining: false, quietDown: null as boolean | null, failDrain: false };
  const handlers: AdminHandlers = {
    health: () => (state.healthy ? { ok: true } : { ok: false, detail: "poller stopped" }),
    ready: () => ({ ready: state.ready, reasons: state.ready ? [] : ["gearman 127.0.0.1:4730 not registered"] }),
    status: () => fakeStatus(state.draining),
    drain: async ({ quietDown }) => {
      if (state.failDrain) throw new Error("quiet-down refused by Jenkins");
      state.draining = true;
      state.quietDown = quietDown;
      return { ...DRAIN, phase: "draining", quietDown };
    },
    resume: async () => {
      state.draining = false;
      return DRAIN;
    },
    events: (since, limit) => ({ since, limit, events: [{ seq: since + 1, topic: "onStarted" }] }),
  };
  return { state, handlers };
}

void describe("AdminServer without a token (loopback)", { timeout: 10_000 }, () => {
  const { state, handlers } = fakeHandlers();
  const metrics = new Metrics();
  const server = new AdminServer({ host: "127.0.0.1", port: 0, token: null, handlers, metrics });
  let base = "";
  before(async () => {
    const addr = await server.start();
    assert.equal(addr.host, "127.0.0.1");
    assert.ok(addr.port > 0);
    base = server.url;
    assert.equal(base, `http://127.0.0.1:${addr.port}/`);
  });
  after(() => server.close());

  void it("GET /healthz: 200 when healthy, 503 when not", async () => {
    const ok = await call(base, "GET", "/healthz");
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { ok: true });
    state.healthy = false;
    const bad = await call(base, "GET", "/healthz");
    assert.equal(bad.status, 503);
    assert.deepEqual(bad.json, { ok: false, detail: "poller stopped" });
    state.healthy = true;
  });

  void it("GET /readyz: 503 with reasons, then 200", async () => {
    const no = await call(base, "GET", "/readyz");
    assert.equal(no.status, 503);
    assert.deepEqual(no.json, { ready: false, reasons: ["gearman 127.0.0.1:4730 not registered"] });
    state.ready = true;
    const yes = await call(base, "GET", "/readyz");
    assert.equal(yes.status, 200);
    assert.deepEqual(yes.json, { ready: true, reasons: [] });
  });

  void it("GET /status: the handler's JSON", async () => {
    const r = await call(base, "GET", "/status");
    assert.equal(r.status, 200);
    assert.match(String(r.headers["content-type"]), /^application\/json/);
    assert.equal(r.headers["cache-control"], "no-store");
    assert.deepEqual(r.json, JSON.parse(JSON.stringify(fakeStatus(false))));
  });

  void it("GET /metrics: Prometheus text with every metric name", async () => {
    metrics.countGrabbed("build:job-a:label");
    const r = await call(base, "GET", "/metrics");
    assert.equal(r.status, 200);
    assert.match(String(r.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    for (const name of METRIC_NAMES) assert.ok(r.text.includes(`# TYPE ${name} `), name);
    assert.match(r.text, /^jgs_jobs_grabbed_total\{function="build:job-a"\} 1$/m);
  });

  void it("GET /events?since=N&limit=M, with defaults and bad values", async () => {
    assert.deepEqual((await call(base, "GET", "/events?since=41&limit=5")).json, { since: 41, limit: 5, events: [{ seq: 42, topic: "onStarted" }] });
    assert.deepEqual(((await call(base, "GET", "/events")).json as { since: number; limit: number }).since, 0);
    assert.equal((await call(base, "GET", "/events?limit=999999")).json !== null, true);
    assert.equal(((await call(base, "GET", "/events?limit=999999")).json as { limit: number }).limit, 10_000);
    assert.equal((await call(base, "GET", "/events?since=-1")).status, 400);
  });

  void it("POST /drain with quietDown, then POST /resume, without a token", async () => {
    const d = await call(base, "POST", "/drain", { body: JSON.stringify({ quietDown: true }), headers: { "content-type": "application/json" } });
    assert.equal(d.status, 200);
    assert.deepEqual(d.json, { ...DRAIN, phase: "draining", quietDown: true });
    assert.equal(state.quietDown, true);
    const d2 = await call(base, "POST", "/drain");
    assert.deepEqual(d2.json, { ...DRAIN, phase: "draining", quietDown: false }, "an empty body means quietDown false");
    const r = await call(base, "POST", "/resume");
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, DRAIN);
    assert.equal(state.draining, false);
  });

  void it("POST /drain rejects a bad body, and a failing handler is a 500 with its message", async () => {
    assert.equal((await call(base, "POST", "/drain", { body: "{not json" })).status, 400);
    assert.equal((await call(base, "POST", "/drain", { body: '{"quietDown":"yes"}' })).status, 400);
    assert.equal((await call(base, "POST", "/drain", { body: "[1]" })).status, 400);
    assert.equal((await call(base, "POST", "/drain", { body: "x".repeat(70_000) })).status, 413);
    state.failDrain = true;
    const r = await call(base, "POST", "/drain");
    state.failDrain = false;
    assert.equal(r.status, 500);
    assert.deepEqual(r.json, { error: "quiet-down refused by Jenkins" });
  });

  void it("405 for a wrong method (with Allow), 404 for an unknown path", async () => {
    const get = await call(base, "GET", "/drain");
    assert.equal(get.status, 405);
    assert.equal(get.headers["allow"], "POST");
    const post = await call(base, "POST", "/status");
    assert.equal(post.status, 405);
    assert.equal(post.headers["allow"], "GET, HEAD");
    assert.equal((await call(base, "DELETE", "/resume")).status, 405);
    const missing = await call(base, "GET", "/nope");
    assert.equal(missing.status, 404);
    assert.match((missing.json as { error: string }).error, /\/healthz/);
    assert.equal((await call(base, "HEAD", "/healthz")).status, 200);
  });

  void it("refuses POST from a web browser (Origin header)", async () => {
    const r = await call(base, "POST", "/drain", { headers: { origin: "https://evil.example" } });
    assert.equal(r.status, 403);
    assert.equal(state.draining, false);
  });
});

void describe("AdminServer with a token", { timeout: 10_000 }, () => {
  const { state, handlers } = fakeHandlers();
  const server = new AdminServer({ host: "127.0.0.1", port: 0, token: TOKEN, handlers, metrics: new Metrics({ defaultMetrics: false }) });
  let base = "";
  before(async () => {
    await server.start();
    base = server.url;
  });
  after(() => server.close());

  void it("401 for POST without or with a wrong bearer token; the handler is not called", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }]) {
      for (const path of ["/drain", "/resume"]) {
        const r = await call(base, "POST", path, { headers });
        assert.equal(r.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.match(String(r.headers["www-authenticate"]), /^Bearer/);
        assert.ok(!r.text.includes(TOKEN));
      }
    }
    assert.equal(state.draining, false);
  });

  void it("200 for POST with the right token", async () => {
    const d = await call(base, "POST", "/drain", { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(d.status, 200);
    assert.equal(state.draining, true);
    const r = await call(base, "POST", "/resume", { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200);
    assert.equal(state.draining, false);
  });

  void it("GET endpoints stay open", async () => {
    assert.equal((await call(base, "GET", "/status")).status, 200);
    assert.equal((await call(base, "GET", "/healthz")).status, 200);
  });
});

void describe("AdminServer lifecycle", { timeout: 10_000 }, () => {
  const { handlers } = fakeHandlers();

  void it("refuses to start beyond loopback without a token", () => {
    for (const host of ["0.0.0.0", "::", "10.1.2.3"]) {
      assert.throws(() => new AdminServer({ host, port: 0, token: null, handlers, metrics: new Metrics({ defaultMetrics: false }) }), AdminConfigError);
    }
    assert.throws(() => new AdminServer({ host: "127.0.0.1", port: 0, token: " ", handlers, metrics: new Metrics({ defaultMetrics: false }) }), AdminConfigError);
    assert.throws(() => new AdminServer({ host: "127.0.0.1", port: 70000, token: null, handlers, metrics: new Metrics({ defaultMetrics: false }) }), AdminConfigError);
  });

  void it("a port in use is an AdminListenError naming the address", async () => {
    const a = new AdminServer({ host: "127.0.0.1", port: 0, token: null, handlers, metrics: new Metrics({ defaultMetrics: false }) });
    const { port } = await a.start();
    try {
      const b = new AdminServer({ host: "127.0.0.1", port, token: null, handlers, metrics: new Metrics({ defaultMetrics: false }) });
      await assert.rejects(b.start(), (e: unknown) => e instanceof AdminListenError && e.message.includes(`127.0.0.1:${port}`) && /in use/.test(e.message));
      await b.close();
    } finally {
      await a.close();
    }
  });

  void it("close() ends keep-alive connections and leaves no handles", async () => {
    const tcp = (): string[] => process.getActiveResourcesInfo().filter((r) => r.startsWith("TCP"));
    const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));
    // Connections of the earlier tests leave the list a few turns of the loop after they close.
    for (let i = 0; i < 50 && tcp().length > 0; i++) await tick();
    const before = tcp().length;
    const s = new AdminServer({ host: "127.0.0.1", port: 0, token: null, handlers, metrics: new Metrics() });
    try {
      await s.start();
      // A keep-alive request leaves an idle connection open.
      const r = await call(s.url, "GET", "/healthz", { headers: { connection: "keep-alive" } });
      assert.equal(r.status, 200);
      assert.ok(tcp().length > before, "the server and its connection are open");
    } finally {
      await s.close();
    }
    await s.close(); // idempotent
    // Handles leave the list on the next turns of the loop.
    for (let i = 0; i < 50 && tcp().length > before; i++) await tick();
    assert.equal(tcp().length, before, `left: ${tcp().join(", ")}`);
    await assert.rejects(call(s.url, "GET", "/healthz"), /ECONNREFUSED/);
  });
});
