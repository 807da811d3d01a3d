import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Runner } from "@rivetkit/engine-runner";
import { pino } from "pino";
import { ActorLifecycle, type ActorLifecycleConfig, type ActorTransition, type Phase, commandReplay } from "../src/actors/index.js";
import { Catalog } from "../src/catalog/catalog.js";
import type { CrashPolicy, NamespaceRecord } from "../src/catalog/records.js";
import { RunnerEndpoint, type RunnerEndpointOptions, type RunnerRegistry, mintRunnerId } from "../src/runners/index.js";
import { MemoryStorage } from "../src/storage/memory.js";
import type { Storage } from "../src/storage/storage.js";

// The engine's pieces in-process on a random loopback port: storage, catalog, the runner
// endpoint on a real HTTP server, and the lifecycle under test. No mocks: runners are real
// WebSocket clients, either scripted (testkit's ScriptedRunner) or Rivet's own.

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
  /** `http://127.0.0.1:<port>`, where runners connect. */
  readonly endpoint: string;
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
    endpoint: `http://127.0.0.1:${port}`,
    ns,
    transitions,
    createActor(o = {}) {
      const actor = catalog.createActor(ns, {
        name: o.name ?? "counter",
        key: o.key === undefined ? `k-${Math.random().toString(36).slice(2)}` : o.key,
        input: o.input == null ? null : Buffer.from(o.input).toString("base64"),
        runnerNameSelector: o.runnerName ?? "scripted",
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
