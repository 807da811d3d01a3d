import { tupleKey } from "../catalog/tuple-key.js";
import { concatBytes, prefixEnd } from "../storage/bytes.js";
import { Subspace, subspacePrefix } from "../storage/keyspace.js";

/**
 * The lifecycle's storage keys. String parts are tuple-encoded (see `catalog/tuple-key.ts`),
 * numbers are fixed-width big-endian so that byte order is numeric order: a runner's commands
 * scan in (actor, generation, index) order, and alarms scan in time order.
 *
 * ```
 * 0x20 tuple(actorId)                                      → lifecycle record (JSON, `v: 1`)
 * 0x21 tuple(runnerId, actorId) u32be(gen) u64be(index)    → u16le(7) ++ BARE v7 ActorCommandKeyData
 * 0x22 u64be(alarmTs) tuple(actorId)                       → empty (sleeping actors with an alarm)
 * 0x23 tuple(actorId)                                      → empty (actors that are not sleeping)
 * 0x24 u64be(expiresAt) tuple(runnerId, actorId) u32be(gen) → empty (abandoned generations' commands)
 * ```
 */

const RECORD = subspacePrefix(Subspace.actorLifecycle);
const COMMAND = subspacePrefix(Subspace.actorCommand);
const ALARM = subspacePrefix(Subspace.actorAlarm);
const AWAKE = subspacePrefix(Subspace.actorAwake);
const EXPIRY = subspacePrefix(Subspace.actorCommandExpiry);

const decoder = new TextDecoder("utf-8", { fatal: true });

function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

function u64be(n: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  // Negative timestamps and indices do not occur; clamping keeps a bad value from wrapping around.
  const v = typeof n === "bigint" ? n : BigInt(Math.max(0, Math.trunc(n)));
  new DataView(out.buffer).setBigUint64(0, v < 0n ? 0n : v);
  return out;
}

/** Reads `count` tuple parts starting at `offset`; returns them and the offset after them. */
function readParts(key: Uint8Array, offset: number, count: number): { parts: string[]; offset: number } {
  const parts: string[] = [];
  let i = offset;
  while (parts.length < count) {
    const bytes: number[] = [];
    for (;;) {
      if (i >= key.length) throw new Error("truncated lifecycle key");
      const b = key[i] as number;
      if (b === 0 && key[i + 1] === 0xff) {
        bytes.push(0);
        i += 2;
      } else if (b === 0) {
        i += 1;
        break;
      } else {
        bytes.push(b);
        i += 1;
      }
    }
    parts.push(decoder.decode(Uint8Array.from(bytes)));
  }
  return { parts, offset: i };
}

function view(key: Uint8Array): DataView {
  return new DataView(key.buffer, key.byteOffset, key.byteLength);
}

/** The half-open range of every key that starts with `prefix`. */
export function rangeOf(prefix: Uint8Array): { start: Uint8Array; end: Uint8Array | undefined } {
  return { start: prefix, end: prefixEnd(prefix) };
}

// ---- Records and the awake index -------------------------------------------------------

export function recordKey(actorId: string): Uint8Array {
  return tupleKey(RECORD, [actorId]);
}

export function awakeKey(actorId: string): Uint8Array {
  return tupleKey(AWAKE, [actorId]);
}

export const AWAKE_PREFIX = AWAKE;

export function actorIdOfAwakeKey(key: Uint8Array): string {
  return readParts(key, AWAKE.length, 1).parts[0] as string;
}

// ---- Commands --------------------------------------------------------------------------

/** One stored command's place: which runner it is for and its checkpoint. */
export interface CommandAddress {
  readonly runnerId: string;
  readonly actorId: string;
  readonly generation: number;
  readonly index: number;
}

export function commandKey(a: CommandAddress): Uint8Array {
  return concatBytes(tupleKey(COMMAND, [a.runnerId, a.actorId]), u32be(a.generation), u64be(a.index));
}

/** Every command stored for a runner. */
export function runnerCommandsPrefix(runnerId: string): Uint8Array {
  return tupleKey(COMMAND, [runnerId]);
}

/** Every command of one generation of an actor on one runner. */
export function generationCommandsPrefix(runnerId: string, actorId: string, generation: number): Uint8Array {
  return concatBytes(tupleKey(COMMAND, [runnerId, actorId]), u32be(generation));
}

export function parseCommandKey(key: Uint8Array): CommandAddress {
  const { parts, offset } = readParts(key, COMMAND.length, 2);
  const dv = view(key);
  return {
    runnerId: parts[0] as string,
    actorId: parts[1] as string,
    generation: dv.getUint32(offset),
    index: Number(dv.getBigUint64(offset + 4)),
  };
}

// ---- Alarms ----------------------------------------------------------------------------

export function alarmKey(alarmTs: number, actorId: string): Uint8Array {
  return concatBytes(ALARM, u64be(alarmTs), tupleKey(new Uint8Array(0), [actorId]));
}

export const ALARM_PREFIX = ALARM;

/** The first key after every alarm due at or before `ts`. */
export function alarmsDueEnd(ts: number): Uint8Array {
  return concatBytes(ALARM, u64be(Math.max(0, Math.trunc(ts)) + 1));
}

export function parseAlarmKey(key: Uint8Array): { alarmTs: number; actorId: string } {
  const alarmTs = Number(view(key).getBigUint64(ALARM.length));
  const actorId = readParts(key, ALARM.length + 8, 1).parts[0] as string;
  return { alarmTs, actorId };
}

// ---- Command expiry --------------------------------------------------------------------

export interface ExpiryEntry {
  readonly expiresAt: number;
  readonly runnerId: string;
  readonly actorId: string;
  readonly generation: number;
}

export function expiryKey(e: ExpiryEntry): Uint8Array {
  return concatBytes(EXPIRY, u64be(e.expiresAt), tupleKey(new Uint8Array(0), [e.runnerId, e.actorId]), u32be(e.generation));
}

export const EXPIRY_PREFIX = EXPIRY;

export function expiryDueEnd(ts: number): Uint8Array {
  return concatBytes(EXPIRY, u64be(Math.max(0, Math.trunc(ts)) + 1));
}

export function parseExpiryKey(key: Uint8Array): ExpiryEntry {
  const expiresAt = Number(view(key).getBigUint64(EXPIRY.length));
  const { parts, offset } = readParts(key, EXPIRY.length + 8, 2);
  return { expiresAt, runnerId: parts[0] as string, actorId: parts[1] as string, generation: view(key).getUint32(offset) };
}
