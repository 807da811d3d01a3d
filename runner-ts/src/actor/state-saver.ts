/**
 * Durable, coalesced saving of one actor's records. Every change (the state, or a KV write a
 * schedule, connection or queue record needs) bumps a change counter; `flush()` resolves once
 * every change made before the call is durable in the engine's KV.
 *
 * At most one batch is in flight per actor. Changes made while it is in flight gather for the
 * next batch, which starts as soon as the current one lands, so a hundred actions finishing at
 * once cost two KV round trips, not a hundred. A flush with nothing to write resolves at once
 * and sends nothing, so read-only actions never touch KV.
 */
import { KV_MAX_KEYS, KV_MAX_PUT_PAYLOAD_SIZE, kvKeySize } from "@actorwire/protocol";
import type { Logger } from "pino";
import type { RunnerKv } from "../runner/types.js";
import type { KvWrite } from "./contract.js";
import { stopping } from "./errors.js";
import { keyId } from "./keys.js";

/** What the saver needs from its actor. */
export interface SaverHost {
  readonly actorId: string;
  readonly kv: RunnerKv;
  readonly log: Logger;
  /** Encodes the actor record ([1]) from the current state. Throws `state.too_large`. */
  encodeActorRecord(): [Uint8Array, Uint8Array];
}

const RESOLVED: Promise<void> = Promise.resolve();
const noop = (): void => {};

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody waits for may fail; its error is logged by the saver, not left unhandled.
  promise.catch(noop);
  return { promise, resolve, reject };
}

/** One actor's coalescing writer. */
export class StateSaver {
  private changeSeq = 0;
  private durableSeq = 0;
  private inflightSeq = 0;
  private stateDirty = false;
  /** Pending record writes by key (null value = delete); later writes to a key replace earlier ones. */
  private writes: Map<string, readonly [Uint8Array, Uint8Array | null]> | undefined;
  private inflight: Promise<void> | undefined;
  private next: Deferred | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly host: SaverHost,
    /** Background save delay after a change nobody flushed (the `stateSaveInterval`). */
    private readonly interval: number,
  ) {}

  /** Whether changes are waiting to be written. */
  get hasPending(): boolean {
    return this.changeSeq > this.durableSeq;
  }

  /** Marks the state as changed. */
  markStateDirty(): void {
    this.stateDirty = true;
    this.changeSeq++;
    this.armTimer();
  }

  /** Queues record writes for the next batch (without waiting). */
  addWrite(write: KvWrite): void {
    if (this.closed) throw stopping(this.host.actorId);
    this.writes ??= new Map();
    if (write.puts) for (const [key, value] of write.puts) this.writes.set(keyId(key), [key, value]);
    if (write.deletes) for (const key of write.deletes) this.writes.set(keyId(key), [key, null]);
    this.changeSeq++;
    this.armTimer();
  }

  /** Resolves once every change made so far is durable; rejects if its batch failed. */
  flush(): Promise<void> {
    const target = this.changeSeq;
    if (this.durableSeq >= target) return RESOLVED;
    // After the final save, a change can no longer be made durable; saying it was would be a lie.
    if (this.closed) return Promise.reject(stopping(this.host.actorId));
    if (this.inflight !== undefined) {
      if (this.inflightSeq >= target) return this.inflight;
      this.next ??= deferred();
      return this.next.promise;
    }
    return this.startBatch();
  }

  /** Waits for the batch in flight (if any) without starting one. */
  async settle(): Promise<void> {
    while (this.inflight !== undefined) await this.inflight.then(noop, noop);
  }

  /** Stops all saving (after the final flush, or before a destroy drops the data). */
  close(): void {
    this.closed = true;
    this.writes = undefined;
    this.stateDirty = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.next !== undefined) {
      this.next.resolve();
      this.next = undefined;
    }
  }

  private armTimer(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((error: unknown) => this.host.log.error({ err: error }, "background state save failed"));
    }, this.interval);
  }

  private startBatch(): Promise<void> {
    const seq = this.changeSeq;
    const includesState = this.stateDirty;
    const writes = this.writes;
    this.stateDirty = false;
    this.writes = undefined;

    let encodeError: unknown;
    const puts: (readonly [Uint8Array, Uint8Array])[] = [];
    const deletes: Uint8Array[] = [];
    if (includesState) {
      try {
        puts.push(this.host.encodeActorRecord());
      } catch (error) {
        encodeError = error;
      }
    }
    if (writes !== undefined) {
      for (const [key, value] of writes.values()) {
        if (value === null) deletes.push(key);
        else puts.push([key, value]);
      }
    }

    this.inflightSeq = seq;
    const batch = this.write(puts, deletes).then(
      () => {
        if (encodeError !== undefined) {
          // The other writes landed; the state did not and stays dirty for the next batch.
          this.stateDirty = true;
          throw encodeError;
        }
        if (seq > this.durableSeq) this.durableSeq = seq;
        if (this.durableSeq >= this.changeSeq && this.timer !== undefined) {
          clearTimeout(this.timer);
          this.timer = undefined;
        }
      },
      (error: unknown) => {
        this.requeue(includesState, writes);
        throw error;
      },
    );
    this.inflight = batch;
    batch.then(noop, noop).then(() => {
      this.inflight = undefined;
      const next = this.next;
      if (next === undefined) return;
      this.next = undefined;
      if (this.closed) return next.resolve();
      this.startBatch().then(next.resolve, next.reject);
    });
    return batch;
  }

  /** Puts back what a failed batch carried, unless a newer write to the same key came meanwhile. */
  private requeue(includesState: boolean, writes: Map<string, readonly [Uint8Array, Uint8Array | null]> | undefined): void {
    if (this.closed) return;
    if (includesState) this.stateDirty = true;
    if (writes !== undefined) {
      const newer = this.writes;
      this.writes = writes;
      if (newer !== undefined) for (const [id, entry] of newer) this.writes.set(id, entry);
    }
    this.armTimer();
  }

  private async write(puts: (readonly [Uint8Array, Uint8Array])[], deletes: Uint8Array[]): Promise<void> {
    const requests: Promise<void>[] = [];
    const { kv, actorId } = this.host;
    let chunk: (readonly [Uint8Array, Uint8Array])[] = [];
    let size = 0;
    for (const entry of puts) {
      const entrySize = kvKeySize(entry[0]) + entry[1].byteLength;
      if (chunk.length > 0 && (chunk.length === KV_MAX_KEYS || size + entrySize > KV_MAX_PUT_PAYLOAD_SIZE)) {
        requests.push(kv.put(actorId, chunk));
        chunk = [];
        size = 0;
      }
      chunk.push(entry);
      size += entrySize;
    }
    if (chunk.length > 0) requests.push(kv.put(actorId, chunk));
    for (let i = 0; i < deletes.length; i += KV_MAX_KEYS) {
      requests.push(kv.delete(actorId, deletes.slice(i, i + KV_MAX_KEYS)));
    }
    if (requests.length === 1) return requests[0];
    await Promise.all(requests);
  }
}
