/**
 * The actor's durable queue (`c.queue` and `POST /queue/:name`): a per-actor mailbox stored in
 * the actor's KV and mirrored in memory.
 *
 * Delivery is **at least once**. A message leaves storage only when it is done:
 * - a message handed out by a *completable* receive is done when `message.complete()` is called;
 * - a message handed out by a *non-completable* receive is done when its handler has returned,
 *   which the queue observes as the next receive call on this queue (`next`, `nextBatch`,
 *   `tryNext`, `tryNextBatch`, or the `iter` iterator advancing) or the iterator being closed.
 * A message that is not done when the actor stops (a crash, a kill, or a sleep while its handler
 * still runs) is delivered again on the next start, with its `deliveries` counter one higher.
 * Like rivetkit, a consumer has one completable message open at a time: its receive while one is
 * open fails with `queue.previous_message_not_completed`. A consumer is a context (`c`): each
 * action call is its own, and a completable message an action received and did not complete is
 * released when the action returns, to be delivered again (as rivetkit does).
 *
 * A blocking receive (`next`, `nextBatch`) rejects with `actor.aborted` when its `signal` is
 * aborted (already, or while waiting) or the actor shuts down (`c.destroy()`, sleep); `iter`
 * then ends. A timeout resolves with nothing.
 */
import { randomUUID } from "node:crypto";
import { decodeValue as decodeCbor, encodeValue as encodeCbor } from "./cbor.js";
import type { SurfaceHost } from "./contract.js";
import {
  QUEUE_MESSAGE_PREFIX,
  QUEUE_METADATA_KEY,
  decodeQueueMessage,
  decodeQueueMetadata,
  encodeQueueMessage,
  encodeQueueMetadata,
  queueMessageIdFromKey,
  queueMessageKey,
  type StoredQueueMessage,
} from "./queue-store.js";
import { ActorError } from "./errors.js";
import { actorAborted, queueAlreadyCompleted, queueFull, queueMessageTooLarge, queueNotDeclared, queuePreviousNotCompleted } from "./wire-errors.js";

/** rivetkit's defaults. */
const DEFAULT_MAX_QUEUE_SIZE = 1000;
const DEFAULT_MAX_QUEUE_MESSAGE_SIZE = 65_536;

/** A message as receivers get it. */
export interface ReceivedQueueMessage {
  readonly id: bigint;
  readonly name: string;
  readonly body: unknown;
  readonly createdAt: number;
  /** 1 on the first delivery, higher when the message is delivered again after a restart. */
  readonly deliveries: number;
  complete?(response?: unknown): Promise<void>;
}

/** Options of a receive call. */
export interface QueueReceiveOptions {
  readonly names?: readonly string[];
  readonly count?: number;
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  readonly completable?: boolean;
}

/** What a client's send-and-wait learns. */
export interface QueueWaitResult {
  readonly status: "completed" | "timedOut";
  readonly response?: unknown;
}

interface Receiver {
  readonly names: ReadonlySet<string> | undefined;
  wake(): void;
}

interface CompletionWaiter {
  resolve(response: unknown): void;
  reject(error: unknown): void;
}

/** One live actor's queue. */
export class DurableQueue {
  private nextId = 1n;
  /** Stored messages by id, in id order (Map keeps insertion order and ids only grow). */
  private readonly stored = new Map<bigint, StoredQueueMessage>();
  /** Messages handed out and not yet done. */
  private readonly inFlight = new Set<bigint>();
  /** Non-completable messages handed out; done at the next receive. */
  private pendingAck: bigint[] = [];
  /** Completable messages handed out and not yet completed, with the consumer that took each. */
  private readonly openCompletable = new Map<bigint, object>();
  private readonly receivers = new Set<Receiver>();
  private readonly waiters = new Map<string, CompletionWaiter>();
  private readonly maxSize: number;
  private readonly maxMessageSize: number;
  private stopped = false;
  /** Sends whose records are being written: they count against `maxQueueSize` already. */
  private reserved = 0;

  constructor(private readonly host: SurfaceHost) {
    const options = host.config.options ?? {};
    this.maxSize = positiveOption(options["maxQueueSize"], DEFAULT_MAX_QUEUE_SIZE);
    this.maxMessageSize = positiveOption(options["maxQueueMessageSize"], DEFAULT_MAX_QUEUE_MESSAGE_SIZE);
    host.abortSignal.addEventListener("abort", () => this.wakeAll(), { once: true });
  }

  /** Reads the stored messages and metadata; every message becomes available again. */
  async load(): Promise<void> {
    const kv = this.host.runner.kv;
    const [metaBytes] = await kv.get(this.host.actorId, [QUEUE_METADATA_KEY]);
    let nextId = 1n;
    if (metaBytes) {
      try {
        nextId = decodeQueueMetadata(metaBytes).nextId;
      } catch (err) {
        this.host.log.warn({ err }, "queue metadata unreadable; rebuilding it from the messages");
      }
    }
    const entries = await kv.list(this.host.actorId, { kind: "prefix", prefix: QUEUE_MESSAGE_PREFIX });
    for (const [key, value] of entries) {
      const id = queueMessageIdFromKey(key);
      if (id === undefined) continue;
      try {
        this.stored.set(id, decodeQueueMessage(id, value));
      } catch (err) {
        this.host.log.error({ err, id: id.toString() }, "dropping an unreadable queue message");
      }
      if (id >= nextId) nextId = id + 1n;
    }
    this.nextId = nextId < 1n ? 1n : nextId;
  }

  /** Number of stored messages. */
  get size(): number {
    return this.stored.size;
  }

  /** True while a receive call is blocked waiting for a message. */
  isWaiting(): boolean {
    return this.receivers.size > 0;
  }

  /**
   * True when a stored message is not being handled and a receiver would take it: one that
   * matches a waiting receive call, or any such message when no call waits (a loop between two
   * receives will take it).
   */
  hasQueuedWork(): boolean {
    if (this.receivers.size === 0) {
      for (const id of this.stored.keys()) if (!this.inFlight.has(id)) return true;
      return false;
    }
    for (const message of this.stored.values()) {
      if (this.inFlight.has(message.id)) continue;
      for (const r of this.receivers) if (!r.names || r.names.has(message.name)) return true;
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Sending
  // -------------------------------------------------------------------------------------------

  /**
   * Refuses a send to a name the actor does not declare in `queues` (unless it opted into any
   * name with `acceptUndeclaredQueues`): rivetkit drops such sends and reports them completed,
   * so a typo in a queue name is silent there.
   */
  checkName(name: string): void {
    const config = this.host.config;
    if (config.options?.["acceptUndeclaredQueues"] === true) return;
    const queues = config["queues"] as Record<string, unknown> | undefined;
    if (queues !== undefined && Object.prototype.hasOwnProperty.call(queues, name)) return;
    throw queueNotDeclared(name, queues === undefined ? [] : Object.keys(queues));
  }

  /** `c.queue.send`: resolves once the message is durably stored. */
  async send(name: string, body: unknown): Promise<ReceivedQueueMessage> {
    const stored = await this.enqueue(name, body, null);
    return this.view(stored, false);
  }

  /**
   * Enqueues and waits for the message's completion (a client's `wait: true` send, or
   * `c.queue.enqueueAndWait`). Resolves `timedOut` after `timeout` ms; the message stays queued.
   */
  async enqueueAndWait(name: string, body: unknown, options: { timeout?: number; signal?: AbortSignal } = {}): Promise<QueueWaitResult> {
    const waiterId = randomUUID();
    let settle!: CompletionWaiter;
    const completion = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
    // A stop can reject the completion before anyone awaits it; that must not be an unhandled rejection.
    completion.catch(() => undefined);
    this.waiters.set(waiterId, settle);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await this.enqueue(name, body, waiterId);
      const outcomes: Promise<QueueWaitResult>[] = [completion.then((response) => ({ status: "completed" as const, response }))];
      if (options.timeout !== undefined && options.timeout >= 0) {
        const ms = options.timeout;
        outcomes.push(new Promise((resolve) => (timer = setTimeout(() => resolve({ status: "timedOut" }), ms))));
      }
      if (options.signal) {
        const signal = options.signal;
        outcomes.push(
          new Promise((_, reject) => {
            onAbort = () => reject(actorAborted());
            if (signal.aborted) onAbort();
            else signal.addEventListener("abort", onAbort, { once: true });
          }),
        );
      }
      return await Promise.race(outcomes);
    } finally {
      this.waiters.delete(waiterId);
      if (timer) clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener("abort", onAbort);
    }
  }

  private async enqueue(name: string, body: unknown, waiterId: string | null): Promise<StoredQueueMessage> {
    const encoded = encodeCbor(body);
    if (encoded.byteLength > this.maxMessageSize) throw queueMessageTooLarge(encoded.byteLength, this.maxMessageSize);
    // Count reserved slots with stored ones so concurrent sends cannot overshoot the limit.
    if (this.stored.size + this.reserved >= this.maxSize) throw queueFull(this.maxSize);
    const id = this.nextId++;
    const message: StoredQueueMessage = { id, name, body: encoded, createdAt: Date.now(), deliveries: 0, waiterId };
    this.reserved++;
    try {
      await this.host.persist({
        puts: [
          [queueMessageKey(id), encodeQueueMessage(message)],
          [QUEUE_METADATA_KEY, encodeQueueMetadata(this.nextId, this.stored.size + this.reserved)],
        ],
      });
    } finally {
      this.reserved--;
    }
    this.stored.set(id, message);
    this.wakeAll();
    this.host.activityChanged();
    return message;
  }

  // -------------------------------------------------------------------------------------------
  // Receiving
  // -------------------------------------------------------------------------------------------

  /** `next`: waits for one message; undefined on timeout or abort. */
  async next(options: QueueReceiveOptions = {}, owner: object = DEFAULT_OWNER): Promise<ReceivedQueueMessage | undefined> {
    const [message] = await this.receive({ ...options, count: 1 }, true, owner);
    return message;
  }

  /** `nextBatch`: waits for at least one message and takes up to `count`; empty on timeout or abort. */
  nextBatch(options: QueueReceiveOptions = {}, owner: object = DEFAULT_OWNER): Promise<ReceivedQueueMessage[]> {
    return this.receive(options, true, owner);
  }

  /** `tryNext`: takes one stored message without waiting. */
  async tryNext(options: QueueReceiveOptions = {}, owner: object = DEFAULT_OWNER): Promise<ReceivedQueueMessage | undefined> {
    const [message] = await this.receive({ ...options, count: 1 }, false, owner);
    return message;
  }

  /** `tryNextBatch`: takes up to `count` stored messages without waiting. */
  tryNextBatch(options: QueueReceiveOptions = {}, owner: object = DEFAULT_OWNER): Promise<ReceivedQueueMessage[]> {
    return this.receive(options, false, owner);
  }

  /** `iter`: yields messages until the actor shuts down or `signal` aborts. */
  async *iter(options: Omit<QueueReceiveOptions, "timeout" | "count"> = {}, owner: object = DEFAULT_OWNER): AsyncGenerator<ReceivedQueueMessage, void, undefined> {
    try {
      for (;;) {
        let message: ReceivedQueueMessage | undefined;
        try {
          [message] = await this.receive({ ...options, count: 1 }, true, owner);
        } catch (error) {
          // Shutting down (or the caller's signal) ends the loop, as in rivetkit.
          if (error instanceof ActorError && error.group === "actor" && error.code === "aborted") return;
          throw error;
        }
        if (!message) return;
        yield message;
      }
    } finally {
      // The loop body returned (or broke out): the last non-completable message is done.
      await this.ackPending();
    }
  }

  private async receive(options: QueueReceiveOptions, wait: boolean, owner: object): Promise<ReceivedQueueMessage[]> {
    for (const holder of this.openCompletable.values()) if (holder === owner) throw queuePreviousNotCompleted();
    if (wait && options.signal?.aborted) throw actorAborted();
    const count = Math.max(1, Math.floor(options.count ?? 1));
    const names = options.names && options.names.length > 0 ? new Set(options.names) : undefined;
    const completable = options.completable === true;
    const deadline = options.timeout !== undefined ? Date.now() + Math.max(0, options.timeout) : undefined;
    // Whatever the previous receive handed out without completion is done now.
    let acked = this.takePendingAck();
    for (;;) {
      const picked = this.pick(names, count);
      const aborted = wait && picked.length === 0 && this.stopping(options.signal);
      if (picked.length > 0 || !wait || aborted || (deadline !== undefined && Date.now() >= deadline)) {
        await this.deliver(picked, acked, completable, owner);
        if (aborted) throw actorAborted();
        return picked.map((m) => this.view(m, completable));
      }
      if (acked.length > 0) {
        await this.persistDone(acked);
        acked = [];
      }
      await this.waitForMessage(names, deadline, options.signal);
    }
  }

  private pick(names: ReadonlySet<string> | undefined, count: number): StoredQueueMessage[] {
    const picked: StoredQueueMessage[] = [];
    for (const message of this.stored.values()) {
      if (picked.length >= count) break;
      if (this.inFlight.has(message.id)) continue;
      if (names && !names.has(message.name)) continue;
      picked.push(message);
    }
    return picked;
  }

  /** Marks messages as handed out and makes their delivery count durable, together with finished ones' removal. */
  private async deliver(picked: StoredQueueMessage[], acked: StoredQueueMessage[], completable: boolean, owner: object): Promise<void> {
    for (const m of picked) {
      this.inFlight.add(m.id);
      m.deliveries++;
      if (completable) this.openCompletable.set(m.id, owner);
      else this.pendingAck.push(m.id);
    }
    if (picked.length === 0 && acked.length === 0) return;
    this.host.activityChanged();
    await this.host.persist({
      puts: picked.map((m) => [queueMessageKey(m.id), encodeQueueMessage(m)] as const),
      deletes: acked.map((m) => queueMessageKey(m.id)),
    });
    this.answerWaiters(acked);
  }

  private takePendingAck(): StoredQueueMessage[] {
    const done: StoredQueueMessage[] = [];
    for (const id of this.pendingAck) {
      const message = this.stored.get(id);
      if (!message) continue;
      this.stored.delete(id);
      this.inFlight.delete(id);
      done.push(message);
    }
    this.pendingAck = [];
    return done;
  }

  private async ackPending(): Promise<void> {
    const done = this.takePendingAck();
    if (done.length > 0) await this.persistDone(done);
  }

  private async persistDone(done: StoredQueueMessage[]): Promise<void> {
    this.host.activityChanged();
    await this.host.persist({ deletes: done.map((m) => queueMessageKey(m.id)) });
    this.answerWaiters(done);
  }

  /** Answers client send-and-wait callers of non-completable messages: done, with no response. */
  private answerWaiters(done: StoredQueueMessage[]): void {
    for (const m of done) if (m.waiterId) this.waiters.get(m.waiterId)?.resolve(undefined);
  }

  private async complete(message: StoredQueueMessage, response: unknown, state: { done: boolean }): Promise<void> {
    if (state.done) throw queueAlreadyCompleted();
    state.done = true;
    // Encode first so that a response CBOR cannot hold leaves the message open.
    let encoded: unknown = response;
    if (response !== undefined) encoded = decodeCbor(encodeCbor(response));
    await this.host.persist({ deletes: [queueMessageKey(message.id)] });
    this.stored.delete(message.id);
    this.inFlight.delete(message.id);
    this.openCompletable.delete(message.id);
    this.host.activityChanged();
    if (message.waiterId) this.waiters.get(message.waiterId)?.resolve(encoded);
  }

  private view(message: StoredQueueMessage, completable: boolean): ReceivedQueueMessage {
    const base = {
      id: message.id,
      name: message.name,
      body: decodeCbor(message.body),
      createdAt: message.createdAt,
      deliveries: message.deliveries,
    };
    if (!completable) return base;
    const state = { done: false };
    return { ...base, complete: (response?: unknown) => this.complete(message, response, state) };
  }

  private stopping(signal: AbortSignal | undefined): boolean {
    return this.stopped || this.host.abortSignal.aborted || signal?.aborted === true;
  }

  private waitForMessage(names: ReadonlySet<string> | undefined, deadline: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const receiver: Receiver = {
        names,
        wake: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener("abort", receiver.wake);
          if (this.receivers.delete(receiver)) this.host.activityChanged();
          resolve();
        },
      };
      this.receivers.add(receiver);
      if (deadline !== undefined) timer = setTimeout(receiver.wake, Math.max(0, deadline - Date.now()));
      signal?.addEventListener("abort", receiver.wake, { once: true });
      this.host.activityChanged();
    });
  }

  /**
   * A consumer ended (an action returned): the completable messages it received and did not
   * complete become available again and are delivered to the next receive, as in rivetkit.
   */
  release(owner: object): void {
    let released = false;
    for (const [id, holder] of this.openCompletable) {
      if (holder !== owner) continue;
      this.openCompletable.delete(id);
      this.inFlight.delete(id);
      released = true;
    }
    if (released) {
      this.wakeAll();
      this.host.activityChanged();
    }
  }

  private wakeAll(): void {
    for (const r of [...this.receivers]) r.wake();
  }

  /**
   * Called when the actor stops: waiting receivers and client send-and-wait callers get
   * `actor.aborted`. Open messages stay stored and are delivered again on the next start.
   */
  stop(): void {
    this.stopped = true;
    this.wakeAll();
    for (const waiter of this.waiters.values()) waiter.reject(actorAborted());
    this.waiters.clear();
  }
}

/** The consumer of receives made without one (direct use of the queue, as in unit tests). */
const DEFAULT_OWNER: object = Object.freeze({});

/** `c.queue` for one consumer: the queue's public methods, bound to it, without the internals. */
export function queueFacade(queue: DurableQueue, owner: object) {
  return {
    send: async (name: string, body: unknown) => {
      queue.checkName(name);
      return queue.send(name, body);
    },
    enqueueAndWait: async (name: string, body: unknown, options?: { timeout?: number; signal?: AbortSignal }) => {
      queue.checkName(name);
      return queue.enqueueAndWait(name, body, options);
    },
    next: (options?: QueueReceiveOptions) => queue.next(options, owner),
    nextBatch: (options?: QueueReceiveOptions) => queue.nextBatch(options, owner),
    tryNext: (options?: QueueReceiveOptions) => queue.tryNext(options, owner),
    tryNextBatch: (options?: QueueReceiveOptions) => queue.tryNextBatch(options, owner),
    iter: (options?: Omit<QueueReceiveOptions, "timeout" | "count">) => queue.iter(options, owner),
  };
}

function positiveOption(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}
