/**
 * Judges a finished soak run again from what it stored: `node --import tsx test/soak/recheck.ts <run dir>`.
 * Reads records.json and the sidecar logs, prints the same details and summary as the run did (with the
 * checkers as they are now), writes them to result-recheck.json beside result.json, and exits 0 or 1 the same way.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { LogIndex, readSidecarLog } from "./logs.js";
import { buildResult, detailText, type SoakRecords } from "./report.js";

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write("usage: node --import tsx test/soak/recheck.ts <run directory>\n");
  process.exit(2);
}
const records = JSON.parse(readFileSync(join(dir, "records.json"), "utf8")) as SoakRecords;
const masters = [...new Set(records.runs.map((r) => r.master))];
const logs = new LogIndex(masters.flatMap((m) => readSidecarLog(m, join(dir, `${m}-sidecar.log`))));
const { verdict, result, summary } = buildResult(records, logs);
writeFileSync(join(dir, "result-recheck.json"), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${detailText(result)}\n${summary}\n`);
process.exitCode = verdict === "PASS" ? 0 : 1;
