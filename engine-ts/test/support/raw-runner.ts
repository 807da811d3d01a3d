import { runner } from "@actorwire/protocol";
import { WebSocket } from "ws";

type ToClient = runner.v7.ToClient;
/** The payload of each engine-to-runner message, by tag. */
type ValOf = { [M in ToClient as M["tag"]]: M["val"] };

export interface RawRunnerOptions {
  /** The runner name (pool) actors are created for. */
  readonly name: string;
  /** The runner key; the same key after a reconnect keeps the runner ID. */
  readonly key: string;
  readonly slots?: number;
}

/**
 * A runner speaking protocol v7 with our own codecs (`@actorwire/protocol`) that does only
 * what a test tells it, for precise control over what reaches the engine and when: it answers
 * pings and queues every other message. {@link drop} cuts its socket without a close frame.
 */
export class RawRunner {
  runnerId = "";
  /** The `ToClientCommands` the engine sent right after `ToClientInit`: its replay. */
  replayed: readonly runner.v7.CommandWrapper[] = [];
  private readonly inbox: ToClient[] = [];
  private readonly wakeups = new Set<() => void>();
  private readonly closed: Promise<void>;
  private nextKvRequestId = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on("error", () => {});
    this.closed = new Promise((resolve) => ws.once("close", () => resolve()));
    ws.on("message", (data: Buffer) => {
      const message = runner.v7.decodeToClient(new Uint8Array(data));
      if (message.tag === "ToClientPing") {
        this.send({ tag: "ToServerPong", val: { ts: message.val.ts } });
        return;
      }
      this.inbox.push(message);
      for (const wake of [...this.wakeups]) wake();
    });
  }

  /** Connects to the engine at `base` (`http://host:port`), sends `ToServerInit` and reads the init and the replay. */
  static async connect(base: string, options: RawRunnerOptions): Promise<RawRunner> {
    const params = new URLSearchParams({ protocol_version: "7", namespace: "default", runner_key: options.key });
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/runners/connect?${params}`, ["rivet"]);
    const r = new RawRunner(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    r.send({
      tag: "ToServerInit",
      val: { name: options.name, version: 1, totalSlots: options.slots ?? 10, prepopulateActorNames: new Map(), metadata: null },
    });
    r.runnerId = (await r.take("ToClientInit")).runnerId;
    r.replayed = await r.take("ToClientCommands");
    return r;
  }

  send(message: runner.v7.ToServer): void {
    this.ws.send(runner.v7.encodeToServer(message));
  }

  /** The next queued message with this tag; others stay queued. */
  async take<T extends ToClient["tag"]>(tag: T, timeoutMs = 15_000): Promise<ValOf[T]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.tag === tag);
      if (i >= 0) return (this.inbox.splice(i, 1)[0] as ToClient).val as ValOf[T];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${tag} within ${timeoutMs} ms (queued: ${this.inbox.map((m) => m.tag).join(", ") || "nothing"})`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakeups.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.wakeups.add(wake);
      });
    }
  }

  /** Commands from the next batches until `count` have arrived. */
  async commands(count: number, timeoutMs?: number): Promise<runner.v7.CommandWrapper[]> {
    const out: runner.v7.CommandWrapper[] = [];
    while (out.length < count) out.push(...(await this.take("ToClientCommands", timeoutMs)));
    return out;
  }

  /** Sends one event of an actor generation at an explicit index. */
  event(actorId: string, generation: number, index: number, inner: runner.v7.Event): void {
    this.send({ tag: "ToServerEvents", val: [{ checkpoint: { actorId, generation, index: BigInt(index) }, inner }] });
  }

  running(actorId: string, generation: number, index: number): void {
    this.event(actorId, generation, index, { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateRunning", val: null } } });
  }

  stopped(actorId: string, generation: number, index: number): void {
    const stopped = { code: runner.v7.StopCode.Error, message: null };
    this.event(actorId, generation, index, { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateStopped", val: stopped } } });
  }

  ackCommands(checkpoints: readonly { actorId: string; generation: number; index: number }[]): void {
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

  /** Cuts the socket without a close frame, as a crash or a network failure would. */
  async drop(): Promise<void> {
    this.ws.terminate();
    await this.closed;
  }
}

/** A `KvKey`/`KvValue` from a string. */
export function kvBytes(text: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
