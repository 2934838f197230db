/**
 * `run`: the daemon in the foreground. SIGTERM or SIGINT drains (no new jobs, in-flight
 * builds reported) for up to the drain grace, then exits; a second signal exits at once.
 * The exit status re-raises the signal's number (128 + n) as graphile-worker does.
 */
import { constants } from "node:os";

import { loadConfig, redactConfig } from "../config/index.js";
import { Daemon } from "../daemon.js";
import { createLogger } from "../log.js";
import { EXIT } from "./exit.js";

export async function runCommand(flags: Record<string, unknown>): Promise<number> {
  const { config: file, ...rest } = flags;
  const config = await loadConfig({ file: typeof file === "string" ? file : null, env: process.env, flags: rest });
  const logger = createLogger({ level: config.log.level, ...(config.log.pretty !== null ? { pretty: config.log.pretty } : {}) });
  logger.debug({ config: redactConfig(config) }, "configuration");
  const daemon = new Daemon({ config, logger });
  try {
    await daemon.start();
  } catch (e) {
    logger.fatal({ err: e }, "the sidecar could not start");
    logger.flush();
    return EXIT.FAILURE;
  }
  return new Promise<number>((resolve) => {
    const force = new AbortController();
    let signalled: NodeJS.Signals | null = null;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (signalled !== null) {
        logger.warn({ signal: sig }, "second signal: stopping now, without waiting for builds");
        force.abort();
        return;
      }
      signalled = sig;
      logger.info({ signal: sig, graceMs: config.drain.graceMs }, "draining before exit; send the signal again to exit at once");
      daemon
        .drainAndStop(config.drain.graceMs, force.signal)
        .then((safe) => {
          if (!safe) logger.warn("exited with builds still in flight: gearmand requeues them and the state file lets the next start adopt them");
        })
        .catch((e: unknown) => logger.error({ err: e }, "error while stopping"))
        .finally(() => {
          process.off("SIGTERM", onSignal);
          process.off("SIGINT", onSignal);
          logger.flush();
          resolve(128 + (constants.signals[sig] ?? 15));
        });
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
