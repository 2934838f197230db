/** The migration preflight of `jenkins-gearman-sidecar check`: pure analysis and its human form (docs/migration.md). */
export { analyse, managementFunctions, type PreflightInput } from "./analyse.js";
export { formatReport } from "./format.js";
export { permissionReports, type ProbeResults } from "./permissions.js";
export { NODE_PARAMETER_TYPES, ZUUL_PARAMETERS, ZUUL_REF_PARAMETERS, scriptUsesParameter } from "./zuul.js";
export type { Finding, GroupReport, JobReport, PermissionReport, PermissionStatus, PreflightReport, RegistrationReport, Severity } from "./types.js";
