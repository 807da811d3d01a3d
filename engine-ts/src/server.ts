import { type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { engineMetadata } from "./metadata.js";
import { LifecycleActorRouter } from "./actor-router.js";
import { ActorLifecycle, type ActorLifecycleConfig, commandReplay } from "./actors/index.js";
import { createApiHandler } from "./api/router.js";
import { parseTarget } from "./api/target.js";
import { EngineError } from "./errors.js";
import { pino } from "pino";
import { Catalog } from "./catalog/catalog.js";
import { RunnerPools } from "./catalog/runner-pools.js";
import { RunnerEndpoint, type RunnerEndpointOptions } from "./runners/index.js";
import { EnvoyEndpoint, type EnvoyEndpointOptions } from "./envoys/index.js";
import { Gateway, type GatewayConfig, TunnelTable } from "./gateway/index.js";
import type { runner } from "@actorwire/protocol";
import { GroupCommit } from "./kv/group-commit.js";
import { RunnerConfigs } from "./catalog/runner-configs.js";
import { KvService } from "./kv/service.js";
import { StorageRunnerRegistry } from "./runners/storage-registry.js";
import { MemoryStorage } from "./storage/memory.js";
import type { Storage } from "./storage/storage.js";
import { ENGINE_VERSION } from "./version.js";

/** Where the engine listens. */
export interface ServerOptions {
  /** The address to listen on: `127.0.0.1` for this machine only, `0.0.0.0` for every interface. */
  readonly host: string;
  /** The TCP port; 0 takes any free one, which {@link listen} then reports. */
  readonly port: number;
}

/** Settings of the engine's parts that take any. */
export interface EngineOptions {
  /** Where everything the engine knows lives; in memory (lost on exit) when not given. */
  readonly storage?: Storage;
  /** The datacenter label stamped on actors and runners. */
  readonly datacenter?: string;
  /** Runner endpoint settings; the engine supplies the registry, KV handler and command replay. */
  readonly runners?: Partial<RunnerEndpointOptions>;
  /** Envoy endpoint settings (`/envoys/connect`); the engine supplies the namespaces and pools. */
  readonly envoys?: Partial<Omit<EnvoyEndpointOptions, "directory">>;
  /** When set, the public API requires this token (Rivet's `auth.admin_token`). */
  readonly adminToken?: string;
  /**
   * Tuning of the actor lifecycle, in milliseconds where a field is a duration: how long a lost
   * runner keeps its actors (by default what the runner endpoint announces, 15,000), how long an
   * actor may take to start (30,000) or stop (1,800,000), the crash restart back-off, event ack
   * batching and command retention. Every field left out keeps Rivet's default.
   */
  readonly lifecycle?: Partial<ActorLifecycleConfig>;
  /**
   * Tuning of the gateway that carries client requests and WebSockets to actors: how long a
   * request waits for its actor (60,000 ms) and for an answer (300,000 ms), size limits (20 MiB
   * for bodies and messages), hibernatable-socket buffers, the bounds on slow clients, and its
   * logger. Every field left out keeps its default.
   */
  readonly gateway?: GatewayConfig;
}

/** The engine's HTTP server with its parts. */
export interface Engine {
  /** The HTTP server every route and upgrade is served on; not listening yet: pass it to {@link listen}. */
  readonly server: Server;
  /** The storage everything the engine knows lives in: the one given in the options, or a new {@link MemoryStorage}. */
  readonly storage: Storage;
  /** @internal The namespaces, actors and runner names; for the engine's own tests, not semver. */
  readonly catalog: Catalog;
  /** @internal The runner pools each namespace has seen; they decide which actors may be created. For the engine's own tests. */
  readonly runnerPools: RunnerPools;
  /** @internal The runner endpoint (`/runners/connect`) and its connections; for the engine's own tests, not semver. */
  readonly runners: RunnerEndpoint;
  /** @internal The envoy endpoint (`/envoys/connect`) and its connections; for the engine's own tests, not semver. */
  readonly envoys: EnvoyEndpoint;
  /** @internal The actors' KV; for the engine's own tests, not semver. */
  readonly kv: KvService;
  /** @internal The actor lifecycle state machine; for the engine's own tests, not semver. */
  readonly lifecycle: ActorLifecycle;
  /** @internal The gateway that tunnels client requests and WebSockets to actors; for the engine's own tests, not semver. */
  readonly gateway: Gateway;
  /** Closes every runner and envoy socket with `ws.going_away`, then the server, then the storage. */
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * Builds the engine on one port: `GET /metadata` and `/health`, the public API, the runner
 * endpoint (`/runners/connect`) with the runners' KV, the actor lifecycle, and the gateway
 * that tunnels client requests and WebSockets to actors. The `default` namespace always
 * exists. Routes and upgrades nothing takes answer 404 with the API's error shape.
 *
 * Every part is given what it uses when it is built; nothing is attached afterwards. The
 * closures handed to the runner endpoint and the runner pools call parts built after them,
 * which is safe because nothing calls them before the server listens.
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const storage = options.storage ?? new MemoryStorage();
  const datacenter = options.datacenter ?? "local";
  // Actors are only created for runner pools the namespace has seen, and only with names the
  // pool serves; the pools are recorded as runners connect (below).
  // Pools declared through the API (`PUT /runner-configs/{name}`) count as seen too.
  const runnerConfigs = new RunnerConfigs(storage, datacenter);
  const pools = new RunnerPools(
    storage,
    () => [
      ...runners.connections().map((c) => ({ namespaceId: c.namespace.id, name: c.name, actorNames: [...c.prepopulateActorNames.keys()] })),
      ...envoys.connections().map((c) => ({ namespaceId: c.namespace.id, name: c.poolName, actorNames: [...c.actorNames.keys()] })),
    ],
    (namespaceId, name) => runnerConfigs.has(namespaceId, name),
  );
  const catalog = new Catalog(storage, { datacenter, admit: (ns, input) => pools.admit(ns, input) });
  catalog.ensureNamespace("default");
  const kv = new KvService({ storage, version: ENGINE_VERSION });
  // KV requests arriving together share one commit (and one fsync); see GroupCommit.
  const kvCommits = new GroupCommit<runner.v7.KvResponseData>(storage);
  const runners: RunnerEndpoint = new RunnerEndpoint({
    registry: new StorageRunnerRegistry(storage, catalog),
    storage,
    ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
    ...options.runners,
    kv: (connection, request) =>
      kvCommits.submit(() => {
        // As Rivet's engine does, a runner may only touch the KV of a live actor it hosts. The
        // check runs inside the batch, right before the request, so it sees the latest state.
        // The usual answer (yes: the runner holds the actor's slot) comes from the lifecycle's
        // memory; storage is read only to word a refusal.
        if (lifecycle.kvOwner(request.actorId) === connection.runnerId) return kv.execute(request.actorId, request.data);
        const stored = catalog.getActor(request.actorId);
        if (stored === undefined || stored.actor.destroy_ts != null || stored.actor.namespace_id !== connection.namespace.id) {
          return { tag: "KvErrorResponse", val: { message: "actor does not exist" } };
        }
        if (lifecycle.runnerOf(request.actorId) !== connection.runnerId) {
          return { tag: "KvErrorResponse", val: { message: "actor does not belong to runner" } };
        }
        return kv.execute(request.actorId, request.data);
      }),
    replayCommands: commandReplay(storage),
  });
  runners.on("connected", (connection) => {
    const ns = catalog.resolveNamespace(connection.namespace.name);
    if (ns === undefined) return;
    const names = new Map([...connection.prepopulateActorNames].map(([name, v]) => [name, v.metadata]));
    catalog.registerActorNames(ns, names);
    pools.record(ns, connection.name, names.keys());
  });
  // Envoys (rivetkit 2.3's native core) connect only to declared pools; their metadata
  // registers actor names and records the pool as a runner's handshake does.
  const envoys: EnvoyEndpoint = new EnvoyEndpoint({
    directory: {
      resolveNamespace: (name) => {
        const ns = catalog.resolveNamespace(name);
        return ns === undefined ? undefined : { id: ns.namespace_id, name: ns.name };
      },
      hasPool: (namespaceId, poolName) => runnerConfigs.has(namespaceId, poolName),
    },
    ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
    ...options.envoys,
  });
  envoys.on("metadata", (connection) => {
    const ns = catalog.resolveNamespace(connection.namespace.name);
    if (ns === undefined) return;
    const names = new Map([...connection.actorNames].map(([name, v]) => [name, v.metadata]));
    catalog.registerActorNames(ns, names);
    pools.record(ns, connection.poolName, names.keys());
  });
  // The lifecycle and the gateway need each other: start commands list the client WebSockets
  // the gateway keeps for a sleeping actor, and the gateway waits on the lifecycle. Both take
  // the gateway's tunnel table, built first, instead of each other.
  const tunnels = new TunnelTable();
  const lifecycle = new ActorLifecycle({
    storage,
    catalog,
    runners,
    hibernation: tunnels,
    ...(options.lifecycle ? { config: options.lifecycle } : {}),
  });
  const gateway = new Gateway({
    runners,
    router: new LifecycleActorRouter(catalog, lifecycle),
    tunnels,
    ...(options.gateway ? { config: options.gateway } : {}),
  });
  const api = createApiHandler({
    catalog,
    version: ENGINE_VERSION,
    datacenter,
    runnerConfigs,
    runners: {
      connections: () => runners.connections(),
      actorCount: (runnerId) => lifecycle.actorCount(runnerId),
    },
    envoys: { connections: () => envoys.connections() },
    onActorCreated: (actorId) => lifecycle.actorCreated(actorId),
    onActorDestroyed: (actorId) => lifecycle.actorDestroyed(actorId),
    sleepActor: (actorId) => lifecycle.sleep(actorId),
    ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
  });

  const log = pino({ level: process.env.ACTORWIRE_LOG_LEVEL ?? "info" }).child({ component: "http" });
  // The last line of defence: whatever a handler throws (or rejects with) is answered here
  // and logged, so one request can never take the engine down with it.
  const lastResort = (res: ServerResponse, thrown: unknown, method: string | undefined, target: string | undefined) => {
    const error = EngineError.from(thrown);
    if (error !== thrown) log.error({ err: thrown, method, target: target?.slice(0, 200) }, "request handler failed");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, error.status, error.toBody());
  };
  const server = createServer((req, res) => {
    try {
      const path = parseTarget(req.url).pathname;
      if (req.method === "GET" && path === "/metadata") return sendJson(res, 200, engineMetadata(ENGINE_VERSION));
      if (req.method === "GET" && path === "/health") return sendJson(res, 200, { status: "ok", runtime: "engine", version: ENGINE_VERSION });
      void (async () => (await gateway.handleRequest(req, res)) || (await api(req, res)))().then(
        (handled) => {
          if (!handled) {
            req.resume();
            sendJson(res, 404, { group: "api", code: "not_found", message: `no route for ${req.method} ${path}`, metadata: null });
          }
        },
        (thrown: unknown) => lastResort(res, thrown, req.method, req.url),
      );
    } catch (thrown) {
      // Nobody reads the body of a refused request; drain it so the answer reaches the client.
      req.resume();
      lastResort(res, thrown, req.method, req.url);
    }
  });
  server.on("upgrade", (req, socket, head) => {
    try {
      if (runners.handleUpgrade(req, socket, head) || envoys.handleUpgrade(req, socket, head) || gateway.handleUpgrade(req, socket, head)) return;
      socket.on("error", () => {});
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    } catch (thrown) {
      // As for plain requests: an upgrade handler that throws must not end the process.
      log.error({ err: thrown, target: req.url?.slice(0, 200) }, "upgrade handler failed");
      socket.on("error", () => {});
      if (socket.writable) socket.end("HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      else socket.destroy();
    }
  });
  lifecycle.start();
  return {
    server,
    storage,
    catalog,
    runnerPools: pools,
    runners,
    envoys,
    kv,
    lifecycle,
    gateway,
    async close() {
      await gateway.close();
      lifecycle.close();
      await runners.close();
      await envoys.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      storage.close();
    },
  };
}

/** Starts the server and resolves once it is listening. */
export async function listen(server: Server, options: ServerOptions): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
