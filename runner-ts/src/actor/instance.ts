/**
 * One live actor: its lifecycle (start, wake, sleep, destroy), the user's hooks in order with
 * their timeouts, state and its durable saving, vars, schedules, the idle rule, the run loop,
 * and the `SurfaceHost` side of the contract with the surfaces (routes, connections, queue).
 *
 * Hook order on create: createState → onCreate → (surfaces load) → createVars → onWake → run.
 * On wake: (surfaces load) → createVars → onWake → run. On shutdown: the abort signal fires,
 * then onSleep/onDestroy, the surfaces stop (onDisconnect per connection), in-flight work,
 * keepAwake and waitUntil promises drain (all within `sleepGracePeriod`), and the state is
 * saved (or, on destroy, all data is dropped).
 *
 * Memory matters here (thousands of idle actors per runner): timers, proxies, the logger, the
 * abort controller and the scheduler are all created on first use.
 */
import { deserializeActorKey, KV_MAX_VALUE_SIZE, persist } from "@actorwire/protocol";
import type { Logger } from "pino";
import type { ActorStartInfo, ActorStopReason, HibernatingRequest, RunnerApi } from "../runner/types.js";
import { exactArrayBuffer } from "../runner/bytes.js";
import { decodeValue, encodeValue } from "./cbor.js";
import { flattenActions, validateActionArgs } from "./actions.js";
import { ActorContextImpl, type ContextHost, type RequestSource } from "./context.js";
import type { ActorSurfaces, AnyActorConfig, CreateSurfaces, KvWrite, SurfaceHost } from "./contract.js";
import type { ActorKv, ActorSchedule, Conn } from "./definition.js";
import {
  clientUnavailable,
  ActorError,
  actionNotFound,
  actionTimedOut,
  hookTimedOut,
  notFound,
  stateNotEnabled,
  stateNotReady,
  stateTooLarge,
  stopping,
  toCallerError,
} from "./errors.js";
import { IdleTracker, type IdleHost } from "./idle.js";
import { KEY_ACTOR, PREFIX_SCHEDULE, inputChunkKey } from "./keys.js";
import { UserKv } from "./kv.js";
import type { ResolvedOptions } from "./options.js";
import { Scheduler, type ScheduleHost } from "./schedule.js";
import { StateSaver, type SaverHost } from "./state-saver.js";
import { StateTracker, type StateOwner } from "./state.js";

/** One actor definition as the registry prepared it: shared by every instance of that name. */
export interface ActorType {
  readonly name: string;
  readonly config: AnyActorConfig;
  readonly options: ResolvedOptions;
  /** The registry's logger; each actor makes a child of it on first use. */
  readonly log: Logger;
  readonly createSurfaces: CreateSurfaces;
  /** The registry's client for `c.client()` (shared by every actor of the runner). */
  readonly client?: () => unknown;
}

type Phase = "starting" | "running" | "stopping" | "stopped";

type AnyFn = (...args: any[]) => any;

/**
 * The largest input kept inside the actor record. A larger one (the engine accepts 4 MiB) goes to
 * its own chunked records, written once with the first save: inside the record it would take the
 * state's room, make the first save fail, and be rewritten by every later save.
 */
const MAX_INLINE_INPUT = 2 * 1024;

const noop = (): void => {};
const READY: Promise<void> = Promise.resolve();

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** Awaits `value` (if it is a promise) for at most `ms`, rejecting with `onTimeout()` after that. */
function withTimeout<T>(value: T | PromiseLike<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!isPromiseLike(value)) return Promise.resolve(value);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    value.then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Resolves when `promise` settles or `ms` passes, whichever is first; never rejects. */
function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

/** A live actor. */
export class ActorInstance implements SurfaceHost, ContextHost, StateOwner, SaverHost, ScheduleHost, IdleHost {
  readonly actorId: string;
  readonly generation: number;
  readonly name: string;
  readonly saver: StateSaver;

  private readonly keyString: string | null;
  private parsedKey: string[] | undefined;
  private phase: Phase = "starting";
  private inputBytes: Uint8Array | null;
  private initialized = false;
  private tracker: StateTracker | undefined;
  /**
   * The CBOR of the last state accepted for saving. A change that makes the state too large to
   * save is rolled back to it: keeping the unsaveable value would fail every later save (and so
   * every later call, even a read-only one) until the actor restarts.
   */
  private savedState: Uint8Array | undefined;
  private varsValue: unknown;
  private surfacesValue: ActorSurfaces | undefined;
  private scheduler: Scheduler | undefined;
  private readonly idle: IdleTracker;
  private abortController: AbortController | undefined;
  private logger: Logger | undefined;
  private kvView: UserKv | undefined;
  private baseContext: ActorContextImpl | undefined;
  /** What `ready` resolves or rejects with; a promise is made only for someone who waits early. */
  private readyWaiter: { promise: Promise<void>; resolve(): void; reject(error: unknown): void } | undefined;
  private startError: unknown;
  /** The tick at which a coalesced `onStateChange` runs, while one is pending. */
  private changeHookTimer: NodeJS.Immediate | undefined;
  private runActive = false;
  private runPromise: Promise<void> | undefined;
  /** keepAwake and waitUntil promises still pending, awaited at shutdown. */
  private pendingWork: Set<Promise<unknown>> | undefined;
  /** Resolves a shutdown waiting for in-flight work to end. */
  private drained: (() => void) | undefined;
  /** Actions running now; a sleep or destroy asked for inside one waits until they answered. */
  private actionsInFlight = 0;
  /** A sleep or destroy intent waiting for in-flight actions to answer. */
  private pendingIntent: "sleep" | "destroy" | undefined;
  private sleepRequested = false;
  private destroyRequested = false;

  constructor(
    private readonly type: ActorType,
    readonly runner: RunnerApi,
    info: ActorStartInfo,
  ) {
    this.actorId = info.actorId;
    this.generation = info.generation;
    this.name = info.name;
    this.keyString = info.key;
    this.inputBytes = info.input;
    this.saver = new StateSaver(this, type.options.stateSaveInterval);
    this.idle = new IdleTracker(this, type.options.sleepTimeout);
  }

  /** Resolves once the actor finished starting; rejects if the start failed. */
  get ready(): Promise<void> {
    if (this.phase !== "starting") return this.startError === undefined ? READY : Promise.reject(this.startError);
    if (this.readyWaiter === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Requests that wait on `ready` see the failure; nobody else must trip an unhandled rejection.
      promise.catch(noop);
      this.readyWaiter = { promise, resolve, reject };
    }
    return this.readyWaiter.promise;
  }

  // -------------------------------------------------------------------------------------------
  // Identity and accessors (SurfaceHost, ContextHost)
  // -------------------------------------------------------------------------------------------

  get key(): readonly string[] {
    return (this.parsedKey ??= deserializeActorKey(this.keyString));
  }

  get config(): AnyActorConfig {
    return this.type.config;
  }

  get options(): ResolvedOptions {
    return this.type.options;
  }

  get log(): Logger {
    return (this.logger ??= this.type.log.child({ actor: this.name, actorId: this.actorId }));
  }

  get kv() {
    return this.runner.kv;
  }

  get abortSignal(): AbortSignal {
    return (this.abortController ??= new AbortController()).signal;
  }

  get aborted(): boolean {
    return this.abortController?.signal.aborted ?? false;
  }

  get userKv(): ActorKv {
    return (this.kvView ??= new UserKv(this.runner.kv, this.actorId));
  }

  get schedule(): ActorSchedule {
    return this.schedules();
  }

  get surfaces(): ActorSurfaces {
    if (this.surfacesValue === undefined) throw new Error("the actor's surfaces are not created yet");
    return this.surfacesValue;
  }

  get queue(): unknown {
    return this.surfaces.queue;
  }

  queueFor(consumer: object): unknown {
    const surfaces = this.surfaces;
    return surfaces.queueFor ? surfaces.queueFor(consumer) : surfaces.queue;
  }

  get conns(): ReadonlyMap<string, unknown> {
    return this.surfaces.conns;
  }

  get vars(): unknown {
    return this.varsValue;
  }

  /** Whether the actor finished starting and is not shutting down. */
  get isRunning(): boolean {
    return this.phase === "running";
  }

  getState(): unknown {
    if (this.tracker === undefined) throw this.stateUnavailable();
    if (!this.stateEnabled) throw stateNotEnabled();
    return this.tracker.value;
  }

  setState(value: unknown): void {
    if (this.tracker === undefined) throw this.stateUnavailable();
    if (!this.stateEnabled) throw stateNotEnabled();
    this.tracker.replace(value);
  }

  /** Whether the definition declares state (`state` or `createState`), as `c.state` requires. */
  private get stateEnabled(): boolean {
    const { config } = this.type;
    return config.state !== undefined || typeof config.createState === "function";
  }

  private stateUnavailable(): ActorError {
    return this.stateEnabled ? stateNotReady() : stateNotEnabled();
  }

  context(extra?: { conn?: unknown; request?: RequestSource }): ActorContextImpl {
    if (extra === undefined || (extra.conn === undefined && extra.request === undefined)) {
      return (this.baseContext ??= new ActorContextImpl(this, undefined, undefined));
    }
    return new ActorContextImpl(this, extra.conn as Conn | undefined, extra.request);
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------------------------

  /** Loads or creates the actor, runs its start hooks, and resolves once it is ready. */
  async start(hibernating: readonly HibernatingRequest[]): Promise<void> {
    try {
      await this.startInner(hibernating);
    } catch (error) {
      this.startError = error;
      this.phase = "stopped";
      if (this.changeHookTimer !== undefined) clearImmediate(this.changeHookTimer);
      this.changeHookTimer = undefined;
      this.readyWaiter?.reject(error);
      this.readyWaiter = undefined;
      this.idle.stop();
      this.scheduler?.stop();
      this.saver.close();
      this.abortController?.abort();
      throw error;
    }
  }

  private async startInner(hibernating: readonly HibernatingRequest[]): Promise<void> {
    const { config, options } = this.type;
    this.surfacesValue = this.type.createSurfaces(this);
    const [[record], schedules] = await Promise.all([
      this.runner.kv.get(this.actorId, [KEY_ACTOR]),
      this.runner.kv.list(this.actorId, { kind: "prefix", prefix: PREFIX_SCHEDULE }),
    ]);
    if (schedules.length > 0) this.schedules().load(schedules);

    const persisted = record ? persist.decodeRecord("PersistedActor", record) : undefined;
    if (persisted?.hasInitialized) {
      this.inputBytes = persisted.input ? new Uint8Array(persisted.input) : null;
      this.savedState = new Uint8Array(persisted.state).slice();
      this.tracker = new StateTracker(this, decodeValue(this.savedState));
      this.initialized = true;
    } else {
      if (persisted?.input) this.inputBytes = new Uint8Array(persisted.input);
      const input = this.decodeInput();
      const createState = config.createState as AnyFn | undefined;
      const initial = createState
        ? await this.hook("createState", createState(this.context(), input), options.lifecycleHookTimeout)
        : config.state === undefined
          ? undefined
          : structuredClone(config.state);
      this.tracker = new StateTracker(this, initial);
      const onCreate = config.onCreate as AnyFn | undefined;
      if (onCreate) await this.hook("onCreate", onCreate(this.context(), input), options.lifecycleHookTimeout);
      this.initialized = true;
      this.moveLargeInput();
      this.saver.markStateDirty();
      await this.saver.flush();
    }

    await this.surfaces.load(hibernating);

    const createVars = config.createVars as AnyFn | undefined;
    if (createVars) this.varsValue = await this.hook("createVars", createVars(this.context(), undefined), options.createVarsTimeout);
    else if (config.vars !== undefined) this.varsValue = structuredClone(config.vars);

    const onWake = config.onWake as AnyFn | undefined;
    if (onWake) await this.hook("onWake", onWake(this.context()), options.lifecycleHookTimeout);

    this.phase = "running";
    this.readyWaiter?.resolve();
    this.readyWaiter = undefined;
    if (!options.noSleep) this.idle.start();
    this.scheduler?.start();
    await this.surfaces.started();
    if (typeof config.run === "function") this.startRun(config.run as AnyFn);
  }

  private startRun(run: AnyFn): void {
    this.runActive = true;
    this.runPromise = (async () => {
      try {
        await run(this.context());
      } catch (error) {
        if (!this.aborted) this.log.error({ err: error }, "run failed");
      } finally {
        this.runActive = false;
        this.idle.touch();
      }
    })();
  }

  /**
   * Shuts the actor down for `reason`. `lost` means the engine already gave the actor to another
   * runner: nothing is run or written, so this copy cannot overwrite the new one's data.
   */
  async stop(reason: ActorStopReason): Promise<void> {
    if (this.phase === "stopping" || this.phase === "stopped") return;
    const destroy = reason === "destroy" || this.destroyRequested;
    this.phase = "stopping";
    this.idle.stop();
    this.scheduler?.stop();
    (this.abortController ??= new AbortController()).abort();
    if (reason === "lost") {
      if (this.changeHookTimer !== undefined) clearImmediate(this.changeHookTimer);
      this.changeHookTimer = undefined;
      this.saver.close();
      this.phase = "stopped";
      return;
    }

    const { config, options } = this.type;
    const deadline = performance.now() + options.sleepGracePeriod;
    const remaining = () => Math.max(0, deadline - performance.now());

    const hook = (destroy ? config.onDestroy : config.onSleep) as AnyFn | undefined;
    if (hook) {
      try {
        await this.hook(destroy ? "onDestroy" : "onSleep", hook(this.context()), remaining());
      } catch (error) {
        this.log.error({ err: error }, destroy ? "onDestroy failed" : "onSleep failed");
      }
    }
    if (this.surfacesValue !== undefined) {
      try {
        await settleWithin(this.surfacesValue.stop(destroy ? "destroy" : "sleep"), remaining());
      } catch (error) {
        this.log.error({ err: error }, "stopping the surfaces failed");
      }
    }

    // In-flight actions, tracked work, keepAwake and waitUntil promises and the run loop get
    // what is left of the grace period.
    const waits: Promise<unknown>[] = [];
    if (this.idle.busy) waits.push(new Promise<void>((resolve) => (this.drained = resolve)));
    if (this.pendingWork) waits.push(...this.pendingWork);
    if (this.runPromise) waits.push(this.runPromise);
    if (waits.length > 0) await settleWithin(Promise.allSettled(waits), remaining());

    // A change made in the last tick still gets its onStateChange before the actor goes.
    this.runStateChangeHook();
    if (destroy) {
      this.saver.close();
      await this.saver.settle();
      this.runner.setAlarm(this.actorId, null);
      try {
        await this.runner.kv.drop(this.actorId);
      } catch (error) {
        this.log.error({ err: error }, "dropping the destroyed actor's data failed");
      }
    } else {
      try {
        await this.saver.flush();
      } catch (error) {
        this.log.error({ err: error }, "the final state save failed");
      }
      this.saver.close();
    }
    this.phase = "stopped";
  }

  // -------------------------------------------------------------------------------------------
  // Actions and work (SurfaceHost)
  // -------------------------------------------------------------------------------------------

  async invokeAction(name: string, args: readonly unknown[], extra?: { conn?: unknown; request?: RequestSource; beforeDurable?: () => void }): Promise<unknown> {
    if (this.phase !== "running") {
      if (this.phase === "starting") await this.ready;
      // An HTTP request was admitted before the stop began (see admitRequest): the stop waits
      // for it, and its action runs, so that nothing it started is cut off or refused halfway.
      else if (!(this.phase === "stopping" && extra?.request !== undefined)) {
        throw this.phase === "stopped" ? notFound(this.actorId) : stopping(this.actorId);
      }
    }
    const { handlers, schemas } = flattenActions(this.type.config);
    const fn = handlers.get(name);
    if (fn === undefined) throw actionNotFound(name);
    const schema = schemas.get(name);

    this.idle.begin();
    this.actionsInFlight++;
    // Each call gets its own context: it is the queue consumer whose open messages end with it.
    const ctx = new ActorContextImpl(this, extra?.conn as Conn | undefined, extra?.request);
    try {
      const timeout = this.type.options.actionTimeout;
      if (schema !== undefined) args = await validateActionArgs(schema, name, args);
      let output: unknown = fn(ctx, ...args);
      if (isPromiseLike(output)) output = await withTimeout(output, timeout, () => actionTimedOut(name, timeout));
      const transform = this.type.config.onBeforeActionResponse as AnyFn | undefined;
      if (transform) {
        output = transform(ctx, name, args, output);
        if (isPromiseLike(output)) output = await output;
      }
      extra?.beforeDurable?.();
      if (this.type.options.durability === "strict") await this.durable();
      return output;
    } catch (error) {
      throw this.normalize(error, `action ${name}`);
    } finally {
      this.surfacesValue?.consumerEnded?.(ctx);
      this.actionsInFlight--;
      this.workEnded();
    }
  }

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.idle.begin();
    try {
      return await work();
    } finally {
      this.workEnded();
    }
  }

  admitRequest(): (() => void) | undefined {
    if (this.phase === "stopping" || this.phase === "stopped") return undefined;
    this.idle.begin();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.workEnded();
    };
  }

  persist(write: KvWrite): Promise<void> {
    this.saver.addWrite(write);
    return this.saver.flush();
  }

  stage(write: KvWrite): void {
    this.saver.addWrite(write);
  }

  flushState(): Promise<void> {
    return this.saver.flush();
  }

  activityChanged(): void {
    this.idle.touch();
  }

  // -------------------------------------------------------------------------------------------
  // ContextHost
  // -------------------------------------------------------------------------------------------

  async saveState(immediate: boolean): Promise<void> {
    if (this.tracker === undefined) throw this.stateUnavailable();
    // A save request also covers changes the proxy cannot see (inside typed arrays).
    this.tracker.touch();
    if (immediate) await this.durable();
  }

  broadcast(name: string, args: readonly unknown[]): void {
    this.surfaces.broadcast(name, args);
  }

  requestSleep(): void {
    if (this.sleepRequested || this.destroyRequested || this.phase === "stopping" || this.phase === "stopped") return;
    this.sleepRequested = true;
    this.sendIntent("sleep");
  }

  client(): unknown {
    if (this.type.client === undefined) throw clientUnavailable();
    return this.type.client();
  }

  requestDestroy(): void {
    if (this.destroyRequested || this.phase === "stopped") return;
    this.destroyRequested = true;
    // The actor is going away: waits inside it (a queue receive, user code watching the signal)
    // end now, as in rivetkit, rather than holding the action (and so the destroy) until their timeout.
    (this.abortController ??= new AbortController()).abort();
    this.sendIntent("destroy");
  }

  /**
   * Sends a sleep or destroy intent once the actions in flight have answered: the engine stops
   * the actor soon after the intent, and an action that asked for it (`c.sleep()` as its last
   * word) must still get its reply out first. The send waits one more turn of the event loop
   * so that the reply's frames leave before the intent.
   */
  private sendIntent(intent: "sleep" | "destroy"): void {
    if (this.pendingIntent === "destroy") return;
    const first = this.pendingIntent === undefined;
    this.pendingIntent = intent;
    if (first && this.actionsInFlight === 0) setImmediate(() => this.flushIntent());
  }

  private flushIntent(): void {
    const intent = this.pendingIntent;
    if (intent === undefined || this.actionsInFlight > 0) return;
    this.pendingIntent = undefined;
    if (intent === "destroy") this.runner.destroyActor(this.actorId);
    else if (this.phase === "running" || this.phase === "starting") this.runner.sleepActor(this.actorId);
  }

  keepAwake<T>(promise: Promise<T>): Promise<T> {
    this.idle.begin();
    const tracked = promise.finally(() => this.workEnded());
    this.addPending(tracked);
    return tracked;
  }

  waitUntil(promise: Promise<unknown>): void {
    this.addPending(
      promise.catch((error: unknown) => {
        this.log.error({ err: error }, "waitUntil promise rejected");
      }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // StateOwner, SaverHost
  // -------------------------------------------------------------------------------------------

  stateMutated(): void {
    this.saver.markStateDirty();
    // `onStateChange` runs once per tick, not once per mutation (rivetkit coalesces the same
    // way): a burst such as `Object.assign(c.state, …)` or a loop of increments is one change.
    if (this.changeHookTimer === undefined && typeof this.type.config.onStateChange === "function") {
      this.changeHookTimer = setImmediate(() => this.runStateChangeHook());
    }
  }

  /** Runs a pending `onStateChange` now (at its tick, or before the final save). */
  private runStateChangeHook(): void {
    if (this.changeHookTimer === undefined) return;
    clearImmediate(this.changeHookTimer);
    this.changeHookTimer = undefined;
    const onStateChange = this.type.config.onStateChange as AnyFn | undefined;
    if (!onStateChange || this.tracker === undefined) return;
    this.tracker.runChangeHook(
      (proxy) => onStateChange(this.context(), proxy),
      (error) => this.log.error({ err: error }, "onStateChange failed"),
    );
  }

  encodeActorRecord(): [Uint8Array, Uint8Array] {
    const state = encodeValue(this.tracker?.rawValue);
    const max = this.type.options.maxStateBytes;
    if (state.byteLength > max) throw this.rollBack(stateTooLarge(state.byteLength, max));
    const record = persist.encodeRecord("PersistedActor", {
      input: this.inputBytes ? exactArrayBuffer(this.inputBytes) : null,
      hasInitialized: this.initialized,
      state: exactArrayBuffer(state),
    });
    if (record.byteLength > KV_MAX_VALUE_SIZE) throw this.rollBack(stateTooLarge(record.byteLength, KV_MAX_VALUE_SIZE));
    this.savedState = state;
    return [KEY_ACTOR, record];
  }

  /**
   * Puts the last saved state back after a change that cannot be saved, and returns `error` for
   * the caller to throw. Changes made since that save by other calls are lost with it; their
   * callers (under strict durability) get this error too, since their save failed as well.
   */
  private rollBack(error: ActorError): ActorError {
    if (this.savedState !== undefined && this.tracker !== undefined) {
      this.tracker.restore(decodeValue(this.savedState));
      this.log.warn({ err: error }, "a state change could not be saved; the state was rolled back to the last saved value");
    }
    return error;
  }

  // -------------------------------------------------------------------------------------------
  // ScheduleHost, IdleHost
  // -------------------------------------------------------------------------------------------

  queueWrite(write: KvWrite): void {
    this.saver.addWrite(write);
  }

  fireScheduled(action: string, args: unknown[]): void {
    this.invokeAction(action, args).catch((error: unknown) => {
      this.log.error({ err: error, action }, "scheduled action failed");
    });
  }

  isBusyElsewhere(): boolean {
    const surfaces = this.surfacesValue;
    if (surfaces?.isBusy()) return true;
    // A run loop counts as work unless it is only waiting on an empty queue.
    if (this.runActive && !(surfaces !== undefined && surfaces.isQueueWaiting() && !surfaces.hasQueuedWork())) return true;
    return false;
  }

  becameIdle(): void {
    this.requestSleep();
  }

  // -------------------------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------------------------

  private schedules(): Scheduler {
    if (this.scheduler === undefined) {
      this.scheduler = new Scheduler(this, this.type.options.maxSchedules);
      // Made on first use by a running actor: it fires locally from now on.
      if (this.phase === "running") this.scheduler.start();
    }
    return this.scheduler;
  }

  /** Queues an input too large for the actor record as chunk records, and drops it from memory. */
  private moveLargeInput(): void {
    const input = this.inputBytes;
    if (input === null || input.byteLength <= MAX_INLINE_INPUT) return;
    const puts: [Uint8Array, Uint8Array][] = [];
    for (let offset = 0, index = 0; offset < input.byteLength; offset += KV_MAX_VALUE_SIZE, index++) {
      puts.push([inputChunkKey(index), input.subarray(offset, offset + KV_MAX_VALUE_SIZE)]);
    }
    this.saver.addWrite({ puts });
    // Nothing reads the input after creation, so the actor need not hold megabytes for its life.
    this.inputBytes = null;
  }

  private decodeInput(): unknown {
    if (this.inputBytes === null || this.inputBytes.byteLength === 0) return undefined;
    try {
      return decodeValue(this.inputBytes);
    } catch (error) {
      this.log.warn({ err: error }, "the actor's input is not CBOR; createState and onCreate get undefined");
      return undefined;
    }
  }

  private hook<T>(name: string, value: T | PromiseLike<T>, ms: number): Promise<T> {
    return withTimeout(value, ms, () => hookTimedOut(name, ms));
  }

  /** Waits until the state and records changed so far are durable, as an action's reply requires. */
  private async durable(): Promise<void> {
    try {
      await this.saver.flush();
    } catch (error) {
      if (error instanceof ActorError) throw error;
      this.log.error({ err: error }, "saving state failed");
      throw ActorError.from(error);
    }
  }

  private workEnded(): void {
    this.idle.end();
    if (this.pendingIntent !== undefined && this.actionsInFlight === 0) setImmediate(() => this.flushIntent());
    if (this.drained !== undefined && !this.idle.busy) {
      const drained = this.drained;
      this.drained = undefined;
      drained();
    }
  }

  private addPending(promise: Promise<unknown>): void {
    const pending = (this.pendingWork ??= new Set());
    const settled = promise.then(noop, noop);
    pending.add(settled);
    settled.then(() => pending.delete(settled));
  }

  /** Errors that reach clients: user errors as thrown, anything else as `actor.internal_error` (details logged). */
  private normalize(error: unknown, where: string): ActorError {
    if (error instanceof ActorError) return error;
    return toCallerError(error, this.log, `${where} failed`);
  }
}
