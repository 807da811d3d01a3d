/**
 * `@actorwire/client`: a typed client for actors behind an actorwire engine or Rivet's engine,
 * shaped like `rivetkit/client` so that an app ports by changing its import. It speaks Rivet's
 * client protocol (json, cbor or bare) through the engine's gateway, in Node and in browsers.
 *
 * - {@link createClient} is the entry point; `client.<actor>` has `get`, `getOrCreate`,
 *   `getForId` and `create`, each giving an {@link ActorHandle}.
 * - A handle has one typed method per action (typed from `typeof registry`, ours or
 *   rivetkit's), `send` for queues, `fetch` and `webSocket` for raw traffic, and `connect()`
 *   for an {@link ActorConn} that receives events.
 * - What an actor or the engine reports arrives as an {@link ActorError}; what fails in the
 *   client itself is a {@link ClientError}.
 *
 * ```ts
 * import { createClient } from "@actorwire/client";
 * import type { registry } from "./actors.js";
 *
 * const client = createClient<typeof registry>("http://127.0.0.1:6420");
 * const counter = client.counter.getOrCreate(["room", "a"]);
 * await counter.increment(5);
 * const conn = counter.connect();
 * conn.on("newCount", (count) => console.log(count));
 * await client.dispose();
 * ```
 *
 * @packageDocumentation
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
