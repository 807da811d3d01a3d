import type { StorageReader, StorageWriter } from "../storage/storage.js";
import { recordKey } from "./keys.js";

/**
 * What the lifecycle stores per actor, next to the catalog's record. The catalog record
 * carries the public fields (`start_ts`, `connectable_ts`, `sleep_ts`, ...) and the
 * generation; this record carries what only the state machine needs. Both change in the
 * same storage transaction.
 */

/**
 * Where an actor is in its life.
 *
 * - `pending`: waiting for a runner with a free slot.
 * - `starting`: placed on a runner and sent `CommandStartActor`; not yet reported running.
 * - `running`: reported running; connectable.
 * - `stopping`: sent `CommandStopActor` (or the actor asked to stop); waiting for `Stopped`.
 * - `backoff`: crashed with crash policy `restart`; placed again at `rescheduleAt`.
 * - `sleeping`: stopped, woken by a request or its alarm.
 * - `destroyed`: gone for good (the record is deleted right after).
 */
export type Phase = "pending" | "starting" | "running" | "stopping" | "backoff" | "sleeping" | "destroyed";

/** Why a `stopping` actor is stopping, which decides where it goes once it has stopped. */
export type StopReason =
  /** It asked to sleep, or the API put it to sleep: it becomes `sleeping`. */
  | "sleep"
  /** It asked to stop, or the API destroyed it: it becomes `destroyed`. */
  | "destroy"
  /** Its runner is draining: it is placed again on another runner. */
  | "drain";

/** The stored lifecycle record of one actor (JSON, format version 1). */
export interface LifecycleRecord {
  readonly v: 1;
  readonly actorId: string;
  /** Copied from the catalog record so placement needs no catalog read. */
  readonly namespaceId: string;
  readonly runnerNameSelector: string;
  readonly phase: Phase;
  /** The current generation; the catalog record holds the same number. */
  readonly generation: number;
  /** Whether `generation` has been sent to a runner; the next placement then starts `generation + 1`. */
  readonly everPlaced: boolean;
  /** The runner of the current generation while it is `starting`, `running` or `stopping`. */
  readonly runnerId: string | null;
  /** The index the next command of this generation gets. */
  readonly nextCommandIndex: number;
  /** The last event index of this generation that was processed (-1: none yet). */
  readonly lastEventIndex: number;
  /** The last event index of this generation acked to the runner (-1: none yet). */
  readonly lastAckedEventIndex: number;
  readonly stopReason: StopReason | null;
  /** A wake was asked for while the actor was stopping to sleep: start it again once stopped. */
  readonly wake: boolean;
  /** The actor's alarm (epoch ms), or null. */
  readonly alarmTs: number | null;
  /** Crash restarts in a row; the backoff exponent. */
  readonly retries: number;
  readonly lastCrashTs: number | null;
  /** When the current phase began (pending since, placed at, stopping since). */
  readonly since: number;
  /** When a `backoff` actor is placed again. */
  readonly rescheduleAt: number | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeLifecycleRecord(record: LifecycleRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

export function decodeLifecycleRecord(bytes: Uint8Array): LifecycleRecord {
  const value = JSON.parse(decoder.decode(bytes)) as LifecycleRecord;
  if (value.v !== 1) throw new Error(`stored lifecycle record has unknown format version ${String(value.v)}`);
  return value;
}

/** Phases in which the actor holds a slot on `runnerId`. */
export function holdsSlot(phase: Phase): boolean {
  return phase === "starting" || phase === "running" || phase === "stopping";
}

/** Phases kept in the awake index (loaded at `start()`); sleeping actors are read on demand. */
export function isAwake(phase: Phase): boolean {
  return phase !== "sleeping" && phase !== "destroyed";
}

/** A record with no runner, no commands or events yet, no stop, wake, alarm or crash: the rest is the caller's. */
export function blankRecord(
  actorId: string,
  fields: Pick<LifecycleRecord, "namespaceId" | "runnerNameSelector" | "phase" | "generation" | "everPlaced" | "since">,
): LifecycleRecord {
  return {
    v: 1,
    actorId,
    ...fields,
    runnerId: null,
    nextCommandIndex: 0,
    lastEventIndex: -1,
    lastAckedEventIndex: -1,
    stopReason: null,
    wake: false,
    alarmTs: null,
    retries: 0,
    lastCrashTs: null,
    rescheduleAt: null,
  };
}

/** The stored record of one actor, or undefined when it has none (never started, or destroyed). */
export function readRecord(reader: Pick<StorageReader, "get">, actorId: string): LifecycleRecord | undefined {
  const bytes = reader.get(recordKey(actorId));
  return bytes === undefined ? undefined : decodeLifecycleRecord(bytes);
}

/** Writes a record as it is, with none of a transition's index and catalog changes. */
export function writeRecord(tx: StorageWriter, rec: LifecycleRecord): void {
  tx.put(recordKey(rec.actorId), encodeLifecycleRecord(rec));
}
