/**
 * The status page of the admin API (`GET /`): one static, read-only HTML document with its style and
 * script inline and nothing else to load. The script reads the same `status` and `events` endpoints an
 * operator's tools read, from the same origin, and redraws every few seconds.
 *
 * Why a script and not a meta refresh: a meta refresh reloads the whole page (scroll position lost,
 * a blank flash, the event list fetched from the start each time), and the HTML would have to be
 * rendered on the server from the daemon's status, which this layer treats as opaque JSON. A static
 * page needs no access rules of its own either: it shows what `GET /status` and `GET /events` show,
 * to whoever may read them. The Content-Security-Policy allows exactly this inline style and script
 * (by hash) and requests to the page's own origin, so the page cannot load or send anything elsewhere.
 *
 * Everything from Jenkins (job and node names, reasons) is put in the page as text (`textContent`),
 * never as markup.
 */
import { createHash } from "node:crypto";

/** How often the page refreshes itself, in ms. */
export const STATUS_PAGE_REFRESH_MS = 2000;
/** Recent events the page lists. */
export const STATUS_PAGE_EVENTS = 25;

const STYLE = `
:root { color-scheme: light dark; font: 14px/1.4 system-ui, sans-serif; }
body { margin: 1rem 2rem; }
h1 { font-size: 1.3rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
table { border-collapse: collapse; } th, td { text-align: left; padding: .15rem .8rem .15rem 0; vertical-align: top; }
th { font-weight: 600; border-bottom: 1px solid #8888; } .kv th { border: 0; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; } .bad { color: #cf222e; } .warn { color: #9a6700; } .dim { opacity: .65; }
ul { margin: .2rem 0; padding-left: 1.2rem; } footer { margin-top: 1.5rem; font-size: .85rem; }
`;

// Plain ES2017 for any current browser; no build step. Relative URLs keep it working behind a path prefix.
const SCRIPT = `
"use strict";
const REFRESH_MS = ${STATUS_PAGE_REFRESH_MS}, KEEP = ${STATUS_PAGE_EVENTS};
const $ = (id) => document.getElementById(id);
let lastSeq = null, runId = null, events = [], busy = false;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function row(cells, numeric) {
  const tr = el("tr");
  cells.forEach((c, i) => {
    const td = c instanceof Node ? el("td") : el("td", c);
    if (c instanceof Node) td.append(c);
    if (numeric && numeric.includes(i)) td.className = "n";
    tr.append(td);
  });
  return tr;
}
function table(id, head, rows, numeric, empty) {
  const t = $(id);
  t.replaceChildren();
  const h = el("tr");
  head.forEach((x) => h.append(el("th", x)));
  t.append(h);
  if (rows.length === 0) { const tr = el("tr"); const td = el("td", empty, "dim"); td.colSpan = head.length; tr.append(td); t.append(tr); }
  rows.forEach((r) => t.append(row(r, numeric)));
}
function list(id, items, empty) {
  const u = $(id);
  u.replaceChildren();
  if (items.length === 0) u.append(el("li", empty, "dim"));
  items.forEach((x) => u.append(x instanceof Node ? x : el("li", x)));
}
function age(ms) {
  if (typeof ms !== "number" || !isFinite(ms)) return "";
  const s = Math.max(0, Math.floor(ms / 1000)), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? h + "h " + String(m).padStart(2, "0") + "m" : m > 0 ? m + "m " + String(r).padStart(2, "0") + "s" : r + "s";
}
const arr = (x) => (Array.isArray(x) ? x : []);
const clock = (t) => (typeof t === "number" ? new Date(t).toLocaleTimeString() : "");

function renderStatus(s) {
  $("master").textContent = s.master || "";
  $("version").textContent = s.version ? "version " + s.version : "";
  document.title = (s.master || "sidecar") + " - jenkins-gearman-sidecar";
  const ready = s.ready || { ready: false, reasons: [] };
  const rd = $("ready");
  rd.textContent = ready.ready ? "ready" : "not ready";
  rd.className = ready.ready ? "ok" : "bad";
  list("reasons", arr(ready.reasons), "no reason: Jenkins answers and every Gearman connection is up");
  const j = s.jenkins || {};
  $("jenkins").textContent = (j.url || "") + (j.healthy === false ? " (not answering)" : "");
  $("jenkins").className = j.healthy === false ? "bad" : "";
  $("gearman").textContent = arr(s.gearman).join(", ");
  const ev = s.events;
  $("events-summary").textContent = ev ? ev.endpoint + ": " + ev.published + " published, " + ev.sent + " sent, " + ev.dropped + " dropped, " + ev.queued + " queued" : "not publishing (ZeroMQ off)";
  $("events-summary").className = ev && ev.dropped > 0 ? "warn" : "";

  const d = s.drain || {};
  const phase = d.phase || "unknown";
  let text = phase;
  if (phase !== "running") {
    text += d.safeToRestart ? ", safe to restart" : ", not yet safe to restart";
    if (d.quietDown) text += ", Jenkins in quiet-down";
    if (typeof d.since === "number") text += ", since " + clock(d.since);
  }
  text += "; " + (d.inFlight || 0) + " in flight" + (d.notStarted ? ", " + d.notStarted + " not started" : "");
  if (d.oldestRunning) text += "; oldest " + d.oldestRunning.job + " #" + (d.oldestRunning.number ?? "?") + " on " + d.oldestRunning.node + " for " + age(d.oldestRunning.ageMs);
  $("drain").textContent = text;
  $("drain").className = phase === "running" ? "" : d.safeToRestart ? "ok" : "warn";

  table("groups", ["worker", "nodes", "free", "busy", "grabs out", "functions", "servers"],
    arr(s.groups).map((g) => [
      g.worker + (g.retired ? " (retired)" : ""),
      arr(g.nodes).join(", "),
      g.freeExecutors, g.running, g.outstandingGrabs,
      g.registered + " / " + g.functions + " registered",
      arr(g.servers).map((x) => x.server + " " + x.status).join(", "),
    ]), [2, 3, 4], "no node group: no free capacity, or no job matches a node");

  table("inflight", ["job", "build", "node", "state", "elapsed", "function", "why"],
    arr(s.inFlight).map((b) => {
      const num = b.number === null || b.number === undefined ? (b.queueId ? "queued #" + b.queueId : "") : "#" + b.number;
      let build = num;
      if (b.url) { build = el("a", num); build.href = b.url; }
      return [b.job, build, b.node || "", b.state, age(b.ageMs), b.fn, b.why || ""];
    }), [4], "no build in flight");

  list("errors", arr(s.recentErrors).slice(-10).reverse().map((e) =>
    typeof e === "string" ? e : clock(e.at) + "  " + (e.message || "")), "none");
}

function renderEvents() {
  table("event-list", ["seq", "topic", "job", "build", "node", "result"],
    events.slice().reverse().map((x) => {
      const e = x.event || {}, b = e.build || {};
      return [e.sequence, x.topic, e.name, "#" + b.number, b.node_name === "" ? "(built-in)" : b.node_name || "", b.status || ""];
    }), [0], "no event yet");
}

async function getJson(path) {
  const r = await fetch(path, { cache: "no-store", headers: { accept: "application/json" } });
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}

async function refreshEvents() {
  if (lastSeq === null) {
    const probe = await getJson("events?since=0&limit=1");
    lastSeq = Math.max(0, (probe.newest || 0) - KEEP);
  }
  const r = await getJson("events?since=" + lastSeq + "&limit=1000");
  if (runId !== null && r.runId !== runId) { events = []; lastSeq = null; runId = r.runId; return refreshEvents(); }
  runId = r.runId;
  for (const x of arr(r.events)) { events.push(x); lastSeq = Math.max(lastSeq, x.event.sequence); }
  events = events.slice(-KEEP);
  $("events-gap").textContent = r.gap ? "some events are no longer in the replay ring" : "";
  renderEvents();
}

async function refresh() {
  if (busy) return;
  busy = true;
  try {
    renderStatus(await getJson("status"));
    await refreshEvents();
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    $("updated").className = "";
  } catch (e) {
    $("updated").textContent = "cannot reach the sidecar: " + e.message + " (retrying)";
    $("updated").className = "bad";
  } finally {
    busy = false;
  }
}

refresh();
setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
`;

const BODY = `<header>
<h1>jenkins-gearman-sidecar: <span id="master"></span></h1>
<div class="dim"><span id="version"></span> &middot; <span id="updated">loading</span></div>
</header>
<noscript><p>This page needs JavaScript; the same data is in <a href="status">status</a> (JSON).</p></noscript>
<h2>Readiness: <span id="ready"></span></h2>
<ul id="reasons"></ul>
<table class="kv"><tr><th>Jenkins</th><td id="jenkins"></td></tr><tr><th>Gearman</th><td id="gearman"></td></tr><tr><th>Events</th><td id="events-summary"></td></tr></table>
<h2>Drain</h2>
<p id="drain"></p>
<h2>Node groups</h2>
<table id="groups"></table>
<h2>In-flight builds</h2>
<table id="inflight"></table>
<h2>Recent events</h2>
<p id="events-gap" class="warn"></p>
<table id="event-list"></table>
<h2>Recent errors</h2>
<ul id="errors"></ul>
<footer class="dim">Read-only; refreshes every ${STATUS_PAGE_REFRESH_MS / 1000} s. JSON: <a href="status">status</a>, <a href="events">events</a>, <a href="metrics">metrics</a>, <a href="readyz">readyz</a>.</footer>`;

const hash = (s: string): string => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;

/** The page and the headers to send with it; the same for every request. */
export interface StatusPage {
  body: string;
  headers: Record<string, string>;
}

let page: StatusPage | undefined;

/** The status page (built once). */
export function statusPage(): StatusPage {
  page ??= ((): StatusPage => {
    const body = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\n<title>jenkins-gearman-sidecar</title>\n<style>${STYLE}</style></head>\n<body>\n${BODY}\n<script>${SCRIPT}</script>\n</body></html>\n`;
    const csp = [
      "default-src 'none'",
      `script-src ${hash(SCRIPT)}`,
      `style-src ${hash(STYLE)}`,
      "connect-src 'self'",
      "img-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; ");
    return {
      body,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-length": String(Buffer.byteLength(body)),
        "cache-control": "no-store",
        "content-security-policy": csp,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      },
    };
  })();
  return page;
}
