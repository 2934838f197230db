/** The human form of the preflight report: aligned tables, then what would break Zuul and what to know. */
import type { PermissionReport, PreflightReport } from "./types.js";

function table(head: readonly string[], rows: readonly (readonly string[])[], indent = "  "): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)];
}

function list(xs: readonly string[], max: number): string {
  if (xs.length === 0) return "-";
  return xs.length <= max ? xs.join(", ") : `${xs.slice(0, max).join(", ")} … (+${xs.length - max})`;
}

const STATUS: Record<PermissionReport["status"], string> = { granted: "granted", missing: "MISSING", unknown: "unknown", "not-probed": "not probed" };

export function formatReport(r: PreflightReport): string {
  const j = r.jenkins;
  const out: string[] = [
    `Jenkins ${j.version ?? "(version unknown)"} at ${j.url}, as ${j.user === null ? "anonymous" : `${j.user}${j.userName !== null && j.userName !== j.user ? ` (${j.userName})` : ""}`}; master name for Zuul: ${r.masterName}`,
    "",
    "Permissions",
    ...table(["PERMISSION", "STATUS", "NEEDED TO"], r.permissions.map((p) => [p.name, STATUS[p.status], p.why])),
    ...r.permissions.filter((p) => p.status !== "granted").flatMap((p) => [`  ${p.name}: ${p.probe}.`, `    To grant it: ${p.grant}.`]),
    "",
    `Jobs Zuul may run: ${r.jobs.length}${r.jobsSkipped > 0 ? ` (${r.jobsSkipped} left out by --zuul-jobs)` : ""}`,
    ...table(
      ["JOB", "TYPE", "NODE PARAMETER", "LABEL", "NODES (ONLINE)", "FUNCTIONS", "MISSING PARAMETERS"],
      r.jobs.map((x) => [
        x.fullName + (x.disabled ? " (disabled)" : ""),
        x.type,
        x.nodeParameter === null ? "none: not pinnable" : `${x.nodeParameter.name} (${x.nodeParameter.kind})${x.pinnable ? "" : ": not pinnable"}`,
        x.labelError !== null ? `${x.labelExpression ?? ""} (does not parse)` : (x.labelExpression ?? "(none)"),
        `${list(x.nodes, 3)} (${x.onlineNodes})`,
        String(x.functions),
        list([...x.missingParameters, ...x.missingRefParameters], 4),
      ]),
    ),
    "",
    `Node groups: ${r.groups.length} (nodes with the same function set share one Gearman connection per server)`,
    ...table(
      ["GROUP", "NODES", "LABELS", "EXECUTORS", "EXCLUSIVE", "FUNCTIONS", "SAMPLE"],
      r.groups.map((g, i) => [String(i + 1), list(g.nodes, 3), list(g.labels, 4), String(g.executors), g.exclusive ? "yes" : "no", String(g.functions), list(g.sample, 3)]),
    ),
    "",
    `Registration per Gearman server: ${r.registration.ours} CAN_DO (${r.registration.distinctFunctions} distinct functions); the plugin's one connection per executor: ${r.registration.plugin}` +
      (r.registration.gearmanServers > 1 ? ` (x${r.registration.gearmanServers} servers)` : ""),
  ];
  const errors = r.findings.filter((f) => f.severity === "error");
  const warnings = r.findings.filter((f) => f.severity === "warning");
  if (errors.length > 0) out.push("", `Would break Zuul (${errors.length}):`, ...errors.map((f) => `  ✗ ${f.subject}: ${f.message}`));
  if (warnings.length > 0) out.push("", `Warnings (${warnings.length}):`, ...warnings.map((f) => `  ! ${f.subject}: ${f.message}`));
  out.push("", r.ok ? "OK: nothing found that would break Zuul." : `NOT READY: ${errors.length} problem${errors.length === 1 ? "" : "s"} would break Zuul.`);
  return `${out.join("\n")}\n`;
}
