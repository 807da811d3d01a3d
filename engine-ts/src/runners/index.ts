/**
 * The runner endpoint, `/runners/connect`: Rivet's runner WebSocket protocol v4-v7 (and the
 * v1-v3 handshake) on the engine's one port. Lifecycle, KV and the tunnel plug in through
 * {@link RunnerEndpoint}'s events and handlers; namespaces and runner IDs come from a
 * {@link RunnerRegistry}.
 */
export { RunnerConnection, type ProtocolFamily, familyOf } from "./connection.js";
export {
  RunnerEndpoint,
  type RunnerEndpointOptions,
  type RunnerEventMap,
  type DisconnectInfo,
  type KvRequestHandler,
  type CommandReplayHandler,
  kvNotAvailable,
} from "./endpoint.js";
export { RunnerWsError, type RunnerCloseCode, closeReason, CLOSE_ERROR, CLOSE_NORMAL, CLOSE_TOO_BIG } from "./errors.js";
export { TypedEmitter } from "./events.js";
export { mintRunnerId, RUNNER_ID_LENGTH } from "./ids.js";
export { MemoryRunnerRegistry, type Namespace, type RunnerIdentity, type RunnerRegistry } from "./registry.js";
export { RUNNER_CONNECT_PATH, isRunnerUpgrade, parseConnectQuery } from "./query.js";
