import type { ActorLifecycle } from "./actors/index.js";
import type { Catalog } from "./catalog/catalog.js";
import { EngineError } from "./errors.js";
import type { ActorGenerationEvent, ActorPlacement, ActorQuery, ActorRouter, WaitReadyOptions } from "./gateway/index.js";

/**
 * The gateway's view of actors, answered by the lifecycle (wake and wait until ready, stop
 * and ready events) and the catalog (name + key addressing).
 */
export class LifecycleActorRouter implements ActorRouter {
  constructor(
    private readonly catalog: Catalog,
    private readonly lifecycle: ActorLifecycle,
  ) {}

  waitReady(actorId: string, opts: WaitReadyOptions): Promise<ActorPlacement> {
    return this.lifecycle.waitReady(actorId, { timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  }

  readyNow(actorId: string): ActorPlacement | undefined {
    return this.lifecycle.readyNow(actorId);
  }

  currentRunner(actorId: string): string | undefined {
    return this.lifecycle.runnerOf(actorId);
  }

  async resolveQuery(query: ActorQuery): Promise<string> {
    const ns = this.catalog.requireNamespace(query.namespace);
    if (query.key === null) {
      // Query addressing finds actors by name and key; rivetkit sends "/" for an empty key.
      throw new EngineError("actor.key_required", "Query addressing needs a key (`rvt-key`).", { status: 400, metadata: { name: query.name } });
    }
    if (query.method === "get") {
      const found = this.catalog.listActors(ns, { name: query.name, key: query.key }).actors[0];
      if (found === undefined) {
        throw new EngineError("actor.not_found", "No actor with this name and key.", { status: 404, metadata: { name: query.name, key: query.key } });
      }
      return found.actor_id;
    }
    const { actor, created } = this.catalog.getOrCreateActor(ns, {
      name: query.name,
      key: query.key,
      input: query.input ?? null,
      runnerNameSelector: query.runnerName ?? "default",
      crashPolicy: query.crashPolicy ?? "sleep",
    });
    if (created) this.lifecycle.actorCreated(actor.actor_id);
    return actor.actor_id;
  }

  onActorStopped(listener: (e: ActorGenerationEvent) => void): () => void {
    return this.lifecycle.on("stopped", (e) => listener({ actorId: e.actorId, generation: e.generation, runnerId: e.runnerId }));
  }

  onActorReady(listener: (e: ActorGenerationEvent) => void): () => void {
    return this.lifecycle.on("ready", (e) => listener({ actorId: e.actorId, generation: e.generation, runnerId: e.runnerId }));
  }
}
