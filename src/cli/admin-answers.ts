/**
 * The admin API's answers, checked once where they enter the CLI: the fields the commands read
 * are there with their types, so each command works on the exported SidecarStatus and
 * DrainStatus (docs/architecture.md "Status") without a cast per field.
 */
import type { DrainStatus, SidecarStatus } from "../bridge/index.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isDrainStatus(v: unknown): v is DrainStatus {
  if (!isObject(v)) return false;
  const oldest = v["oldestRunning"];
  return (
    typeof v["phase"] === "string" &&
    typeof v["quietDown"] === "boolean" &&
    typeof v["inFlight"] === "number" &&
    typeof v["notStarted"] === "number" &&
    typeof v["safeToRestart"] === "boolean" &&
    typeof v["eventsPending"] === "number" &&
    typeof v["otherRunning"] === "number" &&
    (oldest === null || (isObject(oldest) && typeof oldest["job"] === "string" && typeof oldest["ageMs"] === "number"))
  );
}

export function isSidecarStatus(v: unknown): v is SidecarStatus {
  if (!isObject(v)) return false;
  const ready = v["ready"];
  return (
    typeof v["master"] === "string" &&
    isDrainStatus(v["drain"]) &&
    isObject(ready) &&
    typeof ready["ready"] === "boolean" &&
    Array.isArray(ready["reasons"]) &&
    Array.isArray(v["groups"]) &&
    Array.isArray(v["inFlight"]) &&
    Array.isArray(v["unpinnable"])
  );
}
