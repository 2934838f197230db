// Event publishing throughput. Prints one table: each row's rate and its ratio to the baseline row
// (JSON.stringify of the same object) measured in the same run.
//   node --import tsx bench/events-throughput.ts [events]
import { context } from "zeromq";

import { type BuildEventInput, EventPublisher, buildEvent, formatFrame, subscribe } from "../src/events/index.js";
import { delay } from "../src/util/index.js";

context.blocky = false;
const N = Number(process.argv[2] ?? 50_000);

const input = (n: number): BuildEventInput => ({
  jobName: "gate-tempest-dsvm-full",
  jobUrl: "job/gate-tempest-dsvm-full/",
  number: n,
  buildUrl: `job/gate-tempest-dsvm-full/${n}/`,
  fullUrl: `https://jenkins01.openstack.org/job/gate-tempest-dsvm-full/${n}/`,
  status: "SUCCESS",
  parameters: { ZUUL_UUID: "bf0f21577026492a985ca98a9ea14cc1", ZUUL_BRANCH: "master", BASE_LOG_PATH: "05/60105/3/gate", ZUUL_URL: "http://zuul/p" },
  nodeName: "devstack-trusty-rax-dfw-42",
  nodeDescription: null,
  hostName: "jenkins01.openstack.org",
});

function rate(label: string, count: number, ms: number): { label: string; perSec: number } {
  return { label, perSec: (count / ms) * 1000 };
}

async function main(): Promise<void> {
  const rows: { label: string; perSec: number }[] = [];
  const sample = buildEvent("onFinalized", input(1), 1, "run");

  let t = performance.now();
  for (let i = 0; i < N; i++) JSON.stringify(sample);
  rows.push(rate("baseline: JSON.stringify", N, performance.now() - t));

  t = performance.now();
  for (let i = 0; i < N; i++) formatFrame("onFinalized", buildEvent("onFinalized", input(i), i + 1, "run"));
  rows.push(rate("buildEvent + formatFrame", N, performance.now() - t));

  // End to end: publish in batches that fit the queue, yielding between them, to one subscriber.
  const pub = new EventPublisher({ bind: "tcp://127.0.0.1:0", ringSize: 10_000 });
  await pub.start();
  const sub = subscribe({ connect: pub.endpoint });
  await delay(250);
  let received = 0;
  let lastAt = 0;
  const reading = (async () => {
    for await (const _ of sub) {
      lastAt = performance.now();
      if (++received >= N) break;
    }
  })();
  t = performance.now();
  for (let i = 0; i < N; i++) {
    pub.publish("onFinalized", input(i));
    if (i % 500 === 499) await new Promise<void>((r) => setImmediate(r));
  }
  await pub.flush(30_000);
  const sentMs = performance.now() - t;
  rows.push(rate("publish() to ZeroMQ", N, sentMs));
  // Stop at N, or once nothing has arrived for 1 s (ZeroMQ drops silently at a subscriber's HWM).
  const idle = (async () => {
    while (received < N && performance.now() - Math.max(lastAt, t) < 1000) await delay(50);
  })();
  await Promise.race([reading, idle]);
  rows.push(rate(`received by subscribe() (${received}/${N})`, received, Math.max(lastAt, t) - t));
  sub.close();
  await pub.close();

  const base = rows[0]!.perSec;
  console.log(`events-throughput, N=${N}`);
  console.log(`${"case".padEnd(44)} ${"events/s".padStart(12)} ${"x baseline".padStart(11)}`);
  for (const r of rows) {
    console.log(`${r.label.padEnd(44)} ${Math.round(r.perSec).toLocaleString("en").padStart(12)} ${(r.perSec / base).toFixed(3).padStart(11)}`);
  }
  console.log(`dropped: ${pub.stats().dropped}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
