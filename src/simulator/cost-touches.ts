/**
 * Which build records a request makes Jenkins resolve (docs/master-cost.md), besides the builds it
 * writes. A Run's fields can only be exported once the Run is resolved, so every build bean written
 * is a touch (`lastBuild`, `builds[]`, `executable`, `currentExecutable`, a build's own api/json).
 * Some job getters resolve builds they do not write (paths in jenkinsci/jenkins at ff9430ee1d,
 * core/src/main/java):
 * - `color`: `Job.getIconColor` takes `getLastBuild()` and `Run.getIconColor` of a running build
 *   asks `getPreviousBuild()`, and so on back to the newest finished one (`hudson/model/Job.java:1256`,
 *   `hudson/model/Run.java:712`);
 * - `healthReport`: `Job.getBuildHealthReports` takes the last build, and the previous one while the
 *   last is running (`Job.java:1278`);
 * - `builds`: `Job.getNewBuilds` is `RunList.limit(100)`; stapler's `Range.apply(List)` calls
 *   `size()`, which iterates it, and `Iterators.limit` fetches one element past the limit, so up to
 *   101 newest builds are resolved whatever `{M,N}` says (`hudson/util/RunList.java:129`, `:284`;
 *   stapler `export/Range.java`, `hudson/util/Iterators.java:390`);
 * - `allBuilds`: every build, for the same reason.
 * The permalinks (`lastSuccessfulBuild`, ...) are taken to hit `PeepholePermalink`'s cache, so they
 * resolve only the build they return. And a URL below a build (`/job/x/42/...`, `/job/x/lastBuild/...`)
 * resolves that build before anything else (`Job.getDynamic` -> `getBuildByNumber`).
 */
import { CLS } from "./beans.js";
import type { Build, Item, Job, Model } from "./model.js";
import { PERMALINKS } from "./permalinks.js";

export const BUILD_CLASSES: ReadonlySet<string> = new Set([CLS.freestyleBuild, CLS.pipelineBuild, CLS.placeholder]);
export const JOB_CLASSES: ReadonlySet<string> = new Set([CLS.freestyle, CLS.pipeline]);

export function isBuild(o: unknown): o is Build {
  return typeof o === "object" && o !== null && "queueId" in o && "number" in o && "job" in o && "building" in o;
}

export function isJob(o: unknown): o is Job {
  return typeof o === "object" && o !== null && (o as { kind?: unknown }).kind === "job";
}

/** Visible builds, newest first (a build in its executable:null window does not exist yet). */
function* visible(m: Model, job: Job): Generator<Build> {
  const now = m.now();
  for (let i = job.builds.length - 1; i >= 0; i--) {
    const b = job.builds[i] as Build;
    if (b.startedAt <= now) yield b;
  }
}

function newest(m: Model, job: Job, limit: number): Build[] {
  const out: Build[] = [];
  if (limit <= 0) return out;
  for (const b of visible(m, job)) {
    out.push(b);
    if (out.length >= limit) break;
  }
  return out;
}

/** Builds a job getter resolves without writing them, by exported property name. */
const JOB_GETTERS: Record<string, (m: Model, job: Job) => readonly Build[]> = {
  color: (m, job) => {
    const out: Build[] = [];
    for (const b of visible(m, job)) {
      out.push(b);
      if (!b.building) break;
    }
    return out;
  },
  healthReport: (m, job) => {
    const [last, previous] = newest(m, job, 2);
    if (last === undefined) return [];
    return last.building && previous !== undefined ? [last, previous] : [last];
  },
  builds: (m, job) => newest(m, job, 101),
  allBuilds: (m, job) => newest(m, job, Number.MAX_SAFE_INTEGER),
};

export function hiddenTouches(m: Model, job: Job, property: string): readonly Build[] {
  const f = JOB_GETTERS[property];
  return f === undefined ? [] : f(m, job);
}

/** The build a URL below a job names (`job/a/job/b/42/...`, `.../lastBuild/...`), if any. */
export function buildOfPath(m: Model, segs: readonly string[]): Build | undefined {
  let item: Item | undefined = m.root;
  let i = 0;
  while (segs[i] === "job" && segs[i + 1] !== undefined) {
    if (item === undefined || item.kind !== "folder") return undefined;
    item = item.children.get(segs[i + 1] as string);
    i += 2;
  }
  const seg = segs[i];
  if (i === 0 || item === undefined || item.kind !== "job" || seg === undefined) return undefined;
  if (/^\d+$/.test(seg)) return m.getBuild(item, Number(seg));
  if (seg === "firstBuild") return item.builds.find((b) => m.isVisible(b));
  const ok = PERMALINKS[seg];
  if (ok === undefined) return undefined;
  for (const b of visible(m, item)) if (ok(b)) return b;
  return undefined;
}
