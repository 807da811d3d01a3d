/**
 * Every `group.code` an actorwire package raises, with what it means and, where it answers an
 * HTTP request, the status. This is the one list: `ACTOR_ERROR_CODES` names a part of it, the
 * runner's HTTP statuses come from it, and a test checks that every identifier the packages'
 * sources construct an error with is here. A docs site can render it as it is
 * (`Object.entries(ERROR_CODES)`).
 */

/** Which part of actorwire raises a code. */
export type ErrorSource =
  /** The engine: its REST API, gateway, runner endpoint, KV and storage. */
  | "engine"
  /** The runner connection of `@actorwire/runner` (KV calls, tunnel, start and stop). */
  | "runner"
  /** The actor runtime of `@actorwire/runner`, answering clients over the client protocol. */
  | "actor"
  /** `@actorwire/client`, on the caller's side. */
  | "client"
  /** The codecs of `@actorwire/protocol`. */
  | "protocol";

/** One row of {@link ERROR_CODES}. */
export interface ErrorCodeInfo {
  /** What the failure means, for people. */
  readonly meaning: string;
  /** The HTTP status it answers with, where it answers an HTTP request. */
  readonly status?: number;
  /** Who raises it. */
  readonly sources: readonly ErrorSource[];
}

const engine: readonly ErrorSource[] = ["engine"];
const runner: readonly ErrorSource[] = ["runner"];
const actor: readonly ErrorSource[] = ["actor"];
const client: readonly ErrorSource[] = ["client"];
const protocol: readonly ErrorSource[] = ["protocol"];

/** Every error identifier, `group.code`, with its meaning and HTTP status. Sorted by identifier. */
export const ERROR_CODES = {
  "actor.aborted": { meaning: "The actor is shutting down; work waiting on it was abandoned.", status: 500, sources: actor },
  "actor.action_not_found": { meaning: "The actor has no action of that name.", status: 404, sources: actor },
  "actor.action_timed_out": { meaning: "An action or request handler ran past `actionTimeout`.", status: 408, sources: actor },
  "actor.callback_timed_out": { meaning: "A connection hook ran past its timeout.", status: 500, sources: actor },
  "actor.client_unavailable": { meaning: "`c.client()` on an actor host made without a client (not through `registry.start()`).", status: 500, sources: actor },
  "actor.duplicate_key": { meaning: "An actor with this name and key already exists.", status: 400, sources: engine },
  "actor.hook_timed_out": { meaning: "A lifecycle hook ran past its timeout.", status: 500, sources: actor },
  "actor.input_too_large": { meaning: "The actor's creation input is over the size limit.", status: 400, sources: engine },
  "actor.internal_error": {
    meaning: "Anything an actor threw that is not an ActorError; the details are logged, never sent (rivetkit's `INTERNAL_ERROR_CODE`).",
    status: 500,
    sources: actor,
  },
  "actor.invalid_input": { meaning: "The actor's creation input is not standard base64.", status: 400, sources: engine },
  "actor.invalid_name": { meaning: "The actor name is empty.", status: 400, sources: engine },
  "actor.invalid_request": { meaning: "A WebSocket message that does not decode (the Rust core's spelling).", status: 400, sources: actor },
  "actor.key_component_too_long": { meaning: "A component of the actor key is over the size limit.", status: 400, sources: engine },
  "actor.key_required": { meaning: "Query addressing needs a key (`rvt-key`).", status: 400, sources: engine },
  "actor.key_too_long": { meaning: "The actor key is over the size limit.", status: 400, sources: engine },
  "actor.lifecycle_closed": { meaning: "The engine is shutting down.", status: 503, sources: engine },
  "actor.method_not_allowed": { meaning: "A framework route called with the wrong HTTP method.", status: 405, sources: actor },
  "actor.name_not_served": { meaning: "No runner of that name serves an actor of that name.", status: 400, sources: engine },
  "actor.name_too_long": { meaning: "The actor name is over the length limit.", status: 400, sources: engine },
  "actor.no_capacity": { meaning: "Every runner of the selected name is full or draining.", status: 503, sources: engine },
  "actor.no_runner_config_configured": { meaning: "The selected runner pool is neither declared (a runner config) nor has a runner of it connected to the namespace.", status: 400, sources: engine },
  "actor.no_runners": { meaning: "No runner of the selected name is connected to run the actor.", status: 503, sources: engine },
  "actor.not_found": { meaning: "The actor does not exist (destroyed, or not running here).", status: 404, sources: ["engine", "actor"] },
  "actor.ready_timeout": { meaning: "The actor did not become ready in time.", status: 504, sources: engine },
  "actor.route_not_found": { meaning: "No framework route serves the path.", status: 404, sources: actor },
  "actor.state_mutation_reentrant": { meaning: "State was mutated inside `onStateChange` (rivetkit's code).", status: 500, sources: actor },
  "actor.state_not_enabled": { meaning: "`c.state` used by an actor that declares no state (rivetkit's code).", status: 500, sources: actor },
  "actor.stopped": { meaning: "The actor stopped before it answered.", status: 503, sources: engine },
  "actor.stopping": { meaning: "Work refused because the actor is shutting down.", status: 500, sources: actor },
  "actor.validation_error": { meaning: "An action's arguments failed its schema.", status: 400, sources: actor },
  "api.body_too_large": { meaning: "A REST API request body over the limit.", status: 413, sources: engine },
  "api.invalid_body": { meaning: "A REST API request body that is not the expected JSON.", status: 400, sources: engine },
  "api.invalid_path": { meaning: "A path segment that is not valid percent-encoded UTF-8.", status: 400, sources: engine },
  "api.invalid_query": { meaning: "Query parameters that do not fit together.", status: 400, sources: engine },
  "api.invalid_target": { meaning: "A request target that is not a valid URL path.", status: 400, sources: engine },
  "api.invalid_unicode": { meaning: "A field with a lone surrogate, which has no UTF-8 form.", status: 400, sources: engine },
  "api.not_implemented": { meaning: "The endpoint is not available on this engine.", status: 501, sources: engine },
  "auth.forbidden": { meaning: "A `canSubscribe` or `canPublish` hook said no (rivetkit's `forbiddenError`).", status: 403, sources: actor },
  "auth.invalid_token": { meaning: "The token is not valid for this engine.", status: 403, sources: engine },
  "auth.missing_token": { meaning: "The engine requires a token and none was sent.", status: 401, sources: engine },
  "cbor.malformed": { meaning: "`rvt-input` that is not one well-formed CBOR item.", sources: engine },
  "client.aborted": { meaning: "The caller's AbortSignal fired.", sources: client },
  "client.client_disposed": { meaning: "The client was disposed.", sources: client },
  "client.connection_disposed": { meaning: "The connection was disposed while the call waited.", sources: client },
  "client.connection_lost": { meaning: "The connection closed while an action was in flight; it is never sent again.", sources: client },
  "client.get_params_failed": { meaning: "A connection's `getParams()` threw.", sources: client },
  "client.http_error": { meaning: "An HTTP error status whose body is not a structured error.", sources: client },
  "client.invalid_config": { meaning: "A configuration value or argument that cannot work.", sources: client },
  "client.message_too_long": { meaning: "A message over the actor's incoming size limit, refused before sending.", sources: client },
  "client.network_error": { meaning: "The endpoint could not be reached, or the connection broke before an answer.", sources: client },
  "client.protocol_error": { meaning: "A message or body from the server that does not decode.", sources: client },
  "client.queue_full": { meaning: "Too many actions are waiting for a reconnect.", sources: client },
  "client.timeout": { meaning: "A deadline passed (an action's `timeout`, or an action queued while reconnecting).", sources: client },
  "config.invalid_value": { meaning: "An `actor()` option with a value that cannot work.", status: 500, sources: actor },
  "config.unknown_key": { meaning: "An `actor()` option this runtime does not know.", status: 500, sources: actor },
  "config.unsupported_key": { meaning: "An `actor()` option this runtime does not support.", status: 500, sources: actor },
  "core.aborted": { meaning: "An AbortError normalised by `ActorwireError.from`.", sources: protocol },
  "core.internal_error": {
    meaning: "An unexpected failure; the message does not leak details (the Rust core also answers an unreadable request body with it).",
    status: 500,
    sources: ["engine", "actor"],
  },
  "core.timed_out": { meaning: "A TimeoutError (`AbortSignal.timeout`) normalised by `ActorwireError.from`.", sources: protocol },
  "datacenter.not_found": { meaning: "A runner config names a datacenter this engine is not (this engine is one datacenter).", status: 400, sources: engine },
  "encoding.invalid": { meaning: "An encoding name the actor does not speak.", status: 400, sources: actor },
  "guard.actor_ready_timeout": { meaning: "The gateway timed out waiting for the actor to become ready.", status: 504, sources: engine },
  "guard.going_away": { meaning: "The engine is shutting down.", status: 503, sources: engine },
  "guard.invalid_response": { meaning: "The actor's response is not valid HTTP.", status: 502, sources: engine },
  "guard.missing_header": { meaning: "Header addressing without the header (or subprotocol) naming the actor.", status: 400, sources: engine },
  "guard.query_duplicate_param": { meaning: "A query gateway parameter given twice.", status: 400, sources: engine },
  "guard.query_empty_actor_name": { meaning: "A query gateway path with an empty actor name.", status: 400, sources: engine },
  "guard.query_get_disallowed_params": { meaning: "Query gateway `get` with parameters only `getOrCreate` takes.", status: 400, sources: engine },
  "guard.query_invalid_base64_input": { meaning: "Query gateway input that is not base64url.", status: 400, sources: engine },
  "guard.query_invalid_cbor_input": { meaning: "Query gateway input that is not CBOR.", status: 400, sources: engine },
  "guard.query_invalid_params": { meaning: "Query gateway parameters that do not fit together.", status: 400, sources: engine },
  "guard.query_invalid_percent_encoding": { meaning: "A query gateway parameter with bad percent-encoding.", status: 400, sources: engine },
  "guard.query_missing_runner_name": { meaning: "Query gateway `getOrCreate` without `runnerName`.", status: 400, sources: engine },
  "guard.query_param_missing_equals": { meaning: "A query gateway parameter without `=`.", status: 400, sources: engine },
  "guard.query_path_token_syntax": { meaning: "A query gateway path using `@token` syntax.", status: 400, sources: engine },
  "guard.query_unknown_param": { meaning: "A query gateway parameter the gateway does not know.", status: 400, sources: engine },
  "guard.request_body_too_large": { meaning: "A request body over the gateway's limit; it is not forwarded.", status: 413, sources: engine },
  "guard.request_timeout": { meaning: "The actor did not start answering in time.", status: 504, sources: engine },
  "guard.response_aborted": { meaning: "The actor aborted the request before answering.", status: 502, sources: engine },
  "guard.response_body_too_large": { meaning: "The actor's response is over the gateway's limit.", status: 502, sources: engine },
  "guard.service_unavailable": { meaning: "The actor's runner is not connected, or could not be written to.", status: 503, sources: engine },
  "kv.invalid_actor": { meaning: "An actor ID that cannot be used as a storage prefix.", sources: engine },
  "kv.invalid_request": { meaning: "A malformed KV request (mismatched lists, a bad list limit, a non-byte key).", sources: ["engine", "runner"] },
  "kv.limit_exceeded": { meaning: "A KV request over one of the KV limits.", sources: ["engine", "runner"] },
  "kv.quota_exceeded": { meaning: "A put that would take the actor past its storage quota.", sources: engine },
  "kv.refused": { meaning: "The engine answered a KV request with an error; the message is the engine's.", sources: runner },
  "kv.timeout": { meaning: "No answer to a KV request within the request timeout.", sources: runner },
  "kv.unexpected_response": { meaning: "The engine answered a KV request with a response of the wrong kind.", sources: runner },
  "message.incoming_too_long": { meaning: "A client message over the actor's incoming limit.", status: 400, sources: actor },
  "message.outgoing_too_long": { meaning: "A reply over the actor's outgoing limit.", status: 400, sources: actor },
  "namespace.invalid_display_name": { meaning: "A namespace display name over its 255-character limit.", status: 400, sources: engine },
  "namespace.invalid_name": { meaning: "A namespace name that is not 1-63 lowercase letters, digits and dashes.", status: 400, sources: engine },
  "namespace.name_not_unique": { meaning: "The namespace exists already.", status: 400, sources: engine },
  "namespace.not_found": { meaning: "The namespace does not exist.", status: 404, sources: engine },
  "protocol.invalid_value": { meaning: "A value handed to an encoder does not fit its schema type.", sources: protocol },
  "protocol.malformed": { meaning: "Bytes that are not a valid value of the expected type.", sources: protocol },
  "protocol.too_large": { meaning: "A message larger than the decoder accepts.", sources: protocol },
  "queue.already_completed": { meaning: "`complete()` called twice on a queue message.", status: 400, sources: actor },
  "queue.full": { meaning: "The queue holds `maxQueueSize` messages already.", status: 400, sources: actor },
  "queue.message_too_large": { meaning: "A queue message body over `maxQueueMessageSize`.", status: 400, sources: actor },
  "queue.not_declared": { meaning: "A send to a queue name the actor does not declare.", status: 400, sources: actor },
  "queue.previous_message_not_completed": { meaning: "A receive while a completable message is still open.", status: 400, sources: actor },
  "queue.timed_out": { meaning: "A queue send that waited past its timeout (the Rust core's `QueueWaitTimedOut`).", status: 400, sources: actor },
  "request.invalid": { meaning: "A request body or header that does not decode (rivetkit's `invalidRequest`).", status: 400, sources: actor },
  "rivetkit.internal_error": { meaning: "Rivet's Rust core's spelling of `actor.internal_error`; clients treat both alike.", status: 500, sources: actor },
  "runner.actor_not_found": { meaning: "A request for an actor not (or no longer) hosted by this runner; the gateway retries it.", sources: runner },
  "runner.lost": { meaning: "The connection was gone past the runner-lost threshold; pending work was abandoned.", sources: runner },
  "runner.shutdown": { meaning: "The runner shut down (or was evicted) before the work could complete.", sources: runner },
  "runner_config.invalid_name": { meaning: "A runner config (pool) name that is empty or over 128 bytes.", status: 400, sources: engine },
  "runner_config.serverless_unsupported": { meaning: "A serverless runner config: this engine only runs pools whose runners connect to it.", status: 400, sources: engine },
  "schedule.limit_exceeded": { meaning: "More than `maxSchedules` pending schedules.", status: 500, sources: actor },
  "state.not_ready": { meaning: "State used before it exists (inside `createState`).", status: 500, sources: actor },
  "state.too_large": { meaning: "The encoded state is over `maxStateBytes`.", status: 500, sources: actor },
  "storage.backend": { meaning: "The storage backend failed (disk full, I/O error, a locked or corrupt database file).", sources: engine },
  "storage.closed": { meaning: "The store was used after `close()`.", sources: engine },
  "storage.corrupt": { meaning: "Stored bytes in a format this engine does not read.", sources: engine },
  "storage.invalid_argument": { meaning: "An argument the storage does not accept.", sources: engine },
  "storage.invalid_transaction": { meaning: "A transaction misused: an async body, or its handle used after it ended.", sources: engine },
  "storage.locked": { meaning: "Another engine process holds the data dir's lock.", sources: engine },
  "tunnel.invalid_state": { meaning: "A tunnel WebSocket used in the wrong state.", sources: runner },
  "tunnel.payload_too_large": { meaning: "A tunnel WebSocket payload over the tunnel limit.", sources: runner },
  "user.user_error": { meaning: "An error an actor throws on purpose (`UserError`); any `user.*` code answers 400.", status: 400, sources: actor },
  "version.not_expressible": { meaning: "A value the target protocol version cannot express.", sources: protocol },
  "version.type_missing": { meaning: "A message type that does not exist in that protocol version.", sources: protocol },
  "version.unknown_version": { meaning: "A protocol version this package does not know.", sources: protocol },
  "ws.eviction": {
    meaning: "Runner or envoy WebSocket close (1000): a newer connection for the same runner, or with the same envoy key, took over (Rivet's runner stops for good).",
    sources: engine,
  },
  "ws.going_away": { meaning: "Runner or envoy WebSocket close: the engine is shutting down.", sources: engine },
  "ws.invalid_initial_packet": { meaning: "Runner WebSocket close: the first message is not `ToServerInit`.", sources: engine },
  "ws.invalid_packet": { meaning: "Runner WebSocket close: a message that does not decode.", sources: engine },
  "ws.invalid_request": {
    meaning: "Envoy WebSocket close: a connect URL parameter is missing or out of range (`protocol_version` 2-6 or 8, `pool_name` at most 128 bytes, `envoy_key` 3-128 characters, `version` a u32).",
    sources: engine,
  },
  "ws.invalid_url": { meaning: "Runner WebSocket close: a connect URL that does not parse.", sources: engine },
  "ws.message_too_large": { meaning: "Runner WebSocket close: a frame over the endpoint's limit.", sources: engine },
  "ws.no_runner_config": { meaning: "Envoy WebSocket close: the namespace has no runner config (pool) of the envoy's `pool_name`.", sources: engine },
  "ws.ping_timed_out": { meaning: "Runner WebSocket close: no pong within the ping timeout.", sources: engine },
  "ws.timed_out": { meaning: "Envoy WebSocket close: no pong within the ping timeout.", sources: engine },
  "ws.timed_out_waiting_for_init": { meaning: "Runner WebSocket close: no `ToServerInit` in time.", sources: engine },
} as const satisfies Record<`${string}.${string}`, ErrorCodeInfo>;

/** An identifier listed in {@link ERROR_CODES}. */
export type KnownErrorId = keyof typeof ERROR_CODES;

/** The row of `id`, or undefined for an identifier not in the list (a user's own code). */
export function errorCodeInfo(id: string): ErrorCodeInfo | undefined {
  return Object.hasOwn(ERROR_CODES, id) ? (ERROR_CODES as Record<string, ErrorCodeInfo>)[id] : undefined;
}
