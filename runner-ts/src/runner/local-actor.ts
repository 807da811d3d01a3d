import type { ActorStartInfo, HibernatingRequest } from "./types.js";

/** Where a local actor is in its life on this runner. */
export type LocalActorState = "starting" | "running" | "stopping";

/** An HTTP request or WebSocket of an actor on the tunnel, as the actor's stop sees it. */
export interface ActorTunnelEntry {
  /** The actor stopped (or was lost): end without answering the gateway (hibernatable sockets just detach). */
  onActorStopped(): void;
}

/**
 * One actor generation hosted by this runner: its start info, its state, the tunnel traffic
 * that belongs to it, and what the runner must remember about it (its last alarm, whether it
 * asked to be destroyed).
 */
export class LocalActor {
  state: LocalActorState = "starting";
  /** Set by `destroyActor`: the stop that follows reports `OK`. */
  destroyRequested = false;
  /** The last alarm sent, so that repeats are sent once; undefined before any. */
  lastAlarm: number | null | undefined = undefined;
  /** HTTP requests and WebSockets in flight. */
  readonly entries = new Set<ActorTunnelEntry>();
  /** Whether the hibernating requests of the start command were dealt with. */
  hibernationSettled: boolean;
  /** Settles with true once `onActorStart` resolved, false if it threw or the actor stopped first. */
  readonly started: Promise<boolean>;
  /** The actor's start/stop chain: each step runs after the previous one. */
  chain: Promise<void> = Promise.resolve();
  /** Set by the first stop; later stops share it. */
  stopping: Promise<void> | undefined;
  /** Set once `Stopped` was reported. */
  ended = false;
  private settleStarted!: (ok: boolean) => void;

  constructor(readonly info: ActorStartInfo) {
    this.started = new Promise((resolve) => {
      this.settleStarted = resolve;
    });
    this.hibernationSettled = info.hibernatingRequests.length === 0;
  }

  get actorId(): string {
    return this.info.actorId;
  }

  get generation(): number {
    return this.info.generation;
  }

  get hibernatingRequests(): readonly HibernatingRequest[] {
    return this.info.hibernatingRequests;
  }

  markStarted(ok: boolean): void {
    if (ok && this.state === "starting") this.state = "running";
    this.settleStarted(ok);
  }
}
