/**
 * Input checks every backend runs, so that all of them accept and refuse the same calls and a
 * bad mutation is refused before any of its batch is applied.
 */

import { prefixEnd } from "./bytes.js";
import { StorageError } from "./errors.js";
import type { Mutation, ScanOptions } from "./storage.js";

/** A selector normalised to two optional bounds, the form backends work with. */
export interface Bounds {
  /** Inclusive lower bound, or none. */
  readonly start: Uint8Array | undefined;
  /** Upper bound, or none. */
  readonly end: Uint8Array | undefined;
  /** Whether `end` itself is in range. */
  readonly endInclusive: boolean;
}

/** The scan options after validation. */
export interface NormalizedScan extends Bounds {
  readonly reverse: boolean;
  /** `Infinity` when unlimited. */
  readonly limit: number;
}

/**
 * Checks scan options and turns a prefix into bounds. Backends call this so that every one of
 * them accepts and refuses the same inputs.
 */
export function normalizeScan(options: ScanOptions | undefined): NormalizedScan {
  const reverse = options?.reverse ?? false;
  const limit = options?.limit ?? Infinity;
  if (limit !== Infinity && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new StorageError("storage.invalid_argument", `scan limit must be a non-negative integer, got ${String(limit)}`);
  }
  if (options?.prefix !== undefined) {
    const prefix = checkBytes(options.prefix, "prefix");
    return { start: prefix, end: prefixEnd(prefix), endInclusive: false, reverse, limit };
  }
  const start = options?.start === undefined ? undefined : checkBytes(options.start, "start");
  const end = options?.end === undefined ? undefined : checkBytes(options.end, "end");
  return { start, end, endInclusive: options?.endInclusive ?? false, reverse, limit };
}

/** Refuses anything but a Uint8Array where bytes are expected. */
export function checkBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new StorageError("storage.invalid_argument", `${what} must be a Uint8Array`);
  }
  return value;
}

/** Checks every mutation of a batch before any is applied, so a bad one cannot half-apply it. */
export function checkMutations(mutations: readonly Mutation[]): void {
  if (!Array.isArray(mutations)) throw new StorageError("storage.invalid_argument", "a write batch must be an array");
  for (const m of mutations) {
    switch (m?.op) {
      case "put":
        checkBytes(m.key, "put key");
        checkBytes(m.value, "put value");
        break;
      case "delete":
        checkBytes(m.key, "delete key");
        break;
      case "deleteRange":
        checkBytes(m.start, "deleteRange start");
        if (m.end !== undefined) checkBytes(m.end, "deleteRange end");
        break;
      default:
        throw new StorageError("storage.invalid_argument", `unknown mutation ${JSON.stringify((m as { op?: unknown })?.op)}`);
    }
  }
}

/** Refuses a transaction body that returned a promise (see {@link Storage.transaction}). */
export function checkSynchronous(result: unknown): void {
  if (typeof (result as { then?: unknown } | null)?.then === "function") {
    throw new StorageError("storage.invalid_transaction", "a transaction body must be synchronous; it returned a promise");
  }
}
