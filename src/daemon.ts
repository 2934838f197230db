/**
 * Composition and lifecycle (docs/architecture.md "Layers"): the adapters (Jenkins client and
 * poller, Gearman workers, event publisher), the bridge that composes them, the admin API and
 * the metrics wiring, started in order and released LIFO. Takes a frozen Config; never touches
 * `process` (only cli.ts does).
 */
import { join, parse } from "node:path";

import type { Logger } from "pino";

import { AdminServer, CycleGauges, Metrics, watchBridge, watchPublisher, type AdminHandlers } from "./admin/index.js";
import { Bridge, resolveMasterName, type DrainStatus, type ReadyStatus, type SidecarStatus } from "./bridge/index.js";
import { curveKeys, type Config } from "./config/index.js";
import { configuredServers, gearmanAdminPort, workerFactory } from "./daemon-gearman.js";
import { EventPublisher } from "./events/index.js";
import { formatAddress, GearmanServer, type ServerAddress } from "./gearman/index.js";
import { BuildLedger, JenkinsClient, JenkinsPoller } from "./jenkins/index.js";
import { JournalFile, Releasers, delay } from "./util/index.js";
import { packageVersion } from "./util/version.js";

export interface DaemonOptions {
  config: Config;
  logger: Logger;
  /** Override the embedded defaults, e.g. for tests: Gearman connection tuning. */
  gearmanConnection?: { backoff?: { initialMs?: number; maxMs?: number }; echoIntervalMs?: number; echoTimeoutMs?: number };
  /** How long start() waits for Jenkins to report its root URL when no master name is configured. @default 60000 */
  masterNameWaitMs?: number;
}

/** The journal of reported builds lives beside the state file: state.json -> state.builds.jsonl. */
export function ledgerPath(stateFile: string): string {
  const p = parse(stateFile);
  return join(p.dir, `${p.name}.builds.jsonl`);
}

export class Daemon {
  readonly config: Config;
  readonly metrics = new Metrics();
  readonly jenkins: JenkinsClient;
  readonly #log: Logger;
  readonly #releasers = new Releasers();
  readonly #o: DaemonOptions;
  readonly #abort = new AbortController();
  #poller: JenkinsPoller | null = null;
  #bridge: Bridge | null = null;
  #publisher: EventPublisher | null = null;
  #admin: AdminServer | null = null;
  #servers: ServerAddress[] = [];
  #master = "";
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
      overdueMs: c.jenkins.overdueMs,
      logger: o.logger.child({ component: "jenkins" }),
      onRequest: (r) => {
        this.metrics.jenkinsRequests.inc({ method: r.method, status: String(r.status) });
        this.metrics.jenkinsLatency.observe({ method: r.method }, r.ms / 1000);
      },
    });
  }

  get bridge(): Bridge {
    if (!this.#bridge) throw new Error("the daemon is not started");
    return this.#bridge;
  }

  get poller(): JenkinsPoller {
    if (!this.#poller) throw new Error("the daemon is not started");
    return this.#poller;
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

  get masterName(): string {
    return this.#master;
  }

  async start(): Promise<void> {
    const c = this.config;
    try {
      this.#releasers.add(() => this.jenkins.close());
      await this.#startGearman();
      this.#master = c.masterName ?? (await this.#learnMasterName());
      if (c.zmq.enabled) await this.#startPublisher();
      const ledger = await BuildLedger.open(new JournalFile(ledgerPath(c.stateFile)));
      const poller = new JenkinsPoller(this.jenkins, {
        intervalMs: c.pollIntervalMs,
        jobsRefreshMs: c.jobsRefreshMs,
        jobDetailsRefreshMs: c.jobDetailsRefreshMs,
        nodesRefreshMs: c.nodesRefreshMs,
        ledger,
        logger: this.#log.child({ component: "poller" }),
      });
      this.#poller = poller;
      const bridge = this.#makeBridge(poller);
      this.#bridge = bridge;
      await bridge.start();
      this.#releasers.add(() => bridge.close());
      const gauges = new CycleGauges(this.metrics);
      poller.on("cycle", (cy) => gauges.update(bridge, cy.ms));
      await this.#startAdmin();
      poller.start();
      this.#releasers.add(() => poller.stop());
      this.#log.info({ jenkins: c.jenkins.url, master: this.#master, gearman: this.#servers.map(formatAddress) }, "sidecar started");
    } catch (e) {
      await this.#releasers.releaseAll().catch(() => undefined);
      throw e;
    }
  }

  async #startGearman(): Promise<void> {
    const c = this.config;
    if (c.gearman.embedded) {
      // The server binds its own component and logs where it listens.
      const embedded = new GearmanServer({ host: c.gearman.embedded.host, port: c.gearman.embedded.port, logger: this.#log });
      const addr = await embedded.start();
      this.#releasers.add(() => embedded.close());
      this.#servers = [{ host: addr.host, port: addr.port }];
      return;
    }
    this.#servers = configuredServers(c.gearman);
  }

  #learnMasterName(): Promise<string> {
    return resolveMasterName(this.jenkins, {
      waitMs: this.#o.masterNameWaitMs ?? 60_000,
      signal: this.#abort.signal,
      onRetry: (e) => this.#log.warn({ err: e }, "waiting for Jenkins to report its root URL (the master name); retrying in 2 s"),
    });
  }

  async #startPublisher(): Promise<void> {
    const z = this.config.zmq;
    // One poll cycle emits its events at once (1 per started build, 2 per finished one). The
    // plugin's 1024-event queue, and ZeroMQ's default high-water mark of 1000 per subscriber,
    // would drop most of a cycle in which 1,000 builds finish: both bounds follow the replay ring.
    const pub = new EventPublisher({
      bind: z.bind,
      ringSize: z.ringSize,
      queueSize: Math.max(1024, z.ringSize),
      sendHighWaterMark: Math.max(1000, z.ringSize),
      logger: this.#log, // the publisher binds component "events" itself and logs where it binds
      ...(z.curve ? { curve: curveKeys(z.curve) } : {}),
    });
    await pub.start();
    watchPublisher(this.metrics, pub);
    this.#publisher = pub;
    this.#releasers.add(() => pub.close());
  }

  #makeBridge(poller: JenkinsPoller): Bridge {
    const c = this.config;
    const bridge = new Bridge({
      masterName: this.#master,
      ...(c.gearman.clientIdPrefix !== null ? { clientIdPrefix: c.gearman.clientIdPrefix } : {}),
      jenkins: this.jenkins,
      poller,
      stateFile: c.stateFile,
      rootUrl: c.jenkins.url,
      events: this.#publisher,
      admin: gearmanAdminPort(this.#servers),
      buildStartTimeoutMs: c.buildStartTimeoutMs,
      outageHoldMs: c.outageHoldMs,
      logger: this.#log,
      createWorker: workerFactory({ servers: this.#servers, connection: this.#o.gearmanConnection ?? {}, metrics: this.metrics, logger: this.#log }),
    });
    watchBridge(this.metrics, bridge);
    return bridge;
  }

  async #startAdmin(): Promise<void> {
    const c = this.config;
    const admin = new AdminServer({
      host: c.admin.listen.host,
      port: c.admin.listen.port,
      token: c.admin.token,
      defaultQuietDown: c.drain.quietDown,
      handlers: this.#handlers(),
      metrics: this.metrics,
      logger: this.#log, // the admin server binds component "admin" itself and logs where it listens
    });
    await admin.start();
    this.#admin = admin;
    this.#releasers.add(() => admin.close());
  }

  drainStatus(): DrainStatus {
    return this.bridge.drainStatus();
  }

  drain(o: { quietDown: boolean }): Promise<DrainStatus> {
    return this.bridge.startDrain(o);
  }

  resume(): Promise<DrainStatus> {
    return this.bridge.resume();
  }

  ready(): ReadyStatus {
    return this.bridge.ready();
  }

  status(): SidecarStatus {
    const b = this.bridge;
    const p = this.poller;
    const pub = this.#publisher;
    return {
      master: this.#master,
      version: packageVersion(),
      jenkins: { url: this.config.jenkins.url, healthy: p.healthy, lastSuccessAt: p.lastSuccessAt, jobs: p.jobs.size, nodes: p.nodes.size },
      gearman: this.#servers.map((s) => `${formatAddress(s)}${s.tls ? " (tls)" : ""}`),
      events: pub ? { endpoint: pub.endpoint, runId: pub.runId, ...pub.stats() } : null,
      ready: b.ready(),
      ...b.status(),
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
   * reported and their events published; `signal` aborts the wait (a second signal).
   */
  async drainAndStop(graceMs: number, signal?: AbortSignal, onProgress?: (s: DrainStatus) => void): Promise<boolean> {
    let safe = false;
    if (this.#bridge) {
      await this.bridge.startDrain({ quietDown: false, persist: false }).catch((e: unknown) => this.#log.warn({ err: e }, "drain failed"));
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
      this.#abort.abort();
      await this.#publisher?.flush(2000).catch(() => undefined);
      await this.#releasers.releaseAll();
      this.#log.info("sidecar stopped");
    })();
    return this.#stopping;
  }
}
