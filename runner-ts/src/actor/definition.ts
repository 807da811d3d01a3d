/**
 * The public, typed shape of an actor definition: `actor({...})`, `event<T>()`, `queue<M, C>()`,
 * the context object user code receives, connections, the queue, schedules and `c.kv`.
 *
 * The shape follows rivetkit's so that a rivetkit app ports by changing imports. The client SDK
 * infers everything structurally from `typeof registry`: `R["use"][name]["config"]["actions"]`,
 * `["events"]` and `["queues"]`, so those property names are part of the contract.
 */
import type { Client } from "@actorwire/client";
import type { Logger } from "pino";
import { flattenActions, type ActionInputSchemas } from "./actions.js";
import { checkActorConfig } from "./config-check.js";

// ---------------------------------------------------------------------------------------------
// Events and queues
// ---------------------------------------------------------------------------------------------

/** A permission hook on an event or queue; `false` rejects with `forbidden`. */
export type SchemaHook = (c: any) => boolean | Promise<boolean>;

/**
 * A typed event declaration, made by {@link event}. `T` is the payload: a single value, or a
 * tuple for several arguments (`event<[string, number]>()`).
 */
export interface EventToken<T> {
  /** Phantom field carrying the payload type; never set at run time. */
  readonly _eventType?: T;
  /** Decides whether a connection may subscribe to this event. */
  readonly canSubscribe?: SchemaHook;
}

/** A typed queue declaration, made by {@link queue}: message type and completion type. */
export interface QueueToken<TMessage, TComplete = never> {
  /** Phantom field carrying the message type; never set at run time. */
  readonly _queueMessage?: TMessage;
  /** Phantom field carrying the completion type; never set at run time. */
  readonly _queueComplete?: TComplete;
  /** Decides whether a client may send to this queue. */
  readonly canPublish?: SchemaHook;
}

/** Declares an event with payload type `T` (use a tuple type for several arguments). */
export function event<T>(options?: { canSubscribe?: SchemaHook }): EventToken<T> {
  return options?.canSubscribe ? { canSubscribe: options.canSubscribe } : {};
}

/** Declares a queue whose messages are `TMessage` and whose completions carry `TComplete`. */
export function queue<TMessage, TComplete = never>(options?: { canPublish?: SchemaHook }): QueueToken<TMessage, TComplete> {
  return options?.canPublish ? { canPublish: options.canPublish } : {};
}

/** The `events` map of a definition. */
export type EventsConfig = Record<string, EventToken<any>>;
/** The `queues` map of a definition. */
export type QueuesConfig = Record<string, QueueToken<any, any>>;

/** The argument list of an event payload: a tuple stays a tuple, anything else is one argument. */
export type InferEventArgs<T> = T extends readonly unknown[] ? (number extends T["length"] ? [T] : T) : [T];
/** The argument list of event `K` of events map `E` (any arguments for an undeclared name). */
export type EventArgsOf<E, K> = K extends keyof E ? (E[K] extends EventToken<infer T> ? InferEventArgs<T> : unknown[]) : unknown[];
/** The message type of queue `K` of queues map `Q`. */
export type QueueMessageOf<Q, K> = K extends keyof Q ? (Q[K] extends QueueToken<infer M, any> ? M : unknown) : unknown;
/** The completion type of queue `K` of queues map `Q`. */
export type QueueCompleteOf<Q, K> = K extends keyof Q ? (Q[K] extends QueueToken<any, infer C> ? C : unknown) : unknown;

// ---------------------------------------------------------------------------------------------
// Connections
// ---------------------------------------------------------------------------------------------

/** One client connection to an actor (a `/connect` WebSocket, or a raw request or socket). */
export interface Conn<CP = any, CS = any, E extends EventsConfig = EventsConfig> {
  /** A random UUID naming the connection, its key in `c.conns`; a hibernatable one keeps it across sleeps. */
  readonly id: string;
  /** The params the client passed when connecting. */
  readonly params: CP;
  /** Per-connection state from `connState`/`createConnState`; persisted for hibernatable connections. */
  state: CS;
  /** Whether this connection survives the actor's sleep (a hibernatable WebSocket). */
  readonly isHibernatable: boolean;
  /** Sends an event to this connection only. */
  send<K extends keyof E & string>(name: K, ...args: EventArgsOf<E, K>): void;
  /** Closes the connection; resolves once `onDisconnect` ran. */
  disconnect(reason?: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Queue (receive side inside the actor)
// ---------------------------------------------------------------------------------------------

/** One received queue message. */
export interface QueueMessage<TName extends string = string, TBody = unknown, TComplete = unknown> {
  /** The message's id, increasing per actor. */
  readonly id: bigint;
  /** The name of the queue the message was sent to. */
  readonly name: TName;
  /** The message as the sender gave it (CBOR-encoded while stored). */
  readonly body: TBody;
  /** When it was enqueued (ms since the epoch). */
  readonly createdAt: number;
  /**
   * Completes the message (removes it from storage and answers a waiting sender). Present on
   * completable receives; a message that is not completed is delivered again after a crash.
   */
  complete?(response?: TComplete): Promise<void>;
}

/** Options of a queue receive. */
export interface QueueReceiveOptions<N extends string = string> {
  /** Only take messages of these queue names. */
  readonly names?: readonly N[];
  /** Give up after this many milliseconds (resolving to nothing). */
  readonly timeout?: number;
  /** Give up when this signal aborts. */
  readonly signal?: AbortSignal;
  /** Hand out messages with `complete()`; they stay stored until completed. */
  readonly completable?: boolean;
}

/** `c.queue`: the actor's durable queue. */
export interface ActorQueue<Q extends QueuesConfig = QueuesConfig> {
  /** Enqueues a message durably (resolves once stored; it does not wait for processing). */
  send<K extends keyof Q & string>(name: K, body: QueueMessageOf<Q, K>): Promise<void>;
  /** Waits for the next message (undefined on timeout or abort). */
  next<K extends keyof Q & string = keyof Q & string>(
    options?: QueueReceiveOptions<K>,
  ): Promise<QueueMessage<K, QueueMessageOf<Q, K>, QueueCompleteOf<Q, K>> | undefined>;
  /** Waits for up to `count` messages (an empty array on timeout or abort). */
  nextBatch<K extends keyof Q & string = keyof Q & string>(
    options: QueueReceiveOptions<K> & { readonly count: number },
  ): Promise<QueueMessage<K, QueueMessageOf<Q, K>, QueueCompleteOf<Q, K>>[]>;
  /** Takes the next message if one is stored, without waiting. */
  tryNext<K extends keyof Q & string = keyof Q & string>(
    options?: Omit<QueueReceiveOptions<K>, "timeout" | "signal">,
  ): Promise<QueueMessage<K, QueueMessageOf<Q, K>, QueueCompleteOf<Q, K>> | undefined>;
  /** Takes up to `count` stored messages, without waiting. */
  tryNextBatch<K extends keyof Q & string = keyof Q & string>(
    options: Omit<QueueReceiveOptions<K>, "timeout" | "signal"> & { readonly count: number },
  ): Promise<QueueMessage<K, QueueMessageOf<Q, K>, QueueCompleteOf<Q, K>>[]>;
  /** Iterates messages until the actor shuts down (or `signal` aborts). */
  iter<K extends keyof Q & string = keyof Q & string>(
    options?: Omit<QueueReceiveOptions<K>, "timeout">,
  ): AsyncIterable<QueueMessage<K, QueueMessageOf<Q, K>, QueueCompleteOf<Q, K>>>;
}

// ---------------------------------------------------------------------------------------------
// Schedules and KV
// ---------------------------------------------------------------------------------------------

/** One pending scheduled action call. */
export interface ScheduledEventInfo {
  /** The schedule's id (a random UUID), as `after`/`at` returned it; pass it to `get` or `cancel`. */
  readonly id: string;
  /** When it fires (ms since the epoch). */
  readonly timestamp: number;
  /** The name of the actor's own action it calls (dotted for a grouped action). */
  readonly action: string;
  /** The arguments the action is called with, as given when scheduling (they round-trip through CBOR). */
  readonly args: readonly unknown[];
}

/** `c.schedule`: durable one-shot action calls on the same actor, driven by engine alarms. */
export interface ActorSchedule {
  /** Calls `action(...args)` after `delayMs`; returns the schedule's id once it is durable. */
  after(delayMs: number, action: string, ...args: unknown[]): Promise<string>;
  /** Calls `action(...args)` at `timestampMs` (ms since the epoch); returns the schedule's id. */
  at(timestampMs: number, action: string, ...args: unknown[]): Promise<string>;
  /** The pending schedule with this id, or undefined when it fired, was cancelled or never existed. */
  get(id: string): Promise<ScheduledEventInfo | undefined>;
  /** Every pending schedule, earliest first. */
  list(): Promise<ScheduledEventInfo[]>;
  /** Cancels a pending schedule; resolves to whether one was removed. */
  cancel(id: string): Promise<boolean>;
}

/** How `c.kv` encodes keys or values: UTF-8 text (default), `Uint8Array`, or `ArrayBuffer`. */
export type KvValueType = "text" | "binary" | "arrayBuffer";
/** The value (or key) type `c.kv` returns for a {@link KvValueType}. */
export type KvValueOf<T extends KvValueType | undefined> = T extends "binary" ? Uint8Array : T extends "arrayBuffer" ? ArrayBuffer : string;
/** A key or value `c.kv` accepts. */
export type KvInput = string | Uint8Array | ArrayBuffer;

/** Options of `c.kv` reads. */
export interface ActorKvOptions<T extends KvValueType | undefined = undefined, K extends KvValueType | undefined = undefined> {
  /** How returned values are decoded: UTF-8 text (the default), `"binary"` for a `Uint8Array`, `"arrayBuffer"`. */
  readonly type?: T;
  /** How returned keys are decoded (lists only), with the same choices and default as `type`. */
  readonly keyType?: K;
}

/** Options of `c.kv` lists. */
export interface ActorKvListOptions<T extends KvValueType | undefined = undefined, K extends KvValueType | undefined = undefined>
  extends ActorKvOptions<T, K> {
  /** Return entries in descending key order instead of ascending. Default false. */
  readonly reverse?: boolean;
  /** Return at most this many entries (the first ones in the chosen order). Default: the engine's own cap (16,384 on actorwire's engine). */
  readonly limit?: number;
}

/** `c.kv`: the actor's own key-value space, separate from the runtime's records. */
export interface ActorKv {
  /** The value stored under `key`, or null when there is none. */
  get<T extends KvValueType | undefined = undefined>(key: KvInput, options?: ActorKvOptions<T>): Promise<KvValueOf<T> | null>;
  /**
   * Stores `value` under `key`, replacing what was there; resolves once the engine stored it.
   * Strings are written as UTF-8 and bytes as they are; `options` is accepted for rivetkit
   * compatibility and not needed, since the input's own type decides the encoding.
   */
  put(key: KvInput, value: KvInput, options?: ActorKvOptions<KvValueType, KvValueType>): Promise<void>;
  /** Deletes `key`; deleting a key that does not exist is not an error. */
  delete(key: KvInput): Promise<void>;
  /** Every entry (or those under `prefix` when given). */
  list<T extends KvValueType | undefined = undefined, K extends KvValueType | undefined = undefined>(
    prefix?: KvInput,
    options?: ActorKvListOptions<T, K>,
  ): Promise<[KvValueOf<K>, KvValueOf<T>][]>;
  /** The entries whose key starts with `prefix`, in key order (the same as `list(prefix)`). */
  listPrefix<T extends KvValueType | undefined = undefined, K extends KvValueType | undefined = undefined>(
    prefix: KvInput,
    options?: ActorKvListOptions<T, K>,
  ): Promise<[KvValueOf<K>, KvValueOf<T>][]>;
  /** Entries with `start <= key < end`. */
  listRange<T extends KvValueType | undefined = undefined, K extends KvValueType | undefined = undefined>(
    start: KvInput,
    end: KvInput,
    options?: ActorKvListOptions<T, K>,
  ): Promise<[KvValueOf<K>, KvValueOf<T>][]>;
  /** Deletes entries with `start <= key < end`. */
  deleteRange(start: KvInput, end: KvInput): Promise<void>;
  /** The values of several keys in one engine request, in the order of `keys` (null where there is none). */
  batchGet<T extends KvValueType | undefined = undefined>(keys: readonly KvInput[], options?: ActorKvOptions<T>): Promise<(KvValueOf<T> | null)[]>;
  /** Stores several `[key, value]` pairs in one engine request (within the engine's KV limits per request). */
  batchPut(entries: readonly (readonly [KvInput, KvInput])[]): Promise<void>;
  /** Deletes several keys in one engine request. */
  batchDelete(keys: readonly KvInput[]): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Contexts
// ---------------------------------------------------------------------------------------------

/** What every context offers, including those that run before state exists (`createState`). */
export interface BaseContext {
  /** The engine's id of this actor instance; the same across sleeps and runners. */
  readonly actorId: string;
  /** The actor's name: its key in `setup({ use })`, as clients address it. */
  readonly name: string;
  /** The key as an array of components (`[]` for a keyless actor). */
  readonly key: string[];
  /** A pino logger bound to this actor. */
  readonly log: Logger;
  /** The actor's own key-value space ({@link ActorKv}), stored in the engine beside its state. */
  readonly kv: ActorKv;
  /** Aborted when the actor begins to sleep or be destroyed. */
  readonly abortSignal: AbortSignal;
  /** Whether the actor has begun to sleep or be destroyed (`abortSignal.aborted`); long loops should stop. */
  readonly aborted: boolean;
}

/** The context of actions and hooks. */
export interface ActorContext<
  S = any,
  CP = any,
  CS = any,
  V = any,
  E extends EventsConfig = EventsConfig,
  Q extends QueuesConfig = QueuesConfig,
> extends BaseContext {
  /** The durable state: mutations are tracked and saved. */
  state: S;
  /** Ephemeral per-start values from `vars`/`createVars`. */
  readonly vars: V;
  /**
   * The connection the current action or hook runs for. Undefined where there is none (a
   * schedule, a lifecycle hook); typed as present because actions called by clients have one.
   */
  readonly conn: Conn<CP, CS, E>;
  /** The HTTP request the current action or hook runs for, where there is one. */
  readonly request: Request | undefined;
  /** Live connections by id. */
  readonly conns: Map<string, Conn<CP, CS, E>>;
  /**
   * The actor's durable queue ({@link ActorQueue}). Within an action call, the completable
   * messages it takes belong to that call: those it did not complete are delivered again when it returns.
   */
  readonly queue: ActorQueue<Q>;
  /** Durable one-shot calls of the actor's own actions ({@link ActorSchedule}). */
  readonly schedule: ActorSchedule;
  /** Sends an event to every connection subscribed to it. */
  broadcast<K extends keyof E & string>(name: K, ...args: EventArgsOf<E, K>): void;
  /**
   * Saves state. By default this only makes sure a save is coming; `immediate: true` writes now
   * and resolves once the state is durable.
   */
  saveState(options?: { immediate?: boolean; maxWait?: number }): Promise<void>;
  /** Asks the engine to put this actor to sleep (after the current work). */
  sleep(): void;
  /** Destroys this actor: `onDestroy` runs, then all its data is deleted. */
  destroy(): void;
  /** Keeps the actor awake (no idle sleep, and shutdown waits) until `promise` settles. */
  keepAwake<T>(promise: Promise<T>): Promise<T>;
  /** Lets `promise` finish before the actor stops, without keeping it from going idle. */
  waitUntil(promise: Promise<unknown>): void;
  /**
   * A client for calling other actors through the engine (`c.client<typeof registry>()`),
   * shared by every actor of the runner. Give actions that call each other explicit return
   * types, or their types refer to themselves.
   */
  client<R = any>(): Client<R>;
}

/** An action handler: the context, then the client's arguments. */
export type ActionHandler<S, CP, CS, V, E extends EventsConfig, Q extends QueuesConfig> = (
  c: ActorContext<S, CP, CS, V, E, Q>,
  ...args: any[]
) => any;

/**
 * The `actions` map of a definition: handlers, or groups of them (`{ calculator: { add } }` is
 * the action `calculator.add`, as in rivetkit).
 */
export interface Actions<S, CP, CS, V, E extends EventsConfig, Q extends QueuesConfig> {
  readonly [name: string]: ActionHandler<S, CP, CS, V, E, Q> | Actions<S, CP, CS, V, E, Q>;
}

/** A raw WebSocket as `onWebSocket` receives it (WinterTC-style subset). */
export interface ActorWebSocket {
  /**
   * The WebSocket ready state (0 connecting, 1 open, 2 closing, 3 closed). While the socket is
   * still being accepted it reads 1, as in rivetkit: sends made then are held and go out once it is open.
   */
  readonly readyState: number;
  /** Sends a text (string) or binary message. */
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  /** Closes the socket; `code` defaults to 1000 and `reason` to the empty string. */
  close(code?: number, reason?: string): void;
  /**
   * Adds a message listener. Binary messages arrive as ArrayBuffers; messages that came before
   * the first message listener was added (say, after an `await` in `onWebSocket`) are held and delivered to it.
   */
  addEventListener(type: "message", listener: (event: { data: string | ArrayBuffer }) => void): void;
  /** Adds a listener for the socket's close, with its code, reason and whether it was clean. */
  addEventListener(type: "close", listener: (event: { code: number; reason: string; wasClean: boolean }) => void): void;
  /** Adds a listener for the socket's opening; a socket restored after a wake does not open again. */
  addEventListener(type: "open", listener: () => void): void;
  /** Removes a listener added with `addEventListener`. */
  removeEventListener(type: "message" | "close" | "open", listener: (...args: never[]) => void): void;
}

// ---------------------------------------------------------------------------------------------
// Options and config
// ---------------------------------------------------------------------------------------------

/** Per-actor options; every field has a default (rivetkit's, where it has one). */
export interface ActorOptions {
  /** Idle time before the actor sleeps (ms). Default 30,000. */
  readonly sleepTimeout?: number;
  /** Longest an action may run before failing with `actor.action_timed_out` (ms). Default 60,000. */
  readonly actionTimeout?: number;
  /** Budget of a whole sleep or destroy shutdown (ms). Default 15,000. */
  readonly sleepGracePeriod?: number;
  /** Throttle of state saves under `durability: "interval"` (ms). Default 1,000. */
  readonly stateSaveInterval?: number;
  /**
   * `"strict"` (default): an action's state changes are durable before its reply is sent.
   * `"interval"`: Rivet's behaviour, state saved at most every `stateSaveInterval`.
   */
  readonly durability?: "strict" | "interval";
  /** Longest `createVars` may run at a start before the start fails with `actor.hook_timed_out` (ms). Default 5,000. */
  readonly createVarsTimeout?: number;
  /** Longest `createConnState` may run before the connection is refused with `actor.callback_timed_out` (ms). Default 5,000. */
  readonly createConnStateTimeout?: number;
  /** Longest `onBeforeConnect` may run before the connection is refused with `actor.callback_timed_out` (ms). Default 5,000. */
  readonly onBeforeConnectTimeout?: number;
  /** Longest `onConnect` may run before the connection is refused with `actor.callback_timed_out` (ms). Default 5,000. */
  readonly onConnectTimeout?: number;
  /**
   * rivetkit's timeout of `onMigrate` (ms), default 30,000. Accepted so that ported options
   * still check, but it has no effect: `actor()` refuses `onMigrate` itself (run migrations in `onWake`).
   */
  readonly onMigrateTimeout?: number;
  /** Timeout of `createState`, `onCreate`, `onWake` (ms). Default 30,000 (ours). */
  readonly lifecycleHookTimeout?: number;
  /**
   * How often the actor checks its connections' sockets and disconnects (running `onDisconnect`)
   * those whose socket closed without a close event (ms). Default 5,000.
   */
  readonly connectionLivenessInterval?: number;
  /**
   * rivetkit's wait for a liveness answer (ms), default 2,500. Accepted for porting, but not
   * used: the liveness check here reads each socket's state and sends no ping to wait on.
   */
  readonly connectionLivenessTimeout?: number;
  /** Most messages the queue holds; a send beyond it fails with `queue.full`. Default 1,000. */
  readonly maxQueueSize?: number;
  /** Largest queue message body (bytes); a larger send fails with `queue.message_too_large`. Default 65,536. */
  readonly maxQueueMessageSize?: number;
  /** Most pending schedules; one more fails with `schedule.limit_exceeded`. Default 1,000. */
  readonly maxSchedules?: number;
  /** Largest CBOR-encoded state accepted (bytes). Default 124 KiB, so the actor record fits one 128 KiB KV value. */
  readonly maxStateBytes?: number;
  /** Largest client message accepted: a WebSocket frame, an action or queue body (bytes). Default 65,536. */
  readonly maxIncomingMessageSize?: number;
  /** Largest message sent to a client: a frame, an action or queue response (bytes). Default 1 MiB. */
  readonly maxOutgoingMessageSize?: number;
  /**
   * Accept queue sends to names not declared in `queues`; they are stored and delivered like any
   * other. Default false: such a send fails with `queue.not_declared` (rivetkit silently drops it
   * and reports it completed, which hides typos).
   */
  readonly acceptUndeclaredQueues?: boolean;
  /** Whether raw WebSockets may hibernate. `/connect` sockets always may. Default false. */
  readonly canHibernateWebSocket?: boolean | ((request: Request) => boolean);
  /** Never sleep when idle (deprecated in Rivet; kept for porting). */
  readonly noSleep?: boolean;
}

/**
 * The object given to `actor({...})`. `state` and `createState` are mutually exclusive, as are
 * `vars`/`createVars` and `connState`/`createConnState` (checked when the actor is defined).
 */
export interface ActorConfig<
  S,
  CP,
  CS,
  V,
  I,
  E extends EventsConfig,
  Q extends QueuesConfig,
  A extends Actions<S, CP, CS, V, E, Q>,
> {
  /**
   * The initial state of a new actor, copied (`structuredClone`) for each one. The state is
   * stored as CBOR, so it must hold only values CBOR can carry.
   */
  readonly state?: S;
  /**
   * Makes the initial state of a new actor from its creation input. Runs once, when the actor
   * is first created (not on wakes), within `lifecycleHookTimeout`.
   */
  readonly createState?: (c: BaseContext, input: I) => S | Promise<S>;
  /**
   * Ephemeral values (clients, caches, handles) copied (`structuredClone`) at every start. They
   * are never saved; use `createVars` for values that cannot be cloned.
   */
  readonly vars?: V;
  /**
   * Makes the ephemeral values at every start (after the state is loaded, before `onWake`),
   * within `createVarsTimeout`. `driverCtx` is always undefined here (rivetkit passes its driver's context).
   */
  readonly createVars?: (c: ActorContext<S, CP, CS, undefined, E, Q>, driverCtx: unknown) => V | Promise<V>;
  /** The initial state of each new connection, copied (`structuredClone`) for each one. */
  readonly connState?: CS;
  /**
   * Makes a new connection's state from its params, after `onBeforeConnect`, within
   * `createConnStateTimeout`; throw to refuse the connection.
   */
  readonly createConnState?: (c: ActorContext<S, CP, undefined, V, E, Q>, params: CP) => CS | Promise<CS>;
  /**
   * The events the actor sends, declared with {@link event}: they type `c.broadcast`,
   * `conn.send` and clients' subscriptions, and may carry a `canSubscribe` check.
   */
  readonly events?: E;
  /**
   * The queues the actor takes messages on, declared with {@link queue}. A send to a name not
   * declared here fails with `queue.not_declared` unless `options.acceptUndeclaredQueues` is set.
   */
  readonly queues?: Q;
  /**
   * Runs once, when the actor is first created, after its initial state is made and before it
   * is first saved, within `lifecycleHookTimeout`; it receives the creation input.
   */
  readonly onCreate?: (c: ActorContext<S, CP, CS, V, E, Q>, input: I) => void | Promise<void>;
  /**
   * Runs at every start, after a create and after each wake, once `vars` are made and before
   * any action, within `lifecycleHookTimeout`; a throw or a timeout fails the start.
   */
  readonly onWake?: (c: ActorContext<S, CP, CS, V, E, Q>) => void | Promise<void>;
  /**
   * Runs when the actor begins to sleep, after `c.abortSignal` fired, within
   * `sleepGracePeriod`; what it throws is logged and the sleep goes on.
   */
  readonly onSleep?: (c: ActorContext<S, CP, CS, V, E, Q>) => void | Promise<void>;
  /**
   * Runs when the actor is destroyed (`c.destroy()` or the engine), before all its data is
   * deleted, within `sleepGracePeriod`; what it throws is logged and the destroy goes on.
   */
  readonly onDestroy?: (c: ActorContext<S, CP, CS, V, E, Q>) => void | Promise<void>;
  /** Runs synchronously after each state change; mutating state inside it throws. */
  readonly onStateChange?: (c: ActorContext<S, CP, CS, V, E, Q>, newState: S) => void;
  /** Throw to reject a connection. */
  readonly onBeforeConnect?: (c: ActorContext<S, CP, CS, V, E, Q>, params: CP) => void | Promise<void>;
  /**
   * Runs for each new connection once its state is made and it is in `c.conns`, within
   * `onConnectTimeout`; throw to refuse it. Events sent to it here reach a `/connect` client as soon as its connection is open.
   */
  readonly onConnect?: (c: ActorContext<S, CP, CS, V, E, Q>, conn: Conn<CP, CS, E>) => void | Promise<void>;
  /**
   * Runs once for each connection that ends: the client closed it, `conn.disconnect()`, its
   * socket died, or the actor stopped (on sleep, hibernatable connections stay and get none).
   * What it throws is logged.
   */
  readonly onDisconnect?: (c: ActorContext<S, CP, CS, V, E, Q>, conn: Conn<CP, CS, E>) => void | Promise<void>;
  /** Transforms an action's output before it is sent. */
  readonly onBeforeActionResponse?: (c: ActorContext<S, CP, CS, V, E, Q>, name: string, args: unknown[], output: unknown) => unknown;
  /** Answers raw HTTP on `/request/*`. */
  readonly onRequest?: (c: ActorContext<S, CP, CS, V, E, Q>, request: Request) => Response | Promise<Response>;
  /** Takes raw WebSockets on `/websocket/*`. */
  readonly onWebSocket?: (c: ActorContext<S, CP, CS, V, E, Q>, ws: ActorWebSocket) => void | Promise<void>;
  /** A long-running loop started after `onWake`; `c.abortSignal` fires on shutdown. */
  readonly run?: (c: ActorContext<S, CP, CS, V, E, Q>) => void | Promise<void>;
  /**
   * The actions clients (and schedules) call: handlers taking the context and the call's
   * arguments, or groups of them. What a handler returns (or resolves to) is the call's answer.
   */
  readonly actions?: A;
  /**
   * Standard Schemas (zod, valibot, …) for actions' argument tuples, nested like the groups or
   * by dotted name; a call whose arguments fail is refused with `actor.validation_error` (400).
   */
  readonly actionInputSchemas?: ActionInputSchemas;
  /** Timeouts, limits and durability of this actor ({@link ActorOptions}); every field has a default. */
  readonly options?: ActorOptions;
}

/**
 * A defined actor, as `actor({...})` returns it. `config` keeps the exact user types, with
 * `actions`, `events` and `queues` always present (empty objects when not given), so that
 * `typeof def["config"]["actions"]` needs no `NonNullable`.
 */
export interface ActorDefinition<
  S = any,
  CP = any,
  CS = any,
  V = any,
  I = any,
  E extends EventsConfig = any,
  Q extends QueuesConfig = any,
  A extends Actions<S, CP, CS, V, E, Q> = any,
> {
  /** The config given to `actor({...})`, with `actions`, `events` and `queues` filled in. */
  readonly config: ActorConfig<S, CP, CS, V, I, E, Q, A> & { readonly actions: A; readonly events: E; readonly queues: Q };
}

/** Any actor definition, for registries and generic code. */
export type AnyActorDefinition = ActorDefinition<any, any, any, any, any, any, any, any>;

/**
 * Defines an actor. The types of `c.state`, `c.vars`, connection params and state, events and
 * queues are inferred from the config.
 */
export function actor<
  S,
  CP,
  CS,
  V,
  I,
  E extends EventsConfig = Record<never, never>,
  Q extends QueuesConfig = Record<never, never>,
  A extends Actions<S, CP, CS, V, E, Q> = Actions<S, CP, CS, V, E, Q>,
>(config: ActorConfig<S, CP, CS, V, I, E, Q, A>): ActorDefinition<S, CP, CS, V, I, E, Q, A> {
  checkActorConfig(config);
  // Flattening checks the groups and schemas now, at definition time, rather than at the first call.
  flattenActions(config);
  if (config.state !== undefined && config.createState !== undefined) {
    throw new TypeError("actor(): `state` and `createState` are mutually exclusive");
  }
  if (config.vars !== undefined && config.createVars !== undefined) {
    throw new TypeError("actor(): `vars` and `createVars` are mutually exclusive");
  }
  if (config.connState !== undefined && config.createConnState !== undefined) {
    throw new TypeError("actor(): `connState` and `createConnState` are mutually exclusive");
  }
  return {
    config: { ...config, actions: config.actions ?? ({} as A), events: config.events ?? ({} as E), queues: config.queues ?? ({} as Q) },
  };
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

/** The actor definitions of a registry, by name. */
export type RegistryActors = Record<string, AnyActorDefinition>;

/** How `registry.start()` connects; each field falls back to the environment, then a default. */
export interface RegistryStartConfig {
  /** Engine endpoint; `RIVET_ENDPOINT`, else `http://127.0.0.1:6420`. */
  readonly endpoint?: string;
  /** `RIVET_TOKEN`. */
  readonly token?: string;
  /** `RIVET_NAMESPACE`, else `default`. */
  readonly namespace?: string;
  /** Runner (pool) name; `RIVET_RUNNER`, else `default`. */
  readonly runnerName?: string;
  /** Stable runner identity across reconnects; a fresh UUID when not given. */
  readonly runnerKey?: string;
  /** Deployment version; `RIVET_RUNNER_VERSION`, else 1. */
  readonly version?: number;
  /** Capacity advertised to the engine; `RIVET_TOTAL_SLOTS`, else 100,000. */
  readonly totalSlots?: number;
  /**
   * Logger for the runner and its actors. By default JSON lines on stderr at `info`;
   * `ACTORWIRE_RUNNER_LOG_LEVEL`, `RIVET_LOG_LEVEL` or `LOG_LEVEL` (first set wins) changes the level.
   */
  readonly logger?: Logger;
  /** Drain on SIGTERM/SIGINT and exit; default true. */
  readonly handleSignals?: boolean;
  /**
   * The engine endpoint clients should use, as `registry.handler()`'s `/metadata` reports it
   * (`clientEndpoint`); `RIVET_PUBLIC_ENDPOINT`, else `endpoint`. Set it when the runner reaches
   * the engine by an address browsers cannot (a private network name).
   */
  readonly publicEndpoint?: string;
  /** The token clients should use (`clientToken` in `/metadata`); `RIVET_PUBLIC_TOKEN`. The runner's own `token` is never reported. */
  readonly publicToken?: string;
}

/** What `registry.start()` returns. */
export interface RegistryHandle {
  /** Resolves once the runner is connected to the engine. */
  readonly ready: Promise<void>;
  /** The runner ID the engine assigned, once connected. */
  readonly runnerId: string | undefined;
  /** Stops every actor gracefully and closes the connection. */
  shutdown(): Promise<void>;
}

/** A registry of actor definitions, as `setup({ use })` returns it. */
export interface Registry<U extends RegistryActors> {
  /** The definitions by name, with their exact types (the client SDK infers from this). */
  readonly use: U;
  /** Connects to the engine and hosts these actors. */
  start(config?: RegistryStartConfig): RegistryHandle;
  /**
   * A fetch handler (`(Request) => Promise<Response>`) to mount at `/api/rivet/*` in Hono,
   * Express (through a fetch adapter), Next route handlers and the like. The first request
   * starts the registry (as `start()` with the config given to `setup()`, once per registry);
   * it answers `GET …/metadata` (rivetkit's discovery: clients given the app's URL learn the
   * engine's endpoint and namespace) and `GET …/health`. Rivet's serverless start
   * (`…/start`, the engine calling the app) is refused with 501 `registry.serverless_unsupported`:
   * the runner connects to the engine itself, so the app must be a long-running process.
   */
  handler(request: Request): Promise<Response>;
  /** The runner the last `start()` (or the first `handler()` request) started, if any: to shut it down. */
  readonly current: RegistryHandle | undefined;
}
