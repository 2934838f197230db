import type { Scenario } from "../lib.js";
export const throughputScenario: Scenario = { name: "throughput", runs: () => 0, run: () => Promise.resolve([]) };
