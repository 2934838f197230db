/**
 * Binary request dispatch of the embedded Gearman server: one packet in, replies out
 * (docs/contract.md "The Gearman protocol"). Error codes and texts are the ones gearmand 1.1.20 sends.
 */
import { argAt, encode, type Packet } from "./codec.js";
import { PacketType, type PacketTypeNumber } from "./constants.js";
import type { ServerCore } from "./server-core.js";
import { Priority, type Job, type ServerConn } from "./server-model.js";

const SUBMITS: ReadonlyMap<number, { priority: Priority; background: boolean }> = new Map([
  [PacketType.SUBMIT_JOB, { priority: Priority.NORMAL, background: false }],
  [PacketType.SUBMIT_JOB_BG, { priority: Priority.NORMAL, background: true }],
  [PacketType.SUBMIT_JOB_HIGH, { priority: Priority.HIGH, background: false }],
  [PacketType.SUBMIT_JOB_HIGH_BG, { priority: Priority.HIGH, background: true }],
  [PacketType.SUBMIT_JOB_LOW, { priority: Priority.LOW, background: false }],
  [PacketType.SUBMIT_JOB_LOW_BG, { priority: Priority.LOW, background: true }],
]);

function error(conn: ServerConn, code: string, text: string): void {
  conn.send(encode("RES", PacketType.ERROR, [code, text]));
}

function reply(conn: ServerConn, type: PacketTypeNumber, args: ReadonlyArray<Buffer | string>): void {
  conn.send(encode("RES", type, args));
}

function str(b: Buffer | undefined): string {
  return b === undefined ? "" : b.toString("utf8");
}

function assign(conn: ServerConn, job: Job, type: PacketTypeNumber): void {
  if (type === PacketType.GRAB_JOB) {
    reply(conn, PacketType.JOB_ASSIGN, [job.handle, job.fn.name, job.data]);
  } else if (type === PacketType.GRAB_JOB_ALL && job.reducer !== "") {
    reply(conn, PacketType.JOB_ASSIGN_ALL, [job.handle, job.fn.name, job.unique, job.reducer, job.data]);
  } else {
    // GRAB_JOB_ALL without a reducer gets JOB_ASSIGN_UNIQ, as in gearmand 1.1.20 (docs/contract.md "Packet types").
    reply(conn, PacketType.JOB_ASSIGN_UNIQ, [job.handle, job.fn.name, job.unique, job.data]);
  }
}

function statusRes(conn: ServerConn, handle: string, job: Job | undefined): void {
  reply(conn, PacketType.STATUS_RES, [
    handle,
    job ? "1" : "0",
    job?.worker ? "1" : "0",
    job?.numerator ?? "0",
    job?.denominator ?? "0",
  ]);
}

/** gearmand 1.1.20's ERROR text for a WORK_* on a job this connection does not own. */
function notFoundText(type: PacketTypeNumber): string {
  if (type === PacketType.WORK_DATA || type === PacketType.WORK_WARNING) return "Job does not exist on server";
  if (type === PacketType.WORK_EXCEPTION) return "An exception was received for a job that does not exist";
  return "Job given in work result not found";
}

/** Handles one request packet from `conn`. */
export function dispatch(core: ServerCore, conn: ServerConn, p: Packet): void {
  const a = p.args;
  if (p.magic !== "REQ") {
    error(conn, "INVALID_MAGIC", "Request magic expected");
    return;
  }
  const submit = SUBMITS.get(p.type);
  if (submit) {
    const r = core.submit(conn, { fn: str(a[0]), unique: str(a[1]), data: Buffer.from(argAt(p, 2)), ...submit });
    if ("error" in r) error(conn, r.error.code, r.error.text);
    else reply(conn, PacketType.JOB_CREATED, [r.handle]);
    return;
  }
  switch (p.type) {
    case PacketType.SUBMIT_JOB_EPOCH: {
      // Accepted as a background job that runs now: the embedded server has no scheduler.
      const r = core.submit(conn, { fn: str(a[0]), unique: str(a[1]), data: Buffer.from(argAt(p, 3)), priority: Priority.NORMAL, background: true });
      if ("error" in r) error(conn, r.error.code, r.error.text);
      else reply(conn, PacketType.JOB_CREATED, [r.handle]);
      return;
    }
    case PacketType.SUBMIT_REDUCE_JOB:
    case PacketType.SUBMIT_REDUCE_JOB_BACKGROUND: {
      const background = p.type === PacketType.SUBMIT_REDUCE_JOB_BACKGROUND;
      const r = core.submit(conn, {
        fn: str(a[0]),
        unique: str(a[1]),
        reducer: str(a[2]),
        data: Buffer.from(argAt(p, 3)),
        priority: Priority.NORMAL,
        background,
      });
      if ("error" in r) error(conn, r.error.code, r.error.text);
      else reply(conn, PacketType.JOB_CREATED, [r.handle]);
      return;
    }
    case PacketType.CAN_DO:
    case PacketType.CAN_DO_TIMEOUT:
      core.canDo(conn, str(a[0]));
      return;
    case PacketType.CANT_DO:
      core.cantDo(conn, str(a[0]));
      return;
    case PacketType.RESET_ABILITIES:
      core.resetAbilities(conn);
      return;
    case PacketType.PRE_SLEEP:
      core.preSleep(conn);
      return;
    case PacketType.GRAB_JOB:
    case PacketType.GRAB_JOB_UNIQ:
    case PacketType.GRAB_JOB_ALL: {
      const job = core.grab(conn);
      if (job) assign(conn, job, p.type);
      else reply(conn, PacketType.NO_JOB, []);
      return;
    }
    case PacketType.WORK_DATA:
    case PacketType.WORK_WARNING:
    case PacketType.WORK_STATUS:
    case PacketType.WORK_COMPLETE:
    case PacketType.WORK_FAIL:
    case PacketType.WORK_EXCEPTION:
      if (!core.work(conn, p.type, p)) error(conn, "JOB_NOT_FOUND", notFoundText(p.type));
      return;
    case PacketType.GET_STATUS: {
      const handle = str(a[0]);
      statusRes(conn, handle, core.jobs.get(handle));
      return;
    }
    case PacketType.GET_STATUS_UNIQUE: {
      const unique = str(a[0]);
      const job = core.byUnique(unique);
      reply(conn, PacketType.STATUS_RES_UNIQUE, [
        unique,
        job ? "1" : "0",
        job?.worker ? "1" : "0",
        job?.numerator ?? "0",
        job?.denominator ?? "0",
        String(job?.clients.size ?? 0),
      ]);
      return;
    }
    case PacketType.ECHO_REQ:
      reply(conn, PacketType.ECHO_RES, [argAt(p, 0)]);
      return;
    case PacketType.OPTION_REQ:
      if (str(a[0]) === "exceptions") {
        conn.exceptions = true;
        reply(conn, PacketType.OPTION_RES, ["exceptions"]);
      } else error(conn, "UNKNOWN_OPTION", "Server does not recognize given option");
      return;
    case PacketType.SET_CLIENT_ID:
      conn.clientId = str(a[0]).replace(/\s/g, "_") || "-";
      return;
    default:
      // Server-to-client types, ALL_YOURS and SUBMIT_JOB_SCHED, as gearmand answers them.
      error(conn, "INVALID_COMMAND", "Command not expected");
  }
}
