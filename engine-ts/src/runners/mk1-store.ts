import { tupleKey } from "../catalog/tuple-key.js";
import { concatBytes } from "../storage/bytes.js";
import { Subspace, subspacePrefix } from "../storage/keyspace.js";
import type { Mutation, Storage } from "../storage/storage.js";

/**
 * What the runner protocol v1-v3 ("mk1") bridge keeps per runner ID, so that a runner that
 * reconnects with the same key (or finds the engine restarted) sees the same runner-wide
 * indices it saw before. Each index is its own key, written by exactly one path of the
 * bridge, so the command side and the event side never overwrite each other.
 *
 * ```
 * 0x07 tuple(runnerId) 0x01                                → next runner-wide command index (decimal)
 * 0x07 tuple(runnerId) 0x02 u64be(commandIdx)              → the command's v7 checkpoint (JSON, `v: 1`)
 * 0x07 tuple(runnerId) 0x03                                → last runner-wide event index processed (decimal)
 * 0x07 tuple(runnerId) 0x04 tuple(actorId) u32be(generation) → next v7 event index of that generation (decimal)
 * ```
 */

const PREFIX = subspacePrefix(Subspace.runnerMk1);
const NEXT_COMMAND = 0x01;
const COMMAND = 0x02;
const LAST_EVENT = 0x03;
const EVENT_COUNTER = 0x04;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A v7 command checkpoint, as stored. */
export interface Mk1CommandCheckpoint {
  readonly actorId: string;
  readonly generation: number;
  readonly index: number;
}

/** Everything stored for one runner ID, as {@link Mk1Store.load} reads it. */
export interface Mk1RunnerRecord {
  /** The runner-wide index the next command gets. */
  readonly nextCommandIdx: bigint;
  /** Commands given a runner-wide index that the runner has not acked, by that index, ascending. */
  readonly commands: ReadonlyMap<bigint, Mk1CommandCheckpoint>;
  /** The highest runner-wide event index processed; -1 when none. */
  readonly lastEventIdx: bigint;
  /** The next v7 event index per (actor, generation), keyed by {@link generationKey}. */
  readonly eventCounters: ReadonlyMap<string, number>;
}

/** The in-memory key of one actor generation. */
export function generationKey(actorId: string, generation: number): string {
  return JSON.stringify([actorId, generation]);
}

function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

function u64be(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n);
  return out;
}

function text(value: bigint | number): Uint8Array {
  return encoder.encode(String(value));
}

/** Reads the tuple-encoded string at `offset`; returns it and the offset after its terminator. */
function readPart(key: Uint8Array, offset: number): { part: string; offset: number } {
  const bytes: number[] = [];
  let i = offset;
  for (;;) {
    if (i >= key.length) throw new Error("truncated mk1 bridge key");
    const b = key[i] as number;
    if (b === 0 && key[i + 1] === 0xff) {
      bytes.push(0);
      i += 2;
    } else if (b === 0) {
      return { part: decoder.decode(Uint8Array.from(bytes)), offset: i + 1 };
    } else {
      bytes.push(b);
      i += 1;
    }
  }
}

/** The mk1 bridge's records in the engine's storage. */
export class Mk1Store {
  constructor(private readonly storage: Storage) {}

  /** Reads what is stored for a runner ID; a runner never seen starts at index 0 with nothing processed. */
  load(runnerId: string): Mk1RunnerRecord {
    const base = this.runnerPrefix(runnerId);
    const commands = new Map<bigint, Mk1CommandCheckpoint>();
    const eventCounters = new Map<string, number>();
    let nextCommandIdx = 0n;
    let lastEventIdx = -1n;
    for (const { key, value } of this.storage.scan({ prefix: base })) {
      const kind = key[base.length];
      const rest = base.length + 1;
      switch (kind) {
        case NEXT_COMMAND:
          nextCommandIdx = BigInt(decoder.decode(value));
          break;
        case COMMAND: {
          const idx = new DataView(key.buffer, key.byteOffset + rest, 8).getBigUint64(0);
          const cp = JSON.parse(decoder.decode(value)) as Mk1CommandCheckpoint & { v: number };
          commands.set(idx, { actorId: cp.actorId, generation: cp.generation, index: cp.index });
          break;
        }
        case LAST_EVENT:
          lastEventIdx = BigInt(decoder.decode(value));
          break;
        case EVENT_COUNTER: {
          const { part: actorId, offset } = readPart(key, rest);
          const generation = new DataView(key.buffer, key.byteOffset + offset, 4).getUint32(0);
          eventCounters.set(generationKey(actorId, generation), Number(decoder.decode(value)));
          break;
        }
        default:
          break;
      }
    }
    return { nextCommandIdx, commands, lastEventIdx, eventCounters };
  }

  /**
   * Records newly numbered commands and the next index, and forgets acked or stale ones, in
   * one atomic write. Called before the commands are sent.
   */
  writeCommands(
    runnerId: string,
    nextCommandIdx: bigint,
    added: readonly (readonly [bigint, Mk1CommandCheckpoint])[],
    removed: readonly bigint[] = [],
  ): void {
    const base = this.runnerPrefix(runnerId);
    const mutations: Mutation[] = [{ op: "put", key: concatBytes(base, Uint8Array.of(NEXT_COMMAND)), value: text(nextCommandIdx) }];
    for (const idx of removed) mutations.push({ op: "delete", key: this.commandKey(base, idx) });
    for (const [idx, cp] of added) {
      mutations.push({
        op: "put",
        key: this.commandKey(base, idx),
        value: encoder.encode(JSON.stringify({ v: 1, actorId: cp.actorId, generation: cp.generation, index: cp.index })),
      });
    }
    this.storage.write(mutations);
  }

  /**
   * Records the last processed runner-wide event index with the v7 event counters it moved
   * (`undefined` deletes a counter), in one atomic write.
   */
  writeEvents(
    runnerId: string,
    lastEventIdx: bigint,
    counters: Iterable<readonly [actorId: string, generation: number, next: number | undefined]>,
  ): void {
    const base = this.runnerPrefix(runnerId);
    const mutations: Mutation[] = [{ op: "put", key: concatBytes(base, Uint8Array.of(LAST_EVENT)), value: text(lastEventIdx) }];
    for (const [actorId, generation, next] of counters) {
      const key = concatBytes(tupleKey(concatBytes(base, Uint8Array.of(EVENT_COUNTER)), [actorId]), u32be(generation));
      mutations.push(next === undefined ? { op: "delete", key } : { op: "put", key, value: text(next) });
    }
    this.storage.write(mutations);
  }

  private runnerPrefix(runnerId: string): Uint8Array {
    return tupleKey(PREFIX, [runnerId]);
  }

  private commandKey(base: Uint8Array, idx: bigint): Uint8Array {
    return concatBytes(base, Uint8Array.of(COMMAND), u64be(idx));
  }
}
