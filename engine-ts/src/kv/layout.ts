/**
 * Where actor KV lives in the engine's storage.
 *
 *   entry:  [Subspace.kvEntry] ++ actor ++ userKey   ->  entry record (see record.ts)
 *   usage:  [Subspace.kvUsage] ++ actor              ->  usage record (see record.ts)
 *
 * where `actor` is the actor ID's UTF-8 bytes preceded by their length in one byte. The length
 * prefix keeps one actor's keys from ever running into another's whatever the IDs look like
 * (no ID is a prefix of another's encoding), and since the user key follows unchanged, the
 * user keys of one actor sort in storage exactly as they sort as raw bytes, so list, range and
 * prefix requests become single storage scans.
 */

import { concatBytes, prefixEnd } from "../storage/bytes.js";
import { Subspace } from "../storage/keyspace.js";
import { KvError } from "./errors.js";

const utf8 = new TextEncoder();

/** The longest actor ID, in UTF-8 bytes, the layout can hold. */
export const MAX_ACTOR_ID_BYTES = 255;

function actorBytes(actorId: string): Uint8Array {
  const id = utf8.encode(actorId);
  if (id.length === 0 || id.length > MAX_ACTOR_ID_BYTES) {
    throw new KvError("kv.invalid_actor", `actor ID must be 1 to ${MAX_ACTOR_ID_BYTES} bytes of UTF-8, got ${id.length}`);
  }
  return concatBytes(Uint8Array.of(id.length), id);
}

/** The storage keys of one actor's KV. */
export class ActorKvKeys {
  /** The prefix every entry key of this actor starts with. */
  readonly entryPrefix: Uint8Array;
  /** Where this actor's entries end: the first key after all of them. */
  readonly entryEnd: Uint8Array;
  /** The key of this actor's usage record. */
  readonly usageKey: Uint8Array;

  constructor(readonly actorId: string) {
    const actor = actorBytes(actorId);
    this.entryPrefix = concatBytes(Uint8Array.of(Subspace.kvEntry), actor);
    // The prefix starts with a tag below 0xFF, so it always has an end.
    this.entryEnd = prefixEnd(this.entryPrefix)!;
    this.usageKey = concatBytes(Uint8Array.of(Subspace.kvUsage), actor);
  }

  /** The storage key of one user key. */
  entry(userKey: Uint8Array): Uint8Array {
    return concatBytes(this.entryPrefix, userKey);
  }

  /** The user key of a storage key of this actor. */
  userKey(storageKey: Uint8Array): Uint8Array {
    return storageKey.subarray(this.entryPrefix.length);
  }
}
