/**
 * The values the KV service stores. Both start with a format byte, so that a later format can
 * be read next to this one.
 *
 *   entry record:  [1] ++ updateTs (i64 BE, ms) ++ versionLength (u8) ++ version (UTF-8) ++ value
 *   usage record:  [1] ++ bytes (u64 BE) ++ keys (u64 BE)
 *
 * The metadata travels with the value in one record, so a get or a list reads one storage
 * entry per key. The version is the engine version that wrote the entry, which is what Rivet
 * reports too.
 */

import { StorageError } from "../storage/errors.js";

const ENTRY_FORMAT = 1;
const USAGE_FORMAT = 1;
const ENTRY_HEADER = 1 + 8 + 1;

/** One stored KV entry, decoded. */
export interface EntryRecord {
  readonly updateTs: bigint;
  readonly version: Uint8Array;
  readonly value: Uint8Array;
}

/** What one actor's KV takes: the bytes counted against its quota, and its number of keys. */
export interface Usage {
  readonly bytes: number;
  readonly keys: number;
}

/** Encodes an entry; `version` must be at most 255 bytes. */
export function encodeEntry(updateTs: bigint, version: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(ENTRY_HEADER + version.length + value.length);
  const view = new DataView(out.buffer);
  out[0] = ENTRY_FORMAT;
  view.setBigInt64(1, updateTs);
  out[9] = version.length;
  out.set(version, ENTRY_HEADER);
  out.set(value, ENTRY_HEADER + version.length);
  return out;
}

/** Decodes an entry; the value is a view into `record`. */
export function decodeEntry(record: Uint8Array): EntryRecord {
  if (record.length < ENTRY_HEADER || record[0] !== ENTRY_FORMAT || record.length < ENTRY_HEADER + record[9]!) {
    throw corrupt("KV entry");
  }
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const versionEnd = ENTRY_HEADER + record[9]!;
  return {
    updateTs: view.getBigInt64(1),
    version: record.subarray(ENTRY_HEADER, versionEnd),
    value: record.subarray(versionEnd),
  };
}

/** The length of the value in an entry record, without decoding the rest. */
export function entryValueLength(record: Uint8Array): number {
  if (record.length < ENTRY_HEADER || record[0] !== ENTRY_FORMAT) throw corrupt("KV entry");
  return record.length - ENTRY_HEADER - record[9]!;
}

/** Encodes a usage record. */
export function encodeUsage(usage: Usage): Uint8Array {
  const out = new Uint8Array(17);
  const view = new DataView(out.buffer);
  out[0] = USAGE_FORMAT;
  view.setBigUint64(1, BigInt(usage.bytes));
  view.setBigUint64(9, BigInt(usage.keys));
  return out;
}

/** Decodes a usage record; no record means nothing stored. */
export function decodeUsage(record: Uint8Array | undefined): Usage {
  if (record === undefined) return { bytes: 0, keys: 0 };
  if (record.length !== 17 || record[0] !== USAGE_FORMAT) throw corrupt("KV usage");
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  return { bytes: Number(view.getBigUint64(1)), keys: Number(view.getBigUint64(9)) };
}

// A record we cannot read means the file was damaged or written by something else; no KV
// answer built on it could be right, so it is a storage failure, not a refusal.
function corrupt(what: string): StorageError {
  return new StorageError("storage.corrupt", `a stored ${what} record is not in a format this engine reads`);
}
