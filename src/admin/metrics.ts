/**
 * Prometheus metrics of the sidecar, on a registry of their own (never prom-client's global one, so that
 * several instances, e.g. in tests, do not collide), with the default process metrics on it.
 *
 * Label cardinality: `function` is the Gearman function without its label suffix ("build:JOB", see
 * `functionLabel()`), and after `maxFunctionLabels` distinct values further ones are counted as "other".
 * `group` (freeExecutors) is the daemon's name for a set of functions: keep it short and bounded.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

import { packageVersion } from "../util/version.js";

export interface MetricsOptions {
  /** Prefix of every metric name. @default "jgs_" */
  prefix?: string;
  /** Distinct `function` label values kept before the rest are counted as "other". @default 1000 */
  maxFunctionLabels?: number;
  /** Also collect prom-client's default process metrics (CPU, memory, event loop). @default true */
  defaultMetrics?: boolean;
  /** Labels of the `build_info` gauge. @default the package's version and `process.version` */
  buildInfo?: { version: string; node: string };
}

/** Latency buckets in seconds, for Jenkins requests and poll cycles. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const OTHER_FUNCTION = "other";

export class Metrics {
  readonly registry: Registry;
  readonly prefix: string;
  /** Jobs taken from Gearman (JOB_ASSIGN_UNIQ), by function (see functionLabel). */
  readonly jobsGrabbed: Counter<"function">;
  /** Jobs answered with WORK_COMPLETE, by Jenkins result (SUCCESS, FAILURE, ABORTED, ...). */
  readonly jobsCompleted: Counter<"result">;
  /** Jobs answered with WORK_FAIL, by reason: one of the bridge's FAILURE codes (a bounded set). */
  readonly jobsFailed: Counter<"reason">;
  /** Registration packets sent, by type (CAN_DO, CANT_DO, RESET_ABILITIES). */
  readonly registrationPackets: Counter<"type">;
  readonly jenkinsRequests: Counter<"method" | "status">;
  readonly jenkinsLatency: Histogram<"method">;
  readonly pollCycleSeconds: Histogram;
  readonly eventsPublished: Counter<"topic">;
  readonly eventsDropped: Counter;
  readonly reconnects: Counter<"server">;
  /** 1 while the connection to a Gearman server is up. */
  readonly gearmanConnected: Gauge<"server">;
  readonly freeExecutors: Gauge<"group">;
  readonly inFlightBuilds: Gauge;
  /** 1 while draining. */
  readonly draining: Gauge;
  /** Other workers registering this master's stop:/set_description: functions (two masters, one name). */
  readonly masterNameConflicts: Gauge;
  /** 1 when `/readyz` would answer 200, read at each scrape from the source given to `readinessFrom()`. */
  readonly ready: Gauge;
  /** Always 1; its labels say what runs (the Prometheus `*_build_info` convention, joined on in queries). */
  readonly buildInfo: Gauge<"version" | "node">;

  #readiness: (() => boolean) | null = null;
  #conflicts: (() => number) | null = null;
  readonly #maxFunctionLabels: number;
  readonly #functionLabels = new Set<string>();

  constructor(o: MetricsOptions = {}) {
    const prefix = o.prefix ?? "jgs_";
    this.prefix = prefix;
    this.#maxFunctionLabels = o.maxFunctionLabels ?? 1000;
    const registry = new Registry();
    this.registry = registry;
    if (o.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });
    const registers = [registry];
    const n = (name: string): string => `${prefix}${name}`;

    this.jobsGrabbed = new Counter({ name: n("jobs_grabbed_total"), help: "Gearman jobs grabbed, by function without label suffix", labelNames: ["function"], registers });
    this.jobsCompleted = new Counter({ name: n("jobs_completed_total"), help: "Gearman jobs completed (WORK_COMPLETE), by Jenkins result", labelNames: ["result"], registers });
    this.jobsFailed = new Counter({ name: n("jobs_failed_total"), help: "Gearman jobs failed (WORK_FAIL), by reason", labelNames: ["reason"], registers });
    this.registrationPackets = new Counter({ name: n("registration_packets_total"), help: "Gearman registration packets sent, by type", labelNames: ["type"], registers });
    this.jenkinsRequests = new Counter({ name: n("jenkins_requests_total"), help: "Jenkins REST requests, by method and HTTP status (or 'error')", labelNames: ["method", "status"], registers });
    this.jenkinsLatency = new Histogram({ name: n("jenkins_request_duration_seconds"), help: "Jenkins REST request latency", labelNames: ["method"], buckets: SECONDS_BUCKETS, registers });
    this.pollCycleSeconds = new Histogram({ name: n("poll_cycle_seconds"), help: "Duration of one Jenkins poll cycle", buckets: SECONDS_BUCKETS, registers });
    this.eventsPublished = new Counter({ name: n("events_published_total"), help: "Build events published over ZeroMQ, by topic", labelNames: ["topic"], registers });
    this.eventsDropped = new Counter({ name: n("events_dropped_total"), help: "Build events dropped (publisher unavailable or queue full)", registers });
    this.reconnects = new Counter({ name: n("gearman_reconnects_total"), help: "Reconnections to Gearman servers, by server", labelNames: ["server"], registers });
    this.gearmanConnected = new Gauge({ name: n("gearman_connected"), help: "1 while connected to the Gearman server", labelNames: ["server"], registers });
    this.freeExecutors = new Gauge({ name: n("free_executors"), help: "Free Jenkins executors, by function group", labelNames: ["group"], registers });
    this.inFlightBuilds = new Gauge({ name: n("in_flight_builds"), help: "Builds started for Gearman jobs and not yet reported", registers });
    this.draining = new Gauge({ name: n("draining"), help: "1 while the sidecar is draining", registers });
    const conflicts = (): (() => number) | null => this.#conflicts;
    this.masterNameConflicts = new Gauge({
      name: n("master_name_conflicts"),
      help: "Other workers registering this master's management functions (give each master its own name)",
      registers,
      collect(this: Gauge) {
        const f = conflicts();
        if (f !== null) this.set(f());
      },
    });
    const readiness = (): (() => boolean) | null => this.#readiness;
    this.ready = new Gauge({
      name: n("ready"),
      help: "1 when the sidecar is ready (the /readyz answer: Jenkins answers, every Gearman connection is up and registered)",
      registers,
      collect(this: Gauge) {
        const f = readiness();
        if (f !== null) this.set(f() ? 1 : 0);
      },
    });
    this.buildInfo = new Gauge({ name: n("build_info"), help: "Always 1: the sidecar's version and the Node.js version it runs on", labelNames: ["version", "node"], registers });
    const info = o.buildInfo ?? { version: packageVersion(), node: process.version };
    this.buildInfo.set(info, 1);
  }

  /**
   * The bounded `function` label for a Gearman function name: "build:JOB:LABEL" → "build:JOB"; after
   * `maxFunctionLabels` distinct values, "other".
   */
  functionLabel(fn: string): string {
    const parts = fn.split(":");
    const label = parts.length > 2 ? parts.slice(0, 2).join(":") : fn;
    if (this.#functionLabels.has(label)) return label;
    if (this.#functionLabels.size >= this.#maxFunctionLabels) return OTHER_FUNCTION;
    this.#functionLabels.add(label);
    return label;
  }

  /** Where `ready` comes from: called at every scrape, so the gauge is never older than the scrape. */
  readinessFrom(f: () => boolean): void {
    this.#readiness = f;
  }

  /** The source of `master_name_conflicts`, read at each scrape. */
  masterNameConflictsFrom(f: () => number): void {
    this.#conflicts = f;
  }

  /** Counts one grabbed job under its bounded function label. */
  countGrabbed(fn: string): void {
    this.jobsGrabbed.inc({ function: this.functionLabel(fn) });
  }

  /** The Content-Type of `render()`'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
