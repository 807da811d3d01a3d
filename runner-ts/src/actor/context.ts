/**
 * The context object user code receives (`c`). It is a thin view over the live actor: every
 * member reads through to it, so a context costs one small object per call (three fields) and
 * hooks without a connection or request share one per actor.
 */
import type { Client } from "@actorwire/client";
import type { Logger } from "pino";
import type { ActorKv, ActorQueue, ActorSchedule, Conn } from "./definition.js";

/** What a context reads from its actor. */
export interface ContextHost {
  readonly actorId: string;
  readonly name: string;
  readonly key: readonly string[];
  readonly log: Logger;
  readonly abortSignal: AbortSignal;
  readonly aborted: boolean;
  readonly userKv: ActorKv;
  readonly schedule: ActorSchedule;
  readonly queue: unknown;
  /** `c.queue` bound to one context (an action call), so that its receives are its own. */
  queueFor(consumer: object): unknown;
  readonly conns: ReadonlyMap<string, unknown>;
  readonly vars: unknown;
  getState(): unknown;
  setState(value: unknown): void;
  saveState(immediate: boolean): Promise<void>;
  broadcast(name: string, args: readonly unknown[]): void;
  requestSleep(): void;
  requestDestroy(): void;
  keepAwake<T>(promise: Promise<T>): Promise<T>;
  waitUntil(promise: Promise<unknown>): void;
  /** The client for actor-to-actor calls (one per runner process, made on first use). */
  client(): unknown;
}

/**
 * The request a call runs for: a standard `Request`, or the tunnel's request, which builds
 * one only when user code reads `c.request` (the action path never does on its own).
 */
export type RequestSource = Request | { toRequest(): Request };

/** `c`: the context of actions and hooks. */
export class ActorContextImpl {
  /** This context's view of the queue, made on first use. */
  private queueView: ActorQueue | undefined;

  constructor(
    private readonly host: ContextHost,
    /** The connection this call runs for, if any. */
    readonly conn: Conn | undefined,
    /** The HTTP request this call runs for, if any. */
    private readonly requestSource: RequestSource | undefined,
  ) {}

  /** The HTTP request this call runs for, if any (built on first read for a tunnelled one). */
  get request(): Request | undefined {
    const source = this.requestSource;
    return source === undefined || source instanceof Request ? source : source.toRequest();
  }

  get actorId(): string {
    return this.host.actorId;
  }

  get name(): string {
    return this.host.name;
  }

  get key(): string[] {
    return this.host.key as string[];
  }

  get log(): Logger {
    return this.host.log;
  }

  get state(): unknown {
    return this.host.getState();
  }

  set state(value: unknown) {
    this.host.setState(value);
  }

  get vars(): unknown {
    return this.host.vars;
  }

  get kv(): ActorKv {
    return this.host.userKv;
  }

  get schedule(): ActorSchedule {
    return this.host.schedule;
  }

  get queue(): ActorQueue {
    return (this.queueView ??= this.host.queueFor(this) as ActorQueue);
  }

  get conns(): Map<string, Conn> {
    return this.host.conns as Map<string, Conn>;
  }

  get abortSignal(): AbortSignal {
    return this.host.abortSignal;
  }

  get aborted(): boolean {
    return this.host.aborted;
  }

  broadcast(name: string, ...args: unknown[]): void {
    this.host.broadcast(name, args);
  }

  saveState(options?: { immediate?: boolean; maxWait?: number }): Promise<void> {
    return this.host.saveState(options?.immediate === true);
  }

  sleep(): void {
    this.host.requestSleep();
  }

  destroy(): void {
    this.host.requestDestroy();
  }

  keepAwake<T>(promise: Promise<T>): Promise<T> {
    return this.host.keepAwake(promise);
  }

  waitUntil(promise: Promise<unknown>): void {
    this.host.waitUntil(promise);
  }

  client<R = any>(): Client<R> {
    return this.host.client() as Client<R>;
  }
}
