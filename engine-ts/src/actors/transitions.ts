import { runner } from "@actorwire/protocol";
import type { Logger } from "pino";
import type { Catalog } from "../catalog/catalog.js";
import type { ActorRecord, StoredActor } from "../catalog/records.js";
import type { RunnerConnection } from "../runners/index.js";
import type { TypedEmitter } from "../runners/events.js";
import type { Transaction } from "../storage/storage.js";
import { CommandStore } from "./commands.js";
import { type ActorLifecycleConfig, type Clock, backoffDelay } from "./config.js";
import { actorNotFound } from "./errors.js";
import { alarmKey, awakeKey, recordKey } from "./keys.js";
import type { ActorLifecycleEventMap, ActorTransition } from "./lifecycle.js";
import { type PlacementCandidate, choosePlacement } from "./placement.js";
import { type LifecycleRecord, type StopReason, isAwake, writeRecord } from "./record.js";
import type { LifecycleTimers } from "./timers.js";
import type { ReadyWaiters } from "./waiters.js";

/** What a transaction leaves to do once it has committed. */
export class Work {
  readonly sends: { runnerId: string; command: runner.v7.CommandWrapper }[] = [];
  readonly after: (() => void)[] = [];
  /** Actors whose records this transaction changed; memory follows them before `after` runs. */
  readonly touched = new Set<string>();
  /** The actor this transaction creates, whose first transition is logged as from `new`. */
  created: string | undefined;
}

/** How a generation ended. */
export type Ending =
  | { readonly cause: "stopped"; readonly code: runner.v7.StopCode; readonly message: string | null }
  | { readonly cause: "runner_lost" | "start_timeout" | "stop_timeout" };

/** What the transitions need from the lifecycle that runs them. */
export interface TransitionHost {
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly config: ActorLifecycleConfig;
  readonly log: Logger;
  readonly events: TypedEmitter<ActorLifecycleEventMap>;
  readonly waiters: ReadyWaiters;
  readonly timers: LifecycleTimers;
  /** The client WebSockets the gateway keeps open for a sleeping actor, listed in its start command. */
  hibernatingRequests(actorId: string): runner.v7.HibernatingRequest[];
  /** The connected runners, as placement sees them. */
  candidates(): Iterable<PlacementCandidate>;
  /** The live connection of a runner, if it is connected. */
  connection(runnerId: string): RunnerConnection | undefined;
}

/**
 * The lifecycle's state changes. Each takes the storage transaction it joins, the
 * {@link Work} left for after the commit, and the actor's record as read in that
 * transaction; it writes the new record, the catalog's fields and any command, and leaves
 * memory, log lines and events to `Work`. None of them commits or sends anything itself:
 * the lifecycle's `run` does, so that a transition is all or nothing.
 */
export class Transitions {
  constructor(private readonly host: TransitionHost) {}

  /**
   * Places an actor that holds no slot (new, pending, backing off, sleeping, or whose
   * generation just ended) on a runner in a new generation, or leaves it pending.
   */
  place(tx: Transaction, work: Work, rec: LifecycleRecord, prev: LifecycleRecord | undefined, reason: string): void {
    const before = prev ?? rec;
    const now = this.host.clock.now();
    const choice = choosePlacement(this.host.candidates(), rec.namespaceId, rec.runnerNameSelector);
    if (typeof choice === "string") {
      this.patchActor(rec, (a) => ({
        ...a,
        pending_allocation_ts: a.pending_allocation_ts ?? now,
        connectable_ts: null,
        sleep_ts: null,
        reschedule_ts: null,
        error: "no_capacity",
      }));
      const since = rec.phase === "pending" ? rec.since : now;
      this.save(tx, work, before, { ...rec, phase: "pending", runnerId: null, stopReason: null, since, rescheduleAt: null }, `${reason}; ${choice}`);
      return;
    }
    const generation = rec.everPlaced ? rec.generation + 1 : rec.generation;
    const stored = this.host.catalog.getActor(rec.actorId) as StoredActor;
    const next: LifecycleRecord = {
      ...rec,
      phase: "starting",
      generation,
      everPlaced: true,
      runnerId: choice.runnerId,
      nextCommandIndex: 0,
      lastEventIndex: -1,
      lastAckedEventIndex: -1,
      stopReason: null,
      wake: false,
      since: now,
      rescheduleAt: null,
    };
    this.patchActor(next, (a) => ({
      ...a,
      pending_allocation_ts: null,
      connectable_ts: null,
      sleep_ts: null,
      reschedule_ts: null,
    }));
    const started = this.command(tx, work, next, {
      tag: "CommandStartActor",
      val: { config: startConfig(stored), hibernatingRequests: this.host.hibernatingRequests(next.actorId) },
    });
    this.save(tx, work, before, started, reason);
  }

  /** A starting actor reported running: it becomes connectable and its waiters are answered. */
  toRunning(tx: Transaction, work: Work, rec: LifecycleRecord): void {
    if (rec.phase !== "starting") return this.quiet(tx, rec);
    const now = this.host.clock.now();
    this.patchActor(rec, (a) => ({
      ...a,
      start_ts: a.start_ts ?? now,
      connectable_ts: now,
      pending_allocation_ts: null,
      reschedule_ts: null,
      sleep_ts: null,
      error: null,
    }));
    this.save(tx, work, rec, { ...rec, phase: "running", since: now }, "reported running");
    const placement = { actorId: rec.actorId, generation: rec.generation, runnerId: rec.runnerId as string };
    work.after.push(() => {
      this.host.waiters.resolve(rec.actorId, placement);
      this.host.events.emit("ready", placement);
    });
  }

  /** Stops a starting or running actor on its runner for `reason`. */
  beginStop(tx: Transaction, work: Work, rec: LifecycleRecord, reason: StopReason, why: string): void {
    const now = this.host.clock.now();
    this.patchActor(rec, (a) => ({ ...a, connectable_ts: null, sleep_ts: reason === "sleep" ? now : a.sleep_ts }));
    const next = this.command(tx, work, { ...rec, phase: "stopping", stopReason: reason, since: now }, {
      tag: "CommandStopActor",
      val: null,
    });
    this.save(tx, work, rec, next, why);
  }

  /**
   * A generation ended: the runner reported `Stopped`, or the engine gave up on it. Decides
   * where the actor goes: by its stop reason if it was stopping, by the crash policy if not.
   */
  endGeneration(tx: Transaction, work: Work, rec: LifecycleRecord, ending: Ending): void {
    const runnerId = rec.runnerId as string;
    const { actorId, generation } = rec;
    if (ending.cause === "stopped") {
      CommandStore.dropGeneration(tx, runnerId, actorId, generation);
    } else {
      // Nobody confirmed the stop: keep a stop command for that runner in case it comes back
      // with the same runner ID still running this generation, and forget it after a while.
      let abandoned = rec;
      if (rec.phase !== "stopping") abandoned = this.command(tx, work, rec, { tag: "CommandStopActor", val: null });
      CommandStore.expireAt(tx, runnerId, actorId, generation, this.host.clock.now() + this.host.config.abandonedCommandRetentionMs);
      rec = abandoned;
      work.after.push(() => this.host.timers.refreshExpiry());
    }
    work.after.push(() => this.host.events.emit("stopped", { actorId, generation, runnerId, cause: ending.cause }));
    const freed: LifecycleRecord = { ...rec, runnerId: null };
    const what = ending.cause === "stopped" ? "stopped" : ending.cause.replace("_", " ");

    if (rec.phase === "stopping") {
      switch (rec.stopReason) {
        case "destroy":
          return this.destroy(tx, work, freed, `${what} after a stop intent`, rec);
        case "drain":
          return this.place(tx, work, freed, rec, `${what} while draining; rescheduled`);
        default:
          return this.toSleeping(tx, work, freed, `${what} to sleep`, rec);
      }
    }

    // Starting or running, and nobody asked it to stop.
    const connection = this.host.connection(runnerId);
    if (ending.cause === "runner_lost") {
      this.patchActor(rec, (a) => ({ ...a, connectable_ts: null, error: { runner_connection_lost: { runner_id: runnerId } } }));
      return this.place(tx, work, freed, rec, "runner lost; rescheduled");
    }
    if (ending.cause === "stopped" && connection?.draining === true) {
      return this.place(tx, work, freed, rec, "stopped by a draining runner; rescheduled");
    }
    const error =
      ending.cause === "stopped"
        ? { crashed: { message: ending.message } }
        : { runner_no_response: { runner_id: runnerId } };
    this.patchActor(rec, (a) => ({ ...a, connectable_ts: null, error }));
    const stored = this.host.catalog.getActor(actorId) as StoredActor;
    const detail = ending.cause === "stopped" ? `crashed (code ${ending.code === runner.v7.StopCode.Ok ? "ok" : "error"})` : what;
    switch (stored.actor.crash_policy) {
      case "restart":
        return this.toBackoff(tx, work, freed, rec, detail);
      case "sleep":
        return this.toSleeping(tx, work, freed, `${detail}; crash policy sleep`, rec);
      default:
        return this.destroy(tx, work, freed, `${detail}; crash policy destroy`, rec);
    }
  }

  toBackoff(tx: Transaction, work: Work, rec: LifecycleRecord, prev: LifecycleRecord, why: string): void {
    const { clock, config } = this.host;
    const now = clock.now();
    const fresh = rec.lastCrashTs !== null && now - rec.lastCrashTs > config.crashRetryResetMs;
    const retries = fresh ? 0 : rec.retries;
    const delay = backoffDelay(config, retries);
    const rescheduleAt = now + delay;
    this.patchActor(rec, (a) => ({ ...a, reschedule_ts: rescheduleAt, connectable_ts: null }));
    this.save(
      tx,
      work,
      prev,
      { ...rec, phase: "backoff", retries: retries + 1, lastCrashTs: now, since: now, rescheduleAt, stopReason: null },
      `${why}; crash policy restart, retry in ${delay} ms`,
    );
  }

  /**
   * Sleeps an actor that holds no slot, unless a wake is due: then it is placed again at once.
   * Requests still waiting for it count as a wake even when none was recorded (they began
   * waiting while it was starting, before a sleep was asked for): nothing else would wake it
   * for them, and they would wait out their timeout.
   */
  toSleeping(tx: Transaction, work: Work, rec: LifecycleRecord, why: string, prev: LifecycleRecord = rec): void {
    const now = this.host.clock.now();
    if (rec.wake || this.host.waiters.has(rec.actorId)) return this.place(tx, work, { ...rec, wake: false }, prev, `${why}; woken by a request`);
    if (rec.alarmTs !== null && rec.alarmTs <= now) {
      return this.place(tx, work, { ...rec, alarmTs: null }, prev, `${why}; woken by its alarm`);
    }
    this.patchActor(rec, (a) => ({
      ...a,
      sleep_ts: a.sleep_ts ?? now,
      connectable_ts: null,
      pending_allocation_ts: null,
      reschedule_ts: null,
    }));
    this.save(tx, work, prev, { ...rec, phase: "sleeping", runnerId: null, stopReason: null, since: now, rescheduleAt: null }, why);
  }

  destroy(tx: Transaction, work: Work, rec: LifecycleRecord, why: string, prev: LifecycleRecord = rec): void {
    const { catalog } = this.host;
    const stored = catalog.getActor(rec.actorId);
    if (stored !== undefined && stored.actor.destroy_ts == null) {
      const ns = catalog.listNamespaces().find((n) => n.namespace_id === rec.namespaceId);
      if (ns !== undefined) catalog.destroyActor(ns, rec.actorId);
      else this.patchActor(rec, (a) => ({ ...a, destroy_ts: this.host.clock.now(), connectable_ts: null }));
    } else {
      this.patchActor(rec, (a) => ({ ...a, connectable_ts: null }));
    }
    this.save(tx, work, prev, { ...rec, phase: "destroyed", runnerId: null }, why);
    work.after.push(() => this.host.waiters.reject(rec.actorId, actorNotFound(rec.actorId)));
  }

  /** Writes a record that changed without a transition (indices, alarm). */
  quiet(tx: Transaction, rec: LifecycleRecord): void {
    writeRecord(tx, rec);
  }

  /**
   * Writes a transition: the record, the awake and alarm indexes, and the catalog's
   * generation. Memory, the log line and the `transition` event follow after the commit.
   */
  save(tx: Transaction, work: Work, prev: LifecycleRecord, next: LifecycleRecord, reason: string): void {
    const { actorId } = next;
    if (prev.phase === "sleeping" && prev.alarmTs !== null) tx.delete(alarmKey(prev.alarmTs, actorId));
    if (next.phase === "destroyed") {
      tx.delete(recordKey(actorId));
      tx.delete(awakeKey(actorId));
    } else {
      writeRecord(tx, next);
      if (isAwake(next.phase)) tx.put(awakeKey(actorId), new Uint8Array(0));
      else tx.delete(awakeKey(actorId));
      if (next.phase === "sleeping" && next.alarmTs !== null) tx.put(alarmKey(next.alarmTs, actorId), new Uint8Array(0));
    }
    if (prev.generation !== next.generation) {
      this.host.catalog.updateActor(actorId, (s) => ({ ...s, generation: next.generation }));
    }
    const alarmsChanged = prev.phase === "sleeping" || next.phase === "sleeping";
    const fresh = work.created === actorId;
    work.touched.add(actorId);
    work.after.push(() => {
      if (alarmsChanged) this.host.timers.refreshAlarm();
      if (fresh || prev.phase !== next.phase || prev.generation !== next.generation) {
        const t: ActorTransition = {
          actorId,
          generation: next.generation,
          runnerId: next.runnerId ?? prev.runnerId,
          from: fresh ? "new" : prev.phase,
          to: next.phase,
          reason,
        };
        this.host.log.info(t, `actor ${next.phase}`);
        this.host.events.emit("transition", t);
      }
    });
  }

  /** Stores a command for the record's runner and generation and queues it for sending. */
  command(tx: Transaction, work: Work, rec: LifecycleRecord, command: runner.v7.Command): LifecycleRecord {
    const runnerId = rec.runnerId as string;
    const index = rec.nextCommandIndex;
    CommandStore.put(tx, { runnerId, actorId: rec.actorId, generation: rec.generation, index }, command);
    work.sends.push({
      runnerId,
      command: { checkpoint: { actorId: rec.actorId, generation: rec.generation, index: BigInt(index) }, inner: command },
    });
    return { ...rec, nextCommandIndex: index + 1 };
  }

  /** Changes the catalog's actor record; called inside a transition, so it joins its transaction. */
  private patchActor(rec: LifecycleRecord, change: (a: ActorRecord) => ActorRecord): void {
    this.host.catalog.updateActor(rec.actorId, (s) => ({ ...s, actor: change(s.actor) }));
  }
}

/** The `ActorConfig` of a start command, from the catalog record. */
function startConfig(stored: StoredActor): runner.v7.ActorConfig {
  let input: ArrayBuffer | null = null;
  if (stored.input !== null) {
    const bytes = Buffer.from(stored.input, "base64");
    input = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  return { name: stored.actor.name, key: stored.actor.key, createTs: BigInt(stored.actor.create_ts), input };
}
