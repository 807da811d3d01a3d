/**
 * The top of the engine's key space: the first byte of every storage key says which part of
 * the engine owns it. Keeping the whole list in one place is what stops two parts from
 * claiming the same prefix; add a tag here before writing keys under it, and never reuse or
 * renumber one, since stored data depends on it.
 */
export const Subspace = {
  /** A namespace by name: `[0x01] ++ tuple(name)` (see `catalog/catalog.ts`). */
  namespaceByName: 0x01,
  /** An actor record: `[0x02] ++ tuple(actorId)`. */
  actor: 0x02,
  /** A live actor by name and key: `[0x03] ++ tuple(namespaceId, name, key)` → actor ID. */
  actorByKey: 0x03,
  /** Every actor of a name: `[0x04] ++ tuple(namespaceId, name, actorId)`. */
  actorByName: 0x04,
  /** An actor name's metadata: `[0x05] ++ tuple(namespaceId, name)`. */
  actorName: 0x05,
  /** A runner ID by identity: `[0x06] ++ tuple(namespaceId, runnerName, runnerKey)` → runner ID. */
  runnerId: 0x06,
  /** One actor KV entry: `[0x10] ++ actor ++ userKey` (see `kv/layout.ts`). */
  kvEntry: 0x10,
  /** One actor's KV usage (bytes and key count): `[0x11] ++ actor`. */
  kvUsage: 0x11,
} as const;

/** One of the registered first bytes. */
export type SubspaceTag = (typeof Subspace)[keyof typeof Subspace];

/** The one-byte prefix of a subspace. */
export function subspacePrefix(tag: SubspaceTag): Uint8Array {
  return Uint8Array.of(tag);
}
