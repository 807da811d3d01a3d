/**
 * The engine's KV limits, checked before a request is sent so that a caller gets a clear
 * error at once instead of a round trip. The numbers and the way a key is measured are
 * Rivet's, from `@actorwire/protocol`: a key counts as its length plus 2 (its tuple-encoding
 * overhead, `kvKeySize`), so the 2048-byte key limit admits raw keys of up to 2046 bytes.
 * Messages are worded as the engines word them, so a caller sees the same text whichever side
 * refused.
 */
import { KV_MAX_KEY_SIZE, KV_MAX_KEYS, KV_MAX_PUT_PAYLOAD_SIZE, KV_MAX_VALUE_SIZE, kvKeySize } from "@actorwire/protocol";
import { RunnerError } from "./errors.js";

function refuse(message: string): RunnerError {
  return new RunnerError("kv.limit_exceeded", message);
}

/** Checks one key, range bound or prefix. */
export function checkKey(key: Uint8Array, what: "key" | "start key" | "end key" | "prefix key"): void {
  if (!(key instanceof Uint8Array)) throw new RunnerError("kv.invalid_request", `${what} must be a Uint8Array`);
  if (kvKeySize(key) > KV_MAX_KEY_SIZE) {
    throw refuse(`${what} is too long (max ${KV_MAX_KEY_SIZE} bytes)`);
  }
}

/** Checks the keys of a get or a delete. */
export function checkKeys(keys: readonly Uint8Array[]): void {
  if (keys.length > KV_MAX_KEYS) throw refuse(`a maximum of ${KV_MAX_KEYS} keys is allowed`);
  for (const key of keys) checkKey(key, "key");
}

/** Checks the entries of a put, in the engine's order: count, total size, keys, values. */
export function checkEntries(entries: readonly (readonly [Uint8Array, Uint8Array])[]): void {
  if (entries.length > KV_MAX_KEYS) throw refuse(`A maximum of ${KV_MAX_KEYS} key-value entries is allowed`);
  let payload = 0;
  for (const [key, value] of entries) {
    if (!(key instanceof Uint8Array) || !(value instanceof Uint8Array)) {
      throw new RunnerError("kv.invalid_request", "keys and values must be Uint8Arrays");
    }
    payload += kvKeySize(key) + value.byteLength;
  }
  if (payload > KV_MAX_PUT_PAYLOAD_SIZE) throw refuse(`total payload is too large (max ${KV_MAX_PUT_PAYLOAD_SIZE / 1024} KiB)`);
  for (const [key] of entries) checkKey(key, "key");
  for (const [, value] of entries) {
    if (value.byteLength > KV_MAX_VALUE_SIZE) throw refuse(`value is too large (max ${KV_MAX_VALUE_SIZE / 1024} KiB)`);
  }
}
