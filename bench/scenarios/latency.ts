import type { Scenario } from "../lib.js";
export const latencyScenario: Scenario = { name: "latency", runs: () => 0, run: () => Promise.resolve([]) };
