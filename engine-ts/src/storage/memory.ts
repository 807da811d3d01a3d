import { compareBytes } from "./bytes.js";
import { checkBytes, checkMutations, checkSynchronous, normalizeScan } from "./checks.js";
import { StorageError } from "./errors.js";
import type { Entry, Mutation, ScanOptions, Storage, Transaction } from "./storage.js";

// One undone write: the key and what it held before (undefined: it did not exist).
interface UndoRecord {
  readonly key: Uint8Array;
  readonly previous: Uint8Array | undefined;
}

/**
 * A {@link Storage} held in memory, for tests and for an engine started without a data
 * directory. Entries live in one array sorted by key, so a lookup is a binary search and a
 * write moves part of the array; that is plenty for test-sized data and keeps the code easy
 * to trust as a reference for the other backends.
 */
export class MemoryStorage implements Storage {
  #entries: { key: Uint8Array; value: Uint8Array }[] = [];
  // Present while a transaction runs: the writes to undo if it, or a nested one, fails.
  #undo: UndoRecord[] | undefined;
  #closed = false;

  get(key: Uint8Array): Uint8Array | undefined {
    this.#open();
    checkBytes(key, "key");
    const i = this.#lowerBound(key);
    const e = this.#entries[i];
    return e !== undefined && compareBytes(e.key, key) === 0 ? e.value.slice() : undefined;
  }

  scan(options?: ScanOptions): Entry[] {
    this.#open();
    const { start, end, endInclusive, reverse, limit } = normalizeScan(options);
    const from = start === undefined ? 0 : this.#lowerBound(start);
    let to = this.#entries.length;
    if (end !== undefined) {
      to = this.#lowerBound(end);
      const atEnd = this.#entries[to];
      if (endInclusive && atEnd !== undefined && compareBytes(atEnd.key, end) === 0) to++;
    }
    const out: Entry[] = [];
    if (from >= to) return out;
    if (reverse) {
      for (let i = to - 1; i >= from && out.length < limit; i--) out.push(this.#copy(i));
    } else {
      for (let i = from; i < to && out.length < limit; i++) out.push(this.#copy(i));
    }
    return out;
  }

  write(mutations: readonly Mutation[]): void {
    this.#open();
    checkMutations(mutations);
    // Running the batch as a transaction makes it all-or-nothing even if applying a mutation
    // ever failed half-way.
    this.transaction(() => {
      for (const m of mutations) {
        if (m.op === "put") this.#put(m.key, m.value);
        else if (m.op === "delete") this.#delete(m.key);
        else this.#deleteRange(m.start, m.end);
      }
    });
  }

  transaction<T>(fn: (tx: Transaction) => T): T {
    this.#open();
    const outermost = this.#undo === undefined;
    const undo = (this.#undo ??= []);
    const mark = undo.length;
    let active = true;
    const live = (): void => {
      if (!active) throw new StorageError("storage.invalid_transaction", "the transaction has ended");
    };
    const tx: Transaction = {
      get: (key) => (live(), this.get(key)),
      scan: (options) => (live(), this.scan(options)),
      put: (key, value) => (live(), this.#open(), this.#put(checkBytes(key, "key"), checkBytes(value, "value"))),
      delete: (key) => (live(), this.#open(), this.#delete(checkBytes(key, "key"))),
      deleteRange: (start, end) => {
        live();
        this.#open();
        this.#deleteRange(checkBytes(start, "start"), end === undefined ? undefined : checkBytes(end, "end"));
      },
    };
    try {
      const result = fn(tx);
      checkSynchronous(result);
      return result;
    } catch (error) {
      this.#rollbackTo(undo, mark);
      throw error;
    } finally {
      active = false;
      if (outermost) this.#undo = undefined;
    }
  }

  close(): void {
    this.#closed = true;
    this.#entries = [];
  }

  #open(): void {
    if (this.#closed) throw new StorageError("storage.closed", "the storage is closed");
  }

  // The index of the first entry whose key is not less than `key`.
  #lowerBound(key: Uint8Array): number {
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.#entries[mid]!.key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #copy(i: number): Entry {
    const e = this.#entries[i]!;
    return { key: e.key.slice(), value: e.value.slice() };
  }

  #put(key: Uint8Array, value: Uint8Array): void {
    const i = this.#lowerBound(key);
    const e = this.#entries[i];
    if (e !== undefined && compareBytes(e.key, key) === 0) {
      this.#undo?.push({ key: e.key, previous: e.value });
      e.value = value.slice();
    } else {
      const stored = key.slice();
      this.#undo?.push({ key: stored, previous: undefined });
      this.#entries.splice(i, 0, { key: stored, value: value.slice() });
    }
  }

  #delete(key: Uint8Array): void {
    const i = this.#lowerBound(key);
    const e = this.#entries[i];
    if (e === undefined || compareBytes(e.key, key) !== 0) return;
    this.#undo?.push({ key: e.key, previous: e.value });
    this.#entries.splice(i, 1);
  }

  #deleteRange(start: Uint8Array, end: Uint8Array | undefined): void {
    const from = this.#lowerBound(start);
    const to = end === undefined ? this.#entries.length : this.#lowerBound(end);
    if (from >= to) return;
    const removed = this.#entries.splice(from, to - from);
    for (const e of removed) this.#undo?.push({ key: e.key, previous: e.value });
  }

  // Undoes, newest first, every write recorded after `mark`.
  #rollbackTo(undo: UndoRecord[], mark: number): void {
    while (undo.length > mark) {
      const { key, previous } = undo.pop()!;
      const i = this.#lowerBound(key);
      const e = this.#entries[i];
      const exists = e !== undefined && compareBytes(e.key, key) === 0;
      if (previous === undefined) {
        if (exists) this.#entries.splice(i, 1);
      } else if (exists) {
        e.value = previous;
      } else {
        this.#entries.splice(i, 0, { key, value: previous });
      }
    }
  }
}
