import type { Scenario } from "../lib.js";
export const registrationScenario: Scenario = { name: "registration", runs: () => 0, run: () => Promise.resolve([]) };
