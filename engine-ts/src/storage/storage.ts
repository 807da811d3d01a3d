/**
 * The engine's storage interface: one ordered map from byte keys to byte values.
 *
 * Everything the engine keeps (namespaces, actors, generations, alarms, pending commands,
 * runner IDs, actor KV) lives in one such map under its own key prefix (see `keyspace.ts`), so
 * that one atomic batch or transaction can change several of them together.
 *
 * Keys order as raw bytes, unsigned and lexicographic, with a proper prefix first. Values are
 * opaque. Arrays handed in are copied or written before the call returns, so a caller may reuse
 * them; arrays handed out belong to the caller.
 *
 * The interface is synchronous on purpose. The embedded backend (better-sqlite3) is
 * synchronous, and a synchronous read-modify-write cannot interleave with any other engine
 * code, which removes a whole class of races from the state machines built on top. A write
 * has reached the disk (or whatever durability the backend promises) when the call returns.
 */

/** One key and its value, as a scan returns them. */
export interface Entry {
  /** The key's bytes. */
  readonly key: Uint8Array;
  /** The value's bytes. */
  readonly value: Uint8Array;
}

/**
 * Which keys a scan visits. A range runs from `start` (inclusive; default: the first key) to
 * `end` (exclusive unless `endInclusive`; default: past the last key). A prefix visits every
 * key that starts with it, the prefix itself included.
 */
export type KeySelector =
  | {
      readonly start?: Uint8Array | undefined;
      readonly end?: Uint8Array | undefined;
      readonly endInclusive?: boolean | undefined;
      readonly prefix?: undefined;
    }
  | { readonly prefix: Uint8Array };

/** A scan: which keys, in which direction, how many at most. */
export type ScanOptions = KeySelector & {
  /** Visit keys from the last to the first; default false. */
  readonly reverse?: boolean | undefined;
  /** Return at most this many entries (a non-negative integer); default: all. */
  readonly limit?: number | undefined;
};

/** One change in an atomic batch. */
export type Mutation =
  | { readonly op: "put"; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly op: "delete"; readonly key: Uint8Array }
  /** Deletes the half-open range `[start, end)`; without `end`, to the end of the key space. */
  | { readonly op: "deleteRange"; readonly start: Uint8Array; readonly end?: Uint8Array | undefined };

/** The reads every handle offers. */
export interface StorageReader {
  /** The value under `key`, or `undefined`. */
  get(key: Uint8Array): Uint8Array | undefined;
  /**
   * The entries the selector names, in key order (or reverse key order). Scans return arrays
   * rather than iterators so that no backend cursor stays open across writes; page through a
   * large range with `limit` and a new `start`.
   */
  scan(options?: ScanOptions): Entry[];
}

/** The writes a transaction offers; each is applied at once and seen by later reads. */
export interface StorageWriter {
  put(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): void;
  /** Deletes the half-open range `[start, end)`; without `end`, to the end of the key space. */
  deleteRange(start: Uint8Array, end?: Uint8Array): void;
}

/**
 * The handle a transaction body reads and writes through. It sees its own writes. It is valid
 * only while the body runs; using it afterwards throws `storage.invalid_transaction`.
 */
export interface Transaction extends StorageReader, StorageWriter {}

/** An ordered byte-key/byte-value store. */
export interface Storage extends StorageReader {
  /**
   * Applies the mutations in order, all or none, and returns once they are durable. A later
   * mutation in the batch sees the earlier ones (a put then a delete of the same key leaves
   * no key).
   */
  write(mutations: readonly Mutation[]): void;

  /**
   * Runs `fn` as one atomic, isolated read-modify-write and returns what it returns. Its writes
   * are durable when `transaction` returns. If `fn` throws, every write it made is undone and
   * the error is rethrown unchanged. The body must be synchronous: returning a promise is
   * refused with `storage.invalid_transaction`, because nothing could keep other engine code
   * from running against the half-done transaction while it waits.
   *
   * Transactions nest: an inner one joins the outer one, and an inner one that throws undoes
   * only its own writes. Calls on the store itself inside a body (`get`, `write`, ...) take
   * part in the running transaction too.
   */
  transaction<T>(fn: (tx: Transaction) => T): T;

  /**
   * Optional: runs `fn` like {@link transaction}, but returns as soon as the commit is
   * visible, with a promise that resolves once it (and every commit before it) is durable.
   * The wait for the disk then happens off the event loop, and one wait covers the commits
   * made meanwhile. Whatever the result tells anyone outside the process must wait for
   * `durable`. A backend without it makes its callers use {@link transaction}.
   */
  transactionThenSync?<T>(fn: (tx: Transaction) => T): { readonly result: T; readonly durable: Promise<void> };

  /** Releases the backend. Any later call throws `storage.closed`. Closing twice is allowed. */
  close(): void;
}
