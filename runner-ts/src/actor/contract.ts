/**
 * The internal contract between the two halves of the actor runtime, so that they can be
 * built and changed independently:
 *
 * - the **core** (`instance.ts` and its helpers): one live actor's lifecycle, hooks, state and
 *   its durable saving, vars, input, schedules and alarms, sleep and the idle rule, the run
 *   loop, destroy, `c.kv`, and the context object user code receives;
 * - the **surfaces** (`surfaces.ts` and its helpers): everything that faces clients through the
 *   tunnel — the HTTP routes (`/action/:name`, `/queue/:name`, `/request/*`, `/health`,
 *   `/metadata`), WebSocket `/connect` with connections, subscriptions and events, raw
 *   `/websocket/*`, hibernatable connections, and the durable queue.
 *
 * The core creates one `ActorSurfaces` per live actor with `createSurfaces(host)` and calls it
 * at the documented points; the surfaces call back only through `SurfaceHost`.
 */
import type { Logger } from "pino";
import type { HibernatingRequest, RouteAnswer, RunnerApi, TunnelRequest, TunnelRequestInfo, TunnelWebSocket } from "../runner/types.js";
import type { RequestSource } from "./context.js";

/** A KV write that joins the actor's next coalesced batch. */
export interface KvWrite {
  readonly puts?: readonly (readonly [Uint8Array, Uint8Array])[];
  readonly deletes?: readonly Uint8Array[];
}

/** What the core offers the surfaces of one live actor. */
export interface SurfaceHost {
  readonly actorId: string;
  readonly name: string;
  /** The key as an array of components (rivetkit's form). */
  readonly key: readonly string[];
  readonly generation: number;
  /** The user's actor definition (the object given to `actor({...})`). */
  readonly config: AnyActorConfig;
  readonly log: Logger;
  readonly runner: RunnerApi;
  /** Aborted when the actor begins to shut down. */
  readonly abortSignal: AbortSignal;
  /**
   * Builds the context object user code receives. `conn` and `request` are set for
   * per-connection hooks and for actions called over a connection or over HTTP.
   */
  context(extra?: { conn?: unknown; request?: RequestSource }): unknown;
  /**
   * Runs an action by name with the action timeout and returns its output once the state
   * changes it made are durable. Throws `ActorError` (`actor.action_not_found`,
   * `actor.action_timed_out`, user errors as thrown, anything else normalised by
   * `ActorError.from`).
   *
   * `beforeDurable` runs once the action has succeeded and before its changes are made
   * durable, so that the caller can {@link stage} writes that belong with them (a connection
   * acknowledging the message that carried the action) into the same batch.
   */
  invokeAction(name: string, args: readonly unknown[], extra?: { conn?: unknown; request?: RequestSource; beforeDurable?: () => void }): Promise<unknown>;
  /**
   * Runs user work (a hook, a raw request handler) as activity: the actor does not go idle
   * while it runs. Returns what the work returns.
   */
  track<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Admits one tunnelled HTTP request: it counts as work that the actor's stop waits for
   * (within the grace period), and its action runs even if the stop began meanwhile. Returns
   * the function that ends it, or undefined once the actor is stopping: nothing of such a
   * request may run, and it is refused as "not hosted here" so that the gateway sends it
   * again after the wake.
   */
  admitRequest(): (() => void) | undefined;
  /**
   * Writes KV entries in the actor's next coalesced batch, together with any dirty state,
   * and resolves once the batch is durable.
   */
  persist(write: KvWrite): Promise<void>;
  /**
   * Adds KV entries to the actor's next coalesced batch without waiting for it: they become
   * durable with the next {@link flushState} (or `persist`), in the same batch as the state.
   */
  stage(write: KvWrite): void;
  /** Waits until state changes made so far are durable. */
  flushState(): Promise<void>;
  /** Tells the core that the surfaces' busy state may have changed, so the idle timer re-evaluates. */
  activityChanged(): void;
  /** Resolves once the actor finished starting (after `onWake`); requests wait for it. */
  readonly ready: Promise<void>;
}

/** What the surfaces offer the core of one live actor. */
export interface ActorSurfaces {
  /**
   * Called while the actor starts, after its state is loaded and before `onWake`: load
   * persisted connections and queue bookkeeping. `hibernating` lists the sockets the
   * engine kept open while the actor slept.
   */
  load(hibernating: readonly HibernatingRequest[]): Promise<void>;
  /** Called once the actor is ready (after `onWake`): restore hibernated sockets. */
  started(): Promise<void>;
  /** Answers one tunnelled HTTP request from its bytes. */
  route(request: TunnelRequest, info: TunnelRequestInfo): Promise<RouteAnswer>;
  /** The same through the Fetch API (for hosts and tests that hold a `Request`). */
  fetch(request: Request, info: TunnelRequestInfo): Promise<Response>;
  /** Takes one tunnelled WebSocket (`/connect` or `/websocket/*`). */
  websocket(socket: TunnelWebSocket, request: Request, info: TunnelRequestInfo): Promise<void>;
  /** Whether a new WebSocket to this path may hibernate. */
  canHibernate(request: Request): boolean;
  /**
   * True while something of the surfaces keeps the actor awake: in-flight requests,
   * non-hibernatable connections, pending disconnects, raw WebSocket handlers still running.
   */
  isBusy(): boolean;
  /**
   * Called during shutdown, after the abort signal fired: run `onDisconnect` for
   * connections that end here, close non-hibernatable sockets, answer waiting queue
   * senders, and persist what must survive. `destroy` also deletes persisted connections.
   */
  stop(reason: "sleep" | "destroy"): Promise<void>;
  /** `c.conns`: live connections by id. */
  readonly conns: ReadonlyMap<string, unknown>;
  /** `c.broadcast(name, ...args)`: sends an event to every connection subscribed to it. */
  broadcast(name: string, args: readonly unknown[]): void;
  /** `c.queue`: the actor's durable queue (receive side and `send` from inside the actor). */
  readonly queue: unknown;
  /** `c.queue` for one consumer (an action call's context): its completable messages are its own. */
  queueFor?(consumer: object): unknown;
  /** A consumer ended: completable messages it did not complete are delivered again. */
  consumerEnded?(consumer: object): void;
  /** Whether the queue holds messages a `run` loop could take (it may then not sleep). */
  hasQueuedWork(): boolean;
  /**
   * True while a queue receive (`next`, `nextBatch`, `iter`) is blocked waiting for a message:
   * a `run` loop waiting there counts as idle (it may sleep), unless `hasQueuedWork()`.
   * Changes are announced through `host.activityChanged()`.
   */
  isQueueWaiting(): boolean;
}

/**
 * The user's actor definition as the runtime handles it internally, with the types erased.
 * `definition.ts` defines the typed public form; this alias keeps the contract independent of it.
 */
export type AnyActorConfig = Record<string, unknown> & {
  readonly actions?: Record<string, (...args: never[]) => unknown>;
  readonly options?: Record<string, unknown>;
};

/** The surfaces factory, implemented in `surfaces.ts`. */
export type CreateSurfaces = (host: SurfaceHost) => ActorSurfaces;
