/**
 * A stateful connection to an actor (`handle.connect()`): one WebSocket at `/connect`,
 * actions matched to answers by ID, events delivered to listeners, and automatic reconnect.
 *
 * Delivery rules, which the reconnect tests hold the client to:
 * - An action is sent at most once. Actions called while the socket is down wait in a queue
 *   (bounded in count and time) and are sent, in call order, right after the next `Init`.
 * - An action already sent when the socket drops fails with `client.connection_lost`: the
 *   actor may or may not have run it, and resending could run it twice.
 * - Subscriptions are sent only for events with listeners, and again after every reconnect
 *   (before the queued actions, so their events are not missed).
 * - `getParams` runs again before every attempt, so refreshed credentials are used.
 */
import { ActorError, RemoteActorError } from "./actor-error.js";
import { backoffDelay } from "./backoff.js";
import type { ClientContext } from "./context.js";
import {
  ActorConnDisposedError,
  ClientConnectionLostError,
  ClientGetParamsError,
  ClientNetworkError,
  ClientQueueFullError,
  ClientTimeoutError,
  abortError,
} from "./errors.js";
import { PATH_CONNECT, directGatewayUrl, gatewayProtocols, toWebSocketUrl } from "./gateway.js";
import type { QueueSendOptions, QueueSendResult } from "./handle.js";
import { type ActorResolver, isStaleActorError, isTransientError } from "./resolver.js";
import { assertMessageSize, decodeToClient, encodeToServer } from "./wire.js";

/**
 * - `idle`: not connected and not trying (before start, after `dispose`, or after a fatal
 *   error such as a rejected `onBeforeConnect`);
 * - `connecting`: an attempt is under way;
 * - `connected`: the actor sent `Init`;
 * - `disconnected`: the socket was lost; the next attempt is scheduled.
 */
export type ActorConnStatus = "idle" | "connecting" | "connected" | "disconnected";

interface PendingAction {
  readonly id: number;
  readonly name: string;
  /** The encoded `ActionRequest` frame, made (and its size checked) when the action is called. */
  readonly data: string | Uint8Array;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  /** Clears the queue timer and signal listener. */
  cleanup: () => void;
}

/** The untyped core of a connection; `ActorConn<D>` adds typed action methods and events. */
export class ActorConnRaw {
  #status: ActorConnStatus = "idle";
  #ws: WebSocket | undefined;
  #disposed = false;
  #fatal: Error | undefined;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #nextActionId = 0;
  #lastError: Error | undefined;
  #actorId: string | undefined;
  #connId: string | undefined;
  readonly #inFlight = new Map<number, PendingAction>();
  #queued: PendingAction[] = [];
  readonly #listeners = new Map<string, Set<(...args: any[]) => void>>();
  readonly #statusHandlers = new Set<(status: ActorConnStatus) => void>();
  readonly #openHandlers = new Set<() => void>();
  readonly #closeHandlers = new Set<() => void>();
  readonly #errorHandlers = new Set<(error: Error) => void>();
  #ready: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void };
  /** The current attempt, while one is under way. */
  #attemptSettled: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;

  /** @internal */
  constructor(
    private readonly ctx: ClientContext,
    private readonly resolver: ActorResolver,
    private readonly params: unknown,
    private readonly getParams: (() => Promise<unknown>) | undefined,
    private readonly gateway: { skipReadyWait: boolean },
  ) {
    this.#ready = deferred();
    // Nobody has to await `ready`; a fatal error must not become an unhandled rejection.
    this.#ready.promise.catch(() => undefined);
  }

  /** @internal Starts the first attempt (the client calls this once). */
  start(): void {
    this.#connect();
  }

  /** Current status. */
  get connStatus(): ActorConnStatus {
    return this.#status;
  }

  /** @deprecated rivetkit's old name; use `connStatus`. */
  get isConnected(): boolean {
    return this.#status === "connected";
  }

  /** Resolves the first time the connection is open; rejects on a fatal error or dispose. */
  get ready(): Promise<void> {
    return this.#ready.promise;
  }

  /** The actor ID from the last `Init`. */
  get actorId(): string | undefined {
    return this.#actorId;
  }

  /** This connection's ID from the last `Init` (a new one after each reconnect). */
  get connId(): string | undefined {
    return this.#connId;
  }

  /** Calls an action over the connection. */
  action<Args extends unknown[] = unknown[], Response = unknown>(opts: {
    readonly name: string;
    readonly args: Args;
    readonly signal?: AbortSignal;
  }): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      if (this.#disposed) return reject(new ActorConnDisposedError("the connection was disposed"));
      if (this.#fatal !== undefined) return reject(this.#fatal);
      if (opts.signal?.aborted === true) return reject(abortError(opts.signal));
      const id = this.#nextActionId++;
      let data: string | Uint8Array;
      try {
        // Encoded now, so that a message the actor would refuse fails this call alone, at
        // once, instead of closing the socket under every other call in flight.
        data = encodeToServer({ tag: "ActionRequest", val: { id: BigInt(id), name: opts.name, args: [...(opts.args ?? [])] } }, this.ctx.config.encoding);
        assertMessageSize(data, this.ctx.config.maxIncomingMessageSize, `the request of action ${opts.name}`);
      } catch (err) {
        return reject(err);
      }
      const action: PendingAction = {
        id,
        name: opts.name,
        data,
        resolve: resolve as (v: unknown) => void,
        reject,
        cleanup: () => undefined,
      };
      const signal = opts.signal;
      if (signal !== undefined) {
        const onAbort = (): void => {
          this.#forget(action);
          reject(abortError(signal));
        };
        signal.addEventListener("abort", onAbort, { once: true });
        action.cleanup = () => signal.removeEventListener("abort", onAbort);
      }
      if (this.#status === "connected" && this.#trySend(action)) return;
      this.#enqueue(action);
    });
  }

  /**
   * Sends a queue message over HTTP, like `handle.send` (`undefined` unless `wait: true`),
   * after the connection's opening attempt, if one is under way, has settled.
   */
  send(name: string, body: unknown, options: QueueSendOptions & { readonly wait: true }): Promise<QueueSendResult>;
  send(name: string, body: unknown, options?: QueueSendOptions & { readonly wait?: false }): Promise<void>;
  send(name: string, body: unknown, options?: QueueSendOptions): Promise<QueueSendResult | undefined>;
  async send(name: string, body: unknown, options: QueueSendOptions = {}): Promise<QueueSendResult | void> {
    // While the socket is opening, the message waits for it, so that the events it causes
    // reach this connection's listeners (the send itself travels over HTTP).
    await this.untilAttemptSettled();
    return await this.ctx.handleFor(this.resolver, this.params, this.getParams).send(name, body, options);
  }

  /**
   * Listens for an event; the server is asked for it only while someone listens. Returns the
   * function that stops listening.
   */
  on(eventName: string, callback: (...args: any[]) => void): () => void {
    let set = this.#listeners.get(eventName);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(eventName, set);
      if (this.#status === "connected") this.#sendSubscription(eventName, true);
    }
    set.add(callback);
    return () => {
      const current = this.#listeners.get(eventName);
      if (current === undefined || !current.delete(callback)) return;
      if (current.size === 0) {
        this.#listeners.delete(eventName);
        if (this.#status === "connected") this.#sendSubscription(eventName, false);
      }
    };
  }

  /** Like `on`, for the next occurrence only. */
  once(eventName: string, callback: (...args: any[]) => void): () => void {
    const off = this.on(eventName, (...args: any[]) => {
      off();
      callback(...args);
    });
    return off;
  }

  /** Status changes; returns the function that stops listening. */
  onStatusChange(callback: (status: ActorConnStatus) => void): () => void {
    this.#statusHandlers.add(callback);
    return () => this.#statusHandlers.delete(callback);
  }

  /** Every time the connection opens (first time and after each reconnect). */
  onOpen(callback: () => void): () => void {
    this.#openHandlers.add(callback);
    if (this.#status === "connected") {
      queueMicrotask(() => {
        if (this.#openHandlers.has(callback)) safeCall(callback);
      });
    }
    return () => this.#openHandlers.delete(callback);
  }

  /** Every time an open connection closes: lost (before a reconnect) or disposed. */
  onClose(callback: () => void): () => void {
    this.#closeHandlers.add(callback);
    return () => this.#closeHandlers.delete(callback);
  }

  /** Connection-level errors (not those of one action, which reject that action). */
  onError(callback: (error: Error) => void): () => void {
    this.#errorHandlers.add(callback);
    return () => this.#errorHandlers.delete(callback);
  }

  /** Closes the connection for good; pending actions fail with `client.connection_disposed`. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    clearTimeout(this.#reconnectTimer);
    this.ctx.untrackConn(this);
    const err = new ActorConnDisposedError("the connection was disposed");
    this.#failAll(err);
    this.#ready.reject(err);
    this.#setStatus("idle");
    this.#settleAttempt();
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws !== undefined && ws.readyState !== 3) {
      const closed = new Promise<void>((resolve) => {
        ws.addEventListener("close", () => resolve());
        // A socket that never finishes its close handshake must not hang dispose.
        setTimeout(resolve, 2_000);
      });
      try {
        ws.close(1000, "disposed");
      } catch {
        // Closing a socket that is still connecting throws in some implementations.
      }
      await closed;
    }
  }

  // -------------------------------------------------------------------------------------------

  #connect(): void {
    if (this.#disposed || this.#fatal !== undefined) return;
    this.#attemptSettled ??= deferred();
    this.#setStatus("connecting");
    void this.#open().catch((err: unknown) => this.#onAttemptFailed(err));
  }

  /** Ends the current attempt's wait (see {@link untilAttemptSettled}). */
  #settleAttempt(): void {
    const attempt = this.#attemptSettled;
    this.#attemptSettled = undefined;
    attempt?.resolve();
  }

  /**
   * @internal Resolves once the attempt under way (if any) has settled: the connection is
   * open with its subscriptions sent, or the attempt failed, or the connection was disposed.
   * Calls that may cause events wait for this, so that an event caused by a call made right
   * after `connect()` and `on()` reaches the listener (the subscription goes out before the
   * call does). It never rejects.
   */
  untilAttemptSettled(): Promise<void> {
    return this.#attemptSettled?.promise ?? Promise.resolve();
  }

  async #open(): Promise<void> {
    let params: unknown;
    try {
      params = this.getParams === undefined ? this.params : await this.getParams();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new ClientGetParamsError(`getParams() threw while opening the connection: ${message}`, { cause: err, metadata: { error: message } });
    }
    await this.ctx.lookupMetadata();
    const actorId = await this.resolver.resolve();
    if (this.#disposed) return;
    const WebSocketImpl = await this.ctx.webSocket();
    if (this.#disposed) return;
    const encoding = this.ctx.config.encoding;
    const url = toWebSocketUrl(directGatewayUrl(this.ctx.config, actorId, PATH_CONNECT));
    const ws = new WebSocketImpl(url, gatewayProtocols(this.ctx.config, { encoding, params, skipReadyWait: this.gateway.skipReadyWait }));
    ws.binaryType = "arraybuffer";
    // Errors are always followed by `close`, which is where they are handled. Node's `ws`
    // throws an error event that has no listener (closing a socket that is still
    // connecting emits one), so there must always be one.
    ws.addEventListener("error", () => undefined);
    this.#ws = ws;
    let opened = false;
    let openError: Error | undefined;
    /** A connection-level `Error` the actor sent on this socket. */
    let socketError: Error | undefined;
    ws.addEventListener("message", (event: MessageEvent) => {
      if (this.#ws !== ws) return;
      let message;
      try {
        message = decodeToClient(event.data as string | ArrayBuffer, encoding);
      } catch (err) {
        this.#emitError(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      switch (message.tag) {
        case "Init":
          opened = true;
          this.#onInit(message.actorId, message.connectionId);
          break;
        case "ActionResponse": {
          const action = this.#inFlight.get(Number(message.id));
          if (action === undefined) return;
          this.#inFlight.delete(action.id);
          action.cleanup();
          action.resolve(message.output);
          break;
        }
        case "Event": {
          const set = this.#listeners.get(message.name);
          if (set === undefined) return;
          for (const listener of [...set]) safeCall(() => listener(...message.args));
          break;
        }
        case "Error": {
          const err = RemoteActorError.fromWire(message, { actionId: message.actionId ?? undefined });
          if (message.actionId !== null) {
            const action = this.#inFlight.get(Number(message.actionId));
            if (action === undefined) return;
            this.#inFlight.delete(action.id);
            action.cleanup();
            action.reject(err);
            return;
          }
          if (isStaleActorError(err.group, err.code)) this.resolver.invalidate();
          if (!opened) openError = err;
          socketError = err;
          this.#lastError = err;
          // A connection-level error precedes the actor closing the socket: the calls in
          // flight fail with the actor's reason now, as in rivetkit, not as a lost connection.
          this.#failInFlight(err);
          this.#emitError(err);
          break;
        }
      }
    });
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("close", (event: CloseEvent) => {
        const wasCurrent = this.#ws === ws;
        if (wasCurrent) this.#ws = undefined;
        const closeError = closeReasonError(event);
        if (closeError !== undefined && isStaleActorError(closeError.group, closeError.code)) this.resolver.invalidate();
        if (!opened) {
          // A gateway that refuses the upgrade with an HTTP error (ours answers 404
          // `actor.not_found` for a destroyed actor) shows only as a reasonless close: the
          // body is out of reach in browsers. For a key handle the cached ID may be what is
          // wrong, so the next attempt resolves the key again (for getOrCreate, creating the
          // actor anew) instead of retrying a dead ID for ever.
          if (openError === undefined && closeError === undefined) this.resolver.invalidate();
          reject(openError ?? closeError ?? new ClientNetworkError(`WebSocket closed before Init (code ${event.code}${event.reason ? `, ${event.reason}` : ""})`));
          return;
        }
        resolve();
        // The reason the actor or gateway gave (`auth.forbidden` for a refused subscription,
        // `message.incoming_too_long`) is reported once, unless an `Error` frame already was.
        if (closeError !== undefined && socketError === undefined && !this.#disposed) this.#emitError(closeError);
        if (wasCurrent) this.#onLost(closeError, socketError ?? this.#lastError, event);
      });
    });
  }

  #onInit(actorId: string, connectionId: string): void {
    this.#actorId = actorId;
    this.#connId = connectionId;
    this.#attempt = 0;
    this.#lastError = undefined;
    this.#setStatus("connected");
    this.#ready.resolve();
    for (const eventName of this.#listeners.keys()) this.#sendSubscription(eventName, true);
    const queued = this.#queued;
    this.#queued = [];
    for (const action of queued) {
      if (!this.#trySend(action)) this.#queued.push(action);
    }
    for (const handler of [...this.#openHandlers]) safeCall(handler);
    this.#settleAttempt();
  }

  /**
   * An open connection's socket closed: fail what was sent, then try again. A close with a
   * structured reason (`group.code`) fails them with that error, as rivetkit does; a close
   * without one (a broken network, a killed engine) with `client.connection_lost`.
   */
  #onLost(closeError: ActorError | undefined, cause: Error | undefined, event: CloseEvent): void {
    const lost = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const action of lost) {
      action.cleanup();
      action.reject(
        closeError ??
          new ClientConnectionLostError(
            `the connection closed (code ${event.code}${event.reason ? `, ${event.reason}` : ""}) before action ${action.name} was answered; it may or may not have run`,
            { cause },
          ),
      );
    }
    if (this.#disposed) return;
    this.#setStatus("disconnected");
    this.#scheduleReconnect();
  }

  #onAttemptFailed(err: unknown): void {
    this.#settleAttempt();
    if (this.#disposed) return;
    const error = err instanceof Error ? err : new Error(String(err));
    if (isFatalOpenError(error)) {
      this.#fatal = error;
      this.#failAll(error);
      this.#ready.reject(error);
      if (!(error instanceof ActorError)) this.#emitError(error);
      this.#setStatus("idle");
      return;
    }
    // Calls waiting for the connection fail with a `getParams` failure rather than wait out
    // their queue timeout for a socket that cannot open until the params source recovers
    // (rivetkit rejects them the same way); the attempts go on.
    if (error instanceof ClientGetParamsError) this.#failAll(error);
    if (!(error instanceof ActorError)) this.#emitError(error);
    this.#setStatus("disconnected");
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#disposed || this.#fatal !== undefined) return;
    const { minReconnectDelayMs, maxReconnectDelayMs } = this.ctx.config.connection;
    const delay = backoffDelay(this.#attempt, minReconnectDelayMs, maxReconnectDelayMs);
    this.#attempt += 1;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  #enqueue(action: PendingAction): void {
    const { maxQueuedActions, queuedActionTimeoutMs } = this.ctx.config.connection;
    if (this.#queued.length >= maxQueuedActions) {
      action.cleanup();
      action.reject(new ClientQueueFullError(`${maxQueuedActions} actions are already waiting for the connection`));
      return;
    }
    const timer = setTimeout(() => {
      this.#forget(action);
      action.reject(
        new ClientTimeoutError(`action ${action.name} waited ${queuedActionTimeoutMs} ms for the connection to open`, { cause: this.#lastError }),
      );
    }, queuedActionTimeoutMs);
    const previous = action.cleanup;
    action.cleanup = () => {
      clearTimeout(timer);
      previous();
    };
    this.#queued.push(action);
  }

  /** Sends an action on the open socket; false when it could not be sent (it stays unsent). */
  #trySend(action: PendingAction): boolean {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== 1) return false;
    try {
      ws.send(action.data as string);
    } catch {
      return false;
    }
    // Leaving the queue: its timeout no longer applies, only the signal does.
    this.#inFlight.set(action.id, action);
    return true;
  }

  #sendSubscription(eventName: string, subscribe: boolean): void {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== 1) return;
    try {
      ws.send(encodeToServer({ tag: "SubscriptionRequest", val: { eventName, subscribe } }, this.ctx.config.encoding) as string);
    } catch (err) {
      this.#emitError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #forget(action: PendingAction): void {
    action.cleanup();
    this.#inFlight.delete(action.id);
    this.#queued = this.#queued.filter((a) => a !== action);
  }

  #failInFlight(err: Error): void {
    const sent = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const action of sent) {
      action.cleanup();
      action.reject(err);
    }
  }

  #failAll(err: Error): void {
    const all = [...this.#inFlight.values(), ...this.#queued];
    this.#inFlight.clear();
    this.#queued = [];
    for (const action of all) {
      action.cleanup();
      action.reject(err);
    }
  }

  #setStatus(status: ActorConnStatus): void {
    const previous = this.#status;
    if (previous === status) return;
    this.#status = status;
    for (const handler of [...this.#statusHandlers]) safeCall(() => handler(status));
    // An open connection closing, whether lost or disposed, is what `onClose` reports (as in
    // rivetkit); an attempt that never opened is not.
    if (previous === "connected" && (status === "disconnected" || status === "idle")) {
      for (const handler of [...this.#closeHandlers]) safeCall(handler);
    }
  }

  #emitError(error: Error): void {
    for (const handler of [...this.#errorHandlers]) safeCall(() => handler(error));
  }
}

/**
 * Whether a failed open should stop reconnecting: an error the actor itself sent before
 * `Init` (a rejected `onBeforeConnect`, bad params) will not change by trying again.
 * Network failures, stale or restarting actors and gateway hiccups are retried.
 */
function isFatalOpenError(error: Error): boolean {
  if (!(error instanceof ActorError)) return false;
  if (isStaleActorError(error.group, error.code) || isTransientError(error.group, error.code)) return false;
  if (error.group === "guard" || error.group === "ws") return false;
  if (error.group === "actor" && (error.code === "stopped" || error.code === "restarting" || error.code === "overloaded")) return false;
  return true;
}

/** The `group.code[#rayId]` in a close reason, as an error; undefined for plain closes. */
function closeReasonError(event: CloseEvent): ActorError | undefined {
  const reason = event.reason ?? "";
  const [main, rayId] = reason.split("#");
  const dot = main?.indexOf(".") ?? -1;
  if (main === undefined || dot <= 0 || dot === main.length - 1 || /\s/.test(main)) return undefined;
  return RemoteActorError.fromWire({ group: main.slice(0, dot), code: main.slice(dot + 1), message: `connection closed: ${reason}` }, { rayId });
}

function safeCall(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    // A throwing listener must not break the connection or crash the process; report it
    // the way the platform reports uncaught errors where it can.
    const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
    if (report !== undefined) report(err);
    else console.error("@actorwire/client: a connection listener threw", err);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
