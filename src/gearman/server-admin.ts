/**
 * Admin text protocol of the embedded Gearman server (docs/contract.md "Admin status and workers"). Replies, line
 * endings included, are byte-for-byte those of gearmand 1.1.20 except `version`.
 */
import type { ServerCore } from "./server-core.js";
import type { ServerConn } from "./server-model.js";

export const EMBEDDED_VERSION = "1.1.20-embedded";

function err(code: string, text: string): string {
  return `ERR ${code} ${encodeURIComponent(text).replace(/%20/g, "+")}\r\n`;
}

function unknown(word: string): string {
  return `ERR UNKNOWN_COMMAND Unknown+server+command${word}\r\n`;
}

function status(core: ServerCore): string {
  let out = "";
  for (const f of core.functions.values()) out += `${f.name}\t${f.queued + f.running}\t${f.running}\t${f.workerCount}\n`;
  return `${out}.\n`;
}

function priorityStatus(core: ServerCore): string {
  let out = "";
  for (const f of core.functions.values()) {
    out += `${f.name}\t${f.queues[0].length}\t${f.queues[1].length}\t${f.queues[2].length}\t${f.workerCount}\n`;
  }
  return `${out}.\n`;
}

/** `FD IP CLIENT_ID : f1 f2` per connection, newest connection first like gearmand. */
function workers(conns: Iterable<ServerConn>): string {
  const lines: string[] = [];
  for (const c of conns) {
    let line = `${c.id} ${c.ip} ${c.clientId} :`;
    for (const [f, n] of c.registrations) for (let i = 0; i < n; i++) line += ` ${f.name}`;
    lines.push(`${line}\n`);
  }
  return `${lines.reverse().join("")}.\n`;
}

function showJobs(core: ServerCore): string {
  let out = "";
  // The last column is gearmand's job_queued (persistent queue) flag: always 0 in memory.
  for (const j of core.jobs.values()) out += `${j.handle}\t${j.retries}\t${j.ignore ? 1 : 0}\t0\n`;
  return `${out}.\n`;
}

function showUniqueJobs(core: ServerCore): string {
  let out = "";
  for (const f of core.functions.values()) for (const j of f.uniques.values()) out += `${j.unique}\n`;
  return `${out}.\n`;
}

function maxQueue(core: ServerCore, args: string[]): string {
  const [name, ...nums] = args;
  if (name === undefined) return err("INVALID_ARGUMENTS", "An incomplete set of arguments was sent to this command maxqueue");
  const f = core.functions.get(name);
  // Only an existing function is affected; a new name is silently ignored, as gearmand does.
  if (f) {
    const v = nums.map((s) => Math.max(0, Number.parseInt(s, 10) || 0));
    // One number sets every priority; three set HIGH, NORMAL and LOW.
    const [first = 0, second = first, third = first] = v;
    f.maxQueue = v.length < 3 ? [first, first, first] : [first, second, third];
  }
  return "OK\r\n";
}

/** Answers one admin line. `conns` lists every open connection, oldest first. */
export function adminCommand(core: ServerCore, conns: Iterable<ServerConn>, line: string): string {
  const words = line.trim().split(/\s+/).filter((w) => w !== "");
  const [cmd = "", ...rest] = words;
  switch (cmd.toLowerCase()) {
    case "status":
      return status(core);
    case "prioritystatus":
      return priorityStatus(core);
    case "workers":
      return workers(conns);
    case "version":
      return `OK ${EMBEDDED_VERSION}\n`;
    case "getpid":
      return `OK ${process.pid}\n`;
    case "verbose":
      return "OK ERROR\n";
    case "maxqueue":
      return maxQueue(core, rest);
    case "show":
      if (rest[0] === "jobs") return showJobs(core);
      if (rest[0] === "unique" && rest[1] === "jobs") return showUniqueJobs(core);
      return unknown(cmd);
    case "cancel":
      if (rest[0] !== "job" || rest[1] === undefined) return unknown(cmd);
      return core.cancel(rest[1]) ? "OK\r\n" : "ERR UNKNOWN_JOB\r\n";
    case "create":
      if (rest[0] !== "function" || rest[1] === undefined) return unknown(cmd);
      core.fn(rest[1]);
      return "OK\r\n";
    case "drop": {
      if (rest[0] !== "function" || rest[1] === undefined) return unknown(cmd);
      const f = core.functions.get(rest[1]);
      if (!f) return "ERR function not found\r\n";
      if (f.workerCount > 0 || f.queued + f.running > 0) return "ERR there are still connected workers or executing clients\r\n";
      core.functions.delete(rest[1]);
      return "OK\r\n";
    }
    default:
      return unknown(cmd);
  }
}

