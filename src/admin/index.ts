export { AdminServer, type AdminHandlers, type AdminServerOptions, type AdminStatus } from "./server.js";
export { Metrics, type MetricsOptions, OTHER_FUNCTION } from "./metrics.js";
export { AdminConfigError, AdminListenError } from "./errors.js";
export { checkBearer, isLoopbackHost, safeEqual } from "./auth.js";
export { CycleGauges, watchBridge, watchPublisher, watchWorker } from "./wiring.js";
