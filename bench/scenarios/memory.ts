import type { Scenario } from "../lib.js";
export const memoryScenario: Scenario = { name: "memory", runs: () => 0, run: () => Promise.resolve([]) };
