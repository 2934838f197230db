/**
 * Composition and lifecycle: the Jenkins client and poller, the Gearman workers (through the
 * bridge), the event publisher and the admin API, started in order and released LIFO.
 * Takes a frozen Config; never touches `process` (only cli.ts does).
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";

import type { Logger } from "pino";

import { AdminServer, Metrics, type AdminHandlers } from "./admin/index.js";
import { Bridge, type DrainStatus } from "./bridge/index.js";
import type { Config, GearmanServerConfig } from "./config/index.js";
import { eventInput } from "./daemon-events.js";
import { EventPublisher } from "./events/index.js";
import { GearmanServer, GearmanWorker, type ServerAddress } from "./gearman/index.js";
import { JenkinsClient, JenkinsPoller, type BuildInfo } from "./jenkins/index.js";
import { Releasers, delay } from "./util/index.js";
import { packageVersion } from "./util/version.js";

export interface DaemonStatus {
  drain: DrainStatus & { safeToRestart: boolean; eventsPending: number; otherRunning: number };
}

export interface DaemonOptions {
  config: Config;
  logger: Logger;
  /** Override the embedded defaults, e.g. for tests: Gearman connection tuning. */
  gearmanConnection?: { backoff?: { initialMs?: number; maxMs?: number }; echoIntervalMs?: number; echoTimeoutMs?: number };
}

function tlsOptions(t: GearmanServerConfig["tls"]): ConnectionOptions | undefined {
  if (t === null) return undefined;
  const o: ConnectionOptions = { rejectUnauthorized: t.rejectUnauthorized };
  if (t.ca) o.ca = readFileSync(t.ca);
  if (t.cert) o.cert = readFileSync(t.cert);
  if (t.key) o.key = readFileSync(t.key);
  return o;
}

export class Daemon {
  readonly config: Config;
  readonly metrics = new Metrics();
  readonly jenkins: JenkinsClient;
  readonly poller: JenkinsPoller;
  readonly #log: Logger;
  readonly #releasers = new Releasers();
  readonly #o: DaemonOptions;
  #bridge: Bridge | null = null;
  #publisher: EventPublisher | null = null;
  #admin: AdminServer | null = null;
  #embedded: GearmanServer | null = null;
  #servers: ServerAddress[] = [];
  #nodeOfRun = new Map<string, string>();
  #packetsSeen = new Map<string, { can_do: number; cant_do: number; reset_abilities: number }>();
  #stopping: Promise<void> | null = null;

  constructor(o: DaemonOptions) {
    this.#o = o;
    this.config = o.config;
    this.#log = o.logger;
    const c = o.config;
    this.jenkins = new JenkinsClient({
      baseUrl: c.jenkins.url,
      ...(c.jenkins.user !== null
        ? { auth: { user: c.jenkins.user, ...(c.jenkins.token !== null ? { token: c.jenkins.token } : {}), ...(c.jenkins.password !== null ? { password: c.jenkins.password } : {}) } }
        : {}),
      timeoutMs: c.jenkins.timeoutMs,
      logger: o.logger.child({ component: "jenkins" }),
      onRequest: (r) => {
        this.metrics.jenkinsRequests.inc({ method: r.method, status: String(r.status) });
        this.metrics.jenkinsLatency.observe({ method: r.method }, r.ms / 1000);
      },
    });
    this.poller = new JenkinsPoller(this.jenkins, {
      intervalMs: c.pollIntervalMs,
      jobsEveryCycles: c.jobsRefreshCycles,
      logger: o.logger.child({ component: "poller" }),
    });
  }

  get bridge(): Bridge {
    if (!this.#bridge) throw new Error("the daemon is not started");
    return this.#bridge;
  }

  get publisher(): EventPublisher | null {
    return this.#publisher;
  }

  /** Addresses of the Gearman servers in use (the embedded one's real port included). */
  get gearmanServers(): readonly ServerAddress[] {
    return this.#servers;
  }

  get adminUrl(): string | null {
    return this.#admin?.url ?? null;
  }

  async start(): Promise<void> {
    const c = this.config;
    try {
      if (c.gearman.embedded) {
        this.#embedded = new GearmanServer({ host: c.gearman.embedded.host, port: c.gearman.embedded.port, logger: this.#log });
        const addr = await this.#embedded.start();
        this.#releasers.add(() => this.#embedded?.close());
        this.#servers = [{ host: addr.host, port: addr.port }];
      } else {
        this.#servers = c.gearman.servers.map((s) => {
          const tls = tlsOptions(s.tls);
          return tls ? { host: s.host, port: s.port, tls } : { host: s.host, port: s.port };
        });
      }

      if (c.zmq.enabled) {
        // One poll cycle emits its events at once (1 per started build, 2 per finished one). The
        // plugin's 1024-event queue, and ZeroMQ's default high-water mark of 1000 per subscriber,
        // would drop most of a cycle in which 1,000 builds finish: both bounds follow the replay ring.
        const pub = new EventPublisher({
          bind: c.zmq.bind,
          ringSize: c.zmq.ringSize,
          queueSize: Math.max(1024, c.zmq.ringSize),
          sendHighWaterMark: Math.max(1000, c.zmq.ringSize),
          logger: this.#log, // the publisher binds component "events" itself
          ...(c.zmq.curve ? { curve: readCurve(c.zmq.curve) } : {}),
        });
        await pub.start();
        pub.on("dropped", (n) => this.metrics.eventsDropped.inc(n));
        this.#publisher = pub;
        this.#releasers.add(() => pub.close());
      }

      const conn = this.#o.gearmanConnection ?? {};
      const bridge = new Bridge({
        masterName: c.masterName,
        jenkins: this.jenkins,
        poller: this.poller,
        stateFile: c.stateFile,
        buildStartTimeoutMs: c.buildStartTimeoutMs,
        logger: this.#log,
        createWorker: (clientId) => {
          const w = new GearmanWorker({ clientId, servers: this.#servers, capacity: 0, connection: conn, logger: this.#log.child({ worker: clientId }) });
          w.on("status", (s) => {
            this.metrics.gearmanConnected.set({ server: s.server }, s.status === "connected" ? 1 : 0);
            if (s.status === "reconnecting") this.metrics.reconnects.inc({ server: s.server });
          });
          w.on("error", (e) => this.#log.warn({ err: e, worker: clientId }, "gearman worker error"));
          return w;
        },
        onGrab: (fn) => this.metrics.countGrabbed(fn),
        onOutcome: (out) => {
          if (out.result !== null) this.metrics.jobsCompleted.inc({ result: out.result });
          else this.metrics.jobsFailed.inc({ reason: out.reason?.split(":")[0]?.slice(0, 40) ?? "unknown" });
        },
      });
      this.#bridge = bridge;
      await bridge.start();
      this.#releasers.add(() => bridge.close());
      this.#wirePoller(bridge);

      this.#admin = new AdminServer({
        host: c.admin.listen.host,
        port: c.admin.listen.port,
        token: c.admin.token,
        defaultQuietDown: c.drain.quietDown,
        handlers: this.#handlers(),
        metrics: this.metrics,
        logger: this.#log, // the admin server binds component "admin" itself and logs where it listens
      });
      await this.#admin.start();
      this.#releasers.add(() => this.#admin?.close());

      this.poller.start();
      this.#releasers.add(() => this.poller.stop());
      this.#log.info({ jenkins: c.jenkins.url, master: c.masterName, gearman: this.#servers.map((s) => `${s.host}:${s.port}`) }, "sidecar started");
    } catch (e) {
      await this.#releasers.releaseAll().catch(() => undefined);
      throw e;
    }
  }

  #wirePoller(bridge: Bridge): void {
    const p = this.poller;
    const input = (b: BuildInfo): ReturnType<typeof eventInput> =>
      eventInput(b, { rootUrl: this.config.jenkins.url, hostName: this.config.masterName, jobs: p.jobs, nodes: p.nodes, lastNode: this.#nodeOfRun.get(b.url) ?? null });
    p.on("jobs", () => bridge.onJobs());
    p.on("nodes", () => bridge.onNodes(p.nodes));
    // Events go out before the bridge reports to Zuul, so a drained master has published everything.
    p.on("buildStarted", (b) => {
      const ev = input(b);
      if (ev.nodeName !== null) this.#nodeOfRun.set(b.url, ev.nodeName);
      this.#publish("onStarted", ev);
      bridge.onBuildStarted(b);
    });
    p.on("buildFinished", (b) => {
      const ev = input(b);
      this.#nodeOfRun.delete(b.url);
      this.#publish("onCompleted", ev);
      this.#publish("onFinalized", ev);
      bridge.onBuildFinished(b);
    });
    p.on("cycle", (c) => {
      this.metrics.pollCycleSeconds.observe(c.ms / 1000);
      bridge.onCycle().catch((e: unknown) => this.#log.error({ err: e }, "bridge cycle failed"));
      this.#gauges(bridge);
    });
    p.on("health", (h) => bridge.onJenkinsHealth(h.healthy, h.error));
    p.on("error", (e) => this.#log.warn({ err: e }, "poll failed; trying again next cycle"));
  }

  #publish(topic: "onStarted" | "onCompleted" | "onFinalized", ev: ReturnType<typeof eventInput>): void {
    if (!this.#publisher) return;
    this.#publisher.publish(topic, ev);
    this.metrics.eventsPublished.inc({ topic });
  }

  #gauges(bridge: Bridge): void {
    // Registration packets: each worker counts its own; the counter takes the increase since last time.
    for (const g of bridge.registrar.groups()) {
      const st = g.worker.stats();
      const seen = this.#packetsSeen.get(g.clientId) ?? { can_do: 0, cant_do: 0, reset_abilities: 0 };
      const now = { can_do: st.canDoSent, cant_do: st.cantDoSent, reset_abilities: st.resetSent };
      for (const type of ["can_do", "cant_do", "reset_abilities"] as const) {
        if (now[type] > seen[type]) this.metrics.registrationPackets.inc({ type }, now[type] - seen[type]);
      }
      this.#packetsSeen.set(g.clientId, now);
    }
    this.metrics.inFlightBuilds.set(bridge.dispatcher.inFlight);
    this.metrics.draining.set(bridge.phase === "running" ? 0 : 1);
    for (const g of bridge.registrar.groups()) this.metrics.freeExecutors.set({ group: g.clientId }, bridge.registrar.slots.freeOf(g.nodes));
  }

  /** Drain state, with what "safe to restart" needs beyond the bridge: events out, and with quiet-down no build left on the master. */
  drainStatus(): DaemonStatus["drain"] {
    const d = this.bridge.drainStatus();
    const eventsPending = this.#publisher?.stats().queued ?? 0;
    let otherRunning = 0;
    for (const n of this.poller.nodes.values()) otherRunning += n.executors.filter((e) => !e.idle).length + n.oneOffExecutors.filter((e) => !e.idle).length;
    const safe = d.phase === "drained" && eventsPending === 0 && (!d.quietDown || otherRunning === 0);
    return { ...d, safeToRestart: safe, eventsPending, otherRunning };
  }

  async drain(o: { quietDown: boolean }): Promise<DaemonStatus["drain"]> {
    await this.bridge.drain(o);
    return this.drainStatus();
  }

  async resume(): Promise<DaemonStatus["drain"]> {
    await this.bridge.resume();
    return this.drainStatus();
  }

  ready(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.poller.lastSuccessAt === null) reasons.push("Jenkins has not answered yet");
    else if (!this.poller.healthy) reasons.push("Jenkins is not answering");
    if (this.#bridge) {
      const st = this.#bridge.status();
      const mg = st["management"] as { server: string; status: string }[];
      for (const s of mg) if (s.status !== "connected") reasons.push(`Gearman server ${s.server} is ${s.status}`);
      for (const g of this.#bridge.registrar.groups()) {
        if (g.worker.functions.size < g.functions.length) reasons.push(`worker ${g.clientId} is still registering`);
        for (const s of g.worker.serverStatus()) if (s.status !== "connected") reasons.push(`worker ${g.clientId} ${notConnected(s.status, s.server)}`);
      }
    }
    return { ready: reasons.length === 0, reasons: [...new Set(reasons)] };
  }

  status(): Record<string, unknown> {
    return {
      master: this.config.masterName,
      version: packageVersion(),
      jenkins: { url: this.config.jenkins.url, healthy: this.poller.healthy, lastSuccessAt: this.poller.lastSuccessAt, jobs: this.poller.jobs.size, nodes: this.poller.nodes.size },
      gearman: this.#servers.map((s) => `${s.host}:${s.port}${s.tls ? " (tls)" : ""}`),
      events: this.#publisher ? { endpoint: this.#publisher.endpoint, runId: this.#publisher.runId, ...this.#publisher.stats() } : null,
      ready: this.ready(),
      ...this.bridge.status(),
      drain: this.drainStatus(),
    };
  }

  #handlers(): AdminHandlers {
    return {
      health: () => ({ ok: this.#stopping === null }),
      ready: () => this.ready(),
      status: () => this.status(),
      drain: (o) => this.drain(o),
      resume: () => this.resume(),
      events: (since, limit) => this.#publisher?.since(since, limit) ?? { events: [], oldest: null, newest: null, gap: false },
    };
  }

  /**
   * Drains, then stops: the SIGTERM path. Waits up to `graceMs` for in-flight builds to be
   * reported; `signal` aborts the wait (a second signal).
   */
  async drainAndStop(graceMs: number, signal?: AbortSignal, onProgress?: (s: DaemonStatus["drain"]) => void): Promise<boolean> {
    let safe = false;
    if (this.#bridge) {
      await this.drain({ quietDown: false }).catch((e: unknown) => this.#log.warn({ err: e }, "drain failed"));
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline && !signal?.aborted) {
        await this.bridge.onCycle().catch(() => undefined);
        const s = this.drainStatus();
        onProgress?.(s);
        if (s.phase === "drained" && s.eventsPending === 0) {
          safe = true;
          break;
        }
        await delay(Math.min(500, this.config.pollIntervalMs), signal).catch(() => undefined);
      }
    }
    await this.stop();
    return safe;
  }

  /** Releases everything, LIFO; idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#publisher?.flush(2000).catch(() => undefined);
      await this.#releasers.releaseAll();
      this.#log.info("sidecar stopped");
    })();
    return this.#stopping;
  }
}

/** "is reconnecting to HOST:PORT", "is disconnected from HOST:PORT": a readiness reason in plain English. */
function notConnected(status: string, server: string): string {
  if (status === "disconnected") return `is disconnected from ${server}`;
  if (status === "closed") return `has closed its connection to ${server}`;
  return `is ${status} to ${server}`;
}

function readCurve(c: NonNullable<Config["zmq"]["curve"]>): { secretKey: string; publicKey: string; allowedClientKeys?: string[] } {
  const secretKey = readFileSync(c.secretKeyFile, "utf8").trim();
  const allowed = c.allowedClientKeysFile
    ? readFileSync(c.allowedClientKeysFile, "utf8").split(/\s+/).filter((k) => k.length > 0)
    : undefined;
  return allowed ? { secretKey, publicKey: c.publicKey, allowedClientKeys: allowed } : { secretKey, publicKey: c.publicKey };
}
