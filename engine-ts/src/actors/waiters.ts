import type { ActorPlacement } from "./placement.js";

interface Waiter {
  readonly resolve: (placement: ActorPlacement) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Callers waiting for actors to become ready, by actor ID. Each wait ends exactly once: when
 * the actor is ready, when it fails, when its timeout passes, or when its signal aborts, and
 * it leaves nothing behind (no timer, no listener, no entry).
 */
export class ReadyWaiters {
  private readonly byActor = new Map<string, Set<Waiter>>();

  /**
   * Waits for `actorId`. When `timeoutMs` passes, rejects with what `onTimeout` returns (asked
   * at that moment, so the error can say why the actor is not ready). An aborted `signal`
   * rejects with its reason.
   */
  wait(actorId: string, timeoutMs: number, onTimeout: () => unknown, signal?: AbortSignal): Promise<ActorPlacement> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => finish(() => reject(signal?.reason));
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const set = this.byActor.get(actorId);
        set?.delete(waiter);
        if (set?.size === 0) this.byActor.delete(actorId);
        settle();
      };
      const waiter: Waiter = {
        resolve: (p) => finish(() => resolve({ runnerId: p.runnerId, generation: p.generation })),
        reject: (err) => finish(() => reject(err)),
      };
      let set = this.byActor.get(actorId);
      if (set === undefined) {
        set = new Set();
        this.byActor.set(actorId, set);
      }
      set.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(() => finish(() => reject(onTimeout())), timeoutMs);
    });
  }

  /** Whether anyone waits for this actor. */
  has(actorId: string): boolean {
    return this.byActor.has(actorId);
  }

  /** Resolves every wait for this actor. */
  resolve(actorId: string, placement: ActorPlacement): void {
    for (const w of [...(this.byActor.get(actorId) ?? [])]) w.resolve(placement);
  }

  /** Rejects every wait for this actor. */
  reject(actorId: string, err: unknown): void {
    for (const w of [...(this.byActor.get(actorId) ?? [])]) w.reject(err);
  }

  /** Rejects every wait. */
  rejectAll(err: unknown): void {
    for (const actorId of [...this.byActor.keys()]) this.reject(actorId, err);
  }
}
