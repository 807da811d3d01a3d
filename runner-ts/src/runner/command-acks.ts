import type { runner } from "@actorwire/protocol";

/**
 * The last command index seen per (actor, generation), for `ToServerAckCommands`. The engine
 * keeps every command it sent until it is acked and replays the unacked ones after each
 * reconnect, so acking soon after commands arrive keeps replays (and their duplicate
 * handling) rare. Rivet's runner acks only every 5 minutes.
 */
export class CommandAcks {
  /** `actorId` → generation → last index seen, and whether that index still needs sending. */
  private readonly seen = new Map<string, Map<number, { index: bigint; dirty: boolean }>>();

  /** Records a command checkpoint. A replayed command marks its checkpoint for acking again. */
  observe(checkpoint: runner.v7.ActorCheckpoint): void {
    let gens = this.seen.get(checkpoint.actorId);
    if (gens === undefined) {
      gens = new Map();
      this.seen.set(checkpoint.actorId, gens);
    }
    const entry = gens.get(checkpoint.generation);
    if (entry === undefined) gens.set(checkpoint.generation, { index: checkpoint.index, dirty: true });
    else if (checkpoint.index >= entry.index) {
      entry.index = checkpoint.index;
      entry.dirty = true;
    }
  }

  /** Whether any checkpoint waits to be sent. */
  get pending(): boolean {
    for (const gens of this.seen.values()) for (const e of gens.values()) if (e.dirty) return true;
    return false;
  }

  /**
   * The checkpoints to send now. Once sent, the checkpoints of generations that are no longer
   * live here are forgotten: a replay of their commands would simply be acked again.
   */
  take(isLive: (actorId: string, generation: number) => boolean): runner.v7.ActorCheckpoint[] {
    const out: runner.v7.ActorCheckpoint[] = [];
    for (const [actorId, gens] of this.seen) {
      for (const [generation, entry] of gens) {
        if (entry.dirty) {
          out.push({ actorId, generation, index: entry.index });
          entry.dirty = false;
        }
        if (!isLive(actorId, generation)) gens.delete(generation);
      }
      if (gens.size === 0) this.seen.delete(actorId);
    }
    return out;
  }
}
