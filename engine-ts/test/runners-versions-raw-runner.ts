import { randomBytes } from "node:crypto";
import { runner } from "@actorwire/protocol";
import { WebSocket } from "ws";

// A raw runner for every runner protocol version, v1 to v7, built directly on that version's
// generated codec (`runner.v3.encodeToServer`, `runner.v5.decodeToClient`, …): each message is
// written as an object literal of that version's own type, so the compiler checks every
// shape. What the engine sends is read with the same codec and turned into a small
// version-independent view for the tests; reading it also checks the version's shape, since
// each version's fields are read where that version keeps them.

export type Version = 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const VERSIONS: readonly Version[] = [1, 2, 3, 4, 5, 6, 7];

/** Whether a version is of the first family (runner-wide indices, the runner pings). */
export function isMk1(version: Version): version is 1 | 2 | 3 {
  return version <= 3;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes of a string as the ArrayBuffer the codecs use for `data`. */
export function bytes(text: string): ArrayBuffer {
  return encoder.encode(text).buffer as ArrayBuffer;
}

export function text(buffer: ArrayBuffer): string {
  return decoder.decode(buffer);
}

/** A command as a test reads it; `index` is runner-wide (v1-v3) or per actor generation (v4-v7). */
export interface SeenCommand {
  readonly index: bigint;
  readonly actorId: string;
  readonly generation: number;
  readonly kind: "start" | "stop";
  readonly name?: string;
  readonly key?: string | null;
  /** How many hibernating requests a start lists; absent in v1 and v2, which have none. */
  readonly hibernatingRequests?: number;
}

/** One KV entry as a test reads it; `ts` is `createTs` (v1-v3) or `updateTs` (v4-v7). */
export interface SeenKvEntry {
  readonly key: string;
  readonly value: string;
  readonly version: string;
  readonly ts: bigint;
}

export type SeenKv =
  | { readonly ok: "get" | "list"; readonly entries: readonly SeenKvEntry[] }
  | { readonly ok: "put" | "delete" | "drop" }
  | { readonly error: string };

/** Where a tunnel reply goes: v3+ name the request by gateway and request ID, v1 and v2 by a UUID. */
export type TunnelAddress =
  | { readonly gatewayId: ArrayBuffer; readonly requestId: ArrayBuffer }
  | { readonly requestUuid: ArrayBuffer };

export interface SeenRequest {
  readonly actorId: string;
  readonly method: string;
  readonly path: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string | null;
  readonly address: TunnelAddress;
}

export type Seen =
  | { readonly tag: "init"; readonly runnerId: string; readonly lastEventIdx: bigint | undefined; readonly runnerLostThreshold: bigint }
  | { readonly tag: "commands"; readonly commands: readonly SeenCommand[] }
  | {
      readonly tag: "ackEvents";
      readonly lastEventIdx: bigint | undefined;
      readonly checkpoints: readonly { actorId: string; generation: number | undefined; index: bigint }[];
    }
  | { readonly tag: "kv"; readonly requestId: number; readonly result: SeenKv }
  | { readonly tag: "request"; readonly request: SeenRequest }
  | { readonly tag: "wsOpen"; readonly actorId: string; readonly path: string; readonly address: TunnelAddress }
  | {
      readonly tag: "wsMessage";
      readonly data: string;
      readonly binary: boolean;
      /** The gateway's message index: in the message ID (v3+), in the message itself (v2), nowhere (v1). */
      readonly index: number | undefined;
      readonly address: TunnelAddress;
    }
  | { readonly tag: "wsClose"; readonly code: number | null; readonly reason: string | null; readonly address: TunnelAddress }
  | { readonly tag: "tunnelAck"; readonly requestId: ArrayBuffer; readonly messageId: ArrayBuffer }
  | { readonly tag: "tunnel"; readonly kind: string }
  | { readonly tag: "close" };

type SeenOf<T extends Seen["tag"]> = Extract<Seen, { tag: T }>;

/** What a runner reports about an actor generation. */
export type EventBody =
  | { readonly state: "running" }
  | { readonly state: "stopped"; readonly ok: boolean }
  | { readonly intent: "sleep" | "stop" }
  | { readonly alarmTs: bigint | null };

/** One event; `index` is runner-wide (v1-v3) or per actor generation (v4-v7). */
export interface EventSpec {
  readonly actorId: string;
  readonly generation: number;
  readonly index: bigint;
  readonly body: EventBody;
}

export type KvReq =
  | { readonly get: readonly string[] }
  | { readonly put: readonly (readonly [string, string])[] }
  | { readonly delete: readonly string[] }
  | { readonly listAll: true; readonly reverse?: boolean; readonly limit?: number }
  | { readonly listPrefix: string }
  | { readonly listRange: readonly [string, string]; readonly exclusive?: boolean; readonly reverse?: boolean }
  | { readonly drop: true };

// ---- Encoding ---------------------------------------------------------------------------

interface StopCodes<S> {
  readonly Ok: S;
  readonly Error: S;
}

type Intent = { readonly tag: "ActorIntentSleep"; readonly val: null } | { readonly tag: "ActorIntentStop"; readonly val: null };
type State<S> =
  | { readonly tag: "ActorStateRunning"; readonly val: null }
  | { readonly tag: "ActorStateStopped"; readonly val: { readonly code: S; readonly message: string | null } };

/** The event union of v1-v4, whose events name their actor and generation. */
type NamedEvent<S> =
  | { readonly tag: "EventActorIntent"; readonly val: { readonly actorId: string; readonly generation: number; readonly intent: Intent } }
  | { readonly tag: "EventActorStateUpdate"; readonly val: { readonly actorId: string; readonly generation: number; readonly state: State<S> } }
  | { readonly tag: "EventActorSetAlarm"; readonly val: { readonly actorId: string; readonly generation: number; readonly alarmTs: bigint | null } };

/** The event union of v5-v7, whose checkpoints name the actor and generation. */
type BareEvent<S> =
  | { readonly tag: "EventActorIntent"; readonly val: { readonly intent: Intent } }
  | { readonly tag: "EventActorStateUpdate"; readonly val: { readonly state: State<S> } }
  | { readonly tag: "EventActorSetAlarm"; readonly val: { readonly alarmTs: bigint | null } };

function bareEvent<S>(body: EventBody, codes: StopCodes<S>): BareEvent<S> {
  if ("state" in body) {
    if (body.state === "running") return { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateRunning", val: null } } };
    return {
      tag: "EventActorStateUpdate",
      val: { state: { tag: "ActorStateStopped", val: { code: body.ok ? codes.Ok : codes.Error, message: null } } },
    };
  }
  if ("intent" in body) {
    return { tag: "EventActorIntent", val: { intent: body.intent === "sleep" ? { tag: "ActorIntentSleep", val: null } : { tag: "ActorIntentStop", val: null } } };
  }
  return { tag: "EventActorSetAlarm", val: { alarmTs: body.alarmTs } };
}

function namedEvent<S>(e: EventSpec, codes: StopCodes<S>): NamedEvent<S> {
  const ids = { actorId: e.actorId, generation: e.generation };
  const inner = bareEvent(e.body, codes);
  switch (inner.tag) {
    case "EventActorIntent":
      return { tag: inner.tag, val: { ...ids, ...inner.val } };
    case "EventActorStateUpdate":
      return { tag: inner.tag, val: { ...ids, ...inner.val } };
    case "EventActorSetAlarm":
      return { tag: inner.tag, val: { ...ids, ...inner.val } };
  }
}

/** The KV request in the shape every version shares (v7 only adds delete-range). */
function kvData(req: KvReq): runner.v1.KvRequestData {
  if ("get" in req) return { tag: "KvGetRequest", val: { keys: req.get.map(bytes) } };
  if ("put" in req) return { tag: "KvPutRequest", val: { keys: req.put.map(([k]) => bytes(k)), values: req.put.map(([, v]) => bytes(v)) } };
  if ("delete" in req) return { tag: "KvDeleteRequest", val: { keys: req.delete.map(bytes) } };
  if ("drop" in req) return { tag: "KvDropRequest", val: null };
  if ("listPrefix" in req) {
    return { tag: "KvListRequest", val: { query: { tag: "KvListPrefixQuery", val: { key: bytes(req.listPrefix) } }, reverse: null, limit: null } };
  }
  if ("listRange" in req) {
    return {
      tag: "KvListRequest",
      val: {
        query: { tag: "KvListRangeQuery", val: { start: bytes(req.listRange[0]), end: bytes(req.listRange[1]), exclusive: req.exclusive ?? false } },
        reverse: req.reverse ?? null,
        limit: null,
      },
    };
  }
  return {
    tag: "KvListRequest",
    val: { query: { tag: "KvListAllQuery", val: null }, reverse: req.reverse ?? null, limit: req.limit === undefined ? null : BigInt(req.limit) },
  };
}

function randomUuid(): ArrayBuffer {
  return randomBytes(16).buffer as ArrayBuffer;
}

// ---- Decoding ---------------------------------------------------------------------------

/** An mk2 `ToClientPing`, answered by the runner itself. */
interface Ping {
  readonly ping: bigint;
}

type AnyKvResponse = runner.v1.KvResponseData | runner.v7.KvResponseData;

function seenKv(data: AnyKvResponse): SeenKv {
  const entries = (d: { keys: readonly ArrayBuffer[]; values: readonly ArrayBuffer[]; metadata: readonly unknown[] }) =>
    d.keys.map((k, i) => {
      const m = d.metadata[i] as { version: ArrayBuffer; createTs?: bigint; updateTs?: bigint };
      return { key: text(k), value: text(d.values[i] as ArrayBuffer), version: text(m.version), ts: (m.createTs ?? m.updateTs) as bigint };
    });
  switch (data.tag) {
    case "KvErrorResponse":
      return { error: data.val.message };
    case "KvGetResponse":
      return { ok: "get", entries: entries(data.val) };
    case "KvListResponse":
      return { ok: "list", entries: entries(data.val) };
    case "KvPutResponse":
      return { ok: "put" };
    case "KvDeleteResponse":
      return { ok: "delete" };
    case "KvDropResponse":
      return { ok: "drop" };
  }
}

function seenRequest(start: runner.v7.ToClientRequestStart, address: TunnelAddress): SeenRequest {
  return {
    actorId: start.actorId,
    method: start.method,
    path: start.path,
    headers: start.headers,
    body: start.body === null ? null : text(start.body),
    address,
  };
}

/** The tunnel kinds every version shares, as seen by a test. */
function seenTunnel(
  kind: runner.v1.ToClientTunnelMessageKind | runner.v2.ToClientTunnelMessageKind | runner.v3.ToClientTunnelMessageKind | runner.v7.ToClientTunnelMessageKind,
  address: TunnelAddress,
  index: number | undefined,
): Seen {
  switch (kind.tag) {
    case "ToClientRequestStart":
      return { tag: "request", request: seenRequest(kind.val, address) };
    case "ToClientWebSocketOpen":
      return { tag: "wsOpen", actorId: kind.val.actorId, path: kind.val.path, address };
    case "ToClientWebSocketMessage":
      return {
        tag: "wsMessage",
        data: text(kind.val.data),
        binary: kind.val.binary,
        index: "index" in kind.val ? kind.val.index : index,
        address,
      };
    case "ToClientWebSocketClose":
      return { tag: "wsClose", code: kind.val.code, reason: kind.val.reason, address };
    default:
      return { tag: "tunnel", kind: kind.tag };
  }
}

/** The view of one engine message in protocol v1 or v2. */
function seenV1V2(msg: runner.v1.ToClient | runner.v2.ToClient): Seen {
  switch (msg.tag) {
    case "ToClientInit":
      return { tag: "init", runnerId: msg.val.runnerId, lastEventIdx: msg.val.lastEventIdx, runnerLostThreshold: msg.val.metadata.runnerLostThreshold };
    case "ToClientClose":
      return { tag: "close" };
    case "ToClientCommands":
      return {
        tag: "commands",
        commands: msg.val.map((c) =>
          c.inner.tag === "CommandStartActor"
            ? {
                index: c.index,
                actorId: c.inner.val.actorId,
                generation: c.inner.val.generation,
                kind: "start",
                name: c.inner.val.config.name,
                key: c.inner.val.config.key,
              }
            : { index: c.index, actorId: c.inner.val.actorId, generation: c.inner.val.generation, kind: "stop" },
        ),
      };
    case "ToClientAckEvents":
      return { tag: "ackEvents", lastEventIdx: msg.val.lastEventIdx, checkpoints: [] };
    case "ToClientKvResponse":
      return { tag: "kv", requestId: msg.val.requestId, result: seenKv(msg.val.data) };
    case "ToClientTunnelMessage": {
      const { requestId, messageId, messageKind } = msg.val;
      if (messageKind.tag === "TunnelAck") return { tag: "tunnelAck", requestId, messageId };
      return seenTunnel(messageKind, { requestUuid: requestId }, undefined);
    }
  }
}

function seenV3(msg: runner.v3.ToClient): Seen {
  switch (msg.tag) {
    case "ToClientInit":
      return { tag: "init", runnerId: msg.val.runnerId, lastEventIdx: msg.val.lastEventIdx, runnerLostThreshold: msg.val.metadata.runnerLostThreshold };
    case "ToClientClose":
      return { tag: "close" };
    case "ToClientCommands":
      return {
        tag: "commands",
        commands: msg.val.map((c) =>
          c.inner.tag === "CommandStartActor"
            ? {
                index: c.index,
                actorId: c.inner.val.actorId,
                generation: c.inner.val.generation,
                kind: "start",
                name: c.inner.val.config.name,
                key: c.inner.val.config.key,
                hibernatingRequests: c.inner.val.hibernatingRequests.length,
              }
            : { index: c.index, actorId: c.inner.val.actorId, generation: c.inner.val.generation, kind: "stop" },
        ),
      };
    case "ToClientAckEvents":
      return { tag: "ackEvents", lastEventIdx: msg.val.lastEventIdx, checkpoints: [] };
    case "ToClientKvResponse":
      return { tag: "kv", requestId: msg.val.requestId, result: seenKv(msg.val.data) };
    case "ToClientTunnelMessage": {
      const { messageId, messageKind } = msg.val;
      return seenTunnel(messageKind, { gatewayId: messageId.gatewayId, requestId: messageId.requestId }, messageId.messageIndex);
    }
  }
}

function seenV4(msg: runner.v4.ToClient): Seen | Ping {
  switch (msg.tag) {
    case "ToClientInit":
      return { tag: "init", runnerId: msg.val.runnerId, lastEventIdx: undefined, runnerLostThreshold: msg.val.metadata.runnerLostThreshold };
    case "ToClientPing":
      return { ping: msg.val.ts };
    case "ToClientCommands":
      return {
        tag: "commands",
        commands: msg.val.map((c) =>
          c.inner.tag === "CommandStartActor"
            ? {
                index: c.checkpoint.index,
                actorId: c.checkpoint.actorId,
                generation: c.inner.val.generation,
                kind: "start",
                name: c.inner.val.config.name,
                key: c.inner.val.config.key,
                hibernatingRequests: c.inner.val.hibernatingRequests.length,
              }
            : { index: c.checkpoint.index, actorId: c.checkpoint.actorId, generation: c.inner.val.generation, kind: "stop" },
        ),
      };
    case "ToClientAckEvents":
      return {
        tag: "ackEvents",
        lastEventIdx: undefined,
        checkpoints: msg.val.lastEventCheckpoints.map((c) => ({ actorId: c.actorId, generation: undefined, index: c.index })),
      };
    case "ToClientKvResponse":
      return { tag: "kv", requestId: msg.val.requestId, result: seenKv(msg.val.data) };
    case "ToClientTunnelMessage": {
      const { messageId, messageKind } = msg.val;
      return seenTunnel(messageKind, { gatewayId: messageId.gatewayId, requestId: messageId.requestId }, messageId.messageIndex);
    }
  }
}

/** v5, v6 and v7 differ only in what this view leaves out (v6 adds init thresholds). */
function seenV5Plus(msg: runner.v5.ToClient | runner.v7.ToClient): Seen | Ping {
  switch (msg.tag) {
    case "ToClientInit":
      return { tag: "init", runnerId: msg.val.runnerId, lastEventIdx: undefined, runnerLostThreshold: msg.val.metadata.runnerLostThreshold };
    case "ToClientPing":
      return { ping: msg.val.ts };
    case "ToClientCommands":
      return {
        tag: "commands",
        commands: msg.val.map((c) =>
          c.inner.tag === "CommandStartActor"
            ? {
                ...c.checkpoint,
                kind: "start",
                name: c.inner.val.config.name,
                key: c.inner.val.config.key,
                hibernatingRequests: c.inner.val.hibernatingRequests.length,
              }
            : { ...c.checkpoint, kind: "stop" },
        ),
      };
    case "ToClientAckEvents":
      return { tag: "ackEvents", lastEventIdx: undefined, checkpoints: msg.val.lastEventCheckpoints };
    case "ToClientKvResponse":
      return { tag: "kv", requestId: msg.val.requestId, result: seenKv(msg.val.data) };
    case "ToClientTunnelMessage": {
      const { messageId, messageKind } = msg.val;
      return seenTunnel(messageKind, { gatewayId: messageId.gatewayId, requestId: messageId.requestId }, messageId.messageIndex);
    }
  }
}

// ---- The runner -------------------------------------------------------------------------

export interface RawRunnerOptions {
  /** The engine's base URL, `http://127.0.0.1:<port>`. */
  readonly base: string;
  readonly version: Version;
  readonly name: string;
  readonly key: string;
  /** `ToServerInit.lastCommandIdx` for v1-v3 (the last command index seen); null for none. */
  readonly lastCommandIdx?: bigint | null;
  /** Whether a v1-v3 runner pings every second, as Rivet's did; default true. */
  readonly ping?: boolean;
}

interface Waiter {
  readonly match: (seen: Seen) => boolean;
  readonly resolve: (seen: Seen) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * One raw runner connection. Engine messages queue up in an inbox; {@link take} removes the
 * first one that matches, whatever came before it, so tests do not depend on how the engine
 * interleaves unrelated messages. mk2 pings are answered at once and never queued.
 */
export class RawRunner {
  readonly version: Version;
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Every message the engine sent, in order (pings excluded). */
  readonly log: Seen[] = [];
  /** How many mk2 pings were answered. */
  pings = 0;
  private readonly inbox: Seen[] = [];
  private readonly waiters = new Set<Waiter>();
  private nextRequestId = 0;
  private readonly sendIndex = new Map<string, number>();
  private pingTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  private constructor(readonly options: RawRunnerOptions) {
    this.version = options.version;
    const url = new URL("/runners/connect", options.base.replace(/^http/, "ws"));
    url.searchParams.set("protocol_version", String(options.version));
    url.searchParams.set("namespace", "default");
    url.searchParams.set("runner_key", options.key);
    this.ws = new WebSocket(url, ["rivet"]);
    this.ws.on("error", () => {});
    this.closed = new Promise((resolve) => {
      this.ws.once("close", (code, reason) => {
        clearInterval(this.pingTimer);
        this.failure = new Error(`runner socket closed: ${code} ${reason.toString()}`);
        for (const w of this.waiters) {
          clearTimeout(w.timer);
          w.reject(this.failure);
        }
        this.waiters.clear();
        resolve({ code, reason: reason.toString() });
      });
    });
    this.ws.on("message", (data: Buffer) => this.onFrame(new Uint8Array(data)));
  }

  /** Connects, sends `ToServerInit` and reads `ToClientInit` and the replayed commands. */
  static async connect(options: RawRunnerOptions): Promise<{ runner: RawRunner; init: SeenOf<"init">; commands: readonly SeenCommand[] }> {
    const r = new RawRunner(options);
    await new Promise<void>((resolve, reject) => {
      r.ws.once("open", () => resolve());
      r.ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    r.send(r.encodeInit());
    if (isMk1(options.version) && options.ping !== false) {
      r.pingTimer = setInterval(() => r.sendAlive(BigInt(Date.now())), 1000);
      r.pingTimer.unref();
    }
    const init = await r.take("init");
    // The engine's first two messages are `ToClientInit` and then the replayed commands.
    const first = r.log[0];
    const second = await r.take("commands");
    if (first?.tag !== "init" || r.log[1] !== second) throw new Error("expected ToClientInit then ToClientCommands first");
    return { runner: r, init, commands: second.commands };
  }

  /** Waits for the next engine message with this tag (and matching `where`), leaving others queued. */
  take<T extends Seen["tag"]>(tag: T, where: (seen: SeenOf<T>) => boolean = () => true, timeoutMs = 10_000): Promise<SeenOf<T>> {
    const match = (s: Seen): boolean => s.tag === tag && where(s as SeenOf<T>);
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as SeenOf<T>);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (s) => resolve(s as SeenOf<T>),
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`v${this.version} runner: no ${tag} within ${timeoutMs} ms; inbox: ${this.inbox.map((s) => s.tag).join(", ")}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Resolves after `ms` with whatever queued messages have this tag, removing them. */
  async drain<T extends Seen["tag"]>(tag: T, ms: number): Promise<SeenOf<T>[]> {
    await new Promise((r) => setTimeout(r, ms));
    const out: SeenOf<T>[] = [];
    for (let i = 0; i < this.inbox.length; ) {
      if (this.inbox[i]?.tag === tag) out.push(this.inbox.splice(i, 1)[0] as SeenOf<T>);
      else i++;
    }
    return out;
  }

  /** Reports events, in one `ToServerEvents`. */
  sendEvents(events: readonly EventSpec[]): void {
    this.send(this.encodeEvents(events));
  }

  /** Acks commands: up to `lastCommandIdx` (v1-v3), or through each checkpoint (v4-v7). */
  ackCommands(ack: bigint | readonly { actorId: string; generation: number; index: bigint }[]): void {
    this.send(this.encodeAck(ack));
  }

  /** Sends a KV request and waits for its answer. */
  async kv(actorId: string, req: KvReq): Promise<SeenKv> {
    const requestId = this.nextRequestId++;
    this.send(this.encodeKv(actorId, requestId, req));
    return (await this.take("kv", (s) => s.requestId === requestId)).result;
  }

  /**
   * Answers a tunnelled HTTP request with a complete response. Returns the message ID it
   * used (v1 and v2 engines acknowledge it).
   */
  respond(request: SeenRequest, status: number, headers: Record<string, string>, body: string): ArrayBuffer {
    const kind = {
      tag: "ToServerResponseStart",
      val: { status, headers: new Map(Object.entries(headers)), body: bytes(body), stream: false },
    } as const;
    return this.tunnel(request.address, { v1: kind, v2: kind, v3: kind });
  }

  /** Accepts a tunnelled WebSocket, offering it as hibernatable or not (v1 cannot say). */
  wsAccept(address: TunnelAddress, canHibernate = false): ArrayBuffer {
    return this.tunnel(address, {
      // v1 has no hibernation: the open is void.
      v1: { tag: "ToServerWebSocketOpen", val: null },
      v2: { tag: "ToServerWebSocketOpen", val: { canHibernate, lastMsgIndex: -1n } },
      v3: { tag: "ToServerWebSocketOpen", val: { canHibernate } },
    });
  }

  /** Sends a text frame on a tunnelled WebSocket. */
  wsSend(address: TunnelAddress, data: string): ArrayBuffer {
    const kind = { tag: "ToServerWebSocketMessage", val: { data: bytes(data), binary: false } } as const;
    return this.tunnel(address, { v1: kind, v2: kind, v3: kind });
  }

  /** Closes a tunnelled WebSocket. */
  wsClose(address: TunnelAddress, code: number, reason: string): ArrayBuffer {
    return this.tunnel(address, {
      v1: { tag: "ToServerWebSocketClose", val: { code, reason } },
      v2: { tag: "ToServerWebSocketClose", val: { code, reason, retry: false } },
      v3: { tag: "ToServerWebSocketClose", val: { code, reason, hibernate: false } },
    });
  }

  /**
   * Sends one tunnel message in the version's shape: v1 and v2 echo the request UUID and make
   * up a random message UUID, as Rivet's runner did; v3+ stamp the runner's own per-request
   * message index. The v3 kinds (without the deprecated ack) are also the v4-v7 kinds.
   */
  private tunnel(
    address: TunnelAddress,
    kinds: {
      v1: runner.v1.ToServerTunnelMessageKind;
      v2: runner.v2.ToServerTunnelMessageKind;
      v3: Exclude<runner.v3.ToServerTunnelMessageKind, { tag: "DeprecatedTunnelAck" }>;
    },
  ): ArrayBuffer {
    const tag = "ToServerTunnelMessage" as const;
    if ("requestUuid" in address) {
      const messageId = randomUuid();
      if (this.version === 1) this.send(runner.v1.encodeToServer({ tag, val: { requestId: address.requestUuid, messageId, messageKind: kinds.v1 } }));
      else this.send(runner.v2.encodeToServer({ tag, val: { requestId: address.requestUuid, messageId, messageKind: kinds.v2 } }));
      return messageId;
    }
    const key = Buffer.from(address.requestId).toString("hex");
    const messageIndex = this.sendIndex.get(key) ?? 0;
    this.sendIndex.set(key, messageIndex + 1);
    const messageId = { gatewayId: address.gatewayId, requestId: address.requestId, messageIndex };
    const messageKind = kinds.v3;
    switch (this.version) {
      case 3:
        this.send(runner.v3.encodeToServer({ tag, val: { messageId, messageKind } }));
        break;
      case 4:
        this.send(runner.v4.encodeToServer({ tag, val: { messageId, messageKind } }));
        break;
      case 5:
        this.send(runner.v5.encodeToServer({ tag, val: { messageId, messageKind } }));
        break;
      case 6:
        this.send(runner.v6.encodeToServer({ tag, val: { messageId, messageKind } }));
        break;
      default:
        this.send(runner.v7.encodeToServer({ tag, val: { messageId, messageKind } }));
    }
    return address.requestId;
  }

  /** mk1: a `ToServerPing`; mk2: a `ToServerPong` echoing `ts`. */
  sendAlive(ts: bigint): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.send(this.encodeAlive(ts));
  }

  /** Sends `ToServerStopping`. */
  sendStopping(): void {
    const tag = "ToServerStopping" as const;
    const bytesOut: Record<Version, () => Uint8Array> = {
      1: () => runner.v1.encodeToServer({ tag, val: null }),
      2: () => runner.v2.encodeToServer({ tag, val: null }),
      3: () => runner.v3.encodeToServer({ tag, val: null }),
      4: () => runner.v4.encodeToServer({ tag, val: null }),
      5: () => runner.v5.encodeToServer({ tag, val: null }),
      6: () => runner.v6.encodeToServer({ tag, val: null }),
      7: () => runner.v7.encodeToServer({ tag, val: null }),
    };
    this.send(bytesOut[this.version]());
  }

  send(frame: Uint8Array): void {
    this.ws.send(frame);
  }

  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000, "test done");
    await this.closed;
  }

  // ---- Frames in ------------------------------------------------------------------------

  private onFrame(frame: Uint8Array): void {
    const seen = this.decode(frame);
    if ("ping" in seen) {
      this.pings++;
      this.sendAlive(seen.ping);
      return;
    }
    this.log.push(seen);
    for (const w of this.waiters) {
      if (!w.match(seen)) continue;
      this.waiters.delete(w);
      clearTimeout(w.timer);
      w.resolve(seen);
      return;
    }
    this.inbox.push(seen);
  }

  private decode(frame: Uint8Array): Seen | Ping {
    switch (this.version) {
      case 1:
        return seenV1V2(runner.v1.decodeToClient(frame));
      case 2:
        return seenV1V2(runner.v2.decodeToClient(frame));
      case 3:
        return seenV3(runner.v3.decodeToClient(frame));
      case 4:
        return seenV4(runner.v4.decodeToClient(frame));
      case 5:
        return seenV5Plus(runner.v5.decodeToClient(frame));
      case 6:
        return seenV5Plus(runner.v6.decodeToClient(frame));
      case 7:
        return seenV5Plus(runner.v7.decodeToClient(frame));
    }
  }

  // ---- Frames out -----------------------------------------------------------------------

  private encodeInit(): Uint8Array {
    const base = {
      name: this.options.name,
      version: 1,
      totalSlots: 10,
      prepopulateActorNames: new Map([["counter", { metadata: "{}" }]]),
      metadata: null,
    };
    const lastCommandIdx = this.options.lastCommandIdx ?? null;
    const tag = "ToServerInit" as const;
    switch (this.version) {
      case 1:
        return runner.v1.encodeToServer({ tag, val: { ...base, lastCommandIdx } });
      case 2:
        return runner.v2.encodeToServer({ tag, val: { ...base, lastCommandIdx } });
      case 3:
        return runner.v3.encodeToServer({ tag, val: { ...base, lastCommandIdx } });
      case 4:
        return runner.v4.encodeToServer({ tag, val: base });
      case 5:
        return runner.v5.encodeToServer({ tag, val: base });
      case 6:
        return runner.v6.encodeToServer({ tag, val: base });
      case 7:
        return runner.v7.encodeToServer({ tag, val: base });
    }
  }

  private encodeEvents(events: readonly EventSpec[]): Uint8Array {
    const tag = "ToServerEvents" as const;
    switch (this.version) {
      case 1:
        return runner.v1.encodeToServer({ tag, val: events.map((e) => ({ index: e.index, inner: namedEvent(e, runner.v1.StopCode) })) });
      case 2:
        return runner.v2.encodeToServer({ tag, val: events.map((e) => ({ index: e.index, inner: namedEvent(e, runner.v2.StopCode) })) });
      case 3:
        return runner.v3.encodeToServer({ tag, val: events.map((e) => ({ index: e.index, inner: namedEvent(e, runner.v3.StopCode) })) });
      case 4:
        return runner.v4.encodeToServer({
          tag,
          val: events.map((e) => ({ checkpoint: { actorId: e.actorId, index: e.index }, inner: namedEvent(e, runner.v4.StopCode) })),
        });
      case 5:
        return runner.v5.encodeToServer({
          tag,
          val: events.map((e) => ({ checkpoint: { actorId: e.actorId, generation: e.generation, index: e.index }, inner: bareEvent(e.body, runner.v5.StopCode) })),
        });
      case 6:
        return runner.v6.encodeToServer({
          tag,
          val: events.map((e) => ({ checkpoint: { actorId: e.actorId, generation: e.generation, index: e.index }, inner: bareEvent(e.body, runner.v6.StopCode) })),
        });
      case 7:
        return runner.v7.encodeToServer({
          tag,
          val: events.map((e) => ({ checkpoint: { actorId: e.actorId, generation: e.generation, index: e.index }, inner: bareEvent(e.body, runner.v7.StopCode) })),
        });
    }
  }

  private encodeAck(ack: bigint | readonly { actorId: string; generation: number; index: bigint }[]): Uint8Array {
    const tag = "ToServerAckCommands" as const;
    if (typeof ack === "bigint") {
      const val = { lastCommandIdx: ack };
      if (this.version === 1) return runner.v1.encodeToServer({ tag, val });
      if (this.version === 2) return runner.v2.encodeToServer({ tag, val });
      if (this.version === 3) return runner.v3.encodeToServer({ tag, val });
      throw new Error(`v${this.version} acks by checkpoint`);
    }
    switch (this.version) {
      case 4:
        return runner.v4.encodeToServer({ tag, val: { lastCommandCheckpoints: ack.map((c) => ({ actorId: c.actorId, index: c.index })) } });
      case 5:
        return runner.v5.encodeToServer({ tag, val: { lastCommandCheckpoints: ack } });
      case 6:
        return runner.v6.encodeToServer({ tag, val: { lastCommandCheckpoints: ack } });
      case 7:
        return runner.v7.encodeToServer({ tag, val: { lastCommandCheckpoints: ack } });
      default:
        throw new Error(`v${this.version} acks by runner-wide index`);
    }
  }

  private encodeAlive(ts: bigint): Uint8Array {
    switch (this.version) {
      case 1:
        return runner.v1.encodeToServer({ tag: "ToServerPing", val: { ts } });
      case 2:
        return runner.v2.encodeToServer({ tag: "ToServerPing", val: { ts } });
      case 3:
        return runner.v3.encodeToServer({ tag: "ToServerPing", val: { ts } });
      case 4:
        return runner.v4.encodeToServer({ tag: "ToServerPong", val: { ts } });
      case 5:
        return runner.v5.encodeToServer({ tag: "ToServerPong", val: { ts } });
      case 6:
        return runner.v6.encodeToServer({ tag: "ToServerPong", val: { ts } });
      case 7:
        return runner.v7.encodeToServer({ tag: "ToServerPong", val: { ts } });
    }
  }

  private encodeKv(actorId: string, requestId: number, req: KvReq): Uint8Array {
    const tag = "ToServerKvRequest" as const;
    const val = { actorId, requestId, data: kvData(req) };
    switch (this.version) {
      case 1:
        return runner.v1.encodeToServer({ tag, val });
      case 2:
        return runner.v2.encodeToServer({ tag, val });
      case 3:
        return runner.v3.encodeToServer({ tag, val });
      case 4:
        return runner.v4.encodeToServer({ tag, val });
      case 5:
        return runner.v5.encodeToServer({ tag, val });
      case 6:
        return runner.v6.encodeToServer({ tag, val });
      case 7:
        return runner.v7.encodeToServer({ tag, val });
    }
  }
}
