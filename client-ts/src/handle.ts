/**
 * Stateless handles: `client.counter.getOrCreate(["a"])`. Every call is one HTTP request
 * through the gateway to the resolved actor: actions (`POST /action/{name}`), queue sends
 * (`POST /queue/{name}`), raw requests (`/request/…`) and raw WebSockets (`/websocket/…`).
 * `connect()` opens a stateful connection instead.
 */
import { ActorConnRaw } from "./connection.js";
import type { ClientContext } from "./context.js";
import { ClientConfigError, ClientTimeoutError } from "./errors.js";
import { contentTypeFor } from "@actorwire/protocol";
import { directGatewayUrl, gatewayHeaders, gatewayProtocols, queryGatewayUrl, toWebSocketUrl } from "./gateway.js";
import { RemoteActorError } from "./actor-error.js";
import { type ActorQuery, type ActorResolver, isStaleActorError, isTransientError, queryName, raceAbort, withActor } from "./resolver.js";
import { errorFromResponse, fetchOrThrow, parseErrorBody, readBody } from "./transport.js";
import { assertMessageSize, decodeActionResponse, decodeQueueSendResponse, encodeActionRequest, encodeQueueSendRequest } from "./wire.js";

/** Per-call gateway options. */
export interface ActorGatewayOptions {
  /** Do not wait for the actor to be ready (probes); rivetkit's `skipReadyWait`. */
  readonly skipReadyWait?: boolean;
}

/** Options of a stateless action call. */
export interface ActorActionOptions extends ActorGatewayOptions {
  /** Aborts the call (the actor may still run it). */
  readonly signal?: AbortSignal;
  /** Fails the call with `client.timeout` after this many milliseconds. */
  readonly timeout?: number;
}

/** Options of a queue send. */
export interface QueueSendOptions {
  /** Wait for the actor to complete the message and return its completion. */
  readonly wait?: boolean;
  /** How long the actor waits for completion before answering `timedOut` (ms). */
  readonly timeout?: number;
  /**
   * Aborts the send, or the wait for its completion. The message may be stored all the same
   * if the abort comes after the actor received it.
   */
  readonly signal?: AbortSignal;
}

/** The answer to a queue send. */
export interface QueueSendResult<TResponse = unknown> {
  /**
   * `"completed"` when the actor completed the message in time; `"timedOut"` when the wait ran
   * out first (the message stays queued and is still handled).
   */
  readonly status: "completed" | "timedOut";
  /** What the actor passed to `message.complete(response)`; absent when it timed out. */
  readonly response?: TResponse;
}

/** `init` of `handle.fetch`, plus gateway options. */
export type ActorFetchInit = RequestInit & ActorGatewayOptions;

/**
 * The untyped core of a handle. The public `ActorHandle<D>` type adds one method per action
 * of the actor's definition, served by a proxy around this object.
 */
export class ActorHandleRaw {
  /** Queue sends from one handle are serialised so that they arrive in call order. */
  private queueChain: Promise<unknown> = Promise.resolve();
  /** Connections made by `connect()` on this handle that have not finished opening yet. */
  private readonly opening = new Set<ActorConnRaw>();

  /** @internal */
  constructor(
    private readonly ctx: ClientContext,
    private readonly resolver: ActorResolver,
    private readonly params: unknown,
    private readonly getParams: (() => Promise<unknown>) | undefined,
    private readonly gateway: ActorGatewayOptions,
  ) {}

  /** The actor name this handle addresses. */
  get actorName(): string {
    return queryName(this.resolver.query);
  }

  /** The query this handle was made from. */
  get query(): ActorQuery {
    return this.resolver.query;
  }

  /** Calls an action by name: `handle.action({ name: "increment", args: [5] })`. */
  async action<Args extends unknown[] = unknown[], Response = unknown>(
    opts: { readonly name: string; readonly args: Args } & ActorActionOptions,
  ): Promise<Response> {
    if (typeof opts !== "object" || opts === null || typeof opts.name !== "string") {
      throw new ClientConfigError("action() takes { name, args }; use handle.actionName(...args) for the shorthand");
    }
    this.ctx.assertOpen();
    await this.ctx.lookupMetadata();
    const encoding = this.ctx.config.encoding;
    const { signal, cleanup } = callSignal(opts.signal, opts.timeout, `action ${opts.name}`);
    try {
      await this.untilConnectionsOpened(signal);
      const params = await this.resolveParams();
      const body = encodeActionRequest(opts.args ?? [], encoding);
      assertMessageSize(body, this.ctx.config.maxIncomingMessageSize, `the request of action ${opts.name}`);
      return await withActor(this.resolver, signal, async (actorId) => {
        const url = directGatewayUrl(this.ctx.config, actorId, `/action/${encodeURIComponent(opts.name)}`);
        const headers = gatewayHeaders(this.ctx.config, { encoding, params, skipReadyWait: this.skip(opts) });
        headers.set("content-type", contentTypeFor(encoding));
        const response = await this.ctx.http.send(url, { method: "POST", headers, body }, signal);
        if (!response.ok) throw errorFromResponse(response, response.body, encoding);
        return decodeActionResponse(response.body, encoding) as Response;
      });
    } finally {
      cleanup();
    }
  }

  /**
   * Sends a message to one of the actor's queues. With `wait: true` the answer carries the
   * actor's completion (`{status: "completed", response}`) or `{status: "timedOut"}`;
   * without it the promise resolves to `undefined` once the actor has accepted the message,
   * as rivetkit's does.
   */
  send(name: string, body: unknown, options: QueueSendOptions & { readonly wait: true }): Promise<QueueSendResult>;
  send(name: string, body: unknown, options?: QueueSendOptions & { readonly wait?: false }): Promise<void>;
  send(name: string, body: unknown, options?: QueueSendOptions): Promise<QueueSendResult | undefined>;
  send(name: string, body: unknown, options: QueueSendOptions = {}): Promise<QueueSendResult | void> {
    const run = async (): Promise<QueueSendResult | undefined> => {
      this.ctx.assertOpen();
      await this.ctx.lookupMetadata();
      await this.untilConnectionsOpened(options.signal);
      const encoding = this.ctx.config.encoding;
      const params = await this.resolveParams();
      const payload = encodeQueueSendRequest(
        { name, body, wait: options.wait ?? false, ...(options.timeout === undefined ? {} : { timeout: options.timeout }) },
        encoding,
      );
      assertMessageSize(payload, this.ctx.config.maxIncomingMessageSize, `the message for queue ${name}`);
      return await withActor(this.resolver, options.signal, async (actorId) => {
        const url = directGatewayUrl(this.ctx.config, actorId, `/queue/${encodeURIComponent(name)}`);
        const headers = gatewayHeaders(this.ctx.config, { encoding, params, skipReadyWait: this.skip({}) });
        headers.set("content-type", contentTypeFor(encoding));
        const response = await this.ctx.http.send(url, { method: "POST", headers, body: payload }, options.signal);
        if (!response.ok) throw errorFromResponse(response, response.body, encoding);
        const result = decodeQueueSendResponse(response.body, encoding);
        return options.wait === true ? result : undefined;
      });
    };
    const result = this.queueChain.then(run, run);
    this.queueChain = result.catch(() => undefined);
    return result;
  }

  /**
   * Raw HTTP to the actor's `onRequest` (`/request/{path}`). Request and response bodies are
   * streamed; a streamed request body is sent once (no retry after a stale actor).
   */
  async fetch(input: string | URL | Request, init: ActorFetchInit = {}): Promise<Response> {
    this.ctx.assertOpen();
    await this.ctx.lookupMetadata();
    const { skipReadyWait, ...rest } = init;
    let path: string;
    let merged: RequestInit = rest;
    if (typeof input === "string") {
      path = input;
    } else if (input instanceof URL) {
      path = `${input.pathname}${input.search}`;
    } else {
      const url = new URL(input.url);
      path = `${url.pathname}${url.search}`;
      const headers = new Headers(input.headers);
      new Headers(rest.headers).forEach((v, k) => headers.set(k, v));
      merged = { method: input.method, body: input.body, signal: input.signal, ...rest, headers };
    }
    const normalized = path.startsWith("/") ? path.slice(1) : path;
    const params = await this.resolveParams();
    const body = merged.body ?? null;
    const streamed = typeof ReadableStream !== "undefined" && body instanceof ReadableStream;
    const signal = merged.signal ?? undefined;
    return await withActor(
      this.resolver,
      signal,
      async (actorId) => {
        const url = directGatewayUrl(this.ctx.config, actorId, `/request/${normalized}`);
        const headers = gatewayHeaders(this.ctx.config, { params, skipReadyWait: this.skip({ ...(skipReadyWait === undefined ? {} : { skipReadyWait }) }) });
        new Headers(merged.headers).forEach((v, k) => headers.set(k, v));
        const response = await fetchOrThrow(
          url,
          { ...merged, headers, body, ...(streamed ? { duplex: "half" as const } : {}) },
          signal,
        );
        if (!response.ok && !streamed) {
          // Gateway errors (a stale actor, a broken tunnel) are answered before the actor saw
          // the request, so a buffered body can be sent again; the actor's own error answers
          // pass through untouched.
          const copy = response.clone();
          const parsed = parseErrorBody(copy, await readBody(copy, signal), "json");
          if (parsed !== undefined) {
            const retry = (this.resolver.dynamic && isStaleActorError(parsed.group, parsed.code)) || isTransientError(parsed.group, parsed.code);
            if (retry) throw RemoteActorError.fromWire(parsed, { rayId: response.headers.get("x-rivet-ray-id") ?? undefined });
          }
        }
        return response;
      },
      { retryTransient: !streamed },
    );
  }

  /**
   * A raw WebSocket to the actor's `onWebSocket` (`/websocket/{path}`), returned as soon as it
   * is created (listen for `open`). `protocols` are offered after the gateway's own.
   */
  async webSocket(path = "", protocols?: string | string[], options: ActorGatewayOptions = {}): Promise<WebSocket> {
    this.ctx.assertOpen();
    await this.ctx.lookupMetadata();
    const params = await this.resolveParams();
    const actorId = await this.resolver.resolve();
    let pathPart = path;
    let search = "";
    const q = path.indexOf("?");
    if (q !== -1) {
      pathPart = path.slice(0, q);
      search = path.slice(q);
    }
    if (pathPart.startsWith("/")) pathPart = pathPart.slice(1);
    const url = toWebSocketUrl(directGatewayUrl(this.ctx.config, actorId, `/websocket/${pathPart}${search}`));
    const extra = protocols === undefined ? [] : typeof protocols === "string" ? [protocols] : protocols;
    const WebSocketImpl = await this.ctx.webSocket();
    const ws = new WebSocketImpl(
      url,
      gatewayProtocols(this.ctx.config, { encoding: "bare", params, skipReadyWait: this.skip(options), extra }),
    );
    ws.binaryType = "arraybuffer";
    // Node's `ws` throws an error event nobody listens to; the caller sees `close` anyway.
    ws.addEventListener("error", () => undefined);
    this.ctx.track(ws);
    return ws;
  }

  /** Opens a stateful connection (`/connect`); `params` reach `onBeforeConnect`/`createConnState`. */
  connect(params?: unknown, options: ActorGatewayOptions = {}): ActorConnRaw {
    this.ctx.assertOpen();
    const conn = new ActorConnRaw(
      this.ctx,
      this.resolver,
      params === undefined ? this.params : params,
      params === undefined ? this.getParams : undefined,
      { skipReadyWait: this.skip(options) },
    );
    const wrapped = this.ctx.wrapConn(conn);
    this.opening.add(conn);
    void conn.untilAttemptSettled().then(() => this.opening.delete(conn));
    return wrapped;
  }

  /** The actor's ID, resolving the query (and creating the actor for getOrCreate) if needed. */
  async resolve(options: { signal?: AbortSignal } = {}): Promise<string> {
    return await this.resolver.resolve(options.signal);
  }

  /**
   * A URL that reaches this actor through the gateway: the direct `/gateway/{id}` form for an
   * ID handle, the `rvt-*` query form for get/getOrCreate (resolved by the gateway itself).
   */
  async getGatewayUrl(): Promise<string> {
    await this.ctx.lookupMetadata();
    const q = this.resolver.query;
    if ("getForId" in q) return directGatewayUrl(this.ctx.config, q.getForId.actorId, "");
    if ("getForKey" in q) return queryGatewayUrl(this.ctx.config, { method: "get", name: q.getForKey.name, key: q.getForKey.key }, "");
    return queryGatewayUrl(
      this.ctx.config,
      {
        method: "getOrCreate",
        name: q.getOrCreateForKey.name,
        key: q.getOrCreateForKey.key,
        poolName: q.getOrCreateForKey.poolName ?? this.ctx.config.poolName,
        ...(q.getOrCreateForKey.input === undefined ? {} : { input: q.getOrCreateForKey.input }),
        ...(q.getOrCreateForKey.region === undefined ? {} : { region: q.getOrCreateForKey.region }),
      },
      "",
    );
  }

  /**
   * Waits for the connections this handle opened that are still opening (first attempt):
   * `conn = handle.connect(); conn.on("x", f); await handle.send(…)` must not cause "x"
   * before the connection has asked for it, or `f` would miss it. Resolves at once when
   * there are none; never fails (a connection that cannot open stops the wait).
   */
  private async untilConnectionsOpened(signal: AbortSignal | undefined): Promise<void> {
    if (this.opening.size === 0) return;
    const opened = Promise.all([...this.opening].map((conn) => conn.untilAttemptSettled())).then(() => undefined);
    await (signal === undefined ? opened : raceAbort(opened, signal));
  }

  private skip(options: ActorGatewayOptions): boolean {
    return options.skipReadyWait ?? this.gateway.skipReadyWait ?? this.ctx.config.skipReadyWait;
  }

  private async resolveParams(): Promise<unknown> {
    return this.getParams === undefined ? this.params : await this.getParams();
  }
}

/**
 * Combines the caller's signal and an optional timeout into one signal; the timeout fires
 * a `ClientTimeoutError` as the abort reason so the call fails with that type.
 */
export function callSignal(
  signal: AbortSignal | undefined,
  timeout: number | undefined,
  what: string,
): { signal: AbortSignal | undefined; cleanup: () => void } {
  if (timeout === undefined) return { signal, cleanup: () => undefined };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ClientTimeoutError(`${what} timed out after ${timeout} ms`)), timeout);
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted === true) controller.abort(signal.reason);
  else signal?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    cleanup: () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}
