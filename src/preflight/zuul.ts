/**
 * The parameters Zuul v2 sends with every build (zuul/launcher/gearman.py launch(); the list of
 * test/helpers/stack.ts ZUUL_PARAMS and README "Migrating"), and those it adds for ref-updated events.
 * Jenkins keeps only declared parameters, where the Gearman plugin injected them from inside.
 */
export const ZUUL_PARAMETERS = [
  "ZUUL_UUID", "ZUUL_PROJECT", "ZUUL_PIPELINE", "ZUUL_URL", "ZUUL_BRANCH", "ZUUL_CHANGES", "ZUUL_REF", "ZUUL_COMMIT",
  "ZUUL_CHANGE_IDS", "ZUUL_CHANGE", "ZUUL_PATCHSET", "BASE_LOG_PATH", "LOG_PATH", "OFFLINE_NODE_WHEN_COMPLETE",
] as const;

/** Sent for ref-updated (post-merge, tag) events only: a missing one is a warning. */
export const ZUUL_REF_PARAMETERS = ["ZUUL_REFNAME", "ZUUL_OLDREV", "ZUUL_NEWREV"] as const;

/** Parameter classes of the NodeLabel Parameter plugin that pin a build (simple names, as `_class` gives them). */
export const NODE_PARAMETER_TYPES: Readonly<Record<string, "node" | "label">> = {
  NodeParameterDefinition: "node",
  LabelParameterDefinition: "label",
};

/** Whether a Pipeline script's `node` step takes the parameter: `node(params.X)`, `node(params['X'])`, `node("${params.X}")`. */
export function scriptUsesParameter(script: string, name: string): boolean {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const ref = `params\\s*(?:\\.\\s*${esc}\\b|\\[\\s*['"]${esc}['"]\\s*\\])`;
  return new RegExp(`\\bnode\\s*\\(\\s*(?:label\\s*:\\s*)?(?:${ref}|["']\\$\\{\\s*${ref}\\s*\\}["'])`).test(script);
}
