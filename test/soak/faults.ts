/**
 * Carries out the planned faults (schedule.ts) against the live topology and logs each one. Every fault
 * restores what it broke after its hold time; heal() cuts every hold short and then makes sure that all
 * is back (processes running and continued, nodes online, agents connected, drains resumed).
 */
import { appendFileSync } from "node:fs";

import type { JenkinsClient } from "../../src/jenkins/index.js";
import type { Gearmand } from "../helpers/gearmand.js";
import type { SimProcess } from "./procs.js";
import { acceptsTcp, simBuilds, simHook, type SimBuildJson } from "./sim-http.js";
import type { SidecarProcess } from "./sidecar-process.js";
import { resourceOf, type PlannedFault } from "./schedule.js";
import type { FaultRecord } from "./types.js";

export interface Master {
  name: string;
  sim: SimProcess;
  sidecar: SidecarProcess;
  jenkins: JenkinsClient;
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class FaultInjector {
  readonly records: FaultRecord[] = [];
  readonly #masters: Map<string, Master>;
  readonly #gearmands: Map<string, Gearmand>;
  readonly #logFile: string;
  readonly #t0: number;
  readonly #heal = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  /** Resources held by a fault still running, and by which: a fault on a busy resource is skipped. */
  readonly #busy = new Map<string, number>();
  /** Called with each line of the fault log. */
  onLine: (line: string) => void = () => undefined;

  constructor(o: { masters: Master[]; gearmands: Map<string, Gearmand>; logFile: string; t0: number }) {
    this.#masters = new Map(o.masters.map((m) => [m.name, m]));
    this.#gearmands = o.gearmands;
    this.#logFile = o.logFile;
    this.#t0 = o.t0;
  }

  #log(r: FaultRecord, what: string): void {
    const line = `+${((Date.now() - this.#t0) / 1000).toFixed(1)}s fault#${r.id} ${r.kind} ${r.target}: ${what}`;
    appendFileSync(this.#logFile, `${line}\n`);
    this.onLine(line);
  }

  /** A hold that heal() cuts short. */
  #hold(ms: number): Promise<void> {
    const signal = this.#heal.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Starts a planned fault; it runs (and restores) on its own. */
  inject(p: PlannedFault): void {
    const r: FaultRecord = { id: p.id, kind: p.kind, target: p.master !== null && p.kind === "node-offline" ? `${p.master}/${p.target}` : p.target, master: p.master, at: Date.now(), healedAt: null, detail: "", skipped: null };
    this.records.push(r);
    // The plan predicts how long each fault holds its resource; a SIGTERM drain can outlast the prediction.
    const res = resourceOf(p.kind, p.master, p.target);
    const holder = this.#busy.get(res);
    if (holder !== undefined) {
      this.#skip(r, `its target is still busy with fault#${holder}`);
      return;
    }
    this.#busy.set(res, p.id);
    const task = this.#run(p, r)
      .catch((e: unknown) => {
        r.detail += ` error: ${msg(e)}`;
        this.#log(r, `error: ${msg(e)}`);
      })
      .finally(() => {
        r.healedAt ??= Date.now();
        this.#tasks.delete(task);
        this.#busy.delete(res);
      });
    this.#tasks.add(task);
  }

  #skip(r: FaultRecord, why: string): void {
    r.skipped = why;
    r.healedAt = r.at;
    this.#log(r, `skipped: ${why}`);
  }

  #master(name: string | null): Master {
    const m = name === null ? undefined : this.#masters.get(name);
    if (!m) throw new Error(`no master ${String(name)}`);
    return m;
  }

  async #run(p: PlannedFault, r: FaultRecord): Promise<void> {
    switch (p.kind) {
      case "sidecar-kill":
      case "sidecar-term": {
        const m = this.#master(p.master);
        if (!m.sidecar.alive) return this.#skip(r, "its sidecar is not running");
        const pid = m.sidecar.current?.pid ?? -1;
        const sig = p.kind === "sidecar-kill" ? "SIGKILL" : "SIGTERM";
        this.#log(r, `${sig} pid ${pid}`);
        const s = await m.sidecar.stop(sig, p.kind === "sidecar-kill" ? "sigkill" : "sigterm");
        r.detail = `${sig} pid ${pid}; exited after ${s.ms} ms (${JSON.stringify(s.exit)})${s.forced ? ", drain outlasted the bound: SIGKILLed" : ""}`;
        this.#log(r, `exited after ${s.ms} ms ${JSON.stringify(s.exit)}${s.forced ? " (forced)" : ""}; restart in ${p.holdMs} ms`);
        await this.#hold(p.holdMs);
        await this.#restart(m, r);
        return;
      }
      case "gearmand-kill": {
        const g = this.#gearmands.get(p.target);
        if (!g) throw new Error(`no gearmand ${p.target}`);
        this.#log(r, `SIGKILL pid ${g.pid} (port ${g.port})`);
        await g.kill();
        await this.#hold(p.holdMs);
        await g.restart();
        r.detail = `SIGKILL, restarted on port ${g.port} after ${p.holdMs} ms`;
        r.healedAt = Date.now();
        this.#log(r, `restarted, pid ${g.pid}`);
        return;
      }
      case "jenkins-stop": {
        const m = this.#master(p.master);
        if (m.sim.stopped) return this.#skip(r, "already stopped");
        // Issue 15 §4: a sidecar should stop grabbing once Jenkins does not answer. Its admin API answers
        // without Jenkins, so its in-flight count during the stop shows what it grabbed (nothing can finish).
        const before = await inFlightOf(m);
        m.sim.stop();
        this.#log(r, `SIGSTOP for ${p.holdMs} ms (sidecar had ${before ?? "?"} jobs in flight)`);
        let most = before ?? 0;
        const watch = setInterval(() => {
          void inFlightOf(m).then((n) => {
            if (n !== null && m.sim.stopped) most = Math.max(most, n);
          });
        }, 1000);
        await this.#hold(p.holdMs);
        clearInterval(watch);
        m.sim.cont();
        if (before !== null) r.measured = { inFlightBefore: before, inFlightMost: most, grabbedWhileStopped: Math.max(0, most - before) };
        r.detail = `SIGSTOP ${Date.now() - r.at} ms; the sidecar's jobs in flight went from ${before ?? "?"} to at most ${most}`;
        r.healedAt = Date.now();
        this.#log(r, "SIGCONT");
        return;
      }
      case "drain": {
        const m = this.#master(p.master);
        const d = await m.sidecar.post("drain", { quietDown: false });
        if (d === null) return this.#skip(r, "the admin API did not answer POST /drain");
        this.#log(r, `POST /drain for ${p.holdMs} ms: ${JSON.stringify(d)}`);
        await this.#hold(p.holdMs);
        const pid = m.sidecar.current?.pid ?? -1;
        const res = await m.sidecar.post("resume", {});
        r.detail = `drained ${Date.now() - r.at} ms; resume ${res === null ? "not answered" : "ok"} (pid ${pid})`;
        r.healedAt = Date.now();
        this.#log(r, `POST /resume: ${res === null ? "no answer" : JSON.stringify(res)}`);
        return;
      }
      case "node-offline": {
        // Jenkins' own endpoints, as an operator would use them: Computer.doChangeOfflineCause (always
        // temporarily offline) and Computer.doToggleOffline to come back (core/src/main/java/hudson/model/
        // Computer.java:1417 and :1402 in jenkinsci/jenkins at ff9430ee1d; the simulator's routes.ts follows them).
        const m = this.#master(p.master);
        try {
          await m.jenkins.setNodeOffline(p.target, "soak: temporarily offline");
        } catch (e) {
          return this.#skip(r, `changeOfflineCause failed: ${msg(e)}`);
        }
        this.#log(r, `temporarily offline for ${p.holdMs} ms (POST computer/${p.target}/changeOfflineCause)`);
        await this.#hold(p.holdMs);
        await this.#online(m, p.target);
        r.detail = `offline ${Date.now() - r.at} ms`;
        r.healedAt = Date.now();
        this.#log(r, "online again (toggleOffline)");
        return;
      }
      case "agent-drop": {
        // The agent's channel breaks: offline (not temporarily) and its running builds end FAILURE, as the
        // simulator's dropAgent does (src/simulator/core.ts); reconnectAgent brings the channel back.
        const m = this.#master(p.master);
        let running: SimBuildJson[];
        try {
          running = (await simBuilds(m.sim, 3000)).filter((b) => b.building && b.node !== "");
        } catch (e) {
          return this.#skip(r, `cannot list builds: ${msg(e)}`);
        }
        if (running.length === 0) return this.#skip(r, "no build running");
        running.sort((a, b) => (a.job === b.job ? a.number - b.number : a.job < b.job ? -1 : 1));
        const b = running[Math.min(running.length - 1, Math.floor(p.pick * running.length))] as SimBuildJson;
        await simHook(m.sim, "dropAgent", { name: b.node });
        r.target = `${m.name}/${b.node}`;
        r.detail = `agent ${b.node} dropped mid-build of ${b.job} #${b.number} (ZUUL_UUID ${b.parameters["ZUUL_UUID"] || "none"})`;
        this.#log(r, `${r.detail}; reconnect in ${p.holdMs} ms`);
        await this.#hold(p.holdMs);
        await this.#reconnect(m, b.node);
        r.healedAt = Date.now();
        this.#log(r, "agent reconnected");
        return;
      }
    }
  }

  async #restart(m: Master, r: FaultRecord | null): Promise<void> {
    for (let i = 0; i < 3; i++) {
      if (m.sidecar.alive) return;
      try {
        await m.sidecar.start();
        if (r) {
          r.healedAt = Date.now();
          this.#log(r, `restarted, pid ${m.sidecar.current?.pid ?? -1}`);
        }
        return;
      } catch (e) {
        if (r) this.#log(r, `restart failed: ${msg(e)}`);
        await new Promise((res) => setTimeout(res, 2000));
      }
    }
  }

  /** Restarts a sidecar that died on its own (a crash), so the soak keeps going; the crash is still counted. */
  restartCrashed(m: Master): void {
    const task = new Promise<void>((res) => setTimeout(res, 2000)).then(() => this.#restart(m, null));
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  async #online(m: Master, node: string): Promise<void> {
    for (let i = 0; i < 10; i++) {
      try {
        await m.jenkins.setNodeOnline(node);
        return;
      } catch {
        await new Promise((res) => setTimeout(res, 1000));
      }
    }
  }

  async #reconnect(m: Master, node: string): Promise<void> {
    for (let i = 0; i < 10; i++) {
      try {
        await simHook(m.sim, "reconnectAgent", { name: node });
        return;
      } catch {
        await new Promise((res) => setTimeout(res, 1000));
      }
    }
  }

  /** Ends every fault now and restores everything, bounded. */
  async heal(nodes: readonly string[], timeoutMs = 60_000): Promise<void> {
    this.#heal.abort();
    await Promise.race([Promise.allSettled([...this.#tasks]), new Promise((r) => setTimeout(r, timeoutMs))]);
    for (const m of this.#masters.values()) {
      if (m.sim.stopped) m.sim.cont();
      await this.#restart(m, null);
      await m.sidecar.post("resume", {});
      for (const n of nodes) {
        await this.#online(m, n);
        await this.#reconnect(m, n);
      }
    }
    for (const g of this.#gearmands.values()) {
      const up = await acceptsTcp(g.port);
      if (!up) await g.restart();
    }
  }

  counts(): Record<string, { injected: number; skipped: number }> {
    const out: Record<string, { injected: number; skipped: number }> = {};
    for (const r of this.records) {
      const c = (out[r.kind] ??= { injected: 0, skipped: 0 });
      if (r.skipped === null) c.injected++;
      else c.skipped++;
    }
    return out;
  }
}

/** The sidecar's in-flight job count from its admin /status, or null when it does not answer. */
async function inFlightOf(m: Master): Promise<number | null> {
  const st = (await m.sidecar.status(900)) as { drain?: { inFlight?: unknown } } | null;
  const n = st?.drain?.inFlight;
  return typeof n === "number" ? n : null;
}
