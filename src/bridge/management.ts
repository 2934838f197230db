/**
 * stop:MASTER and set_description:MASTER, as the plugin's StopJobWorker and
 * set-description worker answered them (docs/contract.md "stop and set_description").
 */
import type { Logger } from "pino";

import { describeError } from "../util/index.js";
import { parseBuildRef } from "./arguments.js";
import { setDescriptionFunction, stopFunction } from "./functions.js";
import type { JenkinsPort, PollerPort, WorkerJobPort } from "./ports.js";

export interface ManagementOptions {
  masterName: string;
  jenkins: JenkinsPort;
  poller: PollerPort;
  logger: Logger;
}

export class Management {
  readonly #o: ManagementOptions;

  constructor(o: ManagementOptions) {
    this.#o = o;
  }

  get functions(): string[] {
    return [stopFunction(this.#o.masterName), setDescriptionFunction(this.#o.masterName)];
  }

  onJob(job: WorkerJobPort): void {
    const run =
      job.functionName === stopFunction(this.#o.masterName)
        ? this.#stop(job)
        : job.functionName === setDescriptionFunction(this.#o.masterName)
          ? this.#describe(job)
          : Promise.resolve(this.#exception(job, `unknown management function ${job.functionName}`));
    run.catch((e: unknown) => this.#exception(job, describeError(e)));
  }

  /** A job name from Zuul: the short name (as registered), or a full name. */
  #resolve(name: string): string | null {
    if (this.#o.poller.jobs.has(name)) return name;
    for (const j of this.#o.poller.jobs.values()) if (j.name === name) return j.fullName;
    return null;
  }

  async #stop(job: WorkerJobPort): Promise<void> {
    const ref = parseBuildRef(job.data, false);
    const full = this.#resolve(ref.name);
    if (full === null) return this.#exception(job, `no job named ${ref.name}`);
    const build = await this.#o.jenkins.getBuild(full, ref.number);
    // No such build: Zuul only sends stop: with a number it had from WORK_DATA, so a queued
    // build of the job (no number yet) is some other Zuul build, and is left alone.
    if (build === null) return this.#exception(job, `build ${ref.name} #${ref.number} does not exist`);
    if (!build.building) {
      job.fail();
      return;
    }
    await this.#o.jenkins.stopBuild(full, ref.number);
    this.#o.logger.info({ job: full, number: ref.number }, "stop: aborted the build");
    job.complete("");
  }

  async #describe(job: WorkerJobPort): Promise<void> {
    const ref = parseBuildRef(job.data, true);
    const full = this.#resolve(ref.name);
    if (full === null) return this.#exception(job, `no job named ${ref.name}`);
    const build = await this.#o.jenkins.getBuild(full, ref.number);
    if (build === null) return this.#exception(job, `build ${ref.name} #${ref.number} does not exist`);
    await this.#o.jenkins.setDescription(full, ref.number, ref.html);
    job.complete(`Description for Jenkins build ${ref.number} was updated to ${ref.html}`);
  }

  /** WORK_EXCEPTION then WORK_FAIL, as gearman-java's AbstractGearmanFunction did. */
  #exception(job: WorkerJobPort, message: string): void {
    this.#o.logger.warn({ fn: job.functionName, reason: message }, "management job failed");
    job.exception(message);
    job.fail();
  }
}
