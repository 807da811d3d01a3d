/**
 * @actorwire/client: a rivetkit-shaped typed client for actors behind an actorwire or Rivet
 * engine. `createClient<typeof registry>(endpoint)` is the entry point.
 */
export {
  createClient,
  ClientRaw,
  type Client,
  type ActorAccessor,
  type ActorHandle,
  type ActorConn,
  type ActorQueueSend,
  type ActorEventSubscribe,
  type QueryOptions,
  type GetOptions,
  type GetOrCreateOptions,
  type CreateOptions,
} from "./client.js";
export { ActorHandleRaw, type ActorActionOptions, type ActorFetchInit, type ActorGatewayOptions, type QueueSendOptions, type QueueSendResult } from "./handle.js";
export { ActorConnRaw, type ActorConnStatus } from "./connection.js";
export { type ClientConfigInput, type ConnectionOptionsInput, type Encoding, type ResolvedClientConfig, resolveClientConfig, parseEndpoint, DEFAULT_ENDPOINT, DEFAULT_MAX_INCOMING_MESSAGE_SIZE } from "./config.js";
export { ActorError, RemoteActorError } from "./actor-error.js";
export {
  ClientError,
  ClientNetworkError,
  ClientTimeoutError,
  ClientAbortedError,
  ClientConnectionLostError,
  ActorConnDisposedError,
  ClientDisposedError,
  ClientQueueFullError,
  ClientHttpError,
  ClientProtocolError,
  ClientConfigError,
  ClientMessageTooLongError,
  ClientGetParamsError,
} from "./errors.js";
export type { ActorKey } from "./keys.js";
export { serializeActorKey, deserializeActorKey } from "@actorwire/protocol";
export { type ActorQuery, isStaleActorError } from "./resolver.js";
export type {
  ActorsOf,
  ActorActionFunction,
  ActorDefinitionActions,
  EventArgs,
  EventName,
  InferEventArgs,
  QueueCompletion,
  QueueMessage,
  QueueName,
  AnyActorDefinition,
} from "./types.js";
