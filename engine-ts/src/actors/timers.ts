import type { Logger } from "pino";
import type { Storage } from "../storage/storage.js";
import { CommandStore } from "./commands.js";
import type { ActorLifecycleConfig, Clock } from "./config.js";
import { ALARM_PREFIX, parseAlarmKey } from "./keys.js";
import type { LifecycleRecord, Phase } from "./record.js";

/** Node's largest timer delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the lifecycle does when one of its timers fires. */
export interface TimerHandlers {
  /** The start, stop or backoff deadline of this generation and phase may have passed. */
  actorDue(actorId: string, generation: number, phase: Phase): void;
  /** The runner stayed away for the lost threshold. */
  runnerLost(runnerId: string): void;
  /** The first stored alarm is due; the handler wakes every actor whose alarm is. */
  alarmsDue(): void;
}

/** What {@link LifecycleTimers} is built from. */
export interface LifecycleTimersOptions {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly config: ActorLifecycleConfig;
  readonly log: Logger;
  /** Runs a handler; the lifecycle's guard logs a failure instead of throwing it at the timer. */
  readonly guard: (what: string, body: () => void) => void;
  readonly handlers: TimerHandlers;
}

/**
 * The lifecycle's timers: one per actor that is starting, stopping or backing off, one per
 * runner that is away, the next alarm, and the next expiry of abandoned commands. Every timer
 * is unref'd (the engine's sockets keep the process alive, not its timers) and each handler
 * checks storage for what is due, so a timer firing early or late is harmless.
 */
export class LifecycleTimers {
  private readonly o: LifecycleTimersOptions;
  private readonly actorTimers = new Map<string, NodeJS.Timeout>();
  private readonly lostTimers = new Map<string, NodeJS.Timeout>();
  private alarmTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: LifecycleTimersOptions) {
    this.o = options;
  }

  /** Arms the timer of the record's phase (start, stop or backoff deadline), or clears the actor's timer. */
  actor(rec: LifecycleRecord): void {
    const { actorId } = rec;
    clearTimeout(this.actorTimers.get(actorId));
    this.actorTimers.delete(actorId);
    let due: number | undefined;
    if (rec.phase === "starting") due = rec.since + this.o.config.actorStartThresholdMs;
    else if (rec.phase === "stopping") due = rec.since + this.o.config.actorStopThresholdMs;
    else if (rec.phase === "backoff") due = rec.rescheduleAt ?? rec.since;
    if (due !== undefined && !this.closed) {
      const { generation, phase } = rec;
      this.actorTimers.set(
        actorId,
        this.at(due, () => this.o.guard("actor timer", () => this.o.handlers.actorDue(actorId, generation, phase))),
      );
    }
  }

  /** Starts the lost timer of a runner that went away, unless one runs already. */
  startLost(runnerId: string): void {
    if (this.closed || this.lostTimers.has(runnerId)) return;
    const t = setTimeout(
      () =>
        this.o.guard("runner lost", () => {
          this.lostTimers.delete(runnerId);
          this.o.handlers.runnerLost(runnerId);
        }),
      this.o.config.runnerLostThresholdMs,
    );
    t.unref();
    this.lostTimers.set(runnerId, t);
  }

  /** Cancels the lost timer of a runner that came back. */
  cancelLost(runnerId: string): void {
    const t = this.lostTimers.get(runnerId);
    if (t === undefined) return;
    clearTimeout(t);
    this.lostTimers.delete(runnerId);
    this.o.log.debug({ runnerId }, "runner reconnected before it was lost");
  }

  /** Arms the alarm timer for the earliest stored alarm, or clears it when there is none. */
  refreshAlarm(): void {
    if (this.closed) return;
    clearTimeout(this.alarmTimer);
    this.alarmTimer = undefined;
    const [first] = this.o.storage.scan({ prefix: ALARM_PREFIX, limit: 1 });
    if (first === undefined) return;
    const { alarmTs } = parseAlarmKey(first.key);
    this.alarmTimer = this.at(alarmTs, () =>
      this.o.guard("alarm", () => {
        this.alarmTimer = undefined;
        this.o.handlers.alarmsDue();
        this.refreshAlarm();
      }),
    );
  }

  /** Arms the timer that drops commands of abandoned generations once they expire. */
  refreshExpiry(): void {
    if (this.closed) return;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const next = CommandStore.nextExpiry(this.o.storage);
    if (next === undefined) return;
    this.expiryTimer = this.at(next, () => this.o.guard("command expiry", () => this.onExpiry()));
  }

  /** Clears every timer; none is armed again. */
  close(): void {
    this.closed = true;
    for (const t of this.actorTimers.values()) clearTimeout(t);
    for (const t of this.lostTimers.values()) clearTimeout(t);
    this.actorTimers.clear();
    this.lostTimers.clear();
    clearTimeout(this.alarmTimer);
    clearTimeout(this.expiryTimer);
  }

  private onExpiry(): void {
    this.expiryTimer = undefined;
    const swept = this.o.storage.transaction((tx) => CommandStore.sweep(tx, this.o.clock.now()));
    if (swept > 0) this.o.log.debug({ generations: swept }, "dropped commands of abandoned generations");
    this.refreshExpiry();
  }

  /**
   * A timer for epoch ms `at` by the lifecycle's clock. A wait longer than Node allows fires
   * early; every handler checks what is due and re-arms itself for the rest.
   */
  private at(at: number, fire: () => void): NodeJS.Timeout {
    const delay = Math.max(0, at - this.o.clock.now());
    const t = setTimeout(fire, Math.min(delay, MAX_TIMER_MS));
    t.unref();
    return t;
  }
}
