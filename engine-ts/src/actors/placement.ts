/** Where one generation of an actor runs. The gateway's `ActorRouter.waitReady` resolves with it. */
export interface ActorPlacement {
  readonly runnerId: string;
  readonly generation: number;
}

/** One generation of one actor on one runner, as the lifecycle's `ready` and `stopped` events carry it. */
export interface ActorGenerationEvent extends ActorPlacement {
  readonly actorId: string;
}

/** A connected runner as placement sees it. */
export interface PlacementCandidate {
  readonly runnerId: string;
  readonly namespaceId: string;
  /** The runner name (pool name) from `ToServerInit`. */
  readonly name: string;
  /** The runner's deployment version from `ToServerInit`. */
  readonly version: number;
  readonly totalSlots: number;
  /** Actors placed there (starting, running or stopping). */
  readonly used: number;
  readonly draining: boolean;
  /** Whether the connection can carry commands (open, runner protocol v4-v7). */
  readonly usable: boolean;
}

/** Why no runner was chosen. */
export type NoPlacement = "no_runners" | "no_capacity";

/**
 * Chooses a runner for an actor: an open, non-draining runner of the actor's namespace whose
 * name is the actor's runner name selector and that has a free slot. Among those, the
 * highest runner version wins (Rivet prefers newer deployments), then the least loaded, then
 * the runner ID so that the choice is deterministic.
 */
export function choosePlacement(
  candidates: Iterable<PlacementCandidate>,
  namespaceId: string,
  runnerName: string,
): PlacementCandidate | NoPlacement {
  let best: PlacementCandidate | undefined;
  let anyNamed = false;
  for (const c of candidates) {
    if (c.namespaceId !== namespaceId || c.name !== runnerName || !c.usable) continue;
    anyNamed = true;
    if (c.draining || c.used >= c.totalSlots) continue;
    if (best === undefined || better(c, best)) best = c;
  }
  if (best !== undefined) return best;
  return anyNamed ? "no_capacity" : "no_runners";
}

function better(a: PlacementCandidate, b: PlacementCandidate): boolean {
  if (a.version !== b.version) return a.version > b.version;
  if (a.used !== b.used) return a.used < b.used;
  return a.runnerId < b.runnerId;
}
