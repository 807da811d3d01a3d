import type { runner } from "@actorwire/protocol";

type EventWrapper = runner.v7.EventWrapper;
type Event = runner.v7.Event;

/** One actor generation's events: the next index and those the engine has not acked yet. */
interface GenerationEvents {
  readonly generation: number;
  nextIndex: number;
  /** Unacked events in index order. */
  unacked: EventWrapper[];
  /** Set once `Stopped` is recorded: no more events will follow. */
  finished: boolean;
}

/**
 * Keep at most this many finished generations whose events the engine has not acked. The
 * engine acks only every ~250 events, so a finished generation's few events would otherwise
 * stay forever; past this many, the oldest finished ones are forgotten (the engine has long
 * since seen them on a live connection, or given their generation up).
 */
const MAX_FINISHED_GENERATIONS = 10_000;

/**
 * Event numbering and history, per (actor, generation): indices start at 0 for each
 * generation, every event is kept until a `ToClientAckEvents` covers it, and everything
 * unacked is sent again after a reconnect (the engine drops what it has already processed).
 * Unlike Rivet's runner, history outlives the local actor: a `Stopped` recorded while
 * disconnected still reaches the engine after the reconnect.
 */
export class EventHistory {
  private readonly byActor = new Map<string, GenerationEvents[]>();
  private finishedOrder: [string, number][] = [];
  private finishedHead = 0;

  /** Numbers an event of `actorId` in `generation` and keeps it until acked. */
  record(actorId: string, generation: number, inner: Event): EventWrapper {
    const gen = this.generation(actorId, generation);
    const wrapper: EventWrapper = { checkpoint: { actorId, generation, index: BigInt(gen.nextIndex++) }, inner };
    gen.unacked.push(wrapper);
    if (inner.tag === "EventActorStateUpdate" && inner.val.state.tag === "ActorStateStopped" && !gen.finished) {
      gen.finished = true;
      this.finishedOrder.push([actorId, generation]);
      this.trimFinished();
    }
    return wrapper;
  }

  /** Drops the events a `ToClientAckEvents` checkpoint covers. */
  ack(checkpoint: runner.v7.ActorCheckpoint): void {
    const list = this.byActor.get(checkpoint.actorId);
    if (list === undefined) return;
    for (const gen of list) {
      // An ack names the generation; older generations the engine has moved past are done too.
      if (gen.generation > checkpoint.generation) continue;
      if (gen.generation < checkpoint.generation) {
        gen.unacked.length = 0;
        continue;
      }
      let keep = 0;
      while (keep < gen.unacked.length && (gen.unacked[keep] as EventWrapper).checkpoint.index <= checkpoint.index) keep++;
      if (keep > 0) gen.unacked.splice(0, keep);
    }
    this.prune(checkpoint.actorId, list);
  }

  /**
   * Forgets the generations of an actor older than `generation`: the engine drops events of
   * generations it has moved on from, so there is nothing left to resend for them.
   */
  forgetOlder(actorId: string, generation: number): void {
    const list = this.byActor.get(actorId);
    if (list === undefined) return;
    for (const gen of list) if (gen.generation < generation) gen.unacked.length = 0;
    this.prune(actorId, list);
  }

  /** Every unacked event, per actor and generation in index order, for a resend after `ToClientInit`. */
  unacked(): EventWrapper[] {
    const out: EventWrapper[] = [];
    for (const list of this.byActor.values()) for (const gen of list) for (const e of gen.unacked) out.push(e);
    return out;
  }

  /** How many events are waiting for an ack. */
  get size(): number {
    let n = 0;
    for (const list of this.byActor.values()) for (const gen of list) n += gen.unacked.length;
    return n;
  }

  private generation(actorId: string, generation: number): GenerationEvents {
    let list = this.byActor.get(actorId);
    if (list === undefined) {
      list = [];
      this.byActor.set(actorId, list);
    }
    for (const gen of list) if (gen.generation === generation) return gen;
    const gen: GenerationEvents = { generation, nextIndex: 0, unacked: [], finished: false };
    list.push(gen);
    return gen;
  }

  /** Removes generations that are finished and fully acked, and actors with none left. */
  private prune(actorId: string, list: GenerationEvents[]): void {
    for (let i = list.length - 1; i >= 0; i--) {
      const gen = list[i] as GenerationEvents;
      if (gen.finished && gen.unacked.length === 0) list.splice(i, 1);
    }
    if (list.length === 0) this.byActor.delete(actorId);
  }

  private trimFinished(): void {
    while (this.finishedOrder.length - this.finishedHead > MAX_FINISHED_GENERATIONS) {
      const [actorId, generation] = this.finishedOrder[this.finishedHead++] as [string, number];
      const list = this.byActor.get(actorId);
      const gen = list?.find((g) => g.generation === generation);
      if (list !== undefined && gen !== undefined && gen.finished) {
        gen.unacked.length = 0;
        this.prune(actorId, list);
      }
    }
    // Compact the queue now and then instead of shifting it on every trim.
    if (this.finishedHead > 4096 && this.finishedHead * 2 > this.finishedOrder.length) {
      this.finishedOrder = this.finishedOrder.slice(this.finishedHead);
      this.finishedHead = 0;
    }
  }
}
