/**
 * Every documented limit of actorwire, in one table: its value, where it applies, what a caller
 * gets past it, and whose number it is. The limits page (`LIMITS.md`, `npm run limits`) is
 * rendered from this table, and a test checks that the constants each package enforces agree
 * with it, so the page and the code cannot drift apart.
 */

/** One limit. `value` is the largest accepted amount; one more is refused. */
export interface Limit {
  /** A stable name, `area.what`. */
  readonly id: string;
  /** The largest accepted amount, in `unit`. */
  readonly value: number;
  /** What `value` counts. */
  readonly unit: "bytes" | "characters" | "keys" | "messages" | "ms";
  /** Where the limit is checked. */
  readonly where: string;
  /** What the limit bounds, as a short sentence. */
  readonly what: string;
  /** What a caller gets one over the limit. */
  readonly over: string;
  /** Rivet's documented number, or one of ours (with the reason in `what`). */
  readonly origin: "Rivet" | "rivetkit" | "actorwire";
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Every documented limit, one row each; `LIMITS.md` and the docs site's limits page are rendered from it. */
export const LIMITS: readonly Limit[] = [
  { id: "namespace.display_name", value: 255, unit: "characters", where: "engine: `POST /namespaces`", what: "Length of a namespace's display name (Rivet documents none; this keeps one request from storing megabytes in every namespace listing).", over: "400 `namespace.invalid_display_name` naming the limit and the length", origin: "actorwire" },
  { id: "actor.name", value: 64, unit: "characters", where: "engine: `POST`/`PUT /actors`", what: "Length of an actor name.", over: "400 `actor.name_too_long`", origin: "Rivet" },
  { id: "actor.key", value: 1024, unit: "bytes", where: "engine: `POST`/`PUT /actors`", what: "The serialized key (components joined with `/`), UTF-8.", over: "400 `actor.key_too_long`", origin: "Rivet" },
  { id: "actor.key_component", value: 128, unit: "bytes", where: "engine: `POST`/`PUT /actors`", what: "One key component after unescaping, UTF-8.", over: "400 `actor.key_component_too_long`", origin: "Rivet" },
  { id: "actor.input", value: 4 * MiB, unit: "bytes", where: "engine: `POST`/`PUT /actors`", what: "The creation input (decoded from base64).", over: "400 `actor.input_too_large`", origin: "Rivet" },
  { id: "api.runner_config_name", value: 128, unit: "bytes", where: "engine: `PUT`/`DELETE /runner-configs/{runner_name}`", what: "A runner config (pool) name, as Rivet's envoy endpoint bounds `pool_name`.", over: "400 `runner_config.invalid_name` naming the limit and the size", origin: "Rivet" },
  { id: "api.body", value: 8 * MiB, unit: "bytes", where: "engine: public API", what: "A JSON request body (a 4 MiB input is about 5.6 MiB as base64).", over: "413, the body read to its end first so the caller sees the status", origin: "actorwire" },
  { id: "gateway.request_body", value: 20 * MiB, unit: "bytes", where: "engine: gateway HTTP", what: "A client's request body to an actor.", over: "413 naming the limit and the size", origin: "Rivet" },
  { id: "gateway.websocket_message", value: 20 * MiB, unit: "bytes", where: "engine: gateway WebSocket", what: "One client WebSocket message to an actor (Rivet's guard allows 32 MiB, which no longer fits a runner frame Rivet's runner decodes).", over: "close 1009 (`Max payload size exceeded`) from the WebSocket layer", origin: "actorwire" },
  { id: "tunnel.payload", value: 20 * MiB, unit: "bytes", where: "runner and engine: tunnel messages", what: "The body bytes in one tunnel message, either way.", over: "refused locally with `tunnel.payload_too_large`; the connection stays up", origin: "Rivet" },
  { id: "kv.keys_per_request", value: 128, unit: "keys", where: "engine and runner: actor KV", what: "Keys in one get, put or delete.", over: "`kv.limit_exceeded`", origin: "Rivet" },
  { id: "kv.key", value: 2048, unit: "bytes", where: "engine and runner: actor KV", what: "A key, counted as its raw length + 2 (so raw keys up to 2046 bytes).", over: "`kv.limit_exceeded`", origin: "Rivet" },
  { id: "kv.value", value: 128 * KiB, unit: "bytes", where: "engine and runner: actor KV", what: "One value.", over: "`kv.limit_exceeded`", origin: "Rivet" },
  { id: "kv.put_payload", value: 976 * KiB, unit: "bytes", where: "engine and runner: actor KV", what: "One put: every key (counted as above) plus every value.", over: "`kv.limit_exceeded`", origin: "Rivet" },
  { id: "actor.state", value: 124 * KiB, unit: "bytes", where: "runner: actor state", what: "An actor's state as CBOR (`maxStateBytes`), so its record fits one 128 KiB KV value.", over: "`state.too_large` naming the size and the limit, to the action that grew it; the state rolls back to the last saved value", origin: "actorwire" },
  { id: "client.incoming_message", value: 64 * KiB, unit: "bytes", where: "runner: actor, and client before sending", what: "An action's encoded arguments, a queue message or one connection frame to an actor (`maxIncomingMessageSize`).", over: "`message.incoming_too_long` from the actor; the client refuses first with `client.message_too_long`; both name the limit and the size", origin: "rivetkit" },
  { id: "client.outgoing_message", value: 1 * MiB, unit: "bytes", where: "runner: actor", what: "One reply or event frame from an actor (`maxOutgoingMessageSize`).", over: "`message.outgoing_too_long` naming the limit and the size", origin: "rivetkit" },
  { id: "queue.messages", value: 1000, unit: "messages", where: "runner: actor queue", what: "Messages waiting in one actor's queue (`maxQueueSize`).", over: "`queue.full` naming the limit", origin: "rivetkit" },
  { id: "queue.message", value: 64 * KiB, unit: "bytes", where: "runner: actor queue", what: "One queue message body (`maxQueueMessageSize`).", over: "`queue.message_too_large` naming the size and the limit", origin: "rivetkit" },
  { id: "client.query_input", value: 4 * KiB, unit: "bytes", where: "client: `getGatewayUrl`", what: "A creation input carried in a gateway query URL, as CBOR.", over: "`client.invalid_config` naming the size and the limit, before any request", origin: "rivetkit" },
  { id: "codec.message", value: 32 * MiB, unit: "bytes", where: "every BARE decoder", what: "One encoded message; a decoder refuses larger input before reading it.", over: "`protocol.too_large` (a ProtocolError) naming the size and the limit", origin: "actorwire" },
];

/** The limit with this id; throws for an unknown id, so a typo cannot read as `undefined`. */
export function limit(id: string): number {
  const found = LIMITS.find((l) => l.id === id);
  if (found === undefined) throw new Error(`no limit named ${id}`);
  return found.value;
}

// The limits both ends of a connection enforce, by name, read from the table above so that
// each number is written once. The engine, the runner and the conformance invariants import
// these instead of writing the numbers again.

/** Most keys in one KV get, put or delete. */
export const KV_MAX_KEYS: number = limit("kv.keys_per_request");
/** Largest KV key, measured by {@link kvKeySize}: raw length + {@link KV_KEY_OVERHEAD}. */
export const KV_MAX_KEY_SIZE: number = limit("kv.key");
/**
 * What Rivet adds to a key's raw length when it measures it: it counts a key as its
 * FoundationDB tuple encoding (a type byte and an end byte), so the 2048-byte limit admits raw
 * keys of at most 2046 bytes.
 */
export const KV_KEY_OVERHEAD = 2;
/** Largest KV value. */
export const KV_MAX_VALUE_SIZE: number = limit("kv.value");
/** Largest KV put: every key (measured by {@link kvKeySize}) plus every value. */
export const KV_MAX_PUT_PAYLOAD_SIZE: number = limit("kv.put_payload");
/** Largest body in one tunnel message, either way; Rivet closes the runner's socket past it. */
export const MAX_TUNNEL_PAYLOAD_BYTES: number = limit("tunnel.payload");

/** A KV key's size as the limits count it: its raw length + {@link KV_KEY_OVERHEAD}. */
export function kvKeySize(key: Uint8Array): number {
  return key.byteLength + KV_KEY_OVERHEAD;
}
