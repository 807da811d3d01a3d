import { kvKeySize, type runner } from "@actorwire/protocol";
import { compareBytes, toHex } from "../storage/bytes.js";
import type { Storage, StorageReader, Transaction } from "../storage/storage.js";
import { KvError } from "./errors.js";
import { ActorKvKeys } from "./layout.js";
import { DEFAULT_KV_LIMITS, type KvLimits, checkEntries, checkKey, checkKeys, checkQuota } from "./limits.js";
import { type Usage, decodeEntry, decodeUsage, encodeEntry, encodeUsage, entryValueLength } from "./record.js";

type KvRequestData = runner.v7.KvRequestData;
type KvResponseData = runner.v7.KvResponseData;
type KvListQuery = runner.v7.KvListQuery;
type KvMetadata = runner.v7.KvMetadata;

/** How a {@link KvService} is set up. */
export interface KvServiceOptions {
  /** Where the KV lives; the service keeps its keys under its own subspaces. */
  readonly storage: Storage;
  /** The engine version, written into the metadata of every entry the service writes. */
  readonly version: string;
  /** Limits to use instead of Rivet's (a small `maxStorageSize` for tests, say). */
  readonly limits?: Partial<KvLimits>;
  /** The clock for `updateTs`, in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

/** A list answer or a get answer: keys, values and metadata, index for index. */
interface Entries {
  readonly keys: ArrayBuffer[];
  readonly values: ArrayBuffer[];
  readonly metadata: KvMetadata[];
}

// How many entries a delete-range reads at a time while it adds up what it frees.
const SIZE_SCAN_PAGE = 512;

/**
 * Actor KV with Rivet's semantics: executes the runner protocol's `KvRequestData` for one actor
 * against the engine's storage and returns the `KvResponseData` to send back.
 *
 * - get: answers only the keys that exist, in the order asked (a key asked twice comes back
 *   twice).
 * - list: all, a range (`end` included unless `exclusive`), or a prefix; `reverse` defaults to
 *   false and `limit` to 16,384.
 * - put: writes every entry with metadata `{version, updateTs}`; a key given twice keeps its
 *   last value.
 * - delete; delete-range over the half-open `[start, end)`, answered with `KvDeleteResponse`;
 *   drop, which deletes everything of the actor.
 *
 * Every request runs in one storage transaction, so it is atomic and durable before its answer
 * exists. Each actor's usage (bytes counted as a put counts them, and keys) is kept in a record
 * of its own and updated in the same transaction, so the quota check costs one read and never
 * a scan.
 */
export class KvService {
  readonly #storage: Storage;
  readonly #version: Uint8Array;
  readonly #limits: KvLimits;
  readonly #now: () => number;

  constructor(options: KvServiceOptions) {
    this.#storage = options.storage;
    this.#version = new TextEncoder().encode(options.version);
    if (this.#version.length > 255) throw new RangeError("the engine version must be at most 255 bytes of UTF-8");
    this.#limits = { ...DEFAULT_KV_LIMITS, ...options.limits };
    this.#now = options.now ?? Date.now;
  }

  /** The limits this service enforces. */
  get limits(): KvLimits {
    return this.#limits;
  }

  /**
   * Executes one request of one actor. A request that breaks a limit is answered with a
   * `KvErrorResponse` carrying the reason. A storage failure is thrown as a `StorageError`:
   * the caller logs it and answers the runner as it sees fit.
   */
  execute(actorId: string, request: KvRequestData): KvResponseData {
    try {
      const keys = new ActorKvKeys(actorId);
      switch (request.tag) {
        case "KvGetRequest":
          return { tag: "KvGetResponse", val: this.#get(keys, request.val.keys.map(bytes)) };
        case "KvListRequest":
          return { tag: "KvListResponse", val: this.#list(keys, request.val) };
        case "KvPutRequest":
          this.#put(keys, request.val.keys.map(bytes), request.val.values.map(bytes));
          return { tag: "KvPutResponse", val: null };
        case "KvDeleteRequest":
          this.#delete(keys, request.val.keys.map(bytes));
          return { tag: "KvDeleteResponse", val: null };
        case "KvDeleteRangeRequest":
          this.#deleteRange(keys, bytes(request.val.start), bytes(request.val.end));
          // Rivet has no delete-range response of its own; it answers with the delete one.
          return { tag: "KvDeleteResponse", val: null };
        case "KvDropRequest":
          this.drop(actorId);
          return { tag: "KvDropResponse", val: null };
      }
    } catch (error) {
      if (error instanceof KvError) return { tag: "KvErrorResponse", val: { message: error.message } };
      throw error;
    }
  }

  /**
   * Deletes all of an actor's KV and its usage record. The actor lifecycle calls this when it
   * destroys an actor; inside a storage transaction it becomes part of that transaction.
   */
  drop(actorId: string): void {
    const keys = new ActorKvKeys(actorId);
    this.#storage.transaction((tx) => {
      tx.deleteRange(keys.entryPrefix, keys.entryEnd);
      tx.delete(keys.usageKey);
    });
  }

  /** What an actor's KV takes now: bytes as the quota counts them, and keys. */
  usage(actorId: string): Usage {
    return decodeUsage(this.#storage.get(new ActorKvKeys(actorId).usageKey));
  }

  #get(keys: ActorKvKeys, userKeys: Uint8Array[]): Entries {
    checkKeys(this.#limits, userKeys);
    // No transaction is needed for a consistent answer: storage calls are synchronous, so no
    // other engine code can write between these reads.
    const out: Entries = { keys: [], values: [], metadata: [] };
    for (const userKey of userKeys) {
      const record = this.#storage.get(keys.entry(userKey));
      if (record !== undefined) this.#push(out, userKey, record);
    }
    return out;
  }

  #list(keys: ActorKvKeys, request: runner.v7.KvListRequest): Entries {
    const { query } = request;
    this.#checkQuery(query);
    const limit = request.limit === null ? this.#limits.defaultListLimit : clampLimit(request.limit);
    const reverse = request.reverse ?? false;
    const selector =
      query.tag === "KvListAllQuery"
        ? { prefix: keys.entryPrefix }
        : query.tag === "KvListPrefixQuery"
          ? { prefix: keys.entry(bytes(query.val.key)) }
          : {
              start: keys.entry(bytes(query.val.start)),
              end: keys.entry(bytes(query.val.end)),
              endInclusive: !query.val.exclusive,
            };
    const out: Entries = { keys: [], values: [], metadata: [] };
    for (const entry of this.#storage.scan({ ...selector, reverse, limit })) {
      this.#push(out, keys.userKey(entry.key), entry.value);
    }
    return out;
  }

  #put(keys: ActorKvKeys, userKeys: Uint8Array[], values: Uint8Array[]): void {
    checkEntries(this.#limits, userKeys, values);
    // A key given twice is written twice in order, so its last value wins; the quota counts
    // only that final value.
    const finalValue = new Map<string, { key: Uint8Array; value: Uint8Array }>();
    userKeys.forEach((key, i) => finalValue.set(toHex(key), { key, value: values[i]! }));
    const updateTs = BigInt(Math.floor(this.#now()));
    this.#storage.transaction((tx) => {
      const usage = this.#usage(tx, keys);
      let growth = 0;
      let added = 0;
      for (const { key, value } of finalValue.values()) {
        const previous = tx.get(keys.entry(key));
        growth += kvKeySize(key) + value.length;
        if (previous === undefined) added++;
        else growth -= kvKeySize(key) + entryValueLength(previous);
      }
      checkQuota(this.#limits, usage.bytes, growth);
      for (const { key, value } of finalValue.values()) {
        tx.put(keys.entry(key), encodeEntry(updateTs, this.#version, value));
      }
      this.#setUsage(tx, keys, { bytes: usage.bytes + growth, keys: usage.keys + added });
    });
  }

  #delete(keys: ActorKvKeys, userKeys: Uint8Array[]): void {
    checkKeys(this.#limits, userKeys);
    const unique = new Map(userKeys.map((key) => [toHex(key), key]));
    this.#storage.transaction((tx) => {
      const usage = this.#usage(tx, keys);
      let freed = 0;
      let removed = 0;
      for (const key of unique.values()) {
        const storageKey = keys.entry(key);
        const previous = tx.get(storageKey);
        if (previous === undefined) continue;
        freed += kvKeySize(key) + entryValueLength(previous);
        removed++;
        tx.delete(storageKey);
      }
      if (removed > 0) this.#setUsage(tx, keys, { bytes: usage.bytes - freed, keys: usage.keys - removed });
    });
  }

  #deleteRange(keys: ActorKvKeys, start: Uint8Array, end: Uint8Array): void {
    checkKey(this.#limits, start, "start key");
    checkKey(this.#limits, end, "end key");
    // An empty or inverted range deletes nothing, as in Rivet.
    if (compareBytes(start, end) >= 0) return;
    const from = keys.entry(start);
    const to = keys.entry(end);
    this.#storage.transaction((tx) => {
      // The usage record must drop by what the range held, so the range is read first, a page
      // at a time. This makes a delete-range cost as much as reading what it deletes.
      let freed = 0;
      let removed = 0;
      let pageStart = from;
      for (;;) {
        const page = tx.scan({ start: pageStart, end: to, limit: SIZE_SCAN_PAGE });
        for (const entry of page) {
          freed += kvKeySize(keys.userKey(entry.key)) + entryValueLength(entry.value);
          removed++;
        }
        if (page.length < SIZE_SCAN_PAGE) break;
        // The next page starts just after the last key read: that key followed by a zero byte.
        const last = page[page.length - 1]!.key;
        pageStart = new Uint8Array(last.length + 1);
        pageStart.set(last);
      }
      if (removed === 0) return;
      tx.deleteRange(from, to);
      const usage = this.#usage(tx, keys);
      this.#setUsage(tx, keys, { bytes: usage.bytes - freed, keys: usage.keys - removed });
    });
  }

  #checkQuery(query: KvListQuery): void {
    if (query.tag === "KvListRangeQuery") {
      checkKey(this.#limits, bytes(query.val.start), "start key");
      checkKey(this.#limits, bytes(query.val.end), "end key");
    } else if (query.tag === "KvListPrefixQuery") {
      checkKey(this.#limits, bytes(query.val.key), "prefix key");
    }
  }

  #usage(tx: StorageReader, keys: ActorKvKeys): Usage {
    return decodeUsage(tx.get(keys.usageKey));
  }

  // An actor with nothing stored keeps no usage record, so drop and "never written" look alike.
  #setUsage(tx: Transaction, keys: ActorKvKeys, usage: Usage): void {
    if (usage.keys === 0) tx.delete(keys.usageKey);
    else tx.put(keys.usageKey, encodeUsage(usage));
  }

  #push(out: Entries, userKey: Uint8Array, record: Uint8Array): void {
    const entry = decodeEntry(record);
    out.keys.push(arrayBuffer(userKey));
    out.values.push(arrayBuffer(entry.value));
    out.metadata.push({ version: arrayBuffer(entry.version), updateTs: entry.updateTs });
  }
}

// The protocol carries bytes as whole ArrayBuffers; a view over one costs nothing.
function bytes(data: ArrayBuffer): Uint8Array {
  return new Uint8Array(data);
}

// A fresh ArrayBuffer holding exactly these bytes, owned by the answer.
function arrayBuffer(view: Uint8Array): ArrayBuffer {
  return view.slice().buffer;
}

// A u64 limit past what a scan could ever return means "no limit" in practice.
function clampLimit(limit: bigint): number {
  return limit > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(limit);
}
