/** The migration preflight's report (docs/migration.md): what `check` prints, as text or JSON. */

export type Severity = "error" | "warning";

/** Something that would break Zuul (error) or that an operator should know (warning). */
export interface Finding {
  readonly severity: Severity;
  /** The job, node, group or permission it is about. */
  readonly subject: string;
  readonly message: string;
}

export type PermissionStatus = "granted" | "missing" | "unknown" | "not-probed";

export interface PermissionReport {
  /** As README and the Jenkins security matrix name it: "Job/Build". */
  readonly name: string;
  /** Jenkins' permission id: "hudson.model.Item.Build". */
  readonly id: string;
  /** What the sidecar needs it for. */
  readonly why: string;
  readonly status: PermissionStatus;
  /** How it was probed, or why it could not be without a side effect. */
  readonly probe: string;
  /** The Jenkins setting that grants it (given when not granted). */
  readonly grant: string;
}

export interface JobReport {
  readonly fullName: string;
  /** The function name part: the plugin registered short names. */
  readonly name: string;
  /** "freestyle", "pipeline", or the simple class name of another job type. */
  readonly type: string;
  readonly disabled: boolean;
  /** Zuul parameters it does not declare: sent for every change. */
  readonly missingParameters: readonly string[];
  /** Zuul parameters of ref-updated events it does not declare. */
  readonly missingRefParameters: readonly string[];
  /** The NodeLabel parameter that pins its builds, if any. */
  readonly nodeParameter: { readonly name: string; readonly kind: "node" | "label" } | null;
  /** Whether the sidecar can pin its builds to the node it chose. */
  readonly pinnable: boolean;
  readonly labelExpression: string | null;
  /** Null when it parses; else the parser's message. */
  readonly labelError: string | null;
  /** Nodes whose labels satisfy the expression (for no expression: the NORMAL-mode nodes). */
  readonly nodes: readonly string[];
  /** Of those, the online ones. */
  readonly onlineNodes: number;
  /** How many functions it gives (build:JOB and build:JOB:ATOM), over all nodes. */
  readonly functions: number;
}

export interface GroupReport {
  readonly nodes: readonly string[];
  /** Labels of its nodes, self-labels left out. */
  readonly labels: readonly string[];
  readonly executors: number;
  readonly exclusive: boolean;
  readonly functions: number;
  readonly sample: readonly string[];
}

export interface RegistrationReport {
  /** CAN_DO packets per Gearman server: one connection per group, plus stop: and set_description:. */
  readonly ours: number;
  /** The plugin's model: every function on one connection per executor, plus the two management functions. */
  readonly plugin: number;
  readonly distinctFunctions: number;
  readonly gearmanServers: number;
}

export interface PreflightReport {
  readonly jenkins: { readonly url: string; readonly version: string | null; readonly user: string | null; readonly userName: string | null; readonly useSecurity: boolean };
  readonly masterName: string;
  readonly permissions: readonly PermissionReport[];
  readonly jobs: readonly JobReport[];
  /** Jobs left out by the `--zuul-jobs` filter. */
  readonly jobsSkipped: number;
  readonly nodes: readonly { readonly name: string; readonly labels: readonly string[]; readonly executors: number; readonly exclusive: boolean; readonly online: boolean }[];
  readonly groups: readonly GroupReport[];
  readonly registration: RegistrationReport;
  readonly findings: readonly Finding[];
  /** No finding of severity error. */
  readonly ok: boolean;
}
