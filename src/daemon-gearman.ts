/**
 * The daemon's Gearman side: the configured servers, each worker the bridge asks for (with its
 * metrics), and the admin `workers` question of the master-name check (docs/contract.md "The
 * management functions"). Composition only: the protocol is in gearman/, the policy in bridge/.
 */
import type { Logger } from "pino";

import { watchWorker, type Metrics } from "./admin/index.js";
import type { GearmanAdminPort, WorkerFactory } from "./bridge/index.js";
import { tlsConnectionOptions, type Config } from "./config/index.js";
import { formatAddress, GearmanAdmin, GearmanWorker, type GearmanConnectionOptions, type ServerAddress } from "./gearman/index.js";

/** The configured Gearman servers, TLS files read. */
export function configuredServers(c: Config["gearman"]): ServerAddress[] {
  return c.servers.map((s) => {
    const tls = tlsConnectionOptions(s.tls);
    return tls ? { host: s.host, port: s.port, tls } : { host: s.host, port: s.port };
  });
}

/** Makes the workers the bridge asks for, connected to every server and counted in the metrics. */
export function workerFactory(o: { servers: readonly ServerAddress[]; connection: Omit<GearmanConnectionOptions, "logger">; metrics: Metrics; logger: Logger }): WorkerFactory {
  return (clientId, w) => {
    // A group worker (no job bound) grabs only what the bridge budgets; the management worker by its capacity.
    const grabBudget = w.capacity === Number.POSITIVE_INFINITY ? 0 : null;
    const worker = new GearmanWorker({ clientId, servers: [...o.servers], capacity: w.capacity, grabBudget, connection: o.connection, logger: o.logger.child({ worker: clientId }) });
    watchWorker(o.metrics, worker);
    worker.on("error", (e) => o.logger.warn({ err: e, worker: clientId }, "gearman worker error"));
    return worker;
  };
}

/** The admin `workers` command on each server, for the master-name check (a connection per question). */
export function gearmanAdminPort(servers: readonly ServerAddress[]): GearmanAdminPort {
  const byName = new Map(servers.map((s) => [formatAddress(s), s]));
  return {
    servers: [...byName.keys()],
    workers: async (server) => {
      const addr = byName.get(server);
      if (addr === undefined) return [];
      const admin = new GearmanAdmin(addr, { timeoutMs: 5000 });
      try {
        return await admin.workers();
      } finally {
        await admin.close();
      }
    },
  };
}
