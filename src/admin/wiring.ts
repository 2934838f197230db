/**
 * What the metrics count, wired to the typed events of the parts that know (the bridge, the
 * poller, the Gearman workers, the event publisher, the Jenkins client): the daemon calls these
 * once per part; nothing else updates a metric.
 */
import type { Bridge, BridgeStatus } from "../bridge/index.js";
import type { Metrics } from "./metrics.js";

/** What the wiring reads of a Gearman worker. */
export interface WorkerLike {
  on(event: "status", listener: (s: { server: string; status: string }) => void): unknown;
}

export function watchBridge(m: Metrics, bridge: Bridge): void {
  m.masterNameConflictsFrom(() => bridge.status().masterNameConflicts.length);
  bridge.on("grabbed", (fn) => m.countGrabbed(fn));
  bridge.on("outcome", (out) => {
    if (out.result !== null) m.jobsCompleted.inc({ result: out.result });
    else m.jobsFailed.inc({ reason: out.code ?? "internal" });
  });
  bridge.on("published", (topic) => m.eventsPublished.inc({ topic }));
}

export function watchWorker(m: Metrics, w: WorkerLike): void {
  w.on("status", (s) => {
    m.gearmanConnected.set({ server: s.server }, s.status === "connected" ? 1 : 0);
    if (s.status === "reconnecting") m.reconnects.inc({ server: s.server });
  });
}

export function watchPublisher(m: Metrics, p: { on(event: "dropped", listener: (seq: number) => void): unknown }): void {
  p.on("dropped", () => m.eventsDropped.inc());
}

/** Gauges read once per poll cycle: registration packets, free executors, in flight, draining. */
export class CycleGauges {
  readonly #m: Metrics;
  readonly #seen = new Map<string, { can_do: number; cant_do: number; reset_abilities: number }>();

  constructor(m: Metrics) {
    this.#m = m;
  }

  update(bridge: { status(): Pick<BridgeStatus, "groups" | "drain"> }, cycleMs: number): void {
    const m = this.#m;
    m.pollCycleSeconds.observe(cycleMs / 1000);
    const st = bridge.status();
    // A group that closed (its nodes went, or its set changed) leaves no series behind.
    const live = new Set(st.groups.map((g) => g.worker));
    for (const w of [...this.#seen.keys()]) {
      if (live.has(w)) continue;
      this.#seen.delete(w);
      m.freeExecutors.remove({ group: w });
    }
    for (const g of st.groups) {
      // Each worker counts its own packets; the counter takes the increase since last time.
      const seen = this.#seen.get(g.worker) ?? { can_do: 0, cant_do: 0, reset_abilities: 0 };
      const now = { can_do: g.packets.canDoSent, cant_do: g.packets.cantDoSent, reset_abilities: g.packets.resetSent };
      for (const type of ["can_do", "cant_do", "reset_abilities"] as const) {
        if (now[type] > seen[type]) m.registrationPackets.inc({ type }, now[type] - seen[type]);
      }
      this.#seen.set(g.worker, now);
      m.freeExecutors.set({ group: g.worker }, g.freeExecutors);
    }
    m.inFlightBuilds.set(st.drain.inFlight);
    m.draining.set(st.drain.phase === "running" ? 0 : 1);
  }
}
