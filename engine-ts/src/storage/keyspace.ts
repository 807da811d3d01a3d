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
  /**
   * What the runner protocol v1-v3 ("mk1") bridge keeps per runner ID: its runner-wide command
   * and event indices and how they map to v7 checkpoints: `[0x07] ++ tuple(runnerId) ++ …`
   * (see `runners/mk1-store.ts`).
   */
  runnerMk1: 0x07,
  /**
   * A runner pool (runner name) a namespace has seen, with the actor names its latest runner
   * announced: `[0x08] ++ tuple(namespaceId, runnerName)` (see `catalog/runner-pools.ts`).
   */
  runnerPool: 0x08,
  /** A runner config (pool) declared through the API: `[0x09] ++ tuple(namespaceId, runnerName)` (see `catalog/runner-configs.ts`). */
  runnerConfig: 0x09,
  /** One actor KV entry: `[0x10] ++ actor ++ userKey` (see `kv/layout.ts`). */
  kvEntry: 0x10,
  /** One actor's KV usage (bytes and key count): `[0x11] ++ actor`. */
  kvUsage: 0x11,
  /** An actor's lifecycle record (phase, runner, indices, alarm): `[0x20] ++ tuple(actorId)` (see `actors/keys.ts`). */
  actorLifecycle: 0x20,
  /** A command not yet acked: `[0x21] ++ tuple(runnerId, actorId) ++ u32be(generation) ++ u64be(index)`. */
  actorCommand: 0x21,
  /** A sleeping actor's alarm: `[0x22] ++ u64be(alarmTs) ++ tuple(actorId)`. */
  actorAlarm: 0x22,
  /** An actor that is not sleeping (pending, placed, in backoff): `[0x23] ++ tuple(actorId)`. */
  actorAwake: 0x23,
  /** When commands of an abandoned generation expire: `[0x24] ++ u64be(ts) ++ tuple(runnerId, actorId) ++ u32be(generation)`. */
  actorCommandExpiry: 0x24,
} as const;

/** One of the registered first bytes. */
export type SubspaceTag = (typeof Subspace)[keyof typeof Subspace];

/** The one-byte prefix of a subspace. */
export function subspacePrefix(tag: SubspaceTag): Uint8Array {
  return Uint8Array.of(tag);
}
