/**
 * `setup({ use })` and `registry.start()`: a registry of actor definitions, and the
 * `RunnerHandler` that hosts them on a runner connection by mapping each actor id the engine
 * starts to one live {@link ActorInstance}.
 */
import type { Logger } from "pino";
import { createClient } from "@actorwire/client";
import { RunnerError } from "../runner/errors.js";
import { defaultLogger } from "../runner/log.js";
import { Runner } from "../runner/runner.js";
import { responseOf, tunnelRequestOf } from "../runner/tunnel-request.js";
import type {
  ActorStartInfo,
  ActorStopReason,
  RunnerApi,
  RunnerHandler,
  RouteAnswer,
  TunnelRequest,
  TunnelRequestInfo,
  TunnelWebSocket,
} from "../runner/types.js";
import type { AnyActorConfig, CreateSurfaces } from "./contract.js";
import type { Registry, RegistryActors, RegistryHandle, RegistryStartConfig } from "./definition.js";
import { clientUnavailable, notFound } from "./errors.js";
import { ActorInstance, type ActorType } from "./instance.js";
import { resolveOptions } from "./options.js";
import { createFetchHandler } from "./fetch-handler.js";
import { createSurfaces } from "./surfaces.js";

/** The engine endpoint when neither the config nor `RIVET_ENDPOINT` names one. */
export const DEFAULT_ENDPOINT = "http://127.0.0.1:6420";

/**
 * Groups actor definitions; `start()` hosts them on an engine. The other fields are defaults
 * for `start()` (which may override them) and the config `handler()` starts with.
 */
export function setup<U extends RegistryActors>(input: { readonly use: U } & RegistryStartConfig): Registry<U> {
  const { use, ...defaults } = input;
  return new ActorRegistry(use, defaults);
}

/** A registry plus the runner it started. */
export interface StartedRegistry extends RegistryHandle {
  /** The runner connection (for tests and advanced use). */
  readonly runner: Runner;
}

class ActorRegistry<U extends RegistryActors> implements Registry<U> {
  /** The registry `handler()` serves from: the last one started, or one it starts itself. */
  private started: StartedRegistry | undefined;
  private routes: ((request: Request) => Promise<Response>) | undefined;

  constructor(
    readonly use: U,
    private readonly defaults: RegistryStartConfig = {},
  ) {}

  get current(): StartedRegistry | undefined {
    return this.started;
  }

  handler = (request: Request): Promise<Response> => {
    this.routes ??= createFetchHandler(() => (this.started ??= this.start()), {
      actorNames: Object.keys(this.use),
      clientEndpoint: () => this.defaults.publicEndpoint ?? process.env.RIVET_PUBLIC_ENDPOINT ?? this.defaults.endpoint ?? process.env.RIVET_ENDPOINT ?? DEFAULT_ENDPOINT,
      clientNamespace: () => this.defaults.namespace ?? process.env.RIVET_NAMESPACE ?? "default",
      clientToken: () => this.defaults.publicToken ?? process.env.RIVET_PUBLIC_TOKEN,
    });
    return this.routes(request);
  };

  start(overrides: RegistryStartConfig = {}): StartedRegistry {
    const config: RegistryStartConfig = { ...this.defaults, ...overrides };
    const env = process.env;
    const logger = config.logger ?? defaultLogger();
    const endpoint = config.endpoint ?? env.RIVET_ENDPOINT ?? DEFAULT_ENDPOINT;
    const token = config.token ?? env.RIVET_TOKEN;
    const namespace = config.namespace ?? env.RIVET_NAMESPACE ?? "default";
    const runnerName = config.runnerName ?? env.RIVET_RUNNER ?? "default";
    // `c.client()`: one client for the whole runner, made on first use, that reaches other
    // actors through the same engine, namespace and pool this runner serves.
    let client: unknown;
    const clientFactory = () =>
      (client ??= createClient({ endpoint, namespace, poolName: runnerName, disableMetadataLookup: true, ...(token !== undefined ? { token } : {}) }));
    const host = new ActorHost(this.use, logger, createSurfaces, clientFactory);
    const runner = new Runner({
      endpoint,
      token,
      namespace,
      runnerName,
      runnerKey: config.runnerKey ?? env.RIVET_RUNNER_KEY,
      version: config.version ?? numberFromEnv(env.RIVET_RUNNER_VERSION),
      totalSlots: config.totalSlots ?? numberFromEnv(env.RIVET_TOTAL_SLOTS),
      actorNames: Object.fromEntries(Object.keys(this.use).map((name) => [name, { metadata: {} }])),
      handler: host,
      logger,
      handleSignals: config.handleSignals,
    });
    host.attach(runner);
    const ready = runner.start();
    const started: StartedRegistry = {
      ready,
      runner,
      get runnerId() {
        return runner.runnerId;
      },
      shutdown: () => runner.shutdown(),
    };
    this.started = started;
    return started;
  }
}

function numberFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The runtime's side of the runner contract: one live instance per actor id. Exported for tests
 * and for hosting actors on a runner made elsewhere.
 *
 * @internal Its constructor takes the runtime's surfaces factory, which the package does not
 * export, so in practice only `setup()` makes one; not semver.
 */
export class ActorHost implements RunnerHandler {
  private readonly types = new Map<string, ActorType>();
  private readonly actors = new Map<string, ActorInstance>();
  private runner: RunnerApi | undefined;

  constructor(
    use: RegistryActors,
    private readonly log: Logger,
    createSurfacesFn: CreateSurfaces,
    clientFactory: () => unknown = () => {
      throw clientUnavailable();
    },
  ) {
    for (const [name, definition] of Object.entries(use)) {
      const config = definition.config as unknown as AnyActorConfig;
      this.types.set(name, { name, config, options: resolveOptions(config.options), log, createSurfaces: createSurfacesFn, client: clientFactory });
    }
  }

  /** Connects the host to its runner (before the runner starts). */
  attach(runner: RunnerApi): void {
    this.runner = runner;
  }

  /** The live instance of an actor, if this runner hosts it. */
  instance(actorId: string): ActorInstance | undefined {
    return this.actors.get(actorId);
  }

  async onActorStart(info: ActorStartInfo): Promise<void> {
    const type = this.types.get(info.name);
    if (type === undefined) throw new Error(`this runner has no actor named ${JSON.stringify(info.name)}`);
    if (this.runner === undefined) throw new Error("the actor host is not attached to a runner");
    const instance = new ActorInstance(type, this.runner, info);
    this.actors.set(info.actorId, instance);
    try {
      await instance.start(info.hibernatingRequests);
    } catch (error) {
      if (this.actors.get(info.actorId) === instance) this.actors.delete(info.actorId);
      this.log.error({ err: error, actorId: info.actorId, actor: info.name }, "actor failed to start");
      throw error;
    }
  }

  async onActorStop(actorId: string, generation: number, reason: ActorStopReason): Promise<void> {
    const instance = this.actors.get(actorId);
    if (instance === undefined || instance.generation !== generation) return;
    try {
      await instance.stop(reason);
    } finally {
      if (this.actors.get(actorId) === instance) this.actors.delete(actorId);
    }
  }

  async route(actorId: string, request: TunnelRequest, info: TunnelRequestInfo): Promise<RouteAnswer> {
    const instance = this.actors.get(actorId);
    // Not (or no longer) hosted here, so nothing of the request ran: the runner answers it so
    // that the gateway sends it again once the actor is awake.
    if (instance === undefined) throw new RunnerError("runner.actor_not_found", `actor ${actorId} is not hosted here`);
    return instance.surfaces.route(request, info);
  }

  async fetch(actorId: string, request: Request, info: TunnelRequestInfo): Promise<Response> {
    return responseOf(await this.route(actorId, tunnelRequestOf(request), info));
  }

  async websocket(actorId: string, socket: TunnelWebSocket, request: Request, info: TunnelRequestInfo): Promise<void> {
    const instance = this.actors.get(actorId);
    if (instance === undefined) throw notFound(actorId);
    await instance.surfaces.websocket(socket, request, info);
  }

  canHibernate(actorId: string, request: Request): boolean {
    return this.actors.get(actorId)?.surfaces.canHibernate(request) ?? false;
  }
}
