/**
 * The permissions the sidecar needs (README "Migrating"), how each is probed without a side effect, and the
 * Jenkins setting that grants it. Where Jenkins offers no read-only probe (every such action is @RequirePOST
 * and acts at once), the report says so instead of guessing. Paths: jenkinsci/jenkins at ff9430ee1d.
 */
import type { PermissionReport, PermissionStatus } from "./types.js";

/** What the probes found; null: could not be probed (nothing to probe it on). */
export interface ProbeResults {
  /** The root answered (Overall/Read). */
  readonly overallRead: boolean;
  /** Jobs the listing showed (Job/Read hides the others). */
  readonly visibleJobs: number;
  /** `GET job/X/buildWithParameters`: 403 or 405. */
  readonly build: "granted" | "missing" | null;
  /** `GET computer/X/config.xml`: 200 or 403. */
  readonly nodeConfig: "granted" | "missing" | null;
}

const MATRIX = "Manage Jenkins › Security › Authorization (matrix or project-based matrix, or a role of Role-based Strategy)";

function grant(user: string, column: string): string {
  return `${MATRIX}: give "${user}" ${column}`;
}

function noProbe(why: string): { status: PermissionStatus; probe: string } {
  return { status: "not-probed", probe: `no side-effect-free probe exists: ${why}; check it in the security settings` };
}

export function permissionReports(user: string | null, p: ProbeResults): PermissionReport[] {
  const who = user ?? "anonymous";
  const probed = (r: "granted" | "missing" | null, how: string, none: string): { status: PermissionStatus; probe: string } =>
    r === null ? { status: "unknown", probe: none } : { status: r, probe: how };
  return [
    {
      name: "Overall/Read", id: "hudson.model.Hudson.Read", why: "read anything at all", ...{ status: p.overallRead ? "granted" : "missing", probe: "GET api/json" },
      grant: grant(who, "Overall › Read"),
    },
    {
      name: "Job/Read", id: "hudson.model.Item.Read", why: "see the jobs to register them",
      ...(p.visibleJobs > 0 ? { status: "granted" as const, probe: `the job listing showed ${p.visibleJobs} jobs` } : { status: "unknown" as const, probe: "the job listing showed no job: there are none, or Job/Read is missing (Jenkins hides what a user may not read)" }),
      grant: grant(who, "Job › Read"),
    },
    {
      name: "Job/Build", id: "hudson.model.Item.Build", why: "trigger the builds Zuul asks for",
      ...probed(p.build, "GET job/X/buildWithParameters: Item.BUILD is checked before the GET is refused, 403 missing, 405 granted (ParameterizedJobMixIn.java:243-244, BuildAuthorizationToken.java:114-139)", "no job to probe it on"),
      grant: grant(who, "Job › Build"),
    },
    {
      name: "Job/Cancel", id: "hudson.model.Item.Cancel", why: "stop builds (stop:MASTER) and cancel queue items that never started",
      ...noProbe("Queue.doCancelItem and the build's stop are @RequirePOST and act on the item they name (Queue.java:759-774)"), grant: grant(who, "Job › Cancel"),
    },
    {
      name: "Run/Update", id: "hudson.model.Run.Update", why: "set build descriptions (set_description:MASTER)",
      ...noProbe("Run.doSubmitDescription is @RequirePOST and sets the description (Run.java:2359-2363)"), grant: grant(who, "Run › Update"),
    },
    {
      name: "Agent/Connect, Agent/Disconnect", id: "hudson.model.Computer.Disconnect", why: "take a node offline for OFFLINE_NODE_WHEN_COMPLETE (and back online)",
      ...noProbe("Computer.doToggleOffline and doChangeOfflineCause are @RequirePOST and change the node (Computer.java:1401-1417)"), grant: grant(who, "Agent › Connect and Agent › Disconnect"),
    },
    {
      name: "Overall/Manage", id: "hudson.model.Hudson.Manage", why: "quiet-down while draining (drain --quiet-down, --quiet-down)",
      ...noProbe("Jenkins.doQuietDown is @RequirePOST and puts Jenkins into quiet-down (Jenkins.java:4141-4142)"), grant: grant(who, "Overall › Manage (or Overall › Administer)"),
    },
    {
      name: "Agent/ExtendedRead", id: "hudson.model.Computer.ExtendedRead", why: "read each node's mode (EXCLUSIVE nodes register only their labels' functions)",
      ...probed(p.nodeConfig, "GET computer/X/config.xml: 200 granted, 403 missing (Computer.java:1527-1532)", "no agent to probe it on"),
      grant: `${grant(who, "Agent › Configure")}; or start Jenkins with -Dhudson.security.ExtendedReadPermission=true, which enables the Agent › ExtendedRead column (Computer.java:1752-1758)`,
    },
  ];
}
