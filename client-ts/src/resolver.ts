/**
 * Turning a handle's query into an actor ID, lazily and once: `getForId` is already an ID,
 * `get` looks the key up (`GET /actors?name=&key=`), `getOrCreate` uses `PUT /actors`. The
 * ID is cached; a stale-actor error (the actor was destroyed, or is gone) invalidates it so
 * the next attempt resolves again, which for `getOrCreate` may create a fresh actor.
 */
import { ActorError, RemoteActorError } from "./actor-error.js";
import type { EngineApi } from "./engine-api.js";
import { abortError } from "./errors.js";

/** What a handle addresses. */
export type ActorQuery =
  | { readonly getForId: { readonly name: string; readonly actorId: string } }
  | { readonly getForKey: { readonly name: string; readonly key: readonly string[] } }
  | {
      readonly getOrCreateForKey: {
        readonly name: string;
        readonly key: readonly string[];
        /** CBOR of the creation input. */
        readonly input?: Uint8Array;
        readonly region?: string;
        readonly poolName?: string;
      };
    };

/** The actor name a query addresses. */
export function queryName(query: ActorQuery): string {
  if ("getForId" in query) return query.getForId.name;
  if ("getForKey" in query) return query.getForKey.name;
  return query.getOrCreateForKey.name;
}

/** Errors meaning "the actor you resolved is not there any more": resolve again. */
export function isStaleActorError(group: string, code: string): boolean {
  return (
    group === "actor" &&
    (code === "not_found" ||
      code === "starting" ||
      code === "stopping" ||
      code === "not_configured" ||
      code === "dropped_reply" ||
      code === "destroying" ||
      code.startsWith("destroyed_"))
  );
}

/**
 * Transient gateway and lifecycle errors after which the same request may simply be sent
 * again (rivetkit retries the same set): the actor was restarting or the tunnel broke
 * before the request reached it.
 */
export function isTransientError(group: string, code: string): boolean {
  if (group === "actor") return code === "restarting";
  if (group === "guard") {
    return (
      code === "service_unavailable" ||
      code === "actor_wake_retries_exceeded" ||
      code === "actor_stopped_while_waiting" ||
      code === "tunnel_request_aborted" ||
      code === "tunnel_message_timeout" ||
      code === "tunnel_response_closed" ||
      code === "gateway_response_start_timeout"
    );
  }
  return false;
}

/** Resolves one handle's query to an actor ID, caching it until invalidated. */
export class ActorResolver {
  private cached: string | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(
    private readonly api: EngineApi,
    readonly query: ActorQuery,
  ) {
    if ("getForId" in query) this.cached = query.getForId.actorId;
  }

  /** Whether the handle finds its actor by key, so a stale ID can be resolved again. */
  get dynamic(): boolean {
    return !("getForId" in this.query);
  }

  /** The cached actor ID, if resolved. */
  get actorId(): string | undefined {
    return this.cached;
  }

  /** Resolves (once; concurrent callers share one lookup). */
  async resolve(signal?: AbortSignal): Promise<string> {
    if (this.cached !== undefined) return this.cached;
    if (signal?.aborted === true) throw abortError(signal);
    this.inFlight ??= this.lookup().finally(() => {
      this.inFlight = undefined;
    });
    const id = await (signal === undefined ? this.inFlight : raceAbort(this.inFlight, signal));
    return id;
  }

  /** Forgets the cached ID of a dynamic query (a `getForId` handle keeps its ID). */
  invalidate(): void {
    if (this.dynamic) this.cached = undefined;
  }

  private async lookup(): Promise<string> {
    const q = this.query;
    if ("getForId" in q) return q.getForId.actorId;
    if ("getForKey" in q) {
      const actor = await this.api.getWithKey(q.getForKey.name, q.getForKey.key);
      if (actor === undefined) {
        throw RemoteActorError.fromWire({
          group: "actor",
          code: "not_found",
          message: `no actor ${q.getForKey.name} with key ${JSON.stringify(q.getForKey.key)}`,
        });
      }
      this.cached = actor.actor_id;
      return actor.actor_id;
    }
    const { actor } = await this.api.getOrCreate({
      name: q.getOrCreateForKey.name,
      key: q.getOrCreateForKey.key,
      ...(q.getOrCreateForKey.input === undefined ? {} : { input: q.getOrCreateForKey.input }),
      ...(q.getOrCreateForKey.region === undefined ? {} : { region: q.getOrCreateForKey.region }),
      ...(q.getOrCreateForKey.poolName === undefined ? {} : { poolName: q.getOrCreateForKey.poolName }),
    });
    this.cached = actor.actor_id;
    return actor.actor_id;
  }
}

/** Settles with `promise`, or rejects with the abort error as soon as `signal` fires. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** Waits `ms`, or rejects when `signal` fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const wait = new Promise<void>((resolve) => setTimeout(resolve, ms));
  return signal === undefined ? wait : raceAbort(wait, signal);
}

/**
 * Runs `attempt` against the resolved actor, resolving again after stale-actor errors (for
 * dynamic handles) and repeating after transient gateway errors, within bounded attempts.
 */
export async function withActor<T>(
  resolver: ActorResolver,
  signal: AbortSignal | undefined,
  attempt: (actorId: string) => Promise<T>,
  options: { retryTransient?: boolean } = {},
): Promise<T> {
  const maxStale = !resolver.dynamic ? 0 : "getOrCreateForKey" in resolver.query ? 60 : 24;
  const maxTransient = options.retryTransient === false ? 0 : 10;
  let stale = 0;
  let transient = 0;
  for (;;) {
    const actorId = await resolver.resolve(signal);
    try {
      return await attempt(actorId);
    } catch (err) {
      if (!(err instanceof ActorError)) throw err;
      if (isStaleActorError(err.group, err.code)) {
        if (stale < maxStale) {
          stale += 1;
          resolver.invalidate();
          // An actor that is starting or stopping needs a moment; one that is gone does not.
          if (err.code !== "not_found" || stale > 1) await sleep(100, signal);
          continue;
        }
        if (!resolver.dynamic && err.code === "destroyed_while_waiting_for_ready") {
          throw RemoteActorError.fromWire({ group: "actor", code: "not_found", message: "The actor does not exist or was destroyed.", metadata: err.metadata });
        }
        throw err;
      }
      if (isTransientError(err.group, err.code) && transient < maxTransient) {
        transient += 1;
        await sleep(Math.min(1_000, 100 * 2 ** (transient - 1)), signal);
        continue;
      }
      throw err;
    }
  }
}
