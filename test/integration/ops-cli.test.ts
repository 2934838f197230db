// Issue 6 "CLI": the real command line as child processes (node --import tsx src/cli.ts, and the
// installed bin shim once): --help lists every option with its default, bad configuration exits 2
// naming the key, run/status/drain/resume/events against gearmand and the simulator, SIGTERM
// drains and exits 128+15, a second signal exits at once, simulate serves until SIGTERM, demo exits 0.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

import { buildProgram } from "../../src/cli.js";
import { EXIT } from "../../src/cli/exit.js";
import { GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { freePort, startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { connectClient, submitLikeZuul, waitFor, zuulJob, type Outcome } from "../helpers/stack.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = ["--import", "tsx", "src/cli.ts"];

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function cli(args: string[], o: { bin?: boolean; env?: Record<string, string> } = {}): Proc {
  const argv = o.bin ? ["bin/jenkins-gearman-sidecar.js", ...args] : [...CLI, ...args];
  // A clean environment: no JGS_* or JENKINS_* from the caller.
  const env: Record<string, string> = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...o.env };
  const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, exited };
}

async function exitOf(p: Proc, timeoutMs = 20_000): Promise<number | null> {
  const t = setTimeout(() => p.child.kill("SIGKILL"), timeoutMs);
  const r = await p.exited;
  clearTimeout(t);
  return r.code;
}

const flat = (s: string): string => s.replace(/\s+/g, " ");

describe("ops: the command line as child processes", { timeout: 60_000 }, () => {
  it("--help of each command lists every option with its default (and the bin shim runs)", async () => {
    const program = buildProgram();
    const cmds = program.commands.map((c) => c.name());
    assert.deepEqual(cmds.sort(), ["check", "demo", "drain", "events", "resume", "run", "simulate", "status"]);
    const runs = [cli(["--help"], { bin: true }), ...cmds.map((c) => cli([c, "--help"]))];
    const codes = await Promise.all(runs.map((p) => exitOf(p)));
    assert.deepEqual(codes, runs.map(() => 0));
    const top = flat(runs[0]!.out());
    for (const c of cmds) assert.ok(top.includes(c), `top-level help lists ${c}`);
    assert.match(top, /Exit codes: 0 ok, 1 failure, 2 bad usage or configuration, 3 drain timed out/);
    for (const [i, c] of cmds.entries()) {
      const help = flat(runs[i + 1]!.out());
      const cmd = program.commands.find((x) => x.name() === c)!;
      for (const opt of cmd.options) {
        assert.ok(help.includes(opt.flags), `${c} --help lists ${opt.flags}`);
        // A default is either commander's "(default: …)" or stated in the description ("(default 2s)").
        if (opt.defaultValue !== undefined && !opt.negate) assert.ok(help.includes(`${opt.flags} ${flat(opt.description)} (default: ${JSON.stringify(opt.defaultValue)})`), `${c} ${opt.flags} shows its default`);
        else assert.ok(help.includes(flat(opt.description)), `${c} ${opt.flags} described`);
      }
    }
    // run: the flags, with the defaults the issue names.
    const run = flat(runs[1 + cmds.indexOf("run")]!.out());
    for (const f of ["--jenkins-url", "--jenkins-user", "--jenkins-token-file", "--gearman", "--zmq-bind", "--admin-listen", "--master-name", "--poll-interval", "--state-file", "--config"]) assert.ok(run.includes(f), f);
    assert.match(run, /--admin-listen <host:port> admin API address \(default 127\.0\.0\.1:8099\)/);
    assert.match(run, /JENKINS_TOKEN/);
  });

  it("run with bad configuration exits 2 with a message naming the key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jgs-cli-"));
    try {
      const yaml = join(dir, "bad.yaml");
      writeFileSync(yaml, "jenkins:\n  url: http://127.0.0.1:9/\n  bogus: 1\n");
      const cases: [string[], RegExp][] = [
        [["--config", yaml], /jenkins\.bogus: unknown key/],
        [["--gearman", "127.0.0.1:4730"], /jenkins\.url: required/],
        [["--jenkins-url", "http://127.0.0.1:9/", "--jenkins-user", "u", "--jenkins-token-file", join(dir, "missing")], /jenkins\.tokenFile: cannot read/],
        [["--jenkins-url", "http://127.0.0.1:9/", "--gearman", "127.0.0.1:99999"], /gearman\.servers\[0\]: invalid address "127\.0\.0\.1:99999"/],
        [["--jenkins-url", "http://127.0.0.1:9/", "--gearman", "embedded", "--gearman", "127.0.0.1:4730"], /gearman\.servers: "embedded" cannot be mixed/],
      ];
      const ps = cases.map(([args]) => cli(["run", ...args]));
      const codes = await Promise.all(ps.map((p) => exitOf(p)));
      for (const [i, [args, re]] of cases.entries()) {
        assert.equal(codes[i], EXIT.USAGE, `${args.join(" ")}: ${ps[i]!.err()}`);
        assert.match(ps[i]!.err(), re);
        assert.match(ps[i]!.err(), /^jenkins-gearman-sidecar: configuration: /);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("run, status, events, drain, resume, signals", () => {
    let gd: Gearmand;
    let sim: JenkinsSimulator;
    let client: GearmanClient;
    let dir: string;
    const procs: Proc[] = [];
    before(async () => {
      gd = await startGearmand();
      dir = mkdtempSync(join(tmpdir(), "jgs-cli-run-"));
      sim = await startSimulator({
        jobs: [zuulJob("ok", "trusty", { durationMs: 200 }), zuulJob("slow", "trusty", { durationMs: 600_000 })],
        nodes: [{ name: "t1", labels: ["trusty"], executors: 4 }],
      });
      client = await connectClient([{ host: gd.host, port: gd.port }]);
    });
    after(async () => {
      for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      await client?.close().catch(() => undefined);
      await sim?.close();
      await gd?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function startRun(name: string, extra: string[] = []): Promise<{ p: Proc; admin: string; zmq: string }> {
      const [ap, zp] = [await freePort(), await freePort()];
      const p = cli([
        "run",
        ...["--jenkins-url", sim.url, "--gearman", `${gd.host}:${gd.port}`, "--admin-listen", `127.0.0.1:${ap}`, "--zmq-bind", `tcp://127.0.0.1:${zp}`],
        ...["--master-name", name, "--poll-interval", "200ms", "--state-file", join(dir, `${name}.json`), "--log-level", "warn", ...extra],
      ]);
      procs.push(p);
      const admin = `http://127.0.0.1:${ap}/`;
      await waitFor(
        `${name} ready`,
        async () => {
          if (p.child.exitCode !== null) throw new Error(`run exited ${p.child.exitCode}: ${p.err()}`);
          return (await fetch(new URL("readyz", admin)).catch(() => null))?.status === 200;
        },
        20_000,
        100,
      );
      return { p, admin, zmq: `tcp://127.0.0.1:${zp}` };
    }

    it("run comes up; status, events --json, drain, resume; drain --timeout 1s names the running build; SIGTERM drains and exits 143", async () => {
      const { p: run, admin, zmq } = await startRun("cli-master");

      const st = cli(["status", "--admin", admin]);
      assert.equal(await exitOf(st), 0, st.err());
      assert.match(st.out(), /^master: +cli-master$/m);
      assert.match(st.out(), /^ready: +yes$/m);
      assert.match(st.out(), /^state: +running, 0 in flight$/m);

      // events: one build gives onStarted, onCompleted, onFinalized (docs/contract.md "Which builds, and when").
      const ev = cli(["events", "--connect", zmq, "--count", "3", "--json"]);
      await new Promise((r) => setTimeout(r, 1500)); // the child starts and joins (ZeroMQ slow joiner)
      const o = await submitLikeZuul(client, "build:ok");
      assert.equal(o.complete?.["result"], "SUCCESS");
      assert.equal(await exitOf(ev, 10_000), 0, ev.err());
      const lines = ev.out().trim().split("\n").map((l) => JSON.parse(l) as { topic: string; name: string; build: { number: number; phase: string } });
      assert.deepEqual(lines.map((l) => [l.topic, l.name, l.build.phase]), [
        ["onStarted", "ok", "STARTED"],
        ["onCompleted", "ok", "COMPLETED"],
        ["onFinalized", "ok", "FINISHED"],
      ]);

      // drain with nothing in flight: exit 0, plain lines (stdout and stderr are pipes, not a TTY).
      const dr = cli(["drain", "--admin", admin, "--timeout", "30s", "--interval", "200ms"]);
      assert.equal(await exitOf(dr), 0, dr.err());
      assert.match(dr.out(), /safe to restart/);
      assert.ok(!dr.err().includes("\r") && !dr.err().includes("\u001b["), "no terminal control sequences when not a TTY");
      const re = cli(["resume", "--admin", admin]);
      assert.equal(await exitOf(re), 0, re.err());
      assert.match(re.out(), /resumed: running/);

      // A long build: drain --timeout 1s exits 3 naming it.
      let slow: Outcome | null = null;
      const slowDone = submitLikeZuul(client, "build:slow").then((x) => (slow = x));
      const b = await waitFor("slow build running", () => sim.runningBuilds().find((x) => x.job === "slow"));
      await waitFor("sidecar follows it", async () => ((await (await fetch(new URL("status", admin))).json()) as { drain: { inFlight: number } }).drain.inFlight === 1);
      const dt = cli(["drain", "--admin", admin, "--timeout", "1s", "--interval", "200ms"]);
      assert.equal(await exitOf(dt), EXIT.DRAIN_TIMEOUT, dt.err());
      assert.match(dt.out(), new RegExp(`not drained after 1s; still in flight:\\n  slow #${b.number} on t1`));
      assert.match(dt.err(), /draining: 1 build left; oldest slow #\d+ on t1/);

      // SIGTERM: the sidecar drains (the build keeps running), reports it when it ends, then exits 128+15.
      run.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(run.child.exitCode, null, "still draining while the build runs");
      assert.equal(slow, null);
      sim.finishBuild("slow", b.number, "SUCCESS");
      assert.equal(await exitOf(run), 143, run.err());
      await slowDone;
      assert.equal((slow as Outcome | null)?.complete?.["result"], "SUCCESS", "Zuul got the result before the sidecar exited");
    });

    it("a second signal exits at once, without waiting for builds", async () => {
      const { p: run, admin } = await startRun("cli-master2");
      const done = submitLikeZuul(client, "build:slow").catch(() => null);
      await waitFor("sidecar follows the build", async () => ((await (await fetch(new URL("status", admin))).json()) as { drain: { inFlight: number } }).drain.inFlight === 1, 10_000);
      run.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(run.child.exitCode, null, "draining");
      const t0 = Date.now();
      run.child.kill("SIGTERM");
      assert.equal(await exitOf(run), 143, run.err());
      assert.ok(Date.now() - t0 < 3000, `exited ${Date.now() - t0} ms after the second signal`);
      // The build stays in Jenkins; gearmand requeues the job to Zuul's side (another sidecar adopts it).
      for (const x of sim.runningBuilds()) sim.finishBuild(x.job, x.number, "SUCCESS");
      void done;
    });
  });

  it("simulate --port 0 prints its URL and serves until SIGTERM (through the bin shim)", async () => {
    const p = cli(["simulate", "--port", "0", "--jobs", "3", "--nodes", "2"], { bin: true });
    const url = await waitFor("simulator URL", () => /listening on (http:\/\/\S+)/.exec(p.out())?.[1], 15_000);
    const res = await fetch(new URL("api/json?tree=jobs[name]", url));
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { jobs: unknown[] }).jobs.length, 3);
    p.child.kill("SIGTERM");
    assert.equal(await exitOf(p), 0, p.err());
    assert.match(p.out(), /Jenkins simulator stopped/);
  });

  it("demo exits 0 and tells the story (no gearmand needed)", async () => {
    const p = cli(["demo"]);
    assert.equal(await exitOf(p, 40_000), 0, `${p.out()}\n${p.err()}`);
    assert.match(p.out(), /demo finished: every build reported once, the drained master took no work/);
  });
});
