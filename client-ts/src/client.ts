/**
 * `createClient<typeof registry>(endpoint | config)`: the entry point. `client.counter`
 * is an accessor with `get`, `getOrCreate`, `getForId` and `create`; the handles it returns
 * carry one typed method per action, `connect()`, `send()`, `fetch()` and `webSocket()`.
 */
import { encodeCbor } from "@actorwire/protocol";
import { type ClientConfigInput, resolveClientConfig } from "./config.js";
import type { ActorConnRaw } from "./connection.js";
import { ClientContext } from "./context.js";
import { ClientConfigError } from "./errors.js";
import { type ActorGatewayOptions, ActorHandleRaw, type QueueSendOptions, type QueueSendResult } from "./handle.js";
import { type ActorKey, describeValue, keyParts } from "./keys.js";
import { withActionMethods } from "./proxy.js";
import { type ActorQuery, ActorResolver } from "./resolver.js";
import type {
  ActorDefinitionActions,
  ActorsOf,
  EventArgs,
  EventName,
  QueueCompletion,
  QueueMessage,
  QueueName,
} from "./types.js";

/** Options shared by every way of getting a handle. */
export interface QueryOptions extends ActorGatewayOptions {
  /** Connection params sent with every request and connection of the handle. */
  readonly params?: unknown;
  /** Async params, called again before every request and every reconnect (refresh a token). */
  readonly getParams?: () => Promise<unknown>;
}

/** Options of `get` and `getForId`. */
export type GetOptions = QueryOptions;

/** Options of `getOrCreate`. */
export interface GetOrCreateOptions extends QueryOptions {
  /** Input of the actor if this call creates it. */
  readonly createWithInput?: unknown;
  /** Region (datacenter) to create it in. */
  readonly createInRegion?: string;
  /** Runner name to create it on (default: the client's `poolName`). */
  readonly poolName?: string;
}

/** Options of `create`. */
export interface CreateOptions extends QueryOptions {
  /** The new actor's input. */
  readonly input?: unknown;
  /** Region (datacenter). */
  readonly region?: string;
  /** Runner name (default: the client's `poolName`). */
  readonly poolName?: string;
  /** Aborts the creation request. */
  readonly signal?: AbortSignal;
}

/**
 * Queue send, typed by the definition's queues: with `wait: true` the completion, otherwise
 * `undefined` once the actor accepted the message (rivetkit's shape).
 */
export interface ActorQueueSend<D> {
  <K extends QueueName<D>>(name: K, body: QueueMessage<D, K>, options: QueueSendOptions & { wait: true }): Promise<QueueSendResult<QueueCompletion<D, K>>>;
  <K extends QueueName<D>>(name: K, body: QueueMessage<D, K>, options?: QueueSendOptions & { wait?: false }): Promise<void>;
  <K extends QueueName<D>>(name: K, body: QueueMessage<D, K>, options?: QueueSendOptions): Promise<QueueSendResult<QueueCompletion<D, K>> | undefined>;
}

/** Event subscription, typed by the definition's events. */
export type ActorEventSubscribe<D> = <K extends EventName<D>>(eventName: K, callback: (...args: EventArgs<D, K>) => void) => () => void;

/** A stateless handle to an actor of definition `D`. */
export type ActorHandle<D> = Omit<ActorHandleRaw, "connect" | "send"> & {
  connect(params?: unknown, options?: ActorGatewayOptions): ActorConn<D>;
  send: ActorQueueSend<D>;
} & ActorDefinitionActions<D>;

/** A connection to an actor of definition `D`. */
export type ActorConn<D> = Omit<ActorConnRaw, "on" | "once" | "send"> & {
  on: ActorEventSubscribe<D>;
  once: ActorEventSubscribe<D>;
  send: ActorQueueSend<D>;
} & ActorDefinitionActions<D>;

/** `client.<name>`: the ways of getting a handle to actors of one definition. */
export interface ActorAccessor<D> {
  /** The existing actor with this key (fails with `actor.not_found` when there is none). */
  get(key?: ActorKey, options?: GetOptions): ActorHandle<D>;
  /** The actor with this key, created on first use. */
  getOrCreate(key?: ActorKey, options?: GetOrCreateOptions): ActorHandle<D>;
  /** The actor with this ID. */
  getForId(actorId: string, options?: GetOptions): ActorHandle<D>;
  /** Creates a new actor (fails when the key is taken) and returns a handle to it by ID. */
  create(key?: ActorKey, options?: CreateOptions): Promise<ActorHandle<D>>;
}

/** Methods the client has besides its actor accessors. */
export class ClientRaw {
  /** @internal */
  readonly #ctx: ClientContext;

  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /** A handle to the existing actor `name` with `key`. */
  get<D = any>(name: string, key?: ActorKey, options: GetOptions = {}): ActorHandle<D> {
    return this.handle({ getForKey: { name, key: keyParts(key, `${name}.get(key)`) } }, options) as unknown as ActorHandle<D>;
  }

  /** A handle to actor `name` with `key`, created on first use. */
  getOrCreate<D = any>(name: string, key?: ActorKey, options: GetOrCreateOptions = {}): ActorHandle<D> {
    const query: ActorQuery = {
      getOrCreateForKey: {
        name,
        key: keyParts(key, `${name}.getOrCreate(key)`),
        ...(options.createWithInput === undefined ? {} : { input: encodeCbor(options.createWithInput) }),
        ...(options.createInRegion === undefined ? {} : { region: options.createInRegion }),
        ...(options.poolName === undefined ? {} : { poolName: options.poolName }),
      },
    };
    return this.handle(query, options) as unknown as ActorHandle<D>;
  }

  /** A handle to the actor with ID `actorId`. */
  getForId<D = any>(name: string, actorId: string, options: GetOptions = {}): ActorHandle<D> {
    if (typeof actorId !== "string" || actorId === "") {
      throw new ClientConfigError(`${name}.getForId(actorId): the actor ID must be a non-empty string, got ${describeValue(actorId)}`, {
        metadata: { argument: "actorId", received: describeValue(actorId) },
      });
    }
    return this.handle({ getForId: { name, actorId } }, options) as unknown as ActorHandle<D>;
  }

  /** Creates actor `name` with `key` and returns a handle to it by ID. */
  async create<D = any>(name: string, key?: ActorKey, options: CreateOptions = {}): Promise<ActorHandle<D>> {
    this.#ctx.assertOpen();
    const { actor } = await this.#ctx.api.create(
      {
        name,
        key: keyParts(key, `${name}.create(key)`),
        ...(options.input === undefined ? {} : { input: encodeCbor(options.input) }),
        ...(options.region === undefined ? {} : { region: options.region }),
        ...(options.poolName === undefined ? {} : { poolName: options.poolName }),
      },
      options.signal,
    );
    return this.handle({ getForId: { name, actorId: actor.actor_id } }, options) as unknown as ActorHandle<D>;
  }

  /** Closes every connection and socket of this client. */
  async dispose(): Promise<void> {
    await this.#ctx.dispose();
  }

  private handle(query: ActorQuery, options: QueryOptions): ActorHandleRaw {
    this.#ctx.assertOpen();
    const raw = new ActorHandleRaw(
      this.#ctx,
      new ActorResolver(this.#ctx.api, query),
      options.params,
      options.getParams,
      options.skipReadyWait === undefined ? {} : { skipReadyWait: options.skipReadyWait },
    );
    return withActionMethods(raw);
  }
}

/** A client typed by registry `R`: one accessor per actor definition. */
export type Client<R> = ClientRaw & { readonly [K in keyof ActorsOf<R> as K extends string ? K : never]: ActorAccessor<ActorsOf<R>[K]> };

/**
 * Creates a client. `endpoint` defaults to `RIVET_ENDPOINT` (then `http://localhost:6420`),
 * and may carry `namespace:token@` in the URL.
 *
 * ```ts
 * const client = createClient<typeof registry>("http://127.0.0.1:6420");
 * const count = await client.counter.getOrCreate(["a"]).increment(5);
 * ```
 */
export function createClient<R = any>(endpointOrConfig?: string | ClientConfigInput): Client<R> {
  const ctx = new ClientContext(resolveClientConfig(endpointOrConfig));
  const raw = new ClientRaw(ctx);
  return new Proxy(raw, {
    get(target, prop, receiver) {
      if (typeof prop === "symbol" || prop in target) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      if (prop === "then" || prop === "toJSON") return undefined;
      const name = prop;
      if (name === "") throw new ClientConfigError("actor name must not be empty");
      return {
        get: (key?: ActorKey, options?: GetOptions) => target.get(name, key, options),
        getOrCreate: (key?: ActorKey, options?: GetOrCreateOptions) => target.getOrCreate(name, key, options),
        getForId: (actorId: string, options?: GetOptions) => target.getForId(name, actorId, options),
        create: (key?: ActorKey, options?: CreateOptions) => target.create(name, key, options),
      } satisfies ActorAccessor<any>;
    },
  }) as Client<R>;
}
