/**
 * The workload of the kill -9 durability test: what batch `i` writes, and how to check that a
 * store holds exactly batches 0..L and nothing of any later one. `crash-writer.ts` runs it in
 * a child process; `sqlite.durability.test.ts` kills that process and checks the store.
 *
 * Each batch touches every kind of mutation, so a torn commit shows up whichever part of it
 * was lost: it appends four entries (one of them 64 KiB, so a commit spans many WAL pages),
 * replaces the whole `scratch/` range with its own three entries, moves the single
 * `pending/` marker, and records itself in `last`. Odd batches run as a read-modify-write
 * transaction that also increments a counter (every fourth of them committed now and synced
 * later, acknowledged only once synced), even ones as a plain write batch.
 */

import { equalBytes } from "./bytes.js";
import type { Mutation, Storage, Transaction } from "./storage.js";

const text = new TextEncoder();
const key = (s: string): Uint8Array => text.encode(s);
const pad = (i: number): string => String(i).padStart(8, "0");

/** The key that holds the number of the last batch written. */
export const LAST_KEY = key("last");
const COUNTER_KEY = key("counter");

/** The deterministic content of value `j` of batch `i`. */
export function valueOf(i: number, j: number): Uint8Array {
  const size = j === 0 ? 64 * 1024 : 100 + ((i * 7 + j * 13) % 3000);
  const v = new Uint8Array(size);
  for (let k = 0; k < size; k++) v[k] = (i * 31 + j * 7 + k) & 0xff;
  return v;
}

/** The mutations of batch `i`, the same whether written as a batch or in a transaction. */
export function batchMutations(i: number): Mutation[] {
  const mutations: Mutation[] = [];
  for (let j = 0; j < 4; j++) mutations.push({ op: "put", key: key(`b/${pad(i)}/${j}`), value: valueOf(i, j) });
  mutations.push({ op: "deleteRange", start: key("scratch/"), end: key("scratch0") });
  for (let j = 0; j < 3; j++) mutations.push({ op: "put", key: key(`scratch/${pad(i)}/${j}`), value: valueOf(i, j + 10) });
  if (i > 0) mutations.push({ op: "delete", key: key(`pending/${pad(i - 1)}`) });
  mutations.push({ op: "put", key: key(`pending/${pad(i)}`), value: new Uint8Array(0) });
  mutations.push({ op: "put", key: LAST_KEY, value: encodeNumber(i) });
  return mutations;
}

/**
 * Writes batch `i`; it is durable when this returns, or, for the batches written with the
 * store's `transactionThenSync` (every fourth odd one, when the store has it), once the
 * returned promise resolves.
 */
export function writeBatch(storage: Storage, i: number): Promise<void> | undefined {
  if (i % 2 === 0) {
    storage.write(batchMutations(i));
    return undefined;
  }
  const body = (tx: Transaction): void => {
    // The read half of the read-modify-write: the previous batch must be there.
    const last = tx.get(LAST_KEY);
    if (last === undefined || decodeNumber(last) !== i - 1) throw new Error(`batch ${i} found last=${String(last)}`);
    const counter = tx.get(COUNTER_KEY);
    tx.put(COUNTER_KEY, encodeNumber((counter === undefined ? 0 : decodeNumber(counter)) + 1));
    for (const m of batchMutations(i)) {
      if (m.op === "put") tx.put(m.key, m.value);
      else if (m.op === "delete") tx.delete(m.key);
      else tx.deleteRange(m.start, m.end);
    }
  };
  if (i % 8 === 3 && storage.transactionThenSync !== undefined) return storage.transactionThenSync(body).durable;
  storage.transaction(body);
  return undefined;
}

/** The number of the last batch in the store, or -1 when there is none. */
export function lastBatch(storage: Storage): number {
  const last = storage.get(LAST_KEY);
  return last === undefined ? -1 : decodeNumber(last);
}

/**
 * Checks that the store holds batches 0..last completely and nothing of a later batch, and
 * returns the problems found (none when it is consistent).
 */
export function checkConsistent(storage: Storage): string[] {
  const problems: string[] = [];
  const last = lastBatch(storage);
  const appended = storage.scan({ prefix: key("b/") });
  if (appended.length !== (last + 1) * 4) problems.push(`b/ holds ${appended.length} entries, expected ${(last + 1) * 4}`);
  for (let i = 0; i <= last; i++) {
    for (let j = 0; j < 4; j++) {
      const v = storage.get(key(`b/${pad(i)}/${j}`));
      if (v === undefined || !equalBytes(v, valueOf(i, j))) problems.push(`b/${pad(i)}/${j} is missing or wrong`);
    }
  }
  const scratch = storage.scan({ prefix: key("scratch/") });
  const expectedScratch = last < 0 ? [] : [0, 1, 2].map((j) => `scratch/${pad(last)}/${j}`);
  const scratchKeys = scratch.map((e) => new TextDecoder().decode(e.key));
  if (JSON.stringify(scratchKeys) !== JSON.stringify(expectedScratch)) problems.push(`scratch/ holds ${JSON.stringify(scratchKeys)}`);
  scratch.forEach((e, j) => {
    if (!equalBytes(e.value, valueOf(last, j + 10))) problems.push(`scratch value ${j} is wrong`);
  });
  const pending = storage.scan({ prefix: key("pending/") }).map((e) => new TextDecoder().decode(e.key));
  const expectedPending = last < 0 ? [] : [`pending/${pad(last)}`];
  if (JSON.stringify(pending) !== JSON.stringify(expectedPending)) problems.push(`pending/ holds ${JSON.stringify(pending)}`);
  const counter = storage.get(COUNTER_KEY);
  const odd = Math.floor((last + 1) / 2);
  if ((counter === undefined ? 0 : decodeNumber(counter)) !== odd) problems.push(`counter is ${String(counter)}, expected ${odd}`);
  return problems;
}

function encodeNumber(n: number): Uint8Array {
  return text.encode(String(n));
}

function decodeNumber(bytes: Uint8Array): number {
  return Number(new TextDecoder().decode(bytes));
}
