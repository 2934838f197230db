/** Public API of the Gearman layer. */
export {
  ArgCount,
  DEFAULT_MAX_BODY_BYTES,
  HEADER_BYTES,
  isPacketType,
  Magic,
  packetTypeName,
  PacketType,
  type MagicName,
  type PacketTypeName,
  type PacketTypeNumber,
} from "./constants.js";
export { decodeBody, encode, type Packet } from "./codec.js";
export {
  AdminReplyParser,
  PacketParser,
  parseErrLine,
  type AdminReply,
  type AdminReplyKind,
  type AdminReplyParserOptions,
  type PacketParserOptions,
} from "./parser.js";
export {
  GearmanClosedError,
  GearmanConnectionError,
  GearmanError,
  GearmanProtocolError,
  GearmanServerError,
  GearmanTimeoutError,
  PROTOCOL_ERROR,
  type ProtocolErrorKind,
} from "./errors.js";
export {
  formatAddress,
  GearmanConnection,
  type ConnectionStatus,
  type GearmanConnectionOptions,
  type ServerAddress,
} from "./connection.js";
export { WorkerJob, type JobSender, type WorkerJobInit } from "./job.js";
export { GearmanWorker, type GearmanWorkerOptions, type WorkerStats } from "./worker.js";
export { ClientJob, type ClientJobResult } from "./client-job.js";
export { GearmanClient, type GearmanClientOptions, type JobStatus, type SubmitOptions } from "./client.js";
export {
  GearmanAdmin,
  parseStatus,
  parseWorkers,
  type FunctionStatus,
  type GearmanAdminOptions,
  type WorkerInfo,
} from "./admin.js";
export { GearmanServer, type GearmanServerOptions, type GearmanServerStats } from "./server.js";
