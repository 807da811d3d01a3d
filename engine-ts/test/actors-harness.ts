import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { runner } from "@actorwire/protocol";
import { Runner } from "@rivetkit/engine-runner";
import { pino } from "pino";
import { WebSocket } from "ws";
import { ActorLifecycle, type ActorLifecycleConfig, type ActorTransition, type Phase, commandReplay } from "../src/actors/index.js";
import { Catalog } from "../src/catalog/catalog.js";
import type { CrashPolicy, NamespaceRecord } from "../src/catalog/records.js";
import { RunnerEndpoint, type RunnerEndpointOptions, type RunnerRegistry, mintRunnerId } from "../src/runners/index.js";
import { MemoryStorage } from "../src/storage/memory.js";
import type { Storage } from "../src/storage/storage.js";

// The engine's pieces in-process on a random loopback port: storage, catalog, the runner
// endpoint on a real HTTP server, and the lifecycle under test. No mocks: runners are real
// WebSocket clients, either scripted (RawRunner) or Rivet's own.

export const silent = pino({ level: process.env.ACTORWIRE_TEST_LOG ?? "silent" });

/** Fast settings so that lost runners, timeouts and backoff show within a test. */
export const FAST: Partial<ActorLifecycleConfig> = {
  runnerLostThresholdMs: 400,
  actorStartThresholdMs: 5_000,
  crashBackoffBaseMs: 150,
  crashBackoffMaxExponent: 3,
};

export interface HarnessOptions {
  readonly storage?: Storage;
  readonly config?: Partial<ActorLifecycleConfig>;
  readonly endpoint?: Partial<RunnerEndpointOptions>;
  /**
   * Runner IDs by (namespace, name, key). Share one map between harnesses on the same storage
   * to stand in for a registry that keeps runner IDs across engine restarts.
   */
  readonly runnerIds?: Map<string, string>;
}

export interface Harness {
  readonly storage: Storage;
  readonly catalog: Catalog;
  readonly runners: RunnerEndpoint;
  readonly lifecycle: ActorLifecycle;
  readonly server: Server;
  readonly port: number;
  readonly ns: NamespaceRecord;
  /** Every transition, in order. */
  readonly transitions: ActorTransition[];
  /** Creates an actor through the catalog and tells the lifecycle, as the API does. */
  createActor(options?: CreateOptions): string;
  /** Resolves once the actor reaches `phase` (and `generation`, if given). */
  reach(actorId: string, phase: Phase, generation?: number, timeoutMs?: number): Promise<void>;
  /** Closes the lifecycle, the endpoint and the server; the storage stays open unless asked. */
  close(options?: { closeStorage?: boolean }): Promise<void>;
}

export interface CreateOptions {
  readonly name?: string;
  readonly key?: string | null;
  readonly input?: Uint8Array | null;
  readonly runnerName?: string;
  readonly crashPolicy?: CrashPolicy;
}

/** A runner registry over the catalog's namespaces, so a runner's namespace ID is the catalog's. */
function catalogRegistry(catalog: Catalog, ids: Map<string, string>): RunnerRegistry {
  return {
    resolveNamespace(name) {
      const ns = catalog.resolveNamespace(name);
      return ns === undefined ? undefined : { id: ns.namespace_id, name: ns.name };
    },
    runnerIdFor(identity) {
      const key = JSON.stringify([identity.namespaceId, identity.name, identity.runnerKey]);
      let id = ids.get(key);
      if (id === undefined) {
        id = mintRunnerId();
        ids.set(key, id);
      }
      return id;
    },
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const storage = options.storage ?? new MemoryStorage();
  const catalog = new Catalog(storage, { datacenter: "local" });
  const ns = catalog.ensureNamespace("default");
  const runners = new RunnerEndpoint({
    logger: silent,
    registry: catalogRegistry(catalog, options.runnerIds ?? new Map()),
    replayCommands: commandReplay(storage),
    runnerLostThresholdMs: options.config?.runnerLostThresholdMs ?? FAST.runnerLostThresholdMs,
    shutdownTimeoutMs: 500,
    ...options.endpoint,
  });
  const server = createServer((_req, res) => {
    res.writeHead(404).end();
  });
  server.on("upgrade", (req, socket, head) => {
    if (!runners.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const lifecycle = new ActorLifecycle({ storage, catalog, runners, logger: silent, config: { ...FAST, ...options.config } });
  const transitions: ActorTransition[] = [];
  lifecycle.on("transition", (t) => transitions.push(t));
  lifecycle.start();

  return {
    storage,
    catalog,
    runners,
    lifecycle,
    server,
    port,
    ns,
    transitions,
    createActor(o = {}) {
      const actor = catalog.createActor(ns, {
        name: o.name ?? "counter",
        key: o.key === undefined ? `k-${Math.random().toString(36).slice(2)}` : o.key,
        input: o.input == null ? null : Buffer.from(o.input).toString("base64"),
        runnerNameSelector: o.runnerName ?? "raw",
        crashPolicy: o.crashPolicy ?? "sleep",
      });
      lifecycle.actorCreated(actor.actor_id);
      return actor.actor_id;
    },
    reach(actorId, phase, generation, timeoutMs = 10_000) {
      const matches = () => {
        const s = lifecycle.state(actorId);
        return s !== undefined && s.phase === phase && (generation === undefined || s.generation === generation);
      };
      if (matches()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`actor ${actorId} did not reach ${phase}/${generation}; it is ${JSON.stringify(lifecycle.state(actorId))}`));
        }, timeoutMs);
        const off = lifecycle.on("transition", (t) => {
          if (t.actorId === actorId && matches()) {
            clearTimeout(timer);
            off();
            resolve();
          }
        });
      });
    },
    async close({ closeStorage = false } = {}) {
      lifecycle.close();
      await runners.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (closeStorage) storage.close();
    },
  };
}

// ---- A scripted runner ------------------------------------------------------------------------

/** The payload of each engine-to-runner message, by tag. */
type ValOf = { [M in runner.v7.ToClient as M["tag"]]: M["val"] };

export interface RawRunnerOptions {
  readonly name?: string;
  readonly key?: string;
  readonly slots?: number;
  readonly version?: number;
  /** Answer pings (default true). */
  readonly pong?: boolean;
}

/**
 * A runner that speaks protocol v7 with our codecs and does only what a test tells it:
 * it answers pings, and otherwise queues every message the engine sends.
 */
export class RawRunner {
  runnerId = "";
  /** The `ToClientCommands` sent right after `ToClientInit`. */
  replayed: runner.v7.CommandWrapper[] = [];
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly inbox: { message: runner.v7.ToClient; bytes: Uint8Array }[] = [];
  private readonly wakeups = new Set<() => void>();
  private nextEventIndex = new Map<string, number>();

  private constructor(url: string, pong: boolean) {
    this.ws = new WebSocket(url, ["rivet"]);
    this.ws.on("error", () => {});
    this.closed = new Promise((resolve) => this.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on("message", (data: Buffer) => {
      const bytes = new Uint8Array(data);
      const message = runner.v7.decodeToClient(bytes);
      if (message.tag === "ToClientPing") {
        if (pong) this.send({ tag: "ToServerPong", val: { ts: message.val.ts } });
        return;
      }
      this.inbox.push({ message, bytes });
      for (const w of [...this.wakeups]) w();
    });
  }

  static async connect(port: number, options: RawRunnerOptions = {}): Promise<RawRunner> {
    const params = new URLSearchParams({
      protocol_version: "7",
      namespace: "default",
      runner_key: options.key ?? `key-${Math.random().toString(36).slice(2)}`,
    });
    const r = new RawRunner(`ws://127.0.0.1:${port}/runners/connect?${params}`, options.pong ?? true);
    await new Promise<void>((resolve, reject) => {
      r.ws.once("open", () => resolve());
      r.ws.once("unexpected-response", (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    r.send({
      tag: "ToServerInit",
      val: {
        name: options.name ?? "raw",
        version: options.version ?? 1,
        totalSlots: options.slots ?? 10,
        prepopulateActorNames: new Map(),
        metadata: null,
      },
    });
    const init = await r.take("ToClientInit");
    r.runnerId = init.runnerId;
    r.replayed = [...(await r.take("ToClientCommands"))];
    return r;
  }

  send(message: runner.v7.ToServer): void {
    this.ws.send(runner.v7.encodeToServer(message));
  }

  /** The next queued message with this tag (others stay queued), with its frame bytes. */
  async takeRaw<T extends runner.v7.ToClient["tag"]>(
    tag: T,
    timeoutMs = 5_000,
  ): Promise<{ message: Extract<runner.v7.ToClient, { tag: T }>; bytes: Uint8Array }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.message.tag === tag);
      if (i >= 0) {
        const [found] = this.inbox.splice(i, 1);
        return found as { message: Extract<runner.v7.ToClient, { tag: T }>; bytes: Uint8Array };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${tag} within ${timeoutMs} ms (queued: ${this.inbox.map((m) => m.message.tag).join(", ")})`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t);
          this.wakeups.delete(wake);
          resolve();
        };
        const t = setTimeout(wake, left);
        this.wakeups.add(wake);
      });
    }
  }

  async take<T extends runner.v7.ToClient["tag"]>(tag: T, timeoutMs?: number): Promise<ValOf[T]> {
    const { message } = await this.takeRaw(tag, timeoutMs);
    return message.val as ValOf[T];
  }

  /** The next `ToClientCommands` batch. */
  commands(timeoutMs?: number): Promise<readonly runner.v7.CommandWrapper[]> {
    return this.take("ToClientCommands", timeoutMs);
  }

  /** Fails if a message with this tag arrives within `ms`. */
  async expectNo(tag: runner.v7.ToClient["tag"], ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const found = this.inbox.find((m) => m.message.tag === tag);
    if (found) throw new Error(`unexpected ${tag}: ${JSON.stringify(found.message.val, bigintJson)}`);
  }

  /** Sends one event at an explicit index (the runner's own numbering is bypassed). */
  eventAt(actorId: string, generation: number, index: number, inner: runner.v7.Event): void {
    this.send({ tag: "ToServerEvents", val: [{ checkpoint: { actorId, generation, index: BigInt(index) }, inner }] });
  }

  /** Sends one event at the next index of (actor, generation), as a runner numbers them. */
  event(actorId: string, generation: number, inner: runner.v7.Event): number {
    const k = `${actorId}/${generation}`;
    const index = this.nextEventIndex.get(k) ?? 0;
    this.nextEventIndex.set(k, index + 1);
    this.eventAt(actorId, generation, index, inner);
    return index;
  }

  running(actorId: string, generation: number): number {
    return this.event(actorId, generation, RUNNING);
  }

  stopped(actorId: string, generation: number, code = runner.v7.StopCode.Error, message: string | null = null): number {
    return this.event(actorId, generation, stoppedEvent(code, message));
  }

  sleepIntent(actorId: string, generation: number): number {
    return this.event(actorId, generation, { tag: "EventActorIntent", val: { intent: { tag: "ActorIntentSleep", val: null } } });
  }

  stopIntent(actorId: string, generation: number): number {
    return this.event(actorId, generation, { tag: "EventActorIntent", val: { intent: { tag: "ActorIntentStop", val: null } } });
  }

  setAlarm(actorId: string, generation: number, alarmTs: number | null): number {
    return this.event(actorId, generation, { tag: "EventActorSetAlarm", val: { alarmTs: alarmTs === null ? null : BigInt(alarmTs) } });
  }

  ackCommands(checkpoints: { actorId: string; generation: number; index: number }[]): void {
    this.send({
      tag: "ToServerAckCommands",
      val: { lastCommandCheckpoints: checkpoints.map((c) => ({ ...c, index: BigInt(c.index) })) },
    });
  }

  async close(): Promise<void> {
    this.ws.close();
    await this.closed;
  }
}

export const RUNNING: runner.v7.Event = {
  tag: "EventActorStateUpdate",
  val: { state: { tag: "ActorStateRunning", val: null } },
};

export function stoppedEvent(code: runner.v7.StopCode, message: string | null = null): runner.v7.Event {
  return { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateStopped", val: { code, message } } } };
}

export function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

/** Waits until `check` returns a value other than undefined. */
export async function eventually<T>(check: () => T | undefined, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---- Rivet's runner ----------------------------------------------------------------------------

export interface RivetRunnerOptions {
  readonly name?: string;
  readonly slots?: number;
  readonly version?: number;
  readonly onActorStart?: (actorId: string, generation: number, config: { name: string; key: string | null; input: Uint8Array | null }) => Promise<void> | void;
  readonly onActorStop?: (actorId: string, generation: number) => Promise<void> | void;
}

/** Rivet's own runner against the harness, connected; `noAutoShutdown` so tests control its end. */
export async function startRivetRunner(port: number, options: RivetRunnerOptions = {}): Promise<Runner> {
  let onConnected!: () => void;
  const connected = new Promise<void>((resolve) => {
    onConnected = resolve;
  });
  const rivet = new Runner({
    version: options.version ?? 1,
    endpoint: `http://127.0.0.1:${port}`,
    namespace: "default",
    runnerName: options.name ?? "rivet",
    totalSlots: options.slots ?? 10,
    prepopulateActorNames: {},
    metadata: {},
    noAutoShutdown: true,
    onConnected: () => onConnected(),
    onDisconnected: () => {},
    onShutdown: () => {},
    fetch: async () => new Response(null, { status: 404 }),
    websocket: async () => {},
    hibernatableWebSocket: { canHibernate: () => false },
    onActorStart: async (actorId, generation, config) => {
      await options.onActorStart?.(actorId, generation, { name: config.name, key: config.key, input: config.input });
    },
    onActorStop: async (actorId, generation) => {
      await options.onActorStop?.(actorId, generation);
    },
  });
  await rivet.start();
  await connected;
  return rivet;
}
