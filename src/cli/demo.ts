/**
 * `demo`: the whole picture in one process, with nothing installed: our embedded Gearman
 * server, two simulated Jenkins masters, a sidecar beside each, a Gearman client playing Zuul
 * and a ZeroMQ subscriber playing Nodepool. Prints the story and exits 0 when it went right.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { loadConfig } from "../config/index.js";
import { Daemon } from "../daemon.js";
import { subscribe, type ReceivedEvent } from "../events/index.js";
import { GearmanAdmin, GearmanClient, GearmanServer } from "../gearman/index.js";
import { silentLogger } from "../log.js";
import { startSimulator, type JenkinsSimulator, type SimJobSpec } from "../simulator/index.js";
import { delay } from "../util/index.js";
import { CliError, EXIT } from "./exit.js";

const ZUUL_PARAMS = ["ZUUL_UUID", "ZUUL_PROJECT", "ZUUL_PIPELINE", "ZUUL_BRANCH", "ZUUL_CHANGE", "ZUUL_PATCHSET", "ZUUL_REF", "ZUUL_COMMIT", "OFFLINE_NODE_WHEN_COMPLETE"];

function jobs(): SimJobSpec[] {
  const parameters = [...ZUUL_PARAMS.map((name) => ({ name, type: "string" as const, default: "" })), { name: "NODE", type: "node" as const }];
  return [
    { name: "gate-nova-pep8", labelExpression: "trusty", parameters, durationMs: 600, result: "SUCCESS" },
    { name: "gate-nova-python27", labelExpression: "trusty || precise", parameters, durationMs: 900, result: "SUCCESS" },
    { name: "gate-tempest-dsvm-full", labelExpression: "devstack", parameters, durationMs: 1200, result: "FAILURE" },
  ];
}

async function master(name: string): Promise<JenkinsSimulator> {
  return startSimulator({
    jobs: jobs(),
    nodes: [
      { name: `${name}-trusty-1`, labels: ["trusty"], executors: 2 },
      { name: `${name}-precise-1`, labels: ["precise"], executors: 1 },
      { name: `${name}-devstack-1`, labels: ["devstack", "trusty"], executors: 1, exclusive: true },
    ],
  });
}

export async function demoCommand(out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const say = (s: string): void => void out.write(`${s}\n`);
  const dir = mkdtempSync(join(tmpdir(), "jgs-demo-"));
  const cleanup: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const run = async (): Promise<number> => {
    say("== jenkins-gearman-sidecar demo ==");
    const gearman = new GearmanServer({ host: "127.0.0.1", port: 0 });
    const g = await gearman.start();
    cleanup.push(() => gearman.close());
    say(`1. embedded Gearman server on ${g.host}:${g.port} (stands in for gearmand)`);

    const names = ["jenkins-a", "jenkins-b"] as const;
    const sims = await Promise.all(names.map((n) => master(n)));
    for (const s of sims) cleanup.push(() => s.close());
    const daemons: Daemon[] = [];
    const publishers: string[] = [];
    for (const [i, sim] of sims.entries()) {
      const name = names[i] ?? sim.url;
      const config = await loadConfig({
        env: {},
        flags: {
          jenkinsUrl: sim.url,
          gearman: [`${g.host}:${g.port}`],
          zmqBind: "tcp://127.0.0.1:0",
          adminListen: "127.0.0.1:0",
          masterName: name,
          pollInterval: "200ms",
          stateFile: join(dir, `${name}.json`),
        },
      });
      const d = new Daemon({ config, logger: silentLogger() });
      await d.start();
      cleanup.push(() => d.stop());
      daemons.push(d);
      // The demo's config has ZeroMQ on: every daemon has a publisher.
      if (d.publisher !== null) publishers.push(d.publisher.endpoint);
      say(`2. sidecar for ${name}: Jenkins ${sim.url}, events on ${d.publisher?.endpoint ?? "-"}, admin ${d.adminUrl ?? "-"}`);
    }

    const events: ReceivedEvent[] = [];
    const sub = subscribe({ connect: publishers });
    cleanup.push(() => sub.close());
    void (async () => {
      for await (const e of sub) {
        events.push(e);
        if (e.topic !== "onCompleted") say(`   [nodepool] ${e.topic} ${e.event.name} #${e.event.build.number} on ${e.event.build.node_name ?? "?"}${e.event.build.status ? ` ${e.event.build.status}` : ""} (${e.event.build.host_name ?? ""})`);
      }
    })().catch(() => undefined);

    // Zuul checks that a function is registered (admin `status`) before submitting it.
    const admin = new GearmanAdmin({ host: g.host, port: g.port });
    cleanup.push(() => admin.close());
    const deadline = Date.now() + 15_000;
    for (;;) {
      const st = await admin.status();
      const fns = st.filter((f) => f.workers > 0).map((f) => f.name);
      if (["build:gate-nova-pep8", "build:gate-tempest-dsvm-full:devstack", "stop:jenkins-a", "stop:jenkins-b"].every((f) => fns.includes(f))) {
        say(`3. registered on Gearman: ${fns.length} functions with workers, e.g. ${fns.filter((f) => f.startsWith("build:gate-nova-pep8")).join(", ")}`);
        break;
      }
      if (Date.now() > deadline) throw new CliError("the sidecars did not register their functions within 15 s", EXIT.FAILURE);
      await delay(100);
    }

    const client = new GearmanClient({ servers: [{ host: g.host, port: g.port }] });
    client.start();
    cleanup.push(() => client.close());
    await client.waitConnected(5000);
    const submit = async (fn: string, n: number): Promise<{ fn: string; manager: string; result: string }> => {
      const uuid = randomUUID().replace(/-/g, "");
      const params = { ZUUL_UUID: uuid, ZUUL_PROJECT: "openstack/nova", ZUUL_PIPELINE: "gate", ZUUL_BRANCH: "master", ZUUL_CHANGE: String(1000 + n), ZUUL_PATCHSET: "1" };
      const job = await client.submit(fn, JSON.stringify(params), { unique: uuid });
      let manager = "?";
      job.on("data", (d) => {
        const o = JSON.parse(d.toString()) as { number: number; manager: string; node_name: string };
        manager = o.manager;
        say(`   [zuul] ${fn} started: ${o.manager} #${o.number} on ${o.node_name}`);
      });
      const r = await job.result;
      const result = r.kind === "complete" ? ((JSON.parse(r.data.toString()) as { result?: string }).result ?? "?") : r.kind.toUpperCase();
      say(`   [zuul] ${fn} finished: ${result}`);
      return { fn, manager, result };
    };

    say("4. Zuul submits 6 builds");
    const first = await Promise.all(
      ["build:gate-nova-pep8", "build:gate-nova-python27", "build:gate-tempest-dsvm-full:devstack", "build:gate-nova-pep8", "build:gate-nova-python27:precise", "build:gate-nova-pep8"].map((fn, i) => submit(fn, i)),
    );

    const [a] = daemons;
    if (a === undefined) throw new CliError("the demo started no sidecar", EXIT.FAILURE);
    say("5. drain jenkins-a for an upgrade (quiet-down on) while Zuul keeps submitting");
    await a.drain({ quietDown: true });
    const second = await Promise.all(["build:gate-nova-pep8", "build:gate-nova-python27", "build:gate-nova-pep8", "build:gate-nova-python27"].map((fn, i) => submit(fn, 10 + i)));
    const drained = a.drainStatus();
    say(`   jenkins-a: ${drained.phase}${drained.safeToRestart ? ", safe to restart" : ""}; builds during the drain ran on ${[...new Set(second.map((s) => s.manager))].join(", ")}`);
    await a.resume();
    say("6. jenkins-a resumed");

    await delay(500);
    const all = [...first, ...second];
    const lost = all.filter((r) => !["SUCCESS", "FAILURE", "UNSTABLE", "ABORTED"].includes(r.result));
    const finalized = events.filter((e) => e.topic === "onFinalized").length;
    say(`7. ${all.length} builds, ${all.filter((r) => r.result === "SUCCESS").length} SUCCESS, ${all.filter((r) => r.result === "FAILURE").length} FAILURE (scripted), ${lost.length} lost; ${finalized} onFinalized events seen by the subscriber`);
    if (lost.length > 0) throw new CliError(`${lost.length} builds did not report a result`, EXIT.FAILURE);
    if (second.some((s) => s.manager === "jenkins-a")) throw new CliError("a build ran on the draining master", EXIT.FAILURE);
    if (!drained.safeToRestart) throw new CliError("jenkins-a did not drain", EXIT.FAILURE);
    say("demo finished: every build reported once, the drained master took no work");
    return EXIT.OK;
  };
  try {
    return await run();
  } finally {
    for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => undefined);
  }
}
