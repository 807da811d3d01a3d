/**
 * What a runner-suite case sees: the fake engine, the runner process, and helpers that speak
 * the engine's side of the protocol (start and stop actors, tunnel HTTP requests and
 * WebSockets, drop and await connections) on top of the recorded trace.
 */
import { runner } from "@actorwire/protocol";
import type { EngineConnection, FakeEngine } from "./fake-engine.js";
import { tunnelKey } from "./invariants.js";
import type { RunnerProcess } from "./runner-process.js";
import { type TraceEntry, WaitTimeout } from "./trace.js";

type EventWrapper = runner.v7.EventWrapper;

/** A case's verdict: thrown by checks, caught by the suite runner. */
export class CaseFailure extends Error {
  override readonly name = "CaseFailure";
}

/** Required cases decide the exit code; recommended ones are reported. */
export type RunnerCaseLevel = "required" | "recommended";

/** One case of the runner suite. */
export interface RunnerCase {
  /** The name below `runner/v7/`, e.g. `kv/list-range-reverse`. */
  readonly name: string;
  readonly level: RunnerCaseLevel;
  /** One sentence: what the runner must do. */
  readonly description: string;
  /** Needs a runner process whose only connection so far is its first one. */
  readonly fresh?: boolean;
  /** Leaves the runner process unusable (drain, eviction, crash); the next case gets a new one. */
  readonly endsProcess?: boolean;
  /** Overall time limit (default 20 s). */
  readonly timeoutMs?: number;
  run(ctx: CaseContext): Promise<void>;
}

/** A started actor as the harness tracks it. */
export interface ActorRef {
  readonly actorId: string;
  readonly name: string;
  readonly generation: number;
  /** The next command index for this (actor, generation). */
  nextCommand: bigint;
  /** Every command sent for this (actor, generation), for replays. */
  readonly commands: runner.v7.CommandWrapper[];
}

/** A tunnelled HTTP request as the harness sends it. */
export interface HttpRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array | null;
}

/** The runner's answer to one tunnelled request. */
export interface HttpResult {
  readonly aborted: boolean;
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Uint8Array;
  /** The runner's message indices on this request, in order. */
  readonly indices: number[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Fixed gateway ID of the harness's one "gateway". */
export const GATEWAY_ID = new Uint8Array([0x67, 0x77, 0x00, 0x01]).buffer;

function buf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Shared by all cases of one run: ID counters that must never repeat. */
export class RunIds {
  private actor = 0;
  private request = 0;
  constructor(private readonly runTag: string) {}
  /** A 30-character actor ID, unique within the run, readable in traces. */
  actorId(label: string): string {
    const base = `${this.runTag}${(this.actor++).toString(36)}${label.replace(/[^a-z0-9]/g, "")}`;
    return base.padEnd(30, "0").slice(0, 30);
  }
  requestId(): ArrayBuffer {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, ++this.request);
    return out.buffer;
  }
}

/** The tunnel WebSocket helper. */
export class TunnelSocket {
  readonly requestId: ArrayBuffer;
  readonly key: string;
  private nextIndex = 1;
  readonly since: number;

  constructor(
    private readonly ctx: CaseContext,
    readonly actorId: string,
    readonly path: string,
  ) {
    this.requestId = ctx.ids.requestId();
    this.key = tunnelKey(GATEWAY_ID, this.requestId);
    this.since = ctx.engine.trace.mark;
    ctx.conn().send(this.tunnel(0, { tag: "ToClientWebSocketOpen", val: { actorId, path, headers: new Map([["sec-websocket-protocol", "rivet"]]) } }));
  }

  private tunnel(index: number, kind: runner.v7.ToClientTunnelMessageKind): runner.v7.ToClient {
    return { tag: "ToClientTunnelMessage", val: { messageId: { gatewayId: GATEWAY_ID, requestId: this.requestId, messageIndex: index }, messageKind: kind } };
  }

  /** The runner's tunnel messages for this socket so far. */
  received(): runner.v7.ToServerTunnelMessageKind[] {
    return this.ctx.engine.trace.collect(this.since, (e) => this.mine(e));
  }

  private mine(e: TraceEntry): runner.v7.ToServerTunnelMessageKind | undefined {
    if (e.kind !== "recv" || e.message.tag !== "ToServerTunnelMessage") return undefined;
    const id = e.message.val.messageId;
    return tunnelKey(id.gatewayId, id.requestId) === this.key ? e.message.val.messageKind : undefined;
  }

  /** Resolves with `open` (with canHibernate) or `closed` (refused), whichever the runner sends first. */
  async accepted(timeoutMs = 10_000): Promise<{ outcome: "open"; canHibernate: boolean } | { outcome: "closed"; code: number | null; reason: string | null }> {
    return this.ctx.waitFor(
      (e) => {
        const kind = this.mine(e);
        if (kind?.tag === "ToServerWebSocketOpen") return { outcome: "open" as const, canHibernate: kind.val.canHibernate };
        if (kind?.tag === "ToServerWebSocketClose") return { outcome: "closed" as const, code: kind.val.code, reason: kind.val.reason };
        return undefined;
      },
      `the runner to accept or refuse the WebSocket on ${this.path}`,
      timeoutMs,
      this.since,
    );
  }

  /** Sends a message (text for strings, binary for bytes); returns its gateway index. */
  send(data: string | Uint8Array): number {
    const index = this.nextIndex++;
    const binary = typeof data !== "string";
    this.ctx.conn().send(this.tunnel(index, { tag: "ToClientWebSocketMessage", val: { data: buf(binary ? data : encoder.encode(data)), binary } }));
    return index;
  }

  /** Closes from the client side. */
  close(code: number, reason: string): void {
    this.ctx.conn().send(this.tunnel(this.nextIndex++, { tag: "ToClientWebSocketClose", val: { code, reason } }));
  }

  /** The runner's messages so far, text decoded. */
  messages(): { data: string | Uint8Array; binary: boolean }[] {
    return this.received().flatMap((k) =>
      k.tag === "ToServerWebSocketMessage" ? [{ data: k.val.binary ? new Uint8Array(k.val.data) : decoder.decode(k.val.data), binary: k.val.binary }] : [],
    );
  }

  /** Waits until the runner has sent at least `n` messages. */
  async waitMessages(n: number, timeoutMs = 10_000): Promise<{ data: string | Uint8Array; binary: boolean }[]> {
    let count = 0;
    await this.ctx.waitFor(
      (e) => (this.mine(e)?.tag === "ToServerWebSocketMessage" && ++count >= n ? true : undefined),
      `${n} WebSocket messages from the runner on ${this.path}`,
      timeoutMs,
      this.since,
    );
    return this.messages();
  }

  /** Waits for the runner's close of this socket. */
  async waitClose(timeoutMs = 10_000): Promise<runner.v7.ToServerWebSocketClose> {
    return this.ctx.waitFor(
      (e) => {
        const kind = this.mine(e);
        return kind?.tag === "ToServerWebSocketClose" ? kind.val : undefined;
      },
      `the runner to close the WebSocket on ${this.path}`,
      timeoutMs,
      this.since,
    );
  }
}

/** Everything a case works with. */
export class CaseContext {
  /** The trace position where the case began. */
  readonly since: number;

  constructor(
    readonly engine: FakeEngine,
    readonly process: RunnerProcess,
    readonly ids: RunIds,
    readonly env: { readonly namespace: string; readonly runnerName: string; readonly token: string; readonly totalSlots: number },
    readonly settings: { readonly seed: number | undefined; readonly runs: number },
    /** The trace position where the current runner process was started. */
    readonly processStart: number,
  ) {
    this.since = engine.trace.mark;
  }

  /** Fails the case. */
  fail(message: string): never {
    throw new CaseFailure(message);
  }

  /** Fails the case unless `condition` holds (not an assertion signature: cases get `ctx` untyped through `RunnerCase`). */
  check(condition: unknown, message: string): void {
    if (!condition) this.fail(message);
  }

  note(text: string): void {
    this.engine.trace.add({ kind: "note", conn: this.engine.current?.id ?? 0, text });
  }

  /** The current connection; fails when the runner is not connected. */
  conn(): EngineConnection {
    const conn = this.engine.current;
    if (conn === undefined || !conn.open) this.fail("the runner is not connected");
    return conn;
  }

  /** Waits in the trace from the case start (or `since`). */
  waitFor<T>(pick: (entry: TraceEntry) => T | undefined, what: string, timeoutMs = 10_000, since = this.since): Promise<T> {
    const wait = this.engine.trace.waitFor(since, pick, timeoutMs, what);
    // A runner that dies fails the wait at once instead of at its timeout.
    const died = this.process.exited.then(() => {
      throw new CaseFailure(`the runner process ${this.process.describeExit()} while the harness waited for ${what}`);
    });
    died.catch(() => {});
    return Promise.race([wait, died]);
  }

  /** Messages the runner sent since the case start (or `since`). */
  received(since = this.since): runner.v7.ToServer[] {
    return this.engine.trace.collect(since, (e) => (e.kind === "recv" ? e.message : undefined));
  }

  /** The runner's events since the case start for one actor generation. */
  events(actor: ActorRef, since = this.since): EventWrapper[] {
    return this.received(since).flatMap((m) =>
      m.tag === "ToServerEvents" ? m.val.filter((e) => e.checkpoint.actorId === actor.actorId && e.checkpoint.generation === actor.generation) : [],
    );
  }

  /** Sends `CommandStartActor` and returns the actor's handle (does not wait). */
  start(name: string, options: { generation?: number; key?: string | null; input?: Uint8Array | null; actorId?: string } = {}): ActorRef {
    const actor: ActorRef = {
      actorId: options.actorId ?? this.ids.actorId(name),
      name,
      generation: options.generation ?? 0,
      nextCommand: 0n,
      commands: [],
    };
    this.sendCommands([
      this.command(actor, {
        tag: "CommandStartActor",
        val: {
          config: { name, key: options.key === undefined ? `key-${actor.actorId.slice(-6)}` : options.key, createTs: 1_700_000_000_000n, input: options.input === undefined || options.input === null ? null : buf(options.input) },
          hibernatingRequests: [],
        },
      }),
    ]);
    return actor;
  }

  /** A command for an actor with its next index (not sent). */
  command(actor: ActorRef, inner: runner.v7.Command): runner.v7.CommandWrapper {
    const wrapper = { checkpoint: { actorId: actor.actorId, generation: actor.generation, index: actor.nextCommand++ }, inner };
    actor.commands.push(wrapper);
    return wrapper;
  }

  sendCommands(commands: runner.v7.CommandWrapper[]): void {
    this.conn().send({ tag: "ToClientCommands", val: commands });
  }

  /** Sends `CommandStopActor`. */
  stop(actor: ActorRef): void {
    this.sendCommands([this.command(actor, { tag: "CommandStopActor", val: null })]);
  }

  /** Waits for an event of the actor's generation matching `pick`. */
  waitEvent<T>(actor: ActorRef, pick: (event: EventWrapper) => T | undefined, what: string, timeoutMs = 10_000, since = this.since): Promise<T> {
    return this.waitFor(
      (e) => {
        if (e.kind !== "recv" || e.message.tag !== "ToServerEvents") return undefined;
        for (const event of e.message.val) {
          if (event.checkpoint.actorId !== actor.actorId || event.checkpoint.generation !== actor.generation) continue;
          const hit = pick(event);
          if (hit !== undefined) return hit;
        }
        return undefined;
      },
      `${what} for ${actor.name} ${actor.actorId} generation ${actor.generation}`,
      timeoutMs,
      since,
    );
  }

  waitRunning(actor: ActorRef, timeoutMs = 10_000, since = this.since): Promise<EventWrapper> {
    return this.waitEvent(actor, (e) => (e.inner.tag === "EventActorStateUpdate" && e.inner.val.state.tag === "ActorStateRunning" ? e : undefined), "Running", timeoutMs, since);
  }

  waitStopped(actor: ActorRef, timeoutMs = 10_000, since = this.since): Promise<EventWrapper & { code: runner.v7.StopCode }> {
    return this.waitEvent(
      actor,
      (e) => (e.inner.tag === "EventActorStateUpdate" && e.inner.val.state.tag === "ActorStateStopped" ? { ...e, code: e.inner.val.state.val.code } : undefined),
      "Stopped",
      timeoutMs,
      since,
    );
  }

  /** Starts an actor and waits until it reports Running. */
  async started(name: string, options: Parameters<CaseContext["start"]>[1] = {}): Promise<ActorRef> {
    const since = this.engine.trace.mark;
    const actor = this.start(name, options);
    await this.waitRunning(actor, 10_000, since);
    return actor;
  }

  /** Sends one tunnelled HTTP request and waits for its one response. */
  async http(actorId: string, request: HttpRequest, timeoutMs = 5000): Promise<HttpResult> {
    const requestId = this.ids.requestId();
    const key = tunnelKey(GATEWAY_ID, requestId);
    const since = this.engine.trace.mark;
    this.conn().send({
      tag: "ToClientTunnelMessage",
      val: {
        messageId: { gatewayId: GATEWAY_ID, requestId, messageIndex: 0 },
        messageKind: {
          tag: "ToClientRequestStart",
          val: {
            actorId,
            method: request.method ?? "GET",
            path: request.path,
            headers: new Map(Object.entries(request.headers ?? {})),
            body: request.body === undefined || request.body === null || request.body.byteLength === 0 ? null : buf(request.body),
            stream: false,
          },
        },
      },
    });
    return this.awaitResponse(key, since, `${request.method ?? "GET"} ${request.path}`, timeoutMs);
  }

  /** Waits for the runner's response (start, chunks, or abort) to the request with this key. */
  async awaitResponse(key: string, since: number, what: string, timeoutMs: number): Promise<HttpResult> {
    const indices: number[] = [];
    let head: runner.v7.ToServerResponseStart | undefined;
    const chunks: Uint8Array[] = [];
    return this.waitFor(
      (e) => {
        if (e.kind !== "recv" || e.message.tag !== "ToServerTunnelMessage") return undefined;
        const id = e.message.val.messageId;
        if (tunnelKey(id.gatewayId, id.requestId) !== key) return undefined;
        indices.push(id.messageIndex);
        const kind = e.message.val.messageKind;
        if (kind.tag === "ToServerResponseAbort") return { aborted: true, status: 0, headers: new Map(), body: new Uint8Array(), indices };
        if (kind.tag === "ToServerResponseStart") {
          head = kind.val;
          if (kind.val.body !== null) chunks.push(new Uint8Array(kind.val.body));
          if (!kind.val.stream) return { aborted: false, status: head.status, headers: head.headers, body: concat(chunks), indices };
        }
        if (kind.tag === "ToServerResponseChunk" && head !== undefined) {
          chunks.push(new Uint8Array(kind.val.body));
          if (kind.val.finish) return { aborted: false, status: head.status, headers: head.headers, body: concat(chunks), indices };
        }
        return undefined;
      },
      `the response to ${what}`,
      timeoutMs,
      since,
    );
  }

  /** An HTTP request with a JSON body (or none) whose answer is JSON. */
  async json(actorId: string, method: string, path: string, body?: unknown, timeoutMs = 5000): Promise<{ status: number; json: any }> {
    const result = await this.http(
      actorId,
      { method, path, ...(body !== undefined ? { body: encoder.encode(JSON.stringify(body)), headers: { "content-type": "application/json" } } : {}) },
      timeoutMs,
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(result.body));
    } catch {
      this.fail(`${method} ${path} answered ${result.status} with a body that is not JSON: ${JSON.stringify(decoder.decode(result.body.subarray(0, 200)))}`);
    }
    return { status: result.status, json: parsed };
  }

  /** Opens a tunnel WebSocket. */
  ws(actorId: string, path: string): TunnelSocket {
    return new TunnelSocket(this, actorId, path);
  }

  /** Drops the current connection (a close frame with code and reason, or a TCP reset). */
  drop(how: { code: number; reason: string } | "terminate"): EngineConnection {
    const conn = this.conn();
    if (how === "terminate") conn.terminate();
    else conn.close(how.code, how.reason);
    return conn;
  }

  /** Waits for a new connection after `after` whose init was answered. */
  async reconnected(after: EngineConnection, timeoutMs = 15_000): Promise<EngineConnection> {
    return this.waitFor(
      (e) => {
        if (e.kind !== "send" || e.message.tag !== "ToClientInit" || e.conn <= after.id) return undefined;
        return this.engine.connections.find((c) => c.id === e.conn);
      },
      "the runner to reconnect and send ToServerInit",
      timeoutMs,
    );
  }

  /** Pings on the current connection and waits for the echo: proof that the runner still serves. */
  async alive(timeoutMs = 5000): Promise<void> {
    const ts = BigInt(Date.now()) * 1000n + 777n;
    const since = this.engine.trace.mark;
    this.conn().send({ tag: "ToClientPing", val: { ts } });
    await this.waitFor((e) => (e.kind === "recv" && e.message.tag === "ToServerPong" && e.message.val.ts === ts ? true : undefined), "a pong echoing the ping's ts", timeoutMs, since);
  }

  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Whether the waited-for thing timed out (as opposed to another failure). */
  static isTimeout(error: unknown): error is WaitTimeout {
    return error instanceof WaitTimeout;
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
