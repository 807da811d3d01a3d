import type { ActorPlacement } from "./placement.js";
import { type LifecycleRecord, holdsSlot } from "./record.js";

/** What a pending actor waits for: a runner of this name in this namespace. */
export interface PendingActor {
  readonly namespaceId: string;
  readonly runnerName: string;
}

/**
 * What the lifecycle keeps in memory about where actors are, so that placement and the
 * gateway's per-request path never read storage: which actors hold a slot on which runner
 * (and the reverse), which wait for a runner, and which run where. Storage is the truth; the
 * lifecycle rebuilds these at `start()` and brings them in line with every record a
 * transaction changes, right after it commits and in the same synchronous turn.
 */
export class ActorIndexes {
  /** Which actors hold a slot on each runner, and the reverse. */
  private readonly slots = new Map<string, Set<string>>();
  private readonly slotOf = new Map<string, string>();
  /** Actors waiting for a runner, in the order they started waiting. */
  private readonly pending = new Map<string, PendingActor>();
  /** Running actors and where they run. */
  private readonly running = new Map<string, ActorPlacement>();
  /** Actors the API destroyed that still hold a slot while their last generation stops. */
  private readonly destroyRequested = new Set<string>();

  /** Brings the indexes in line with one record; returns whether a slot was freed. */
  update(rec: LifecycleRecord): boolean {
    const { actorId } = rec;
    let freed = false;
    const held = this.slotOf.get(actorId);
    const holds = holdsSlot(rec.phase) && rec.runnerId !== null ? rec.runnerId : undefined;
    if (holds === undefined) this.destroyRequested.delete(actorId);
    if (held !== holds) {
      if (held !== undefined) {
        this.slots.get(held)?.delete(actorId);
        if (this.slots.get(held)?.size === 0) this.slots.delete(held);
        this.slotOf.delete(actorId);
        freed = true;
      }
      if (holds !== undefined) {
        let set = this.slots.get(holds);
        if (set === undefined) {
          set = new Set();
          this.slots.set(holds, set);
        }
        set.add(actorId);
        this.slotOf.set(actorId, holds);
      }
    }
    if (rec.phase === "running" && rec.runnerId !== null) this.running.set(actorId, { runnerId: rec.runnerId, generation: rec.generation });
    else this.running.delete(actorId);
    if (rec.phase === "pending") {
      if (!this.pending.has(actorId)) this.pending.set(actorId, { namespaceId: rec.namespaceId, runnerName: rec.runnerNameSelector });
    } else this.pending.delete(actorId);
    return freed;
  }

  /** The runner an actor holds a slot on (starting, running or stopping there). */
  runnerOf(actorId: string): string | undefined {
    return this.slotOf.get(actorId);
  }

  /**
   * Notes that the API destroyed an actor (its catalog record has a `destroy_ts`) while it still
   * holds a slot; it is forgotten when the slot is freed.
   */
  markDestroyed(actorId: string): void {
    if (this.slotOf.has(actorId)) this.destroyRequested.add(actorId);
  }

  /**
   * The runner that may use an actor's KV: the one it holds a slot on, unless the API has
   * destroyed it. Placement only puts an actor on a runner of its own namespace, so this
   * answers the namespace question too, without reading the catalog.
   */
  kvOwner(actorId: string): string | undefined {
    return this.destroyRequested.has(actorId) ? undefined : this.slotOf.get(actorId);
  }

  /** How many actors hold a slot on a runner. */
  actorCount(runnerId: string): number {
    return this.slots.get(runnerId)?.size ?? 0;
  }

  /** The actors holding a slot on a runner, as a copy the caller may change the indexes under. */
  actorsOn(runnerId: string): string[] {
    return [...(this.slots.get(runnerId) ?? [])];
  }

  /** The runners on which some actor holds a slot. */
  occupiedRunners(): string[] {
    return [...this.slots.keys()];
  }

  /** Where a running actor runs. */
  placementOf(actorId: string): ActorPlacement | undefined {
    return this.running.get(actorId);
  }

  /** The pending actors, oldest first, as a copy the caller may change the indexes under. */
  pendingActors(): [actorId: string, want: PendingActor][] {
    return [...this.pending];
  }
}
