/**
 * What the gateway needs from actor lifecycle and the catalog. The composition root wires a
 * real implementation; the gateway only depends on this shape. Placements and the options of
 * a wait are the lifecycle's own types, declared once in `../actors/`.
 */
import type { ActorGenerationEvent, ActorPlacement, WaitReadyOptions } from "../actors/index.js";

export type { ActorGenerationEvent, ActorPlacement, WaitReadyOptions };

/** Name + key addressing (the gateway's query mode, `rvt-*`). */
export interface ActorQuery {
  readonly namespace: string;
  readonly name: string;
  /** The key serialized the way rivetkit does it (`"/"` for the empty key). */
  readonly key: string | null;
  readonly method: "get" | "getOrCreate";
  readonly runnerName?: string;
  /** CBOR bytes in standard base64. */
  readonly input?: string;
  readonly crashPolicy?: "restart" | "sleep" | "destroy";
}

/** Actor lookup, wake-up and stop notifications, as the gateway sees them. */
export interface ActorRouter {
  /**
   * Resolves when the actor is running; wakes a sleeping actor. Rejects with an EngineError
   * (`actor.not_found` 404, `actor.ready_timeout`, ...).
   */
  waitReady(actorId: string, opts: WaitReadyOptions): Promise<ActorPlacement>;
  /**
   * Optional: the actor's placement when it is running on a connected runner right now, read
   * from memory; undefined when {@link waitReady} is needed (to wake it, or to wait). The
   * gateway asks this first, so a request to a running actor sets up no timer and no abort
   * signal for a wait it does not need.
   */
  readyNow?(actorId: string): ActorPlacement | undefined;
  /**
   * The runner hosting the actor's current generation (starting, running or stopping there),
   * or undefined when no generation holds a runner. Only that runner may write to the
   * actor's hibernating WebSockets.
   */
  currentRunner(actorId: string): string | undefined;
  /** Resolves name + key addressing to an actor ID (get / getOrCreate) in a namespace. */
  resolveQuery(query: ActorQuery): Promise<string>;
  /** Subscribes to "actor stopped", so that non-hibernatable sockets close with 1000 actor.stopped. */
  onActorStopped(listener: (e: ActorGenerationEvent) => void): () => void;
  /**
   * Optional: subscribes to "actor ready". With it, a hibernating WebSocket resumes as soon as
   * its actor runs again for any reason; without it, on the client's next message.
   */
  onActorReady?(listener: (e: ActorGenerationEvent) => void): () => void;
}
