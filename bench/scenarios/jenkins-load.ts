import type { Scenario } from "../lib.js";
export const jenkinsLoadScenario: Scenario = { name: "jenkins-load", runs: () => 0, run: () => Promise.resolve([]) };
