/**
 * The runner connection: one runner process's runner protocol v7 link to an engine. The
 * actor runtime (`../actor`) hosts actors on it through {@link RunnerHandler}.
 */
export { Runner, PROTOCOL_VERSION, connectUrl } from "./runner.js";
export { RunnerError, type RunnerErrorId } from "./errors.js";
export { KV_MAX_KEYS, KV_MAX_KEY_SIZE, KV_MAX_PUT_PAYLOAD_SIZE, KV_MAX_VALUE_SIZE, MAX_TUNNEL_PAYLOAD_BYTES } from "@actorwire/protocol";
export { KV_REQUEST_TIMEOUT_MS } from "./kv-client.js";
export { reconnectDelayMs } from "./backoff.js";
export type * from "./types.js";
