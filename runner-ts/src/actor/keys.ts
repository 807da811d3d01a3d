/**
 * Where the runtime keeps each of an actor's records in its KV. The layout follows rivetkit's
 * (and `schemas/persist/v1.bare`): one byte of record kind first, so that each kind is a prefix
 * and user KV can never collide with the runtime's own records.
 */

/** Key [1]: the `PersistedActor` record (input, hasInitialized, state). */
export const KEY_ACTOR = Uint8Array.of(1);
/** Prefix [2]: one `PersistedConn` per hibernatable connection, keyed by its id. */
export const PREFIX_CONN = Uint8Array.of(2);
/** Prefix [4]: `c.kv`, the user's own key-value space. */
export const PREFIX_USER_KV = Uint8Array.of(4);
/** Prefix [5]: the queue (`[5,1,1]` metadata, `[5,1,2]` + u64 BE id messages). */
export const PREFIX_QUEUE = Uint8Array.of(5);
/** Prefix [8]: one `ScheduledEvent` per pending schedule, keyed by its event id. */
export const PREFIX_SCHEDULE = Uint8Array.of(8);
/**
 * Prefix [9]: an input too large for the actor record, in chunks keyed by u32 BE index (ours;
 * rivetkit keeps the input inside the record, which caps it at one KV value).
 */
export const PREFIX_INPUT = Uint8Array.of(9);

/** The key of input chunk `index`. */
export function inputChunkKey(index: number): Uint8Array {
  const key = new Uint8Array(PREFIX_INPUT.length + 4);
  key.set(PREFIX_INPUT, 0);
  new DataView(key.buffer).setUint32(PREFIX_INPUT.length, index);
  return key;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Concatenates a prefix and a suffix into a new key. */
export function concatKey(prefix: Uint8Array, suffix: Uint8Array): Uint8Array {
  const key = new Uint8Array(prefix.length + suffix.length);
  key.set(prefix, 0);
  key.set(suffix, prefix.length);
  return key;
}

/** The key of schedule `eventId`. */
export function scheduleKey(eventId: string): Uint8Array {
  return concatKey(PREFIX_SCHEDULE, utf8.encode(eventId));
}

/** The event id of a schedule key. */
export function scheduleIdOf(key: Uint8Array): string {
  return utf8Decoder.decode(key.subarray(PREFIX_SCHEDULE.length));
}

/**
 * The first key after every key that starts with `prefix` (for half-open range ends), or null
 * when there is none (a prefix of only 0xff bytes).
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | null {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return null;
}

/** A string that identifies a key's bytes exactly, for use as a Map key. */
export function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}
