/**
 * What the engine stores about namespaces and actors, in the public API's snake_case shapes.
 * Records are JSON with a format version `v`, so a later format can be read next to this one.
 */

/** A namespace as the API returns it. */
export interface NamespaceRecord {
  readonly namespace_id: string;
  readonly name: string;
  readonly display_name: string;
  readonly create_ts: number;
}

/** What happens when an actor stops with an error. */
export type CrashPolicy = "restart" | "sleep" | "destroy";

/** An actor as the API returns it; timestamps are Unix milliseconds. */
export interface ActorRecord {
  readonly actor_id: string;
  readonly name: string;
  readonly key: string | null;
  readonly namespace_id: string;
  readonly datacenter: string;
  readonly runner_name_selector: string;
  readonly crash_policy: CrashPolicy;
  readonly create_ts: number;
  readonly start_ts?: number | null;
  readonly pending_allocation_ts?: number | null;
  readonly connectable_ts?: number | null;
  readonly sleep_ts?: number | null;
  readonly reschedule_ts?: number | null;
  readonly destroy_ts?: number | null;
  readonly error?: unknown;
}

/** The stored form of an actor: the API record plus what only the engine needs. */
export interface StoredActor {
  readonly v: 1;
  readonly actor: ActorRecord;
  /** The creation input, base64, handed to the runner in the start command. */
  readonly input: string | null;
  /** Goes up each time the actor is placed again. */
  readonly generation: number;
}

/** The stored form of a namespace. */
export interface StoredNamespace {
  readonly v: 1;
  readonly namespace: NamespaceRecord;
}

/** Metadata registered for an actor name (from a runner's `prepopulateActorNames`). */
export interface StoredActorName {
  readonly v: 1;
  readonly metadata: unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeRecord(value: StoredActor | StoredNamespace | StoredActorName): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Decodes a record and refuses a format version this engine does not know. */
export function decodeRecord<T extends { v: number }>(bytes: Uint8Array, what: string): T {
  const value = JSON.parse(decoder.decode(bytes)) as T;
  if (value.v !== 1) throw new Error(`stored ${what} has unknown format version ${String(value.v)}`);
  return value;
}
