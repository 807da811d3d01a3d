import { runner } from "@actorwire/protocol";
import type { Logger } from "pino";
import type { Catalog } from "../catalog/catalog.js";
import type { ActorRecord, StoredActor } from "../catalog/records.js";
import type { EngineError } from "../errors.js";
import type { RunnerConnection, RunnerEndpoint } from "../runners/index.js";
import { TypedEmitter } from "../runners/events.js";
import type { Storage, Transaction } from "../storage/storage.js";
import { CommandStore } from "./commands.js";
import { type ActorLifecycleConfig, type Clock, DEFAULT_LIFECYCLE_CONFIG, backoffDelay, systemClock } from "./config.js";
import { actorNoCapacity, actorNoRunners, actorNotFound, actorReadyTimeout, lifecycleClosed } from "./errors.js";
import { ALARM_PREFIX, AWAKE_PREFIX, actorIdOfAwakeKey, alarmKey, alarmsDueEnd, awakeKey, parseAlarmKey, recordKey } from "./keys.js";
import { defaultActorsLogger } from "./log.js";
import { ReadyWaiters } from "./waiters.js";
import { type PlacementCandidate, choosePlacement } from "./placement.js";
import {
  type LifecycleRecord,
  type Phase,
  type StopReason,
  decodeLifecycleRecord,
  encodeLifecycleRecord,
  holdsSlot,
  isAwake,
} from "./record.js";

/** What the composition root hands the lifecycle. */
export interface ActorLifecycleOptions {
  readonly storage: Storage;
  /** Must be built on the same `storage`: actor records change in the lifecycle's transactions. */
  readonly catalog: Catalog;
  readonly runners: RunnerEndpoint;
  readonly clock?: Clock;
  readonly config?: Partial<ActorLifecycleConfig>;
  readonly logger?: Logger;
  /**
   * The client WebSockets the gateway keeps open for a sleeping actor; each start command
   * lists them so the runner restores them. Without it, start commands list none.
   */
  readonly hibernatingRequests?: (actorId: string) => runner.v7.HibernatingRequest[];
}

/** One generation of one actor on one runner. */
export interface ActorPlacement {
  readonly actorId: string;
  readonly generation: number;
  readonly runnerId: string;
}

/** Why a generation ended. */
export type ActorStopCause =
  /** The runner reported `Stopped`. */
  | "stopped"
  /** The runner was lost (disconnected longer than the lost threshold). */
  | "runner_lost"
  /** The runner did not report running within the start threshold. */
  | "start_timeout"
  /** The runner did not report stopped within the stop threshold. */
  | "stop_timeout";

/** An actor generation stopped on its runner; its tunnels should be closed. */
export interface ActorStoppedEvent extends ActorPlacement {
  readonly cause: ActorStopCause;
}

/** One state change of one actor, as logged. */
export interface ActorTransition {
  readonly actorId: string;
  readonly generation: number;
  readonly runnerId: string | null;
  readonly from: Phase | "new";
  readonly to: Phase;
  readonly reason: string;
}

/** The lifecycle's events; each entry is the listener's argument list. */
export type ActorLifecycleEventMap = {
  /** The actor reported running and is connectable. */
  ready: [placement: ActorPlacement];
  /**
   * A generation stopped or was given up on. Non-hibernatable client WebSockets of that
   * generation should be closed with `1000 actor.stopped`.
   */
  stopped: [event: ActorStoppedEvent];
  /** Any state change (also logged at info). */
  transition: [transition: ActorTransition];
};

/** A snapshot of what the lifecycle knows about one actor, for tests and logs. */
export interface ActorLifecycleState {
  readonly actorId: string;
  readonly phase: Phase;
  readonly generation: number;
  readonly runnerId: string | null;
  readonly connectable: boolean;
  readonly stopReason: StopReason | null;
  readonly wake: boolean;
  readonly alarmTs: number | null;
  readonly retries: number;
  readonly rescheduleAt: number | null;
  readonly nextCommandIndex: number;
  readonly lastEventIndex: number;
  readonly lastAckedEventIndex: number;
}

/** Options of {@link ActorLifecycle.waitReady}. */
export interface WaitReadyOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** How a generation ended, as {@link ActorLifecycle} handles it. */
type Ending =
  | { readonly cause: "stopped"; readonly code: runner.v7.StopCode; readonly message: string | null }
  | { readonly cause: "runner_lost" | "start_timeout" | "stop_timeout" };

/** What a transaction leaves to do once it has committed. */
class Work {
  readonly sends: { runnerId: string; command: runner.v7.CommandWrapper }[] = [];
  readonly after: (() => void)[] = [];
  /** Actors whose records this transaction changed; memory follows them before `after` runs. */
  readonly touched = new Set<string>();
  /** The actor this transaction creates, whose first transition is logged as from `new`. */
  created: string | undefined;
}

/** Node's largest timer delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One state machine per actor, with generations (Rivet's pegboard actor workflow, for runner
 * protocol v7). It places actors on runners, sends start and stop commands, follows the
 * events runners report, applies the crash policy, wakes sleeping actors on request or at
 * their alarm, and moves actors off runners that drain or are lost.
 *
 * Storage is the truth: every transition is one storage transaction that changes the
 * lifecycle record, the catalog record and the stored commands together, and commands are
 * written before they are sent. Memory only holds indexes rebuilt by {@link start}: which
 * actors occupy which runner, which wait for a runner, and timers.
 */
export class ActorLifecycle {
  /** `ready`, `stopped` and `transition` events. */
  readonly events: TypedEmitter<ActorLifecycleEventMap>;
  readonly config: ActorLifecycleConfig;

  private readonly storage: Storage;
  private readonly catalog: Catalog;
  private readonly runners: RunnerEndpoint;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly hibernatingRequests: (actorId: string) => runner.v7.HibernatingRequest[];

  /** Connected runners (from `connected` until `disconnected`), by runner ID. */
  private readonly live = new Map<string, RunnerConnection>();
  /** Which actors hold a slot on each runner, and the reverse. */
  private readonly slots = new Map<string, Set<string>>();
  private readonly slotOf = new Map<string, string>();
  /** Actors waiting for a runner, in the order they started waiting. */
  private readonly pending = new Map<string, { namespaceId: string; runnerName: string }>();
  /**
   * Running actors and where they run, kept by {@link reindex} like the other indexes. It
   * lets {@link waitReady} answer for a running actor without reading storage, which is the
   * gateway's per-request path.
   */
  private readonly running = new Map<string, { runnerId: string; generation: number }>();
  private readonly actorTimers = new Map<string, NodeJS.Timeout>();
  private readonly lostTimers = new Map<string, NodeJS.Timeout>();
  private readonly waiters = new ReadyWaiters();
  private alarmTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void)[] = [];
  private started = false;
  private closed = false;
  private placing = false;
  private placeAgain = false;

  constructor(options: ActorLifecycleOptions) {
    this.storage = options.storage;
    this.catalog = options.catalog;
    this.runners = options.runners;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? defaultActorsLogger();
    this.hibernatingRequests = options.hibernatingRequests ?? (() => []);
    this.events = new TypedEmitter(this.log);
    this.config = {
      ...DEFAULT_LIFECYCLE_CONFIG,
      runnerLostThresholdMs: options.runners.settings.runnerLostThresholdMs,
      ...options.config,
    };
  }

  // ---- Composition ----------------------------------------------------------------------

  /**
   * Attaches to the runner endpoint and rebuilds memory from storage: actors placed on
   * runners (each of those runners gets a lost timer until it reconnects), pending actors,
   * start/stop/backoff timers and alarms. Runners already connected are used at once.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    const r = this.runners;
    this.unsubscribe = [
      r.on("connected", (c) => this.guard("connected", () => this.onConnected(c))),
      r.on("disconnected", (c, info) => this.guard("disconnected", () => this.onDisconnected(c, info.evicted))),
      r.on("draining", (c) => this.guard("draining", () => this.onDraining(c))),
      r.on("message", (c, m) => this.guard("message", () => this.onMessage(c, m))),
    ];
    r.setCommandReplay((c) => this.replay(c));

    const destroyedMeanwhile: string[] = [];
    for (const entry of this.storage.scan({ prefix: AWAKE_PREFIX })) {
      const actorId = actorIdOfAwakeKey(entry.key);
      const rec = this.read(this.storage, actorId);
      if (rec === undefined) {
        this.storage.write([{ op: "delete", key: entry.key }]);
        continue;
      }
      const stored = this.catalog.getActor(actorId);
      if (stored === undefined || stored.actor.destroy_ts != null) destroyedMeanwhile.push(actorId);
      this.reindex(rec);
    }
    for (const runnerId of this.slots.keys()) {
      if (!this.live.has(runnerId)) this.startLostTimer(runnerId);
    }
    for (const connection of r.connections()) this.onConnected(connection);
    // The API destroyed these while the engine was down, between its write and our call.
    for (const actorId of destroyedMeanwhile) this.actorDestroyed(actorId);
    this.refreshAlarmTimer();
    this.refreshExpiryTimer();
    this.placePending();
  }

  /** Detaches from the runner endpoint, stops every timer and fails every waiter. Storage is left as it is. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    if (this.started) this.runners.setCommandReplay(() => []);
    for (const t of this.actorTimers.values()) clearTimeout(t);
    for (const t of this.lostTimers.values()) clearTimeout(t);
    this.actorTimers.clear();
    this.lostTimers.clear();
    clearTimeout(this.alarmTimer);
    clearTimeout(this.expiryTimer);
    this.waiters.rejectAll(lifecycleClosed());
  }

  // ---- Public contract --------------------------------------------------------------------

  /** Places and starts an actor the catalog has just created. Calling it again does nothing. */
  actorCreated(actorId: string): void {
    this.ensureOpen();
    this.run((tx, work) => {
      if (this.read(tx, actorId) !== undefined) return;
      const stored = this.catalog.getActor(actorId);
      if (stored === undefined || stored.actor.destroy_ts != null) throw actorNotFound(actorId);
      const now = this.clock.now();
      const fresh = blankRecord(actorId, {
        namespaceId: stored.actor.namespace_id,
        runnerNameSelector: stored.actor.runner_name_selector,
        phase: "pending",
        generation: stored.generation,
        // An actor adopted after its record was lost may have run before: never reuse that generation.
        everPlaced: stored.generation > 0 || stored.actor.start_ts != null,
        since: now,
      });
      work.created = actorId;
      this.place(tx, work, fresh, undefined, "created");
    });
  }

  /**
   * The API destroyed the actor: a running actor is stopped on its runner and becomes
   * destroyed once stopped; any other is destroyed at once. It never starts again.
   */
  actorDestroyed(actorId: string): void {
    this.ensureOpen();
    this.run((tx, work) => {
      const rec = this.read(tx, actorId);
      if (rec === undefined) {
        // Never started (or already gone): nothing runs, but a waiter may be parked on it.
        work.after.push(() => this.waiters.reject(actorId, actorNotFound(actorId)));
        return;
      }
      if (rec.phase === "starting" || rec.phase === "running") this.beginStop(tx, work, rec, "destroy", "destroyed by the API");
      else if (rec.phase === "stopping") {
        if (rec.stopReason !== "destroy") this.save(tx, work, rec, { ...rec, stopReason: "destroy" }, "destroyed by the API");
      } else this.destroy(tx, work, rec, "destroyed by the API");
    });
  }

  /**
   * Puts an actor to sleep (`POST /actors/{id}/sleep`): a running actor is stopped and
   * becomes sleeping; a pending or backing-off one becomes sleeping at once.
   */
  sleep(actorId: string): void {
    this.ensureOpen();
    this.run((tx, work) => {
      const stored = this.catalog.getActor(actorId);
      if (stored === undefined || stored.actor.destroy_ts != null) throw actorNotFound(actorId);
      const rec = this.read(tx, actorId);
      // Never started (its `actorCreated` was lost to a crash): it is as good as asleep.
      if (rec === undefined) return;
      switch (rec.phase) {
        case "starting":
        case "running":
          return this.beginStop(tx, work, rec, "sleep", "sleep requested by the API");
        case "stopping":
          // A wake asked for by requests still waiting must stand: cancelling it would leave
          // them waiting out their timeout for an actor nothing wakes. Without waiters the
          // API's sleep wins over an earlier wake.
          if (rec.wake && !this.waiters.has(actorId)) this.save(tx, work, rec, { ...rec, wake: false }, "sleep requested by the API");
          return;
        case "pending":
        case "backoff":
          return this.toSleeping(tx, work, rec, "sleep requested by the API");
        default:
          return;
      }
    });
  }

  /**
   * Resolves with the actor's runner and generation once it is running and connectable.
   * A sleeping actor is woken first; one stopping to sleep is started again once stopped.
   *
   * Rejects with `EngineError`: `actor.not_found` (404) for an unknown, destroyed or
   * destroying actor; when `timeoutMs` passes, `actor.no_runners` (503) if the actor is
   * pending and no runner of its name is connected, `actor.no_capacity` (503) if it is
   * pending and every such runner is full or draining, otherwise `actor.ready_timeout`
   * (504, a gateway-style timeout with the phase in its metadata). An aborted `signal`
   * rejects with the signal's reason.
   */
  async waitReady(actorId: string, options: WaitReadyOptions): Promise<{ runnerId: string; generation: number }> {
    this.ensureOpen();
    options.signal?.throwIfAborted();
    // Every change of a record goes through `reindex` right after its transaction commits, in
    // the same synchronous turn, so this index is never behind what storage says.
    const known = this.running.get(actorId);
    if (known !== undefined && this.live.has(known.runnerId)) return { runnerId: known.runnerId, generation: known.generation };
    const stored = this.catalog.getActor(actorId);
    if (stored === undefined || stored.actor.destroy_ts != null) throw actorNotFound(actorId);
    // An actor whose `actorCreated` was lost to a crash is adopted by its first request.
    if (this.read(this.storage, actorId) === undefined) this.actorCreated(actorId);

    let ready: ActorPlacement | undefined;
    this.run((tx, work) => {
      const rec = this.read(tx, actorId);
      if (rec === undefined) throw actorNotFound(actorId);
      switch (rec.phase) {
        case "running":
          // A runner that is away (reconnecting, or not back yet after an engine restart)
          // cannot be reached: wait until it is back, or is lost and the actor runs elsewhere.
          if (this.live.has(rec.runnerId as string)) ready = { actorId, generation: rec.generation, runnerId: rec.runnerId as string };
          return;
        case "sleeping":
          return this.place(tx, work, { ...rec, wake: false }, undefined, "woken by a request");
        case "stopping":
          if (rec.stopReason === "destroy") throw actorNotFound(actorId);
          if (rec.stopReason === "sleep" && !rec.wake) this.save(tx, work, rec, { ...rec, wake: true }, "wake requested while stopping");
          return;
        default:
          return;
      }
    });
    if (ready !== undefined) return { runnerId: ready.runnerId, generation: ready.generation };

    return await this.waiters.wait(actorId, options.timeoutMs, () => this.timeoutError(actorId, options.timeoutMs), options.signal);
  }

  /** What the lifecycle knows about an actor, or undefined for an actor it has never seen. */
  state(actorId: string): ActorLifecycleState | undefined {
    const rec = this.read(this.storage, actorId);
    if (rec === undefined) {
      const stored = this.catalog.getActor(actorId);
      if (stored?.actor.destroy_ts == null) return undefined;
      return {
        actorId,
        phase: "destroyed",
        generation: stored.generation,
        runnerId: null,
        connectable: false,
        stopReason: null,
        wake: false,
        alarmTs: null,
        retries: 0,
        rescheduleAt: null,
        nextCommandIndex: 0,
        lastEventIndex: -1,
        lastAckedEventIndex: -1,
      };
    }
    return {
      actorId,
      phase: rec.phase,
      generation: rec.generation,
      runnerId: rec.runnerId,
      connectable: rec.phase === "running",
      stopReason: rec.stopReason,
      wake: rec.wake,
      alarmTs: rec.alarmTs,
      retries: rec.retries,
      rescheduleAt: rec.rescheduleAt,
      nextCommandIndex: rec.nextCommandIndex,
      lastEventIndex: rec.lastEventIndex,
      lastAckedEventIndex: rec.lastAckedEventIndex,
    };
  }

  /** How many actors hold a slot on a runner (starting, running or stopping there). */
  actorCount(runnerId: string): number {
    return this.slots.get(runnerId)?.size ?? 0;
  }

  /**
   * The runner an actor holds a slot on (starting, running or stopping there), from memory.
   * It answers the same as `state(actorId)?.runnerId` for those phases without reading storage.
   */
  runnerOf(actorId: string): string | undefined {
    return this.slotOf.get(actorId);
  }

  /** Adds a listener; shorthand for `events.on`. Returns a function that removes it. */
  on<K extends keyof ActorLifecycleEventMap>(event: K, listener: (...args: ActorLifecycleEventMap[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  // ---- Runner endpoint hooks ----------------------------------------------------------------

  private replay(connection: RunnerConnection): runner.v7.CommandWrapper[] {
    // Liveness changes only on `connected`: a handshake can still fail after the replay, and
    // such a connection never gets a `disconnected` event. Nothing can store a command
    // between this scan and `connected`, since only microtasks run in between.
    const commands = CommandStore.forRunner(this.storage, connection.runnerId);
    if (commands.length > 0) connection.log.debug({ count: commands.length }, "replaying unacked commands");
    return commands;
  }

  private onConnected(connection: RunnerConnection): void {
    const { runnerId } = connection;
    // The runner is back before it was given up on: it keeps its actors.
    this.cancelLostTimer(runnerId);
    this.live.set(runnerId, connection);
    // Callers that waited for this runner to come back can reach its running actors again.
    for (const actorId of this.slots.get(runnerId) ?? []) {
      if (!this.waiters.has(actorId)) continue;
      const rec = this.read(this.storage, actorId);
      if (rec?.phase === "running" && rec.runnerId === runnerId) this.waiters.resolve(actorId, { runnerId, generation: rec.generation });
    }
    this.placePending();
  }

  private onDisconnected(connection: RunnerConnection, evicted: boolean): void {
    // An evicted connection was replaced by a newer one of the same runner, which is live.
    if (evicted) return;
    if (this.live.get(connection.runnerId) === connection) this.live.delete(connection.runnerId);
    if (!this.live.has(connection.runnerId)) this.startLostTimer(connection.runnerId);
  }

  private onDraining(connection: RunnerConnection): void {
    for (const actorId of [...(this.slots.get(connection.runnerId) ?? [])]) {
      this.run((tx, work) => {
        const rec = this.read(tx, actorId);
        if (rec === undefined || rec.runnerId !== connection.runnerId) return;
        if (rec.phase === "starting" || rec.phase === "running") this.beginStop(tx, work, rec, "drain", "runner draining");
      });
    }
  }

  private onMessage(connection: RunnerConnection, message: runner.v7.ToServer): void {
    if (message.tag === "ToServerEvents") this.onEvents(connection, message.val);
    else if (message.tag === "ToServerAckCommands") {
      this.storage.transaction((tx) => {
        for (const c of message.val.lastCommandCheckpoints) {
          CommandStore.ackThrough(tx, connection.runnerId, c.actorId, c.generation, Number(c.index));
        }
      });
    }
  }

  // ---- Events ---------------------------------------------------------------------------------

  private onEvents(connection: RunnerConnection, events: readonly runner.v7.EventWrapper[]): void {
    const touched = new Set<string>();
    for (const event of events) {
      try {
        if (this.onEvent(connection, event)) touched.add(event.checkpoint.actorId);
      } catch (err) {
        connection.log.error({ err, actorId: event.checkpoint.actorId }, "actor event handling failed");
      }
    }
    const checkpoints: runner.v7.ActorCheckpoint[] = [];
    for (const actorId of touched) {
      this.storage.transaction((tx) => {
        const rec = this.read(tx, actorId);
        if (rec === undefined || rec.runnerId !== connection.runnerId) return;
        if (rec.lastEventIndex <= rec.lastAckedEventIndex + this.config.eventAckBatchSize) return;
        tx.put(recordKey(actorId), encodeLifecycleRecord({ ...rec, lastAckedEventIndex: rec.lastEventIndex }));
        checkpoints.push({ actorId, generation: rec.generation, index: BigInt(rec.lastEventIndex) });
      });
    }
    if (checkpoints.length > 0 && connection.open) {
      connection.send({ tag: "ToClientAckEvents", val: { lastEventCheckpoints: checkpoints } });
    }
  }

  /** Handles one event; returns whether it was new for the actor's current generation. */
  private onEvent(connection: RunnerConnection, event: runner.v7.EventWrapper): boolean {
    const { actorId, generation } = event.checkpoint;
    const index = Number(event.checkpoint.index);
    let processed = false;
    this.run((tx, work) => {
      const rec = this.read(tx, actorId);
      if (rec === undefined || rec.generation !== generation || rec.runnerId !== connection.runnerId) {
        // An event of a generation the engine has moved on from. A `Stopped` still tells us
        // that the runner is done with it, so its stored commands can go.
        if (event.inner.tag === "EventActorStateUpdate" && event.inner.val.state.tag === "ActorStateStopped") {
          CommandStore.dropGeneration(tx, connection.runnerId, actorId, generation);
        }
        connection.log.debug({ actorId, generation, index, current: rec?.generation }, "dropping an event of another generation");
        return;
      }
      if (index <= rec.lastEventIndex) {
        connection.log.debug({ actorId, generation, index, last: rec.lastEventIndex }, "dropping a duplicate event");
        return;
      }
      processed = true;
      // Any event of a generation proves that its start command arrived. Replaying that start
      // to the same runner would make Rivet's runner replace the live actor and number its
      // events from 0 again, so the start counts as acked here.
      if (rec.lastEventIndex < 0) CommandStore.ackThrough(tx, connection.runnerId, actorId, generation, 0);
      const seen: LifecycleRecord = { ...rec, lastEventIndex: index };
      const inner = event.inner;
      switch (inner.tag) {
        case "EventActorStateUpdate":
          if (inner.val.state.tag === "ActorStateRunning") return this.onRunning(tx, work, seen);
          return this.endGeneration(tx, work, seen, {
            cause: "stopped",
            code: inner.val.state.val.code,
            message: inner.val.state.val.message,
          });
        case "EventActorIntent":
          if (inner.val.intent.tag === "ActorIntentSleep") {
            if (seen.phase === "stopping") return this.quiet(tx, seen);
            return this.beginStop(tx, work, seen, "sleep", "sleep intent");
          }
          if (seen.phase === "stopping") {
            if (seen.stopReason === "destroy") return this.quiet(tx, seen);
            return this.save(tx, work, rec, { ...seen, stopReason: "destroy" }, "stop intent");
          }
          return this.beginStop(tx, work, seen, "destroy", "stop intent");
        case "EventActorSetAlarm": {
          const alarmTs = inner.val.alarmTs === null ? null : Number(inner.val.alarmTs);
          connection.log.debug({ actorId, generation, alarmTs }, "actor alarm set");
          return this.quiet(tx, { ...seen, alarmTs });
        }
      }
    });
    return processed;
  }

  private onRunning(tx: Transaction, work: Work, rec: LifecycleRecord): void {
    if (rec.phase !== "starting") return this.quiet(tx, rec);
    const now = this.clock.now();
    this.patchActor(rec, (a) => ({
      ...a,
      start_ts: a.start_ts ?? now,
      connectable_ts: now,
      pending_allocation_ts: null,
      reschedule_ts: null,
      sleep_ts: null,
      error: null,
    }));
    this.save(tx, work, rec, { ...rec, phase: "running", since: now }, "reported running");
    const placement = { actorId: rec.actorId, generation: rec.generation, runnerId: rec.runnerId as string };
    work.after.push(() => {
      this.waiters.resolve(rec.actorId, placement);
      this.events.emit("ready", placement);
    });
  }

  // ---- Transitions ------------------------------------------------------------------------------

  /**
   * Places an actor that holds no slot (new, pending, backing off, sleeping, or whose
   * generation just ended) on a runner in a new generation, or leaves it pending.
   */
  private place(tx: Transaction, work: Work, rec: LifecycleRecord, prev: LifecycleRecord | undefined, reason: string): void {
    const before = prev ?? rec;
    const now = this.clock.now();
    const choice = choosePlacement(this.candidates(), rec.namespaceId, rec.runnerNameSelector);
    if (typeof choice === "string") {
      this.patchActor(rec, (a) => ({
        ...a,
        pending_allocation_ts: a.pending_allocation_ts ?? now,
        connectable_ts: null,
        sleep_ts: null,
        reschedule_ts: null,
        error: "no_capacity",
      }));
      const since = rec.phase === "pending" ? rec.since : now;
      this.save(tx, work, before, { ...rec, phase: "pending", runnerId: null, stopReason: null, since, rescheduleAt: null }, `${reason}; ${choice}`);
      return;
    }
    const generation = rec.everPlaced ? rec.generation + 1 : rec.generation;
    const stored = this.catalog.getActor(rec.actorId) as StoredActor;
    const next: LifecycleRecord = {
      ...rec,
      phase: "starting",
      generation,
      everPlaced: true,
      runnerId: choice.runnerId,
      nextCommandIndex: 0,
      lastEventIndex: -1,
      lastAckedEventIndex: -1,
      stopReason: null,
      wake: false,
      since: now,
      rescheduleAt: null,
    };
    this.patchActor(next, (a) => ({
      ...a,
      pending_allocation_ts: null,
      connectable_ts: null,
      sleep_ts: null,
      reschedule_ts: null,
    }));
    const started = this.command(tx, work, next, {
      tag: "CommandStartActor",
      val: { config: startConfig(stored), hibernatingRequests: this.hibernatingRequests(next.actorId) },
    });
    this.save(tx, work, before, started, reason);
  }

  /** Stops a starting or running actor on its runner for `reason`. */
  private beginStop(tx: Transaction, work: Work, rec: LifecycleRecord, reason: StopReason, why: string): void {
    const now = this.clock.now();
    this.patchActor(rec, (a) => ({ ...a, connectable_ts: null, sleep_ts: reason === "sleep" ? now : a.sleep_ts }));
    const next = this.command(tx, work, { ...rec, phase: "stopping", stopReason: reason, since: now }, {
      tag: "CommandStopActor",
      val: null,
    });
    this.save(tx, work, rec, next, why);
  }

  /**
   * A generation ended: the runner reported `Stopped`, or the engine gave up on it. Decides
   * where the actor goes: by its stop reason if it was stopping, by the crash policy if not.
   */
  private endGeneration(tx: Transaction, work: Work, rec: LifecycleRecord, ending: Ending): void {
    const runnerId = rec.runnerId as string;
    const { actorId, generation } = rec;
    if (ending.cause === "stopped") {
      CommandStore.dropGeneration(tx, runnerId, actorId, generation);
    } else {
      // Nobody confirmed the stop: keep a stop command for that runner in case it comes back
      // with the same runner ID still running this generation, and forget it after a while.
      let abandoned = rec;
      if (rec.phase !== "stopping") abandoned = this.command(tx, work, rec, { tag: "CommandStopActor", val: null });
      CommandStore.expireAt(tx, runnerId, actorId, generation, this.clock.now() + this.config.abandonedCommandRetentionMs);
      rec = abandoned;
      work.after.push(() => this.refreshExpiryTimer());
    }
    work.after.push(() => this.events.emit("stopped", { actorId, generation, runnerId, cause: ending.cause }));
    const freed: LifecycleRecord = { ...rec, runnerId: null };
    const what = ending.cause === "stopped" ? "stopped" : ending.cause.replace("_", " ");

    if (rec.phase === "stopping") {
      switch (rec.stopReason) {
        case "destroy":
          return this.destroy(tx, work, freed, `${what} after a stop intent`, rec);
        case "drain":
          return this.place(tx, work, freed, rec, `${what} while draining; rescheduled`);
        default:
          return this.toSleeping(tx, work, freed, `${what} to sleep`, rec);
      }
    }

    // Starting or running, and nobody asked it to stop.
    const connection = this.live.get(runnerId);
    if (ending.cause === "runner_lost") {
      this.patchActor(rec, (a) => ({ ...a, connectable_ts: null, error: { runner_connection_lost: { runner_id: runnerId } } }));
      return this.place(tx, work, freed, rec, "runner lost; rescheduled");
    }
    if (ending.cause === "stopped" && connection?.draining === true) {
      return this.place(tx, work, freed, rec, "stopped by a draining runner; rescheduled");
    }
    const error =
      ending.cause === "stopped"
        ? { crashed: { message: ending.message } }
        : { runner_no_response: { runner_id: runnerId } };
    this.patchActor(rec, (a) => ({ ...a, connectable_ts: null, error }));
    const stored = this.catalog.getActor(actorId) as StoredActor;
    const detail = ending.cause === "stopped" ? `crashed (code ${ending.code === runner.v7.StopCode.Ok ? "ok" : "error"})` : what;
    switch (stored.actor.crash_policy) {
      case "restart":
        return this.toBackoff(tx, work, freed, rec, detail);
      case "sleep":
        return this.toSleeping(tx, work, freed, `${detail}; crash policy sleep`, rec);
      default:
        return this.destroy(tx, work, freed, `${detail}; crash policy destroy`, rec);
    }
  }

  private toBackoff(tx: Transaction, work: Work, rec: LifecycleRecord, prev: LifecycleRecord, why: string): void {
    const now = this.clock.now();
    const fresh = rec.lastCrashTs !== null && now - rec.lastCrashTs > this.config.crashRetryResetMs;
    const retries = fresh ? 0 : rec.retries;
    const delay = backoffDelay(this.config, retries);
    const rescheduleAt = now + delay;
    this.patchActor(rec, (a) => ({ ...a, reschedule_ts: rescheduleAt, connectable_ts: null }));
    this.save(
      tx,
      work,
      prev,
      { ...rec, phase: "backoff", retries: retries + 1, lastCrashTs: now, since: now, rescheduleAt, stopReason: null },
      `${why}; crash policy restart, retry in ${delay} ms`,
    );
  }

  /**
   * Sleeps an actor that holds no slot, unless a wake is due: then it is placed again at once.
   * Requests still waiting for it count as a wake even when none was recorded (they began
   * waiting while it was starting, before a sleep was asked for): nothing else would wake it
   * for them, and they would wait out their timeout.
   */
  private toSleeping(tx: Transaction, work: Work, rec: LifecycleRecord, why: string, prev: LifecycleRecord = rec): void {
    const now = this.clock.now();
    if (rec.wake || this.waiters.has(rec.actorId)) return this.place(tx, work, { ...rec, wake: false }, prev, `${why}; woken by a request`);
    if (rec.alarmTs !== null && rec.alarmTs <= now) {
      return this.place(tx, work, { ...rec, alarmTs: null }, prev, `${why}; woken by its alarm`);
    }
    this.patchActor(rec, (a) => ({
      ...a,
      sleep_ts: a.sleep_ts ?? now,
      connectable_ts: null,
      pending_allocation_ts: null,
      reschedule_ts: null,
    }));
    this.save(tx, work, prev, { ...rec, phase: "sleeping", runnerId: null, stopReason: null, since: now, rescheduleAt: null }, why);
  }

  private destroy(tx: Transaction, work: Work, rec: LifecycleRecord, why: string, prev: LifecycleRecord = rec): void {
    const stored = this.catalog.getActor(rec.actorId);
    if (stored !== undefined && stored.actor.destroy_ts == null) {
      const ns = this.catalog.listNamespaces().find((n) => n.namespace_id === rec.namespaceId);
      if (ns !== undefined) this.catalog.destroyActor(ns, rec.actorId);
      else this.patchActor(rec, (a) => ({ ...a, destroy_ts: this.clock.now(), connectable_ts: null }));
    } else {
      this.patchActor(rec, (a) => ({ ...a, connectable_ts: null }));
    }
    this.save(tx, work, prev, { ...rec, phase: "destroyed", runnerId: null }, why);
    work.after.push(() => this.waiters.reject(rec.actorId, actorNotFound(rec.actorId)));
  }

  // ---- Timers -----------------------------------------------------------------------------------

  private onActorTimer(actorId: string, generation: number, phase: Phase): void {
    this.run((tx, work) => {
      const rec = this.read(tx, actorId);
      if (rec === undefined || rec.generation !== generation || rec.phase !== phase) return;
      const now = this.clock.now();
      switch (phase) {
        case "starting":
          if (now < rec.since + this.config.actorStartThresholdMs) return this.rearm(rec);
          return this.endGeneration(tx, work, rec, { cause: "start_timeout" });
        case "stopping":
          if (now < rec.since + this.config.actorStopThresholdMs) return this.rearm(rec);
          return this.endGeneration(tx, work, rec, { cause: "stop_timeout" });
        case "backoff":
          if (now < (rec.rescheduleAt ?? 0)) return this.rearm(rec);
          return this.place(tx, work, rec, undefined, "crash backoff over");
        default:
          return;
      }
    });
  }

  private onRunnerLost(runnerId: string): void {
    this.lostTimers.delete(runnerId);
    if (this.live.has(runnerId)) return;
    const actors = [...(this.slots.get(runnerId) ?? [])];
    if (actors.length === 0) return;
    this.log.info({ runnerId, actors: actors.length }, "runner lost; its actors are rescheduled");
    for (const actorId of actors) {
      this.run((tx, work) => {
        const rec = this.read(tx, actorId);
        if (rec === undefined || rec.runnerId !== runnerId || !holdsSlot(rec.phase)) return;
        this.endGeneration(tx, work, rec, { cause: "runner_lost" });
      });
    }
  }

  private onAlarms(): void {
    this.alarmTimer = undefined;
    const now = this.clock.now();
    const due = this.storage.scan({ start: ALARM_PREFIX, end: alarmsDueEnd(now) });
    for (const entry of due) {
      const { actorId } = parseAlarmKey(entry.key);
      this.run((tx, work) => {
        const rec = this.read(tx, actorId);
        if (rec === undefined || rec.phase !== "sleeping") {
          tx.delete(entry.key);
          return;
        }
        this.place(tx, work, { ...rec, alarmTs: null }, rec, "woken by its alarm");
      });
    }
    this.refreshAlarmTimer();
  }

  private onExpiry(): void {
    this.expiryTimer = undefined;
    const swept = this.storage.transaction((tx) => CommandStore.sweep(tx, this.clock.now()));
    if (swept > 0) this.log.debug({ generations: swept }, "dropped commands of abandoned generations");
    this.refreshExpiryTimer();
  }

  private refreshAlarmTimer(): void {
    if (this.closed) return;
    clearTimeout(this.alarmTimer);
    this.alarmTimer = undefined;
    const [first] = this.storage.scan({ prefix: ALARM_PREFIX, limit: 1 });
    if (first === undefined) return;
    const { alarmTs } = parseAlarmKey(first.key);
    this.alarmTimer = this.timer(alarmTs, () => this.guard("alarm", () => this.onAlarms()));
  }

  private refreshExpiryTimer(): void {
    if (this.closed) return;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const next = CommandStore.nextExpiry(this.storage);
    if (next === undefined) return;
    this.expiryTimer = this.timer(next, () => this.guard("command expiry", () => this.onExpiry()));
  }

  private startLostTimer(runnerId: string): void {
    if (this.closed || this.lostTimers.has(runnerId)) return;
    const t = setTimeout(() => this.guard("runner lost", () => this.onRunnerLost(runnerId)), this.config.runnerLostThresholdMs);
    t.unref();
    this.lostTimers.set(runnerId, t);
  }

  private cancelLostTimer(runnerId: string): void {
    const t = this.lostTimers.get(runnerId);
    if (t === undefined) return;
    clearTimeout(t);
    this.lostTimers.delete(runnerId);
    this.log.debug({ runnerId }, "runner reconnected before it was lost");
  }

  /**
   * A timer for epoch ms `at` by the lifecycle's clock. A wait longer than Node allows fires
   * early; every handler checks what is due and re-arms itself for the rest.
   */
  private timer(at: number, fire: () => void): NodeJS.Timeout {
    const delay = Math.max(0, at - this.clock.now());
    const t = setTimeout(fire, Math.min(delay, MAX_TIMER_MS));
    t.unref();
    return t;
  }

  private rearm(rec: LifecycleRecord): void {
    this.reindex(rec);
  }

  // ---- Storage and memory -------------------------------------------------------------------------

  private read(reader: Pick<Storage, "get">, actorId: string): LifecycleRecord | undefined {
    const bytes = reader.get(recordKey(actorId));
    return bytes === undefined ? undefined : decodeLifecycleRecord(bytes);
  }

  /** Writes a record that changed without a transition (indices, alarm). */
  private quiet(tx: Transaction, rec: LifecycleRecord): void {
    tx.put(recordKey(rec.actorId), encodeLifecycleRecord(rec));
  }

  /**
   * Writes a transition: the record, the awake and alarm indexes, and the catalog's
   * generation. Memory, the log line and the `transition` event follow after the commit.
   */
  private save(tx: Transaction, work: Work, prev: LifecycleRecord, next: LifecycleRecord, reason: string): void {
    const { actorId } = next;
    if (prev.phase === "sleeping" && prev.alarmTs !== null) tx.delete(alarmKey(prev.alarmTs, actorId));
    if (next.phase === "destroyed") {
      tx.delete(recordKey(actorId));
      tx.delete(awakeKey(actorId));
    } else {
      tx.put(recordKey(actorId), encodeLifecycleRecord(next));
      if (isAwake(next.phase)) tx.put(awakeKey(actorId), new Uint8Array(0));
      else tx.delete(awakeKey(actorId));
      if (next.phase === "sleeping" && next.alarmTs !== null) tx.put(alarmKey(next.alarmTs, actorId), new Uint8Array(0));
    }
    if (prev.generation !== next.generation) {
      this.catalog.updateActor(actorId, (s) => ({ ...s, generation: next.generation }));
    }
    const alarmsChanged = prev.phase === "sleeping" || next.phase === "sleeping";
    const fresh = work.created === actorId;
    work.touched.add(actorId);
    work.after.push(() => {
      if (alarmsChanged) this.refreshAlarmTimer();
      if (fresh || prev.phase !== next.phase || prev.generation !== next.generation) {
        const t: ActorTransition = {
          actorId,
          generation: next.generation,
          runnerId: next.runnerId ?? prev.runnerId,
          from: fresh ? "new" : prev.phase,
          to: next.phase,
          reason,
        };
        this.log.info(t, `actor ${next.phase}`);
        this.events.emit("transition", t);
      }
    });
  }

  /** Stores a command for the record's runner and generation and queues it for sending. */
  private command(tx: Transaction, work: Work, rec: LifecycleRecord, command: runner.v7.Command): LifecycleRecord {
    const runnerId = rec.runnerId as string;
    const index = rec.nextCommandIndex;
    CommandStore.put(tx, { runnerId, actorId: rec.actorId, generation: rec.generation, index }, command);
    work.sends.push({
      runnerId,
      command: { checkpoint: { actorId: rec.actorId, generation: rec.generation, index: BigInt(index) }, inner: command },
    });
    return { ...rec, nextCommandIndex: index + 1 };
  }

  /** Changes the catalog's actor record; called inside a transition, so it joins its transaction. */
  private patchActor(rec: LifecycleRecord, change: (a: ActorRecord) => ActorRecord): void {
    this.catalog.updateActor(rec.actorId, (s) => ({ ...s, actor: change(s.actor) }));
  }

  /**
   * Runs one transition as a storage transaction, then sends the commands it stored and
   * runs what it left for after the commit. Placement of pending actors follows when a
   * transition freed a slot.
   */
  private run(body: (tx: Transaction, work: Work) => void): void {
    const work = new Work();
    this.storage.transaction((tx) => body(tx, work));
    const byRunner = new Map<string, runner.v7.CommandWrapper[]>();
    for (const s of work.sends) {
      const list = byRunner.get(s.runnerId) ?? [];
      list.push(s.command);
      byRunner.set(s.runnerId, list);
    }
    for (const [runnerId, commands] of byRunner) this.send(runnerId, commands);
    // Memory follows storage before any listener runs. A listener may start a transition of
    // its own (the gateway wakes an actor from its `stopped` handler), and that one must find
    // memory as storage has it and must not be undone afterwards by this transition's older
    // view: so memory is rebuilt from what is stored now, never from the record this
    // transition wrote, which a nested one may already have replaced.
    for (const actorId of work.touched) this.reindexStored(actorId);
    for (const after of work.after) after();
    if (this.placeAgain) this.placePending();
  }

  private send(runnerId: string, commands: runner.v7.CommandWrapper[]): void {
    const connection = this.live.get(runnerId);
    // A runner that is away gets these in its replay when it reconnects.
    if (connection === undefined || !connection.open) return;
    try {
      connection.send({ tag: "ToClientCommands", val: commands });
    } catch (err) {
      connection.log.error({ err }, "could not send commands");
    }
  }

  /** Brings memory in line with the stored record of one actor (none: destroyed). */
  private reindexStored(actorId: string): void {
    const rec = this.read(this.storage, actorId);
    if (rec !== undefined) return this.reindex(rec);
    this.reindex(blankRecord(actorId, { namespaceId: "", runnerNameSelector: "", phase: "destroyed", generation: 0, everPlaced: true, since: 0 }));
  }

  /** Brings memory in line with one record: slots, the pending queue, its timer, its waiters. */
  private reindex(rec: LifecycleRecord): void {
    const { actorId } = rec;
    const held = this.slotOf.get(actorId);
    const holds = holdsSlot(rec.phase) && rec.runnerId !== null ? rec.runnerId : undefined;
    if (held !== holds) {
      if (held !== undefined) {
        this.slots.get(held)?.delete(actorId);
        if (this.slots.get(held)?.size === 0) this.slots.delete(held);
        this.slotOf.delete(actorId);
        this.placeAgain = true;
      }
      if (holds !== undefined) {
        let set = this.slots.get(holds);
        if (set === undefined) {
          set = new Set();
          this.slots.set(holds, set);
        }
        set.add(actorId);
        this.slotOf.set(actorId, holds);
      }
    }
    if (rec.phase === "running" && rec.runnerId !== null) this.running.set(actorId, { runnerId: rec.runnerId, generation: rec.generation });
    else this.running.delete(actorId);
    if (rec.phase === "pending") {
      if (!this.pending.has(actorId)) this.pending.set(actorId, { namespaceId: rec.namespaceId, runnerName: rec.runnerNameSelector });
    } else this.pending.delete(actorId);

    clearTimeout(this.actorTimers.get(actorId));
    this.actorTimers.delete(actorId);
    let due: number | undefined;
    if (rec.phase === "starting") due = rec.since + this.config.actorStartThresholdMs;
    else if (rec.phase === "stopping") due = rec.since + this.config.actorStopThresholdMs;
    else if (rec.phase === "backoff") due = rec.rescheduleAt ?? rec.since;
    if (due !== undefined && !this.closed) {
      const { generation, phase } = rec;
      this.actorTimers.set(
        actorId,
        this.timer(due, () => this.guard("actor timer", () => this.onActorTimer(actorId, generation, phase))),
      );
    }
  }

  /** Places pending actors, oldest first, while runners have room. */
  private placePending(): void {
    if (this.closed) return;
    if (this.placing) {
      this.placeAgain = true;
      return;
    }
    this.placing = true;
    try {
      do {
        this.placeAgain = false;
        for (const [actorId, want] of [...this.pending]) {
          if (typeof choosePlacement(this.candidates(), want.namespaceId, want.runnerName) === "string") continue;
          this.run((tx, work) => {
            const rec = this.read(tx, actorId);
            if (rec === undefined || rec.phase !== "pending") return;
            this.place(tx, work, rec, undefined, "runner available");
          });
        }
      } while (this.placeAgain);
    } finally {
      this.placing = false;
    }
  }

  private *candidates(): Iterable<PlacementCandidate> {
    for (const [runnerId, c] of this.live) {
      yield {
        runnerId,
        namespaceId: c.namespace.id,
        name: c.name,
        version: c.runnerVersion,
        totalSlots: c.totalSlots,
        used: this.slots.get(runnerId)?.size ?? 0,
        draining: c.draining,
        // Runner protocol v1-v3 connections take v7 commands too, through the runner endpoint's mk1 bridge.
        usable: c.open,
      };
    }
  }

  private timeoutError(actorId: string, timeoutMs: number): EngineError {
    const rec = this.read(this.storage, actorId);
    const phase = rec?.phase ?? "unknown";
    if (rec?.phase === "pending") {
      const choice = choosePlacement(this.candidates(), rec.namespaceId, rec.runnerNameSelector);
      if (choice === "no_runners") return actorNoRunners(actorId, rec.runnerNameSelector);
      if (choice === "no_capacity") return actorNoCapacity(actorId, rec.runnerNameSelector);
    }
    return actorReadyTimeout(actorId, timeoutMs, phase);
  }

  private ensureOpen(): void {
    if (this.closed) throw lifecycleClosed();
  }

  /** Runs work triggered by a socket or a timer; a failure is logged, never thrown at the caller. */
  private guard(what: string, body: () => void): void {
    if (this.closed) return;
    try {
      body();
    } catch (err) {
      this.log.error({ err, what }, "actor lifecycle step failed");
    }
  }
}

/** The `ActorConfig` of a start command, from the catalog record. */
function startConfig(stored: StoredActor): runner.v7.ActorConfig {
  let input: ArrayBuffer | null = null;
  if (stored.input !== null) {
    const bytes = Buffer.from(stored.input, "base64");
    input = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  return { name: stored.actor.name, key: stored.actor.key, createTs: BigInt(stored.actor.create_ts), input };
}

/** A record with no runner, no commands or events yet, no stop, wake, alarm or crash: the rest is the caller's. */
function blankRecord(
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
