/**
 * Gearman wire constants (docs/contract.md "Framing", "Packet types"). Packet types as a const object plus derived
 * unions; no enums (erasableSyntaxOnly).
 */
export const PacketType = {
  CAN_DO: 1,
  CANT_DO: 2,
  RESET_ABILITIES: 3,
  PRE_SLEEP: 4,
  NOOP: 6,
  SUBMIT_JOB: 7,
  JOB_CREATED: 8,
  GRAB_JOB: 9,
  NO_JOB: 10,
  JOB_ASSIGN: 11,
  WORK_STATUS: 12,
  WORK_COMPLETE: 13,
  WORK_FAIL: 14,
  GET_STATUS: 15,
  ECHO_REQ: 16,
  ECHO_RES: 17,
  SUBMIT_JOB_BG: 18,
  ERROR: 19,
  STATUS_RES: 20,
  SUBMIT_JOB_HIGH: 21,
  SET_CLIENT_ID: 22,
  CAN_DO_TIMEOUT: 23,
  ALL_YOURS: 24,
  WORK_EXCEPTION: 25,
  OPTION_REQ: 26,
  OPTION_RES: 27,
  WORK_DATA: 28,
  WORK_WARNING: 29,
  GRAB_JOB_UNIQ: 30,
  JOB_ASSIGN_UNIQ: 31,
  SUBMIT_JOB_HIGH_BG: 32,
  SUBMIT_JOB_LOW: 33,
  SUBMIT_JOB_LOW_BG: 34,
  SUBMIT_JOB_SCHED: 35,
  SUBMIT_JOB_EPOCH: 36,
  SUBMIT_REDUCE_JOB: 37,
  SUBMIT_REDUCE_JOB_BACKGROUND: 38,
  GRAB_JOB_ALL: 39,
  JOB_ASSIGN_ALL: 40,
  GET_STATUS_UNIQUE: 41,
  STATUS_RES_UNIQUE: 42,
} as const;

export type PacketTypeName = keyof typeof PacketType;
export type PacketTypeNumber = (typeof PacketType)[PacketTypeName];

/**
 * Number of body arguments per packet type. The first N-1 are NUL-terminated; the last runs
 * to the end of the body and is opaque (it may contain NULs). 0 means an empty body.
 */
export const ArgCount: Readonly<Record<PacketTypeNumber, number>> = {
  1: 1, // CAN_DO function
  2: 1, // CANT_DO function
  3: 0, // RESET_ABILITIES
  4: 0, // PRE_SLEEP
  6: 0, // NOOP
  7: 3, // SUBMIT_JOB function, unique, data
  8: 1, // JOB_CREATED handle
  9: 0, // GRAB_JOB
  10: 0, // NO_JOB
  11: 3, // JOB_ASSIGN handle, function, data
  12: 3, // WORK_STATUS handle, numerator, denominator
  13: 2, // WORK_COMPLETE handle, data
  14: 1, // WORK_FAIL handle
  15: 1, // GET_STATUS handle
  16: 1, // ECHO_REQ data
  17: 1, // ECHO_RES data
  18: 3, // SUBMIT_JOB_BG
  19: 2, // ERROR code, text
  20: 5, // STATUS_RES handle, known, running, numerator, denominator
  21: 3, // SUBMIT_JOB_HIGH
  22: 1, // SET_CLIENT_ID id
  23: 2, // CAN_DO_TIMEOUT function, timeout
  24: 0, // ALL_YOURS
  25: 2, // WORK_EXCEPTION handle, data
  26: 1, // OPTION_REQ option
  27: 1, // OPTION_RES option
  28: 2, // WORK_DATA handle, data
  29: 2, // WORK_WARNING handle, data
  30: 0, // GRAB_JOB_UNIQ
  31: 4, // JOB_ASSIGN_UNIQ handle, function, unique, data
  32: 3, // SUBMIT_JOB_HIGH_BG
  33: 3, // SUBMIT_JOB_LOW
  34: 3, // SUBMIT_JOB_LOW_BG
  35: 8, // SUBMIT_JOB_SCHED function, unique, min, hour, mday, month, wday, data
  36: 4, // SUBMIT_JOB_EPOCH function, unique, epoch, data
  37: 4, // SUBMIT_REDUCE_JOB function, unique, reducer, data
  38: 4, // SUBMIT_REDUCE_JOB_BACKGROUND
  39: 0, // GRAB_JOB_ALL
  40: 5, // JOB_ASSIGN_ALL handle, function, unique, reducer, data
  41: 1, // GET_STATUS_UNIQUE unique
  42: 6, // STATUS_RES_UNIQUE unique, known, running, numerator, denominator, client_count
};

const NAMES = new Map<number, PacketTypeName>(
  (Object.entries(PacketType) as [PacketTypeName, PacketTypeNumber][]).map(([k, v]) => [v, k]),
);

/** True for a packet type number this module knows. */
export function isPacketType(n: number): n is PacketTypeNumber {
  return NAMES.has(n);
}

/** "JOB_ASSIGN_UNIQ" for 31, or "UNKNOWN(5)". */
export function packetTypeName(n: number): string {
  return NAMES.get(n) ?? `UNKNOWN(${n})`;
}

/** The 4-byte magic at the start of every binary packet. */
export const Magic = {
  REQ: Buffer.from("\0REQ", "latin1"),
  RES: Buffer.from("\0RES", "latin1"),
} as const;

export type MagicName = keyof typeof Magic;

/** Header size: magic(4) + type(4) + size(4). */
export const HEADER_BYTES = 12;

/** Default cap on one packet body (and one admin text line). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
