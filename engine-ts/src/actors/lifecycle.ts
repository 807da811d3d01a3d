import type { runner } from "@actorwire/protocol";
import type { Logger } from "pino";
import type { Catalog } from "../catalog/catalog.js";
import type { EngineError } from "../errors.js";
import type { RunnerConnection, RunnerEndpoint } from "../runners/index.js";
import { TypedEmitter } from "../runners/events.js";
import type { Storage, Transaction } from "../storage/storage.js";
import { CommandStore } from "./commands.js";
import { type ActorLifecycleConfig, type Clock, DEFAULT_LIFECYCLE_CONFIG, systemClock } from "./config.js";
import { actorNoCapacity, actorNoRunners, actorNotFound, actorReadyTimeout, lifecycleClosed } from "./errors.js";
import { ActorIndexes } from "./indexes.js";
import { ALARM_PREFIX, AWAKE_PREFIX, actorIdOfAwakeKey, alarmsDueEnd, parseAlarmKey } from "./keys.js";
import { defaultActorsLogger } from "./log.js";
import { type ActorGenerationEvent, type ActorPlacement, type PlacementCandidate, choosePlacement } from "./placement.js";
import { type LifecycleRecord, type Phase, type StopReason, blankRecord, holdsSlot, readRecord, writeRecord } from "./record.js";
import { LifecycleTimers } from "./timers.js";
import { Transitions, Work } from "./transitions.js";
import { ReadyWaiters } from "./waiters.js";

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
  readonly hibernation?: HibernatingRequestSource;
}

/**
 * Where the lifecycle finds the hibernating client WebSockets of an actor. The gateway's
 * tunnel table is one: the composition root builds it first and hands it to both.
 */
export interface HibernatingRequestSource {
  hibernatingRequests(actorId: string): runner.v7.HibernatingRequest[];
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
export interface ActorStoppedEvent extends ActorGenerationEvent {
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
  ready: [event: ActorGenerationEvent];
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

/** Options of {@link ActorLifecycle.waitReady} and of the gateway's `ActorRouter.waitReady`. */
export interface WaitReadyOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /**
   * The client asked not to wait for the actor to be connectable (`rvt-skip-ready-wait`,
   * `x-rivet-skip-ready-wait`, `rivet_skip_ready_wait`). A hint: an implementation may
   * ignore it, and the lifecycle does.
   */
  readonly skipReadyWait?: boolean;
}

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
 *
 * This file holds the public contract and the handlers of runner events and timers; the
 * state changes are in `transitions.ts`, the memory indexes in `indexes.ts` and the timers in
 * `timers.ts`.
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

  /** Connected runners (from `connected` until `disconnected`), by runner ID. */
  private readonly live = new Map<string, RunnerConnection>();
  private readonly indexes = new ActorIndexes();
  private readonly timers: LifecycleTimers;
  private readonly transitions: Transitions;
  private readonly waiters = new ReadyWaiters();
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
    this.events = new TypedEmitter(this.log);
    this.config = {
      ...DEFAULT_LIFECYCLE_CONFIG,
      runnerLostThresholdMs: options.runners.settings.runnerLostThresholdMs,
      ...options.config,
    };
    this.timers = new LifecycleTimers({
      storage: this.storage,
      clock: this.clock,
      config: this.config,
      log: this.log,
      guard: (what, body) => this.guard(what, body),
      handlers: {
        actorDue: (actorId, generation, phase) => this.onActorTimer(actorId, generation, phase),
        runnerLost: (runnerId) => this.onRunnerLost(runnerId),
        alarmsDue: () => this.onAlarms(),
      },
    });
    const hibernation = options.hibernation;
    this.transitions = new Transitions({
      catalog: this.catalog,
      clock: this.clock,
      config: this.config,
      log: this.log,
      events: this.events,
      waiters: this.waiters,
      timers: this.timers,
      hibernatingRequests: (actorId) => hibernation?.hibernatingRequests(actorId) ?? [],
      candidates: () => this.candidates(),
      connection: (runnerId) => this.live.get(runnerId),
    });
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

    const destroyedMeanwhile: string[] = [];
    for (const entry of this.storage.scan({ prefix: AWAKE_PREFIX })) {
      const actorId = actorIdOfAwakeKey(entry.key);
      const rec = readRecord(this.storage, actorId);
      if (rec === undefined) {
        this.storage.write([{ op: "delete", key: entry.key }]);
        continue;
      }
      const stored = this.catalog.getActor(actorId);
      if (stored === undefined || stored.actor.destroy_ts != null) destroyedMeanwhile.push(actorId);
      this.reindex(rec);
    }
    for (const runnerId of this.indexes.occupiedRunners()) {
      if (!this.live.has(runnerId)) this.timers.startLost(runnerId);
    }
    for (const connection of r.connections()) this.onConnected(connection);
    // The API destroyed these while the engine was down, between its write and our call.
    for (const actorId of destroyedMeanwhile) this.actorDestroyed(actorId);
    this.timers.refreshAlarm();
    this.timers.refreshExpiry();
    this.placePending();
  }

  /** Detaches from the runner endpoint, stops every timer and fails every waiter. Storage is left as it is. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.timers.close();
    this.waiters.rejectAll(lifecycleClosed());
  }

  // ---- Public contract --------------------------------------------------------------------

  /** Places and starts an actor the catalog has just created. Calling it again does nothing. */
  actorCreated(actorId: string): void {
    this.ensureOpen();
    this.run((tx, work) => {
      if (readRecord(tx, actorId) !== undefined) return;
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
      this.transitions.place(tx, work, fresh, undefined, "created");
    });
  }

  /**
   * The API destroyed the actor: a running actor is stopped on its runner and becomes
   * destroyed once stopped; any other is destroyed at once. It never starts again.
   */
  actorDestroyed(actorId: string): void {
    this.ensureOpen();
    this.indexes.markDestroyed(actorId);
    const t = this.transitions;
    this.run((tx, work) => {
      const rec = readRecord(tx, actorId);
      if (rec === undefined) {
        // Never started (or already gone): nothing runs, but a waiter may be parked on it.
        work.after.push(() => this.waiters.reject(actorId, actorNotFound(actorId)));
        return;
      }
      if (rec.phase === "starting" || rec.phase === "running") t.beginStop(tx, work, rec, "destroy", "destroyed by the API");
      else if (rec.phase === "stopping") {
        if (rec.stopReason !== "destroy") t.save(tx, work, rec, { ...rec, stopReason: "destroy" }, "destroyed by the API");
      } else t.destroy(tx, work, rec, "destroyed by the API");
    });
  }

  /**
   * Puts an actor to sleep (`POST /actors/{id}/sleep`): a running actor is stopped and
   * becomes sleeping; a pending or backing-off one becomes sleeping at once.
   */
  sleep(actorId: string): void {
    this.ensureOpen();
    const t = this.transitions;
    this.run((tx, work) => {
      const stored = this.catalog.getActor(actorId);
      if (stored === undefined || stored.actor.destroy_ts != null) throw actorNotFound(actorId);
      const rec = readRecord(tx, actorId);
      // Never started (its `actorCreated` was lost to a crash): it is as good as asleep.
      if (rec === undefined) return;
      switch (rec.phase) {
        case "starting":
        case "running":
          return t.beginStop(tx, work, rec, "sleep", "sleep requested by the API");
        case "stopping":
          // A wake asked for by requests still waiting must stand: cancelling it would leave
          // them waiting out their timeout for an actor nothing wakes. Without waiters the
          // API's sleep wins over an earlier wake.
          if (rec.wake && !this.waiters.has(actorId)) t.save(tx, work, rec, { ...rec, wake: false }, "sleep requested by the API");
          return;
        case "pending":
        case "backoff":
          return t.toSleeping(tx, work, rec, "sleep requested by the API");
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
  /**
   * Where the actor runs when it is running on a connected runner right now, from memory;
   * undefined when a caller must {@link waitReady} (to wake it, or wait for its runner).
   */
  readyNow(actorId: string): ActorPlacement | undefined {
    if (this.closed) return undefined;
    const known = this.indexes.placementOf(actorId);
    return known !== undefined && this.live.has(known.runnerId) ? known : undefined;
  }

  async waitReady(actorId: string, options: WaitReadyOptions): Promise<ActorPlacement> {
    this.ensureOpen();
    options.signal?.throwIfAborted();
    // Every change of a record goes through `reindex` right after its transaction commits, in
    // the same synchronous turn, so this index is never behind what storage says.
    const known = this.readyNow(actorId);
    if (known !== undefined) return known;
    const stored = this.catalog.getActor(actorId);
    if (stored === undefined || stored.actor.destroy_ts != null) throw actorNotFound(actorId);
    // An actor whose `actorCreated` was lost to a crash is adopted by its first request.
    if (readRecord(this.storage, actorId) === undefined) this.actorCreated(actorId);

    let ready: ActorPlacement | undefined;
    const t = this.transitions;
    this.run((tx, work) => {
      const rec = readRecord(tx, actorId);
      if (rec === undefined) throw actorNotFound(actorId);
      switch (rec.phase) {
        case "running":
          // A runner that is away (reconnecting, or not back yet after an engine restart)
          // cannot be reached: wait until it is back, or is lost and the actor runs elsewhere.
          if (this.live.has(rec.runnerId as string)) ready = { generation: rec.generation, runnerId: rec.runnerId as string };
          return;
        case "sleeping":
          return t.place(tx, work, { ...rec, wake: false }, undefined, "woken by a request");
        case "stopping":
          if (rec.stopReason === "destroy") throw actorNotFound(actorId);
          if (rec.stopReason === "sleep" && !rec.wake) t.save(tx, work, rec, { ...rec, wake: true }, "wake requested while stopping");
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
    let rec = readRecord(this.storage, actorId);
    if (rec === undefined) {
      const stored = this.catalog.getActor(actorId);
      if (stored?.actor.destroy_ts == null) return undefined;
      rec = blankRecord(actorId, { namespaceId: "", runnerNameSelector: "", phase: "destroyed", generation: stored.generation, everPlaced: true, since: 0 });
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
    return this.indexes.actorCount(runnerId);
  }

  /**
   * The runner an actor holds a slot on (starting, running or stopping there), from memory.
   * It answers the same as `state(actorId)?.runnerId` for those phases without reading storage.
   */
  runnerOf(actorId: string): string | undefined {
    return this.indexes.runnerOf(actorId);
  }

  /** The runner that may use an actor's KV right now (see {@link ActorIndexes.kvOwner}), from memory. */
  kvOwner(actorId: string): string | undefined {
    return this.indexes.kvOwner(actorId);
  }

  /** Adds a listener; shorthand for `events.on`. Returns a function that removes it. */
  on<K extends keyof ActorLifecycleEventMap>(event: K, listener: (...args: ActorLifecycleEventMap[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  // ---- Runner endpoint events ---------------------------------------------------------------

  private onConnected(connection: RunnerConnection): void {
    const { runnerId } = connection;
    // The runner is back before it was given up on: it keeps its actors.
    this.timers.cancelLost(runnerId);
    this.live.set(runnerId, connection);
    // Callers that waited for this runner to come back can reach its running actors again.
    for (const actorId of this.indexes.actorsOn(runnerId)) {
      if (!this.waiters.has(actorId)) continue;
      const rec = readRecord(this.storage, actorId);
      if (rec?.phase === "running" && rec.runnerId === runnerId) this.waiters.resolve(actorId, { runnerId, generation: rec.generation });
    }
    this.placePending();
  }

  private onDisconnected(connection: RunnerConnection, evicted: boolean): void {
    // An evicted connection was replaced by a newer one of the same runner, which is live.
    if (evicted) return;
    if (this.live.get(connection.runnerId) === connection) this.live.delete(connection.runnerId);
    if (!this.live.has(connection.runnerId)) this.timers.startLost(connection.runnerId);
  }

  private onDraining(connection: RunnerConnection): void {
    for (const actorId of this.indexes.actorsOn(connection.runnerId)) {
      this.run((tx, work) => {
        const rec = readRecord(tx, actorId);
        if (rec === undefined || rec.runnerId !== connection.runnerId) return;
        if (rec.phase === "starting" || rec.phase === "running") this.transitions.beginStop(tx, work, rec, "drain", "runner draining");
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
        const rec = readRecord(tx, actorId);
        if (rec === undefined || rec.runnerId !== connection.runnerId) return;
        if (rec.lastEventIndex <= rec.lastAckedEventIndex + this.config.eventAckBatchSize) return;
        writeRecord(tx, { ...rec, lastAckedEventIndex: rec.lastEventIndex });
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
    const t = this.transitions;
    let processed = false;
    this.run((tx, work) => {
      const rec = readRecord(tx, actorId);
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
          if (inner.val.state.tag === "ActorStateRunning") return t.toRunning(tx, work, seen);
          return t.endGeneration(tx, work, seen, {
            cause: "stopped",
            code: inner.val.state.val.code,
            message: inner.val.state.val.message,
          });
        case "EventActorIntent":
          if (inner.val.intent.tag === "ActorIntentSleep") {
            if (seen.phase === "stopping") return t.quiet(tx, seen);
            return t.beginStop(tx, work, seen, "sleep", "sleep intent");
          }
          if (seen.phase === "stopping") {
            if (seen.stopReason === "destroy") return t.quiet(tx, seen);
            return t.save(tx, work, rec, { ...seen, stopReason: "destroy" }, "stop intent");
          }
          return t.beginStop(tx, work, seen, "destroy", "stop intent");
        case "EventActorSetAlarm": {
          const alarmTs = inner.val.alarmTs === null ? null : Number(inner.val.alarmTs);
          connection.log.debug({ actorId, generation, alarmTs }, "actor alarm set");
          return t.quiet(tx, { ...seen, alarmTs });
        }
      }
    });
    return processed;
  }

  // ---- Timer events -----------------------------------------------------------------------------

  private onActorTimer(actorId: string, generation: number, phase: Phase): void {
    const t = this.transitions;
    this.run((tx, work) => {
      const rec = readRecord(tx, actorId);
      if (rec === undefined || rec.generation !== generation || rec.phase !== phase) return;
      const now = this.clock.now();
      switch (phase) {
        case "starting":
          if (now < rec.since + this.config.actorStartThresholdMs) return this.reindex(rec);
          return t.endGeneration(tx, work, rec, { cause: "start_timeout" });
        case "stopping":
          if (now < rec.since + this.config.actorStopThresholdMs) return this.reindex(rec);
          return t.endGeneration(tx, work, rec, { cause: "stop_timeout" });
        case "backoff":
          if (now < (rec.rescheduleAt ?? 0)) return this.reindex(rec);
          return t.place(tx, work, rec, undefined, "crash backoff over");
        default:
          return;
      }
    });
  }

  private onRunnerLost(runnerId: string): void {
    if (this.live.has(runnerId)) return;
    const actors = this.indexes.actorsOn(runnerId);
    if (actors.length === 0) return;
    this.log.info({ runnerId, actors: actors.length }, "runner lost; its actors are rescheduled");
    for (const actorId of actors) {
      this.run((tx, work) => {
        const rec = readRecord(tx, actorId);
        if (rec === undefined || rec.runnerId !== runnerId || !holdsSlot(rec.phase)) return;
        this.transitions.endGeneration(tx, work, rec, { cause: "runner_lost" });
      });
    }
  }

  /** Wakes every sleeping actor whose alarm is due; the timers re-arm for the next one after. */
  private onAlarms(): void {
    const now = this.clock.now();
    const due = this.storage.scan({ start: ALARM_PREFIX, end: alarmsDueEnd(now) });
    for (const entry of due) {
      const { actorId } = parseAlarmKey(entry.key);
      this.run((tx, work) => {
        const rec = readRecord(tx, actorId);
        if (rec === undefined || rec.phase !== "sleeping") {
          tx.delete(entry.key);
          return;
        }
        this.transitions.place(tx, work, { ...rec, alarmTs: null }, rec, "woken by its alarm");
      });
    }
  }

  // ---- Running transitions and keeping memory in line -------------------------------------------

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
    const rec = readRecord(this.storage, actorId);
    if (rec !== undefined) return this.reindex(rec);
    this.reindex(blankRecord(actorId, { namespaceId: "", runnerNameSelector: "", phase: "destroyed", generation: 0, everPlaced: true, since: 0 }));
  }

  /** Brings memory in line with one record: slots, the pending queue and running actors, and its timer. */
  private reindex(rec: LifecycleRecord): void {
    if (this.indexes.update(rec)) this.placeAgain = true;
    this.timers.actor(rec);
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
        for (const [actorId, want] of this.indexes.pendingActors()) {
          if (typeof choosePlacement(this.candidates(), want.namespaceId, want.runnerName) === "string") continue;
          this.run((tx, work) => {
            const rec = readRecord(tx, actorId);
            if (rec === undefined || rec.phase !== "pending") return;
            this.transitions.place(tx, work, rec, undefined, "runner available");
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
        used: this.indexes.actorCount(runnerId),
        draining: c.draining,
        // Runner protocol v1-v3 connections take v7 commands too, through the runner endpoint's mk1 bridge.
        usable: c.open,
      };
    }
  }

  private timeoutError(actorId: string, timeoutMs: number): EngineError {
    const rec = readRecord(this.storage, actorId);
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
