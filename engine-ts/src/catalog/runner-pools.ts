import { EngineError } from "../errors.js";
import { Subspace, subspacePrefix } from "../storage/keyspace.js";
import type { Storage } from "../storage/storage.js";
import type { ActorCreateInput } from "./catalog.js";
import type { NamespaceRecord } from "./records.js";
import { readTupleKey, tupleKey } from "./tuple-key.js";

const POOL = subspacePrefix(Subspace.runnerPool);
const RUNNER_ID = subspacePrefix(Subspace.runnerId);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The stored form of a runner pool. */
interface StoredRunnerPool {
  readonly v: 1;
  /** The actor names the pool's latest runner announced; empty when it announced none. */
  readonly actor_names: readonly string[];
  readonly first_seen_ts: number;
  readonly last_seen_ts: number;
}

/** A connected runner, as far as admission needs it. */
export interface LiveRunner {
  readonly namespaceId: string;
  readonly name: string;
  readonly actorNames: readonly string[];
}

/** How many names an error lists before it stops. */
const LISTED_NAMES = 50;

function listed(names: readonly string[]): string {
  if (names.length === 0) return "none";
  const shown = names.slice(0, LISTED_NAMES).join(", ");
  return names.length > LISTED_NAMES ? `${shown}, … (${names.length} in all)` : shown;
}

/**
 * The runner pools (runner names) each namespace has seen, kept in storage, and the rule that
 * uses them when an actor is created. Rivet refuses an actor for a runner pool it has no
 * config for (`actor.no_runner_config_configured`); here a pool exists once it is declared
 * (`PUT /runner-configs/{name}`, see `runner-configs.ts`) or a runner with that name has
 * connected to the namespace, since runner protocol v7 runners never declare their pool. Without this rule such
 * an actor waits for a runner that never comes, and every request to it takes the full ready
 * timeout to fail. Likewise, once a pool's runners announce which actor names they serve
 * (`prepopulateActorNames`), an actor of any other name could never start, so its creation
 * is refused at once with the names the pool offers.
 */
export class RunnerPools {
  constructor(
    private readonly storage: Storage,
    private readonly live: () => Iterable<LiveRunner>,
    /** Whether the namespace declared this pool through the API (a runner config). */
    private readonly configured: (namespaceId: string, runnerName: string) => boolean = () => false,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records that a runner of this pool connected and which actor names it announced. */
  record(ns: NamespaceRecord, runnerName: string, actorNames: Iterable<string>): void {
    const key = tupleKey(POOL, [ns.namespace_id, runnerName]);
    const names = [...new Set(actorNames)].sort();
    this.storage.transaction((tx) => {
      const existing = tx.get(key);
      const firstSeen = existing === undefined ? this.now() : (decode(existing).first_seen_ts ?? this.now());
      const pool: StoredRunnerPool = { v: 1, actor_names: names, first_seen_ts: firstSeen, last_seen_ts: this.now() };
      tx.put(key, encoder.encode(JSON.stringify(pool)));
    });
  }

  /** The runner names this namespace has seen, sorted. */
  names(ns: NamespaceRecord): string[] {
    const prefix = tupleKey(POOL, [ns.namespace_id]);
    return this.storage
      .scan({ prefix })
      .map((e) => readTupleKey(e.key, POOL.length)[1])
      .filter((n): n is string => n !== undefined);
  }

  /**
   * Refuses to create an actor no runner could ever start: a 400
   * `actor.no_runner_config_configured` for a runner name the namespace has never seen, and a
   * 400 `actor.name_not_served` for an actor name the pool's runners do not announce.
   */
  admit(ns: NamespaceRecord, input: ActorCreateInput): void {
    const runnerName = input.runnerNameSelector;
    const stored = this.storage.get(tupleKey(POOL, [ns.namespace_id, runnerName]));
    const live = [...this.live()].filter((r) => r.namespaceId === ns.namespace_id && r.name === runnerName);
    if (stored === undefined && live.length === 0 && !this.configured(ns.namespace_id, runnerName) && !this.seenBeforePoolsWereKept(ns, runnerName)) {
      const known = this.names(ns);
      throw new EngineError(
        "actor.no_runner_config_configured",
        `No runner named "${runnerName}" has connected to namespace "${ns.name}", so no runner could start this actor. ` +
          `Start a runner with this name, declare the pool with PUT /runner-configs/${runnerName}, or fix runner_name_selector; runner names seen in this namespace: ${listed(known)}.`,
        { status: 400, metadata: { namespace: ns.name, pool_name: runnerName, known_pool_names: known.slice(0, LISTED_NAMES) } },
      );
    }
    // Names are only enforced when every source of names announced some: a runner that
    // announces none may serve anything.
    const announced = [...(stored === undefined ? [] : [decode(stored).actor_names]), ...live.map((r) => r.actorNames)];
    if (announced.length === 0 || announced.some((names) => names.length === 0)) return;
    if (announced.some((names) => names.includes(input.name))) return;
    const served = [...new Set(announced.flat())].sort();
    throw new EngineError(
      "actor.name_not_served",
      `No actor named "${input.name}" is served by runner "${runnerName}" in namespace "${ns.name}"; it serves: ${listed(served)}.`,
      { status: 400, metadata: { name: input.name, namespace: ns.name, pool_name: runnerName, served_names: served.slice(0, LISTED_NAMES) } },
    );
  }

  /**
   * Data written before pools were recorded still has the runner IDs of every runner that
   * connected (`[0x06] ++ tuple(namespaceId, runnerName, runnerKey)`); a pool seen there counts.
   */
  private seenBeforePoolsWereKept(ns: NamespaceRecord, runnerName: string): boolean {
    return this.storage.scan({ prefix: tupleKey(RUNNER_ID, [ns.namespace_id, runnerName]), limit: 1 }).length > 0;
  }
}

function decode(bytes: Uint8Array): StoredRunnerPool {
  const value = JSON.parse(decoder.decode(bytes)) as StoredRunnerPool;
  if (value.v !== 1) throw new Error(`stored runner pool has unknown format version ${String(value.v)}`);
  return value;
}
