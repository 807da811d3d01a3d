/**
 * The runner endpoint, `/runners/connect`: Rivet's runner WebSocket protocol v1-v7 on the
 * engine's one port, v1-v3 through a bridge to the v7 model. Lifecycle, KV and the tunnel
 * plug in through {@link RunnerEndpoint}'s events and handlers; namespaces and runner IDs
 * come from a {@link RunnerRegistry}.
 */
export { RunnerConnection, type ProtocolFamily, type ToClientTranslator, familyOf } from "./connection.js";
export { Mk1Bridge, MK1_EVENT_ACK_BATCH } from "./mk1-bridge.js";
export { Mk1Store, type Mk1RunnerRecord, type Mk1CommandCheckpoint } from "./mk1-store.js";
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
