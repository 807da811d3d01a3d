/**
 * The KV limits and the checks that enforce them, as Rivet's engine has them
 * (`engine/packages/pegboard/src/actor_kv`). Messages are Rivet's wording with the configured
 * numbers filled in.
 *
 * Rivet measures a key as its FoundationDB tuple-encoded length, which it computes as the raw
 * length plus 2, so the 2048-byte key limit admits raw keys of at most 2046 bytes, and a put's
 * payload counts each key as its length plus 2. We measure the same way, so that a key or put
 * our engine accepts is one Rivet's accepts too.
 */

import { KV_MAX_KEY_SIZE, KV_MAX_KEYS, KV_MAX_PUT_PAYLOAD_SIZE, KV_MAX_VALUE_SIZE, kvKeySize } from "@actorwire/protocol";
import { KvError } from "./errors.js";

/** The limits one KV service enforces. */
export interface KvLimits {
  /** Most keys in one get, put or delete. */
  readonly maxKeys: number;
  /** Largest key, measured by `kvKeySize` (raw length + 2). */
  readonly maxKeySize: number;
  /** Largest value in bytes. */
  readonly maxValueSize: number;
  /** Largest put: the sum of every key (measured as above) and every value. */
  readonly maxPutPayloadSize: number;
  /** Most bytes one actor may store, counted as a put counts them. */
  readonly maxStorageSize: number;
  /** How many entries a list returns when the request gives no limit. */
  readonly defaultListLimit: number;
}

/** Rivet's limits, the defaults: the protocol's, plus the engine's own quota and list size. */
export const DEFAULT_KV_LIMITS: KvLimits = Object.freeze({
  maxKeys: KV_MAX_KEYS,
  maxKeySize: KV_MAX_KEY_SIZE,
  maxValueSize: KV_MAX_VALUE_SIZE,
  maxPutPayloadSize: KV_MAX_PUT_PAYLOAD_SIZE,
  maxStorageSize: 10 * 1024 * 1024 * 1024,
  defaultListLimit: 16_384,
});

/** Checks the keys of a get or delete. */
export function checkKeys(limits: KvLimits, keys: readonly Uint8Array[]): void {
  if (keys.length > limits.maxKeys) throw tooMany(`a maximum of ${limits.maxKeys} keys is allowed`);
  for (const key of keys) checkKey(limits, key, "key");
}

/** Checks one key of a request: a range bound, a prefix, or a key to read or write. */
export function checkKey(limits: KvLimits, key: Uint8Array, what: "key" | "start key" | "end key" | "prefix key"): void {
  if (kvKeySize(key) > limits.maxKeySize) {
    throw new KvError("kv.limit_exceeded", `${what} is too long (max ${formatSize(limits.maxKeySize)})`);
  }
}

/** Checks the entries of a put, everything but the quota, which needs the stored sizes. */
export function checkEntries(limits: KvLimits, keys: readonly Uint8Array[], values: readonly Uint8Array[]): void {
  if (keys.length !== values.length) throw new KvError("kv.invalid_request", "Keys list length != values list length");
  if (keys.length > limits.maxKeys) throw tooMany(`A maximum of ${limits.maxKeys} key-value entries is allowed`);
  if (payloadSize(keys, values) > limits.maxPutPayloadSize) {
    throw new KvError("kv.limit_exceeded", `total payload is too large (max ${formatSize(limits.maxPutPayloadSize)})`);
  }
  for (const key of keys) checkKey(limits, key, "key");
  for (const value of values) {
    if (value.length > limits.maxValueSize) {
      throw new KvError("kv.limit_exceeded", `value is too large (max ${formatSize(limits.maxValueSize)})`);
    }
  }
}

/** A put's payload as the limits count it. */
export function payloadSize(keys: readonly Uint8Array[], values: readonly Uint8Array[]): number {
  let size = 0;
  for (const key of keys) size += kvKeySize(key);
  for (const value of values) size += value.length;
  return size;
}

/** Refuses a put that would take the actor's stored bytes from `used` past the quota. */
export function checkQuota(limits: KvLimits, used: number, growth: number): void {
  if (used + growth > limits.maxStorageSize) {
    const remaining = Math.max(0, limits.maxStorageSize - used);
    throw new KvError(
      "kv.quota_exceeded",
      `not enough space left in storage (max ${formatSize(limits.maxStorageSize)} per actor; ` +
        `${remaining} bytes remaining, this put adds ${growth} bytes)`,
    );
  }
}

// Rivet writes KiB limits in KiB; a configured limit that is not a whole number of KiB
// (or is small) reads better in bytes.
function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024 && bytes % (1024 * 1024 * 1024) === 0) return `${bytes / (1024 * 1024 * 1024)} GiB`;
  if (bytes >= 8 * 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function tooMany(message: string): KvError {
  return new KvError("kv.limit_exceeded", message);
}
