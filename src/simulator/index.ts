/** The Jenkins REST simulator (docs/jenkins-rest.md "The simulator"). */
export { JenkinsSimulator, startSimulator } from "./simulator.js";
export { loadScenario, generateScenario, type GenerateScenarioOptions } from "./scenario.js";
export { readJobsDir, type ItemXml } from "./jobs-dir.js";
export { ConfigXmlError } from "./config-xml.js";
export { ItemFailure } from "./items.js";
export { nodeStepOf, type NodeStep } from "./pipeline.js";
export { parseLabelExpression, matches, atoms, formatLabelExpression, escapeAtom, LabelSyntaxError, type LabelExpr } from "../util/label-expr.js";
export { parseTree, TreeSyntaxError, type TreeNode, type Range } from "./render.js";
export { UnknownItemError, UnknownNodeError, UnknownBuildError, SimulatorSpecError, TriggerError } from "./errors.js";
export {
  SIM_RESULTS,
  isSimResult,
  type SimResult,
  type SimParamSpec,
  type SimParamType,
  type SimJobSpec,
  type SimNodeSpec,
  type SimUser,
  type SimulatorOptions,
  type SimBuild,
  type SimQueueItem,
  type SimRequest,
  type SimFault,
  type SimCostOptions,
  type SimCostCounters,
  type SimCostEndpoint,
  type SimCostReport,
} from "./types.js";
