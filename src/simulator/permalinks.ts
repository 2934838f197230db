/** Jenkins' permalinks (`PermalinkProjectAction.Permalink.BUILTIN`, hudson/model/PermalinkProjectAction.java:95-147): which builds each may name, taken newest first. */
import type { Build } from "./model.js";

export const PERMALINKS: Readonly<Record<string, (b: Build) => boolean>> = {
  lastBuild: () => true,
  lastCompletedBuild: (b) => !b.building,
  lastSuccessfulBuild: (b) => !b.building && (b.result === "SUCCESS" || b.result === "UNSTABLE"),
  lastStableBuild: (b) => !b.building && b.result === "SUCCESS",
  lastFailedBuild: (b) => !b.building && b.result === "FAILURE",
  lastUnstableBuild: (b) => !b.building && b.result === "UNSTABLE",
  lastUnsuccessfulBuild: (b) => !b.building && b.result !== "SUCCESS",
};
