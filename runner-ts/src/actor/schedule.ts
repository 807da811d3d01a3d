/**
 * `c.schedule`: durable one-shot action calls. Each pending schedule is a `ScheduledEvent`
 * record under prefix [8]; the earliest due time is pushed to the engine as the actor's alarm
 * (`runner.setAlarm`), so a sleeping actor is woken to fire it. While the actor is awake a local
 * timer fires due schedules directly.
 *
 * A schedule's record is deleted in the same coalesced batch as the state changes its action
 * makes, so a crash either repeats the whole call or neither: the call happens at least once
 * and its effects are never half-saved.
 */
import { persist } from "@actorwire/protocol";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { RunnerApi } from "../runner/types.js";
import { exactArrayBuffer } from "../runner/bytes.js";
import { decodeValue, encodeValue } from "./cbor.js";
import type { KvWrite } from "./contract.js";
import type { ActorSchedule, ScheduledEventInfo } from "./definition.js";
import { scheduleLimit } from "./errors.js";
import { scheduleKey } from "./keys.js";

/** Node's longest timer delay; later due times are re-armed when the timer fires. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** What the scheduler needs from its actor. */
export interface ScheduleHost {
  readonly actorId: string;
  readonly runner: RunnerApi;
  readonly log: Logger;
  /** Writes records in the next coalesced batch and waits until durable. */
  persist(write: KvWrite): Promise<void>;
  /** Queues record writes for the next batch without waiting. */
  queueWrite(write: KvWrite): void;
  /** Runs a due schedule's action; the host flushes (including the queued delete) and logs errors. */
  fireScheduled(action: string, args: unknown[]): void;
}

interface Pending {
  readonly id: string;
  readonly timestamp: number;
  readonly action: string;
  /** CBOR array of the arguments, as stored. */
  readonly args: Uint8Array;
}

/** One actor's schedules. */
export class Scheduler implements ActorSchedule {
  /** Pending schedules, ordered by due time (then id, for a stable order). */
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** True while the actor runs and may fire schedules locally. */
  private active = false;

  constructor(
    private readonly host: ScheduleHost,
    private readonly maxSchedules: number,
  ) {}

  /** Loads stored schedules (entries of prefix [8]). Undecodable records are logged and skipped. */
  load(entries: readonly (readonly [Uint8Array, Uint8Array])[]): void {
    for (const [, value] of entries) {
      try {
        const record = persist.decodeRecord("ScheduledEvent", value);
        this.insert({ id: record.eventId, timestamp: Number(record.timestamp), action: record.action, args: new Uint8Array(record.args) });
      } catch (error) {
        this.host.log.error({ err: error }, "skipping an unreadable schedule record");
      }
    }
  }

  /** Starts firing due schedules locally and pushes the earliest due time as the alarm. */
  start(): void {
    this.active = true;
    this.rearm(true);
  }

  /** Stops local firing (shutdown). The alarm stays set, so the engine wakes the actor for what is left. */
  stop(): void {
    this.active = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The number of pending schedules. */
  get size(): number {
    return this.pending.length;
  }

  after(delayMs: number, action: string, ...args: unknown[]): Promise<string> {
    return this.at(Date.now() + Math.max(0, delayMs), action, ...args);
  }

  async at(timestampMs: number, action: string, ...args: unknown[]): Promise<string> {
    if (typeof action !== "string" || action === "") throw new TypeError("schedule: action must be a non-empty string");
    if (!Number.isFinite(timestampMs)) throw new TypeError("schedule: the timestamp must be a finite number");
    if (this.pending.length >= this.maxSchedules) throw scheduleLimit(this.maxSchedules);
    const event: Pending = { id: randomUUID(), timestamp: Math.floor(timestampMs), action, args: encodeValue(args) };
    const record = persist.encodeRecord("ScheduledEvent", {
      eventId: event.id,
      timestamp: BigInt(event.timestamp),
      action,
      args: exactArrayBuffer(event.args),
    });
    await this.host.persist({ puts: [[scheduleKey(event.id), record]] });
    this.insert(event);
    this.rearm(false);
    return event.id;
  }

  async get(id: string): Promise<ScheduledEventInfo | undefined> {
    const event = this.pending.find((e) => e.id === id);
    return event && info(event);
  }

  async list(): Promise<ScheduledEventInfo[]> {
    return this.pending.map(info);
  }

  async cancel(id: string): Promise<boolean> {
    const index = this.pending.findIndex((e) => e.id === id);
    if (index < 0) return false;
    this.pending.splice(index, 1);
    await this.host.persist({ deletes: [scheduleKey(id)] });
    this.rearm(false);
    return true;
  }

  private insert(event: Pending): void {
    // Binary search keeps insertion O(log n) comparisons; the list is at most `maxSchedules` long.
    let lo = 0;
    let hi = this.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.pending[mid]!;
      if (other.timestamp < event.timestamp || (other.timestamp === event.timestamp && other.id < event.id)) lo = mid + 1;
      else hi = mid;
    }
    this.pending.splice(lo, 0, event);
  }

  /** Re-arms the local timer and pushes the alarm. `initial`: skip a null alarm when nothing was ever set. */
  private rearm(initial: boolean): void {
    const first = this.pending[0];
    if (first !== undefined || !initial) this.host.runner.setAlarm(this.host.actorId, first?.timestamp ?? null);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.active || first === undefined) return;
    const delay = Math.min(Math.max(0, first.timestamp - Date.now()), MAX_TIMER_DELAY);
    this.timer = setTimeout(() => this.fireDue(), delay);
  }

  private fireDue(): void {
    this.timer = undefined;
    if (!this.active) return;
    const now = Date.now();
    let count = 0;
    while (count < this.pending.length && this.pending[count]!.timestamp <= now) count++;
    const due = this.pending.splice(0, count);
    for (const event of due) {
      this.host.queueWrite({ deletes: [scheduleKey(event.id)] });
      let args: unknown[];
      try {
        const decoded = decodeValue(event.args);
        args = Array.isArray(decoded) ? decoded : [];
      } catch (error) {
        this.host.log.error({ err: error, action: event.action }, "dropping a schedule whose arguments do not decode");
        continue;
      }
      this.host.fireScheduled(event.action, args);
    }
    this.rearm(false);
  }
}

function info(event: Pending): ScheduledEventInfo {
  let args: unknown[] = [];
  try {
    const decoded = decodeValue(event.args);
    if (Array.isArray(decoded)) args = decoded;
  } catch {
    // A record whose arguments do not decode is listed without them; firing it logs the error.
  }
  return { id: event.id, timestamp: event.timestamp, action: event.action, args };
}
