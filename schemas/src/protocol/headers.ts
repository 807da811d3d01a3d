/**
 * The names the client protocol puts in HTTP headers, gateway query parameters and WebSocket
 * subprotocols, as Rivet's guard and rivetkit spell them. The client writes them, the engine's
 * gateway and runner endpoint and the runner's actor surfaces read them; all of them import
 * these, so a misspelling cannot make one side deaf to the other.
 */

/** The client encoding of a request body and its answer (`json`, `cbor` or `bare`). */
export const HEADER_ENCODING = "x-rivet-encoding";
/** The connection parameters of a request, as JSON. */
export const HEADER_CONN_PARAMS = "x-rivet-conn-params";
/** The caller's token. */
export const HEADER_TOKEN = "x-rivet-token";
/** Header-mode addressing: `actor` (or `runner`) routes a request on any path. */
export const HEADER_TARGET = "x-rivet-target";
/** Header-mode addressing: the actor ID, with `x-rivet-target: actor`. */
export const HEADER_ACTOR = "x-rivet-actor";
/** Asks the gateway not to wait for the actor to be ready. */
export const HEADER_SKIP_READY_WAIT = "x-rivet-skip-ready-wait";

/** The subprotocol every gateway WebSocket offers and the engine selects. */
export const WS_PROTOCOL_STANDARD = "rivet";
/** Prefix of the subprotocol naming the encoding: `rivet_encoding.<encoding>`. */
export const WS_PROTOCOL_ENCODING = "rivet_encoding.";
/** Prefix of the subprotocol carrying percent-encoded JSON connection parameters. */
export const WS_PROTOCOL_CONN_PARAMS = "rivet_conn_params.";
/** Prefix of the subprotocol carrying the token: `rivet_token.<token>`. */
export const WS_PROTOCOL_TOKEN = "rivet_token.";
/** Prefix of the subprotocol naming the actor in header mode: `rivet_actor.<id>`. */
export const WS_PROTOCOL_ACTOR = "rivet_actor.";
/** The subprotocol that routes a WebSocket to an actor in header mode. */
export const WS_PROTOCOL_TARGET_ACTOR = "rivet_target.actor";
/** The subprotocol that routes a WebSocket on any path to the runner endpoint. */
export const WS_PROTOCOL_TARGET_RUNNER = "rivet_target.runner";
/** The subprotocol form of {@link HEADER_SKIP_READY_WAIT}. */
export const WS_PROTOCOL_SKIP_READY_WAIT = "rivet_skip_ready_wait";

/** Prefix of the gateway's query-mode parameters (`rvt-namespace`, `rvt-method`, …). */
export const GATEWAY_QUERY_PREFIX = "rvt-";
/** Every query-mode parameter the gateway knows, without {@link GATEWAY_QUERY_PREFIX}. */
export const GATEWAY_QUERY_PARAMS = [
  "namespace",
  "method",
  "runner",
  "pool",
  "key",
  "input",
  "region",
  "crash-policy",
  "token",
  "skip-ready-wait",
] as const;

/**
 * The subprotocols a `sec-websocket-protocol` header offers, in order, trimmed, without empty
 * entries.
 */
export function offeredSubprotocols(header: string | null | undefined): string[] {
  if (header === null || header === undefined) return [];
  return header
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

/** The value after `prefix` of the first offered subprotocol that starts with it, if any. */
export function subprotocolValue(protocols: readonly string[], prefix: string): string | undefined {
  return protocols.find((p) => p.startsWith(prefix))?.slice(prefix.length);
}
