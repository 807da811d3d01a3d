import { EngineError } from "../errors.js";
import { mintRunnerId } from "../runners/ids.js";
import { Subspace, subspacePrefix } from "../storage/keyspace.js";
import type { Storage, StorageReader, StorageWriter } from "../storage/storage.js";
import { checkActorInput, checkBase64Input, MAX_NAMESPACE_DISPLAY_NAME } from "./limits.js";
import {
  type ActorRecord,
  type CrashPolicy,
  type NamespaceRecord,
  type StoredActor,
  type StoredActorName,
  type StoredNamespace,
  decodeRecord,
  encodeRecord,
} from "./records.js";
import { readTupleKey, tupleKey } from "./tuple-key.js";
import { assertWellFormedText } from "./unicode.js";

/** What a create or get-or-create request carries. */
export interface ActorCreateInput {
  readonly name: string;
  readonly key: string | null;
  /** Base64 of the creation input, or null. */
  readonly input: string | null;
  readonly runnerNameSelector: string;
  readonly crashPolicy: CrashPolicy;
}

/** Filters of an actor listing. */
export interface ActorQuery {
  readonly name?: string | undefined;
  readonly key?: string | undefined;
  readonly actorIds?: readonly string[] | undefined;
  readonly includeDestroyed?: boolean | undefined;
  readonly limit?: number | undefined;
  /** The last actor ID of the previous page. */
  readonly cursor?: string | undefined;
}

export interface CatalogOptions {
  /** The datacenter label stamped on every actor. */
  readonly datacenter: string;
  readonly now?: () => number;
  readonly mintId?: () => string;
  /**
   * Called before an actor is created (not when get-or-create finds one); throws to refuse
   * the creation. The engine refuses actors no runner could start (see `RunnerPools`).
   */
  readonly admit?: (ns: NamespaceRecord, input: ActorCreateInput) => void;
}

const NS = subspacePrefix(Subspace.namespaceByName);
const ACTOR = subspacePrefix(Subspace.actor);
const KEY_INDEX = subspacePrefix(Subspace.actorByKey);
const NAME_INDEX = subspacePrefix(Subspace.actorByName);
const ACTOR_NAMES = subspacePrefix(Subspace.actorName);

/** Default and largest page size of actor and namespace listings. */
export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function notFoundNamespace(name: string): EngineError {
  return new EngineError("namespace.not_found", `Namespace "${name}" does not exist.`, { status: 404, metadata: { namespace: name } });
}

function notFoundActor(actorId: string): EngineError {
  return new EngineError("actor.not_found", "The actor does not exist or was destroyed.", { status: 404, metadata: { actor_id: actorId } });
}

/**
 * The engine's catalog of namespaces and actors, kept in storage. Every change is one storage
 * transaction, so the actor record, its name+key index entry and its name index entry never
 * disagree, even after a crash. Lookups by name+key only see live actors: destroying an actor
 * frees its key for a new one, as in Rivet.
 */
export class Catalog {
  private readonly now: () => number;
  private readonly mintId: () => string;

  constructor(
    private readonly storage: Storage,
    private readonly options: CatalogOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.mintId = options.mintId ?? mintRunnerId;
  }

  // ---- Namespaces ---------------------------------------------------------------------

  /** Returns the namespace with this name, creating it first if it does not exist. */
  ensureNamespace(name: string, displayName = name): NamespaceRecord {
    return this.storage.transaction((tx) => this.readNamespace(tx, name) ?? this.writeNamespace(tx, name, displayName));
  }

  /** Creates a namespace; a name already taken is a 400 `namespace.name_not_unique`. */
  createNamespace(name: string, displayName: string): NamespaceRecord {
    assertWellFormedText("display_name", displayName);
    if (displayName.length > MAX_NAMESPACE_DISPLAY_NAME) {
      throw new EngineError(
        "namespace.invalid_display_name",
        `A namespace's display name is at most ${MAX_NAMESPACE_DISPLAY_NAME} characters; this one has ${displayName.length}.`,
        { status: 400, metadata: { limit: MAX_NAMESPACE_DISPLAY_NAME, length: displayName.length } },
      );
    }
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
      throw new EngineError(
        "namespace.invalid_name",
        "Namespace names are 1-63 lowercase letters, digits and dashes.",
        { status: 400, metadata: { name } },
      );
    }
    return this.storage.transaction((tx) => {
      if (this.readNamespace(tx, name)) {
        throw new EngineError("namespace.name_not_unique", `Namespace "${name}" already exists.`, { status: 400, metadata: { name } });
      }
      return this.writeNamespace(tx, name, displayName);
    });
  }

  /** The namespace with this name, or undefined. */
  resolveNamespace(name: string): NamespaceRecord | undefined {
    return this.readNamespace(this.storage, name);
  }

  /** The namespace with this name; a 404 `namespace.not_found` otherwise. */
  requireNamespace(name: string): NamespaceRecord {
    const ns = this.resolveNamespace(name);
    if (ns === undefined) throw notFoundNamespace(name);
    return ns;
  }

  listNamespaces(): NamespaceRecord[] {
    return this.storage
      .scan({ prefix: NS })
      .map((e) => decodeRecord<StoredNamespace>(e.value, "namespace").namespace);
  }

  private readNamespace(reader: StorageReader, name: string): NamespaceRecord | undefined {
    const bytes = reader.get(tupleKey(NS, [name]));
    return bytes === undefined ? undefined : decodeRecord<StoredNamespace>(bytes, "namespace").namespace;
  }

  private writeNamespace(tx: StorageWriter, name: string, displayName: string): NamespaceRecord {
    const namespace: NamespaceRecord = { namespace_id: this.mintId(), name, display_name: displayName, create_ts: this.now() };
    tx.put(tupleKey(NS, [name]), encodeRecord({ v: 1, namespace }));
    return namespace;
  }

  // ---- Actors -------------------------------------------------------------------------

  /** Creates an actor; a live actor with the same name and key is a 400 `actor.duplicate_key`. */
  createActor(ns: NamespaceRecord, input: ActorCreateInput): ActorRecord {
    this.validate(input);
    return this.storage.transaction((tx) => {
      if (input.key !== null) {
        const existing = tx.get(tupleKey(KEY_INDEX, [ns.namespace_id, input.name, input.key]));
        if (existing !== undefined) {
          throw new EngineError(
            "actor.duplicate_key",
            "An actor with this name and key already exists.",
            { status: 400, metadata: { existing_actor_id: textDecoder.decode(existing) } },
          );
        }
      }
      return this.insertActor(tx, ns, input);
    });
  }

  /** Returns the live actor with this name and key, or creates it. */
  getOrCreateActor(ns: NamespaceRecord, input: ActorCreateInput & { key: string }): { actor: ActorRecord; created: boolean } {
    this.validate(input);
    return this.storage.transaction((tx) => {
      const existingId = tx.get(tupleKey(KEY_INDEX, [ns.namespace_id, input.name, input.key]));
      if (existingId !== undefined) {
        const stored = this.readActor(tx, textDecoder.decode(existingId));
        if (stored !== undefined) return { actor: stored.actor, created: false };
      }
      return { actor: this.insertActor(tx, ns, input), created: true };
    });
  }

  /** The stored actor, destroyed or not, or undefined. */
  getActor(actorId: string): StoredActor | undefined {
    return this.readActor(this.storage, actorId);
  }

  /** Lists a namespace's actors by name, name+key or IDs, in actor ID order, one page at a time. */
  listActors(ns: NamespaceRecord, query: ActorQuery): { actors: ActorRecord[]; cursor: string | null } {
    const limit = Math.min(query.limit ?? DEFAULT_PAGE, MAX_PAGE);
    const live = (a: ActorRecord) => query.includeDestroyed === true || a.destroy_ts == null;
    let actors: ActorRecord[];
    if (query.actorIds !== undefined) {
      actors = query.actorIds
        .map((id) => this.readActor(this.storage, id)?.actor)
        .filter((a): a is ActorRecord => a !== undefined && a.namespace_id === ns.namespace_id && live(a));
    } else if (query.name !== undefined && query.key !== undefined) {
      const id = this.storage.get(tupleKey(KEY_INDEX, [ns.namespace_id, query.name, query.key]));
      const found = id === undefined ? undefined : this.readActor(this.storage, textDecoder.decode(id))?.actor;
      actors = found === undefined ? [] : [found];
      if (query.includeDestroyed === true) {
        // Destroyed actors left the key index; find them through the name index.
        actors = this.actorsByName(ns, query.name).filter((a) => a.key === query.key);
      }
    } else if (query.name !== undefined) {
      actors = this.actorsByName(ns, query.name).filter(live);
    } else {
      throw new EngineError("api.invalid_query", "Listing actors needs `name`, `name` and `key`, or `actor_id`.", { status: 400 });
    }
    actors.sort((a, b) => (a.actor_id < b.actor_id ? -1 : a.actor_id > b.actor_id ? 1 : 0));
    const after = query.cursor;
    const page = (after === undefined ? actors : actors.filter((a) => a.actor_id > after)).slice(0, limit);
    const more = page.length === limit && actors.at(-1)?.actor_id !== page.at(-1)?.actor_id;
    return { actors: page, cursor: more ? (page.at(-1)?.actor_id ?? null) : null };
  }

  /**
   * Marks an actor destroyed and frees its key. Destroying an actor that is already destroyed
   * or in another namespace is a 404 `actor.not_found`, as later calls to it are in Rivet.
   */
  destroyActor(ns: NamespaceRecord, actorId: string): ActorRecord {
    return this.storage.transaction((tx) => {
      const stored = this.readActor(tx, actorId);
      if (stored === undefined || stored.actor.namespace_id !== ns.namespace_id || stored.actor.destroy_ts != null) {
        throw notFoundActor(actorId);
      }
      const actor: ActorRecord = { ...stored.actor, destroy_ts: this.now(), connectable_ts: null };
      tx.put(tupleKey(ACTOR, [actorId]), encodeRecord({ ...stored, actor }));
      if (actor.key !== null) tx.delete(tupleKey(KEY_INDEX, [ns.namespace_id, actor.name, actor.key]));
      return actor;
    });
  }

  /**
   * Changes a stored actor in one transaction; `change` returns the new stored form. The
   * lifecycle state machine records its transitions through this.
   */
  updateActor(actorId: string, change: (current: StoredActor) => StoredActor): StoredActor {
    return this.storage.transaction((tx) => {
      const current = this.readActor(tx, actorId);
      if (current === undefined) throw notFoundActor(actorId);
      const next = change(current);
      tx.put(tupleKey(ACTOR, [actorId]), encodeRecord(next));
      return next;
    });
  }

  // ---- Actor names --------------------------------------------------------------------

  /** Records actor names a runner declared, with their metadata JSON text. */
  registerActorNames(ns: NamespaceRecord, names: ReadonlyMap<string, string>): void {
    if (names.size === 0) return;
    this.storage.transaction((tx) => {
      for (const [name, metadataJson] of names) {
        let metadata: unknown;
        try {
          metadata = JSON.parse(metadataJson);
        } catch {
          // Runners are expected to send JSON; anything else is kept as the text it was.
          metadata = metadataJson;
        }
        tx.put(tupleKey(ACTOR_NAMES, [ns.namespace_id, name]), encodeRecord({ v: 1, metadata }));
      }
    });
  }

  /** The namespace's actor names with their metadata, as `GET /actors/names` returns them. */
  actorNames(ns: NamespaceRecord): Record<string, { metadata: unknown }> {
    const prefix = tupleKey(ACTOR_NAMES, [ns.namespace_id]);
    const names: Record<string, { metadata: unknown }> = {};
    for (const entry of this.storage.scan({ prefix })) {
      const [, name] = readTupleKey(entry.key, ACTOR_NAMES.length);
      if (name !== undefined) names[name] = { metadata: decodeRecord<StoredActorName>(entry.value, "actor name").metadata };
    }
    return names;
  }

  // ---- Internals ----------------------------------------------------------------------

  private validate(input: ActorCreateInput): void {
    // Every string stored here is later written into runner commands as UTF-8; the API checks
    // its bodies already, and this covers every other way in (the gateway's query mode).
    assertWellFormedText("name", input.name);
    if (input.key !== null) assertWellFormedText("key", input.key);
    assertWellFormedText("runner_name_selector", input.runnerNameSelector);
    if (input.input !== null) checkBase64Input(input.input);
    const inputBytes = input.input === null ? 0 : Buffer.byteLength(input.input, "base64");
    checkActorInput(input.name, input.key, inputBytes);
  }

  private insertActor(tx: StorageWriter, ns: NamespaceRecord, input: ActorCreateInput): ActorRecord {
    this.options.admit?.(ns, input);
    const actor: ActorRecord = {
      actor_id: this.mintId(),
      name: input.name,
      key: input.key,
      namespace_id: ns.namespace_id,
      datacenter: this.options.datacenter,
      runner_name_selector: input.runnerNameSelector,
      crash_policy: input.crashPolicy,
      create_ts: this.now(),
      start_ts: null,
      pending_allocation_ts: null,
      connectable_ts: null,
      sleep_ts: null,
      reschedule_ts: null,
      destroy_ts: null,
      error: null,
    };
    tx.put(tupleKey(ACTOR, [actor.actor_id]), encodeRecord({ v: 1, actor, input: input.input, generation: 0 }));
    tx.put(tupleKey(NAME_INDEX, [ns.namespace_id, actor.name, actor.actor_id]), new Uint8Array(0));
    if (actor.key !== null) {
      tx.put(tupleKey(KEY_INDEX, [ns.namespace_id, actor.name, actor.key]), textEncoder.encode(actor.actor_id));
    }
    return actor;
  }

  private readActor(reader: StorageReader, actorId: string): StoredActor | undefined {
    const bytes = reader.get(tupleKey(ACTOR, [actorId]));
    return bytes === undefined ? undefined : decodeRecord<StoredActor>(bytes, "actor");
  }

  private actorsByName(ns: NamespaceRecord, name: string): ActorRecord[] {
    const prefix = tupleKey(NAME_INDEX, [ns.namespace_id, name]);
    return this.storage
      .scan({ prefix })
      .map((e) => readTupleKey(e.key, NAME_INDEX.length)[2])
      .map((id) => (id === undefined ? undefined : this.readActor(this.storage, id)?.actor))
      .filter((a): a is ActorRecord => a !== undefined);
  }
}
