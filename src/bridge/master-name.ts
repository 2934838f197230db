/**
 * The name Zuul knows this master by (docs/architecture.md "Master name"): it routes stop:NAME and set_description:NAME
 * to the sidecar that reported `manager: NAME`, so the name must be unique per master. Given
 * by --master-name, or else the host of the root URL Jenkins itself reports (its configured
 * "Jenkins URL", exported as `url` on /api/json: Jenkins.java:2469-2475), which the plugin's
 * master host name amounts to. A loopback or missing name is refused unless given explicitly:
 * every sidecar of a Kubernetes pod reaches its Jenkins on 127.0.0.1.
 */
import { delay, describeError, isLoopbackHost } from "../util/index.js";
import type { JenkinsPort } from "./ports.js";

export class MasterNameError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MasterNameError";
  }
}

/** The name from Jenkins' own root URL; waits up to `waitMs` for Jenkins to answer. */
export async function resolveMasterName(
  jenkins: Pick<JenkinsPort, "root">,
  o: { waitMs: number; signal?: AbortSignal; onRetry?: (e: unknown) => void },
): Promise<string> {
  const deadline = Date.now() + o.waitMs;
  for (;;) {
    let url: string | null;
    try {
      url = (await jenkins.root()).url;
    } catch (e) {
      if (Date.now() >= deadline || o.signal?.aborted) {
        throw new MasterNameError(`cannot learn the master name: Jenkins did not answer (${describeError(e)}); set --master-name, or start the sidecar once Jenkins answers`, { cause: e });
      }
      o.onRetry?.(e);
      await delay(2000, o.signal);
      continue;
    }
    if (url === null || url === "") {
      throw new MasterNameError("cannot learn the master name: Jenkins has no root URL configured (Manage Jenkins > System > Jenkins URL); set it, or give --master-name");
    }
    const host = new URL(url).hostname;
    if (host === "" || isLoopbackHost(host)) {
      throw new MasterNameError(
        `Jenkins reports its root URL as ${url}, a loopback address: every master reached this way would share the name "${host}", and Zuul would send one master's stop to another. Configure Jenkins' URL, or give --master-name`,
      );
    }
    return host;
  }
}
