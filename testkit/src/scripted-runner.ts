import { runner } from "@actorwire/protocol";
import { WebSocket } from "ws";
import { Changes, eventually } from "./eventually.js";

type ToClient = runner.v7.ToClient;
type ToClientTag = ToClient["tag"];
type ToClientTunnel = runner.v7.ToClientTunnelMessage;
type TunnelTag = ToClientTunnel["messageKind"]["tag"];

/** The payload of each engine-to-runner message, by tag. */
export type ToClientVal = { [M in ToClient as M["tag"]]: M["val"] };

/** The payload of the gateway-to-runner tunnel message kind `T`. */
export type TunnelVal<T extends TunnelTag> = Extract<ToClientTunnel["messageKind"], { readonly tag: T }>["val"];

/** An event's place: actor, generation and the index within that generation. */
export interface Checkpoint {
  readonly actorId: string;
  readonly generation: number;
  readonly index: number;
}

/** How {@link ScriptedRunner.connect} introduces the runner. */
export interface ScriptedRunnerOptions {
  /** The runner name (pool) actors are placed on (default `"scripted"`). */
  readonly name?: string;
  /** The runner key; the same key after a reconnect keeps the runner ID (default: a fresh random key). */
  readonly key?: string;
  /** The namespace (default `"default"`). */
  readonly namespace?: string;
  /** `totalSlots` in `ToServerInit` (default 10). */
  readonly slots?: number;
  /** The runner's own `version` in `ToServerInit` (default 1). */
  readonly version?: number;
  /** Answer the engine's pings (default true); false lets a test make the runner look lost. */
  readonly pong?: boolean;
}

/** The `EventActorStateUpdate` for an actor that is running. */
export const RUNNING: runner.v7.Event = {
  tag: "EventActorStateUpdate",
  val: { state: { tag: "ActorStateRunning", val: null } },
};

/** The `EventActorStateUpdate` for an actor that stopped with `code` (and an optional message). */
export function stoppedEvent(code: runner.v7.StopCode, message: string | null = null): runner.v7.Event {
  return { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateStopped", val: { code, message } } } };
}

/**
 * A runner speaking runner protocol v7 with `@actorwire/protocol`'s codecs that does only what
 * a test tells it, for precise control over what reaches an engine and when (replays,
 * duplicate or late events, lost pongs, dropped sockets), which a real runner cannot be made to
 * do on cue. It answers pings and queues every other message the engine sends for the test to
 * {@link take}; tunnel requests are answered with {@link reply}.
 *
 * @example
 * const r = await ScriptedRunner.connect(engine.endpoint, { name: "pool" });
 * const [start] = await r.commands();
 * r.running(start.checkpoint.actorId, start.checkpoint.generation);
 */
export class ScriptedRunner {
  /** The runner ID from `ToClientInit`. */
  runnerId = "";
  /** The `ToClientCommands` the engine sent right after `ToClientInit`: its replay of unacked commands. */
  replayed: readonly runner.v7.CommandWrapper[] = [];
  /** Resolves when the socket has closed, with the close frame's code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly inbox: { message: ToClient; bytes: Uint8Array }[] = [];
  private readonly changes = new Changes();
  private readonly eventIndices = new Map<string, number>();
  private readonly replyIndices = new Map<string, number>();
  private nextKvRequestId = 0;
  private isClosed = false;

  private constructor(
    /** The runner's socket, for tests that close or break it themselves. */
    readonly ws: WebSocket,
    pong: boolean,
  ) {
    ws.on("error", () => {});
    this.closed = new Promise((resolve) =>
      ws.once("close", (code, reason) => {
        this.isClosed = true;
        this.changes.notify();
        resolve({ code, reason: reason.toString() });
      }),
    );
    ws.on("message", (data: Buffer) => {
      const bytes = new Uint8Array(data);
      const message = runner.v7.decodeToClient(bytes);
      if (message.tag === "ToClientPing") {
        if (pong) this.send({ tag: "ToServerPong", val: { ts: message.val.ts } });
        return;
      }
      this.inbox.push({ message, bytes });
      this.changes.notify();
    });
  }

  /**
   * Connects to the engine at `endpoint` (`http://host:port`), sends `ToServerInit`, and reads
   * `ToClientInit` and the replayed commands; rejects if the upgrade is refused.
   */
  static async connect(endpoint: string, options: ScriptedRunnerOptions = {}): Promise<ScriptedRunner> {
    const params = new URLSearchParams({
      protocol_version: "7",
      namespace: options.namespace ?? "default",
      runner_key: options.key ?? `key-${Math.random().toString(36).slice(2)}`,
    });
    const ws = new WebSocket(`${endpoint.replace(/^http/, "ws")}/runners/connect?${params}`, ["rivet"]);
    const r = new ScriptedRunner(ws, options.pong ?? true);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once("error", reject);
    });
    r.send({
      tag: "ToServerInit",
      val: {
        name: options.name ?? "scripted",
        version: options.version ?? 1,
        totalSlots: options.slots ?? 10,
        prepopulateActorNames: new Map(),
        metadata: null,
      },
    });
    r.runnerId = (await r.take("ToClientInit")).runnerId;
    r.replayed = await r.take("ToClientCommands");
    return r;
  }

  /** Encodes and sends one message. */
  send(message: runner.v7.ToServer): void {
    this.ws.send(runner.v7.encodeToServer(message));
  }

  /**
   * The next queued message with this tag, with the frame's bytes; messages with other tags
   * stay queued. Rejects after `timeoutMs`, or once the socket has closed with none queued.
   */
  async takeRaw<T extends ToClientTag>(tag: T, timeoutMs = 10_000): Promise<{ message: Extract<ToClient, { tag: T }>; bytes: Uint8Array }> {
    const found = await eventually(
      `${tag} from the engine`,
      () => {
        const i = this.inbox.findIndex((m) => m.message.tag === tag);
        if (i >= 0) return this.inbox.splice(i, 1)[0];
        if (this.isClosed) throw new Error(`no ${tag}: the runner socket closed (queued: ${this.queued()})`);
        return undefined;
      },
      { timeoutMs, changes: this.changes, describe: () => `queued: ${this.queued()}` },
    );
    return found as { message: Extract<ToClient, { tag: T }>; bytes: Uint8Array };
  }

  /** The payload of the next queued message with this tag (see {@link takeRaw}). */
  async take<T extends ToClientTag>(tag: T, timeoutMs?: number): Promise<ToClientVal[T]> {
    return (await this.takeRaw(tag, timeoutMs)).message.val as ToClientVal[T];
  }

  /** Commands from the next `ToClientCommands` batches, whole batches until at least `count` have arrived. */
  async commands(count = 1, timeoutMs?: number): Promise<runner.v7.CommandWrapper[]> {
    const out: runner.v7.CommandWrapper[] = [];
    do out.push(...(await this.take("ToClientCommands", timeoutMs)));
    while (out.length < count);
    return out;
  }

  /**
   * Whether no message with this tag is queued or arrives within `ms`; returns false as soon
   * as one does, and leaves it queued.
   */
  async quietFor(ms: number, tag: ToClientTag = "ToClientTunnelMessage"): Promise<boolean> {
    try {
      await eventually(tag, () => this.inbox.some((m) => m.message.tag === tag), { timeoutMs: ms, changes: this.changes });
      return false;
    } catch {
      return true;
    }
  }

  /** Fails if a message with this tag is queued or arrives within `ms`. */
  async expectNo(tag: ToClientTag, ms: number): Promise<void> {
    if (await this.quietFor(ms, tag)) return;
    const found = this.inbox.find((m) => m.message.tag === tag);
    throw new Error(`unexpected ${tag}: ${JSON.stringify(found?.message.val, bigintJson)}`);
  }

  /** Sends one event at an explicit index, bypassing the runner's own numbering. */
  eventAt(actorId: string, generation: number, index: number, inner: runner.v7.Event): void {
    this.send({ tag: "ToServerEvents", val: [{ checkpoint: { actorId, generation, index: BigInt(index) }, inner }] });
  }

  /** Sends one event at the next index of (actor, generation), numbered from 0 as a runner numbers them; returns the index. */
  event(actorId: string, generation: number, inner: runner.v7.Event): number {
    const key = `${actorId}/${generation}`;
    const index = this.eventIndices.get(key) ?? 0;
    this.eventIndices.set(key, index + 1);
    this.eventAt(actorId, generation, index, inner);
    return index;
  }

  /** Reports the actor running (see {@link event}). */
  running(actorId: string, generation: number): number {
    return this.event(actorId, generation, RUNNING);
  }

  /** Reports the actor stopped, by default with `StopCode.Error` as a plain stop does (see {@link event}). */
  stopped(actorId: string, generation: number, code = runner.v7.StopCode.Error, message: string | null = null): number {
    return this.event(actorId, generation, stoppedEvent(code, message));
  }

  /** Asks the engine to put the actor to sleep (see {@link event}). */
  sleepIntent(actorId: string, generation: number): number {
    return this.event(actorId, generation, { tag: "EventActorIntent", val: { intent: { tag: "ActorIntentSleep", val: null } } });
  }

  /** Asks the engine to stop (destroy) the actor (see {@link event}). */
  stopIntent(actorId: string, generation: number): number {
    return this.event(actorId, generation, { tag: "EventActorIntent", val: { intent: { tag: "ActorIntentStop", val: null } } });
  }

  /** Sets (or with null clears) the actor's alarm, in ms since the epoch (see {@link event}). */
  setAlarm(actorId: string, generation: number, alarmTs: number | null): number {
    return this.event(actorId, generation, { tag: "EventActorSetAlarm", val: { alarmTs: alarmTs === null ? null : BigInt(alarmTs) } });
  }

  /** Acknowledges commands up to these checkpoints. */
  ackCommands(checkpoints: readonly Checkpoint[]): void {
    this.send({ tag: "ToServerAckCommands", val: { lastCommandCheckpoints: checkpoints.map((c) => ({ ...c, index: BigInt(c.index) })) } });
  }

  /**
   * One KV request and its answer. The engine handles a runner's messages in order, so the
   * answer also means that everything sent before it has been handled.
   */
  async kv(actorId: string, data: runner.v7.KvRequestData): Promise<runner.v7.KvResponseData> {
    const requestId = this.nextKvRequestId++;
    this.send({ tag: "ToServerKvRequest", val: { actorId, requestId, data } });
    for (;;) {
      const response = await this.take("ToClientKvResponse");
      if (response.requestId === requestId) return response.data;
    }
  }

  /** The next tunnel message from the gateway. */
  nextTunnel(timeoutMs = 5_000): Promise<ToClientTunnel> {
    return this.take("ToClientTunnelMessage", timeoutMs);
  }

  /** The next tunnel message, which must be of kind `tag`. */
  async expectTunnel<T extends TunnelTag>(tag: T, timeoutMs = 5_000): Promise<{ message: ToClientTunnel; val: TunnelVal<T> }> {
    const message = await this.nextTunnel(timeoutMs);
    if (message.messageKind.tag !== tag) {
      throw new Error(`expected ${tag}, got ${message.messageKind.tag} (index ${message.messageId.messageIndex})`);
    }
    return { message, val: message.messageKind.val as unknown as TunnelVal<T> };
  }

  /** Answers a tunnel request, numbering this runner's messages per request from 0 as a runner does. */
  reply(to: runner.v7.MessageId, kind: runner.v7.ToServerTunnelMessageKind): void {
    const key = Buffer.from(to.requestId).toString("hex");
    const index = this.replyIndices.get(key) ?? 0;
    this.replyIndices.set(key, (index + 1) & 0xffff);
    this.send({
      tag: "ToServerTunnelMessage",
      val: { messageId: { gatewayId: to.gatewayId, requestId: to.requestId, messageIndex: index }, messageKind: kind },
    });
  }

  /** Closes the socket with a close frame, as a runner that shuts down does. */
  async close(): Promise<void> {
    this.ws.close();
    await this.closed;
  }

  /** Cuts the socket without a close frame, as a crash or a network failure would. */
  async drop(): Promise<void> {
    this.ws.terminate();
    await this.closed;
  }

  private queued(): string {
    return this.inbox.map((m) => m.message.tag).join(", ") || "nothing";
  }
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}
