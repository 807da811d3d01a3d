/**
 * An in-memory `RunnerApi` for unit tests of the actor core: an ordered KV per actor with the
 * engine's range semantics, and a record of the intents and alarms the core sent. It is a test
 * double for the runner connection, not a mocked engine: end-to-end tests use real processes.
 */
import type { HibernatedSocketMeta, KvListOptions, KvListQuery, RunnerApi, RunnerKv } from "../runner/types.js";

function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function hex(key: Uint8Array): string {
  return Buffer.from(key).toString("hex");
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  return key.length >= prefix.length && prefix.every((b, i) => key[i] === b);
}

/** The in-memory KV, with hooks to hold writes and count requests. */
export class MemoryKv implements RunnerKv {
  readonly stores = new Map<string, Map<string, [Uint8Array, Uint8Array]>>();
  /** Every put request, in order: actor id and how many entries. */
  readonly puts: { actorId: string; entries: number }[] = [];
  readonly drops: string[] = [];
  /** When set, each put waits for this promise before applying (to hold a batch in flight). */
  gate: Promise<void> | undefined;
  /** When set, the next put rejects with this error. */
  failNextPut: Error | undefined;

  store(actorId: string): Map<string, [Uint8Array, Uint8Array]> {
    let store = this.stores.get(actorId);
    if (!store) this.stores.set(actorId, (store = new Map()));
    return store;
  }

  async get(actorId: string, keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]> {
    const store = this.store(actorId);
    return keys.map((k) => store.get(hex(k))?.[1] ?? null);
  }

  async list(actorId: string, query: KvListQuery, options?: KvListOptions): Promise<[Uint8Array, Uint8Array][]> {
    let entries = [...this.store(actorId).values()].sort((a, b) => compare(a[0], b[0]));
    if (query.kind === "prefix") entries = entries.filter(([k]) => startsWith(k, query.prefix));
    if (query.kind === "range") {
      entries = entries.filter(([k]) => compare(k, query.start) >= 0 && (query.exclusive ? compare(k, query.end) < 0 : compare(k, query.end) <= 0));
    }
    if (options?.reverse) entries.reverse();
    if (options?.limit !== undefined) entries = entries.slice(0, options.limit);
    return entries.map(([k, v]) => [k, v]);
  }

  async put(actorId: string, entries: readonly (readonly [Uint8Array, Uint8Array])[]): Promise<void> {
    this.puts.push({ actorId, entries: entries.length });
    const failure = this.failNextPut;
    this.failNextPut = undefined;
    if (this.gate) await this.gate;
    if (failure) throw failure;
    const store = this.store(actorId);
    for (const [k, v] of entries) store.set(hex(k), [k.slice(), v.slice()]);
  }

  async delete(actorId: string, keys: readonly Uint8Array[]): Promise<void> {
    if (this.gate) await this.gate;
    const store = this.store(actorId);
    for (const k of keys) store.delete(hex(k));
  }

  async deleteRange(actorId: string, start: Uint8Array, end: Uint8Array): Promise<void> {
    const store = this.store(actorId);
    for (const [id, [k]] of store) if (compare(k, start) >= 0 && compare(k, end) < 0) store.delete(id);
  }

  async drop(actorId: string): Promise<void> {
    this.drops.push(actorId);
    this.stores.delete(actorId);
  }
}

/** The in-memory runner: KV plus a log of what the core asked of the engine. */
export class MemoryRunner implements RunnerApi {
  readonly runnerId = "memory-runner";
  readonly kv = new MemoryKv();
  readonly sleeps: string[] = [];
  readonly destroys: string[] = [];
  readonly alarms: { actorId: string; ts: number | null }[] = [];

  sleepActor(actorId: string): void {
    this.sleeps.push(actorId);
  }

  destroyActor(actorId: string): void {
    this.destroys.push(actorId);
  }

  setAlarm(actorId: string, timestampMs: number | null): void {
    this.alarms.push({ actorId, ts: timestampMs });
  }

  async restoreHibernatedSockets(_actorId: string, _entries: readonly HibernatedSocketMeta[]): Promise<void> {}
}
