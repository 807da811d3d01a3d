import { randomUUID } from "node:crypto";
import { runner } from "@actorwire/protocol";
import type { Logger } from "pino";
import { CommandAcks } from "./command-acks.js";
import { EngineConnection } from "./connection.js";
import { RunnerError } from "./errors.js";
import { EventHistory } from "./event-history.js";
import { KvClient } from "./kv-client.js";
import { LocalActor } from "./local-actor.js";
import { defaultLogger } from "./log.js";
import { handleSignalsFor, releaseSignalsFor } from "./signals.js";
import { Tunnel, type TunnelHost } from "./tunnel.js";
import { startHttpRequest } from "./tunnel-http.js";
import { openWebSocket, restoreSockets } from "./tunnel-websocket.js";
import type {
  ActorStartInfo,
  ActorStopReason,
  HibernatedSocketMeta,
  RunnerApi,
  RunnerEventMap,
  RunnerHandler,
  RunnerKv,
  RunnerOptions,
} from "./types.js";

/** The runner protocol version this runner speaks. */
export const PROTOCOL_VERSION = 7;
/** Command acks go out this long after the commands arrived, batched. */
const ACK_DEBOUNCE_MS = 100;
/** How many finished generations are remembered, so that a replayed start of one is not run again. */
const MAX_FINISHED_ACTORS = 100_000;
const DEFAULT_DRAIN_GRACE_MS = 10_000;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 120_000;

type Listener<E extends keyof RunnerEventMap> = (event: RunnerEventMap[E]) => void;

/**
 * One runner process's connection to an engine, speaking runner protocol v7: it registers
 * the runner, starts and stops actors as the engine commands (through {@link RunnerHandler}),
 * reports their events, serves their KV and their tunnelled HTTP requests and WebSockets,
 * survives reconnects, and drains gracefully.
 *
 * ```ts
 * const r = new Runner({ endpoint: "http://127.0.0.1:6420", runnerName: "app", handler });
 * await r.start();
 * ```
 */
export class Runner implements RunnerApi {
  /** The KV of the actors this runner hosts. */
  readonly kv: RunnerKv;
  private readonly kvClient: KvClient;
  private currentRunnerId: string | undefined;
  private readonly handler: RunnerHandler;
  private readonly log: Logger;
  private readonly connection: EngineConnection;
  private readonly tunnel: Tunnel;
  private readonly actors = new Map<string, LocalActor>();
  /** The highest finished generation per actor (bounded, oldest forgotten first). */
  private readonly finished = new Map<string, number>();
  private readonly history = new EventHistory();
  private readonly commandAcks = new CommandAcks();
  private readonly listeners: { [E in keyof RunnerEventMap]?: Listener<E>[] } = {};
  private metadata: runner.v7.ProtocolMetadata | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private lostTimer: NodeJS.Timeout | undefined;
  private startPromise: Promise<void> | undefined;
  private startWaiter: { resolve(): void; reject(err: Error): void } | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private draining = false;
  private evicted = false;
  private noActorsWaiters: (() => void)[] = [];
  /** Whether the current socket got its `ToClientInit` (a close then is a disconnect, not a failed attempt). */
  private socketReady = false;
  /** Closes since the last successful connection: failed attempts, logged once and then rarely. */
  private failedAttempts = 0;

  constructor(private readonly options: RunnerOptions) {
    this.handler = options.handler;
    this.log = options.logger ?? defaultLogger();
    const runnerKey = options.runnerKey ?? randomUUID();
    const host: TunnelHost = {
      handler: this.handler,
      log: this.log,
      streamResponses: options.streamResponses ?? true,
      actor: (actorId) => this.actors.get(actorId),
      sendFrame: (frame) => this.connection.sendFrame(frame),
    };
    this.tunnel = new Tunnel(host, startHttpRequest, openWebSocket);
    this.kvClient = new KvClient({ send: (m) => this.connection.send(m) }, this.log);
    this.kv = this.kvClient;
    const protocols = ["rivet"];
    if (options.token !== undefined) protocols.push(`rivet_token.${options.token}`);
    this.connection = new EngineConnection(
      { url: connectUrl(options.endpoint, options.namespace ?? "default", runnerKey), protocols, log: this.log },
      {
        initMessage: () => this.initMessage(),
        onInit: (init) => this.onInit(init),
        onMessage: (message) => this.onMessage(message),
        onClose: (info) => this.onClose(info),
      },
    );
  }

  /** The runner ID the engine gave this runner, once connected. */
  get runnerId(): string | undefined {
    return this.currentRunnerId;
  }

  /** How many actors this runner hosts right now (starting, running or stopping). */
  get actorCount(): number {
    return this.actors.size;
  }

  /** Connects and resolves after the first `ToClientInit`; it retries with back-off until then. */
  start(): Promise<void> {
    if (this.startPromise !== undefined) return this.startPromise;
    const promise = new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
    });
    // A caller that never awaits start() must not see an unhandled rejection on shutdown.
    promise.catch(() => {});
    this.startPromise = promise;
    if (this.options.handleSignals ?? true) handleSignalsFor(this);
    this.connection.connect();
    return promise;
  }

  /**
   * Shuts down: sends `ToServerStopping`, stops each actor (reason `drain`) as the engine's
   * stop commands arrive and any left after the grace period itself, waits until no actors
   * remain (bounded), then closes with `1000 pegboard.runner_shutdown`. With `immediate`, it
   * stops every actor at once instead of waiting for the engine's commands.
   */
  shutdown(options: { immediate?: boolean } = {}): Promise<void> {
    if (this.shutdownPromise === undefined) this.shutdownPromise = this.runShutdown(options.immediate === true);
    return this.shutdownPromise;
  }

  /** Listens to connection events; returns a function that stops listening. */
  on<E extends keyof RunnerEventMap>(event: E, listener: Listener<E>): () => void {
    const list = (this.listeners[event] ??= []) as Listener<E>[];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  sleepActor(actorId: string): void {
    const actor = this.actors.get(actorId);
    if (actor === undefined || actor.state === "stopping") {
      this.log.debug({ actorId }, "sleepActor for an actor that is not running here");
      return;
    }
    this.recordEvent(actor.actorId, actor.generation, { tag: "EventActorIntent", val: { intent: { tag: "ActorIntentSleep", val: null } } });
  }

  destroyActor(actorId: string): void {
    const actor = this.actors.get(actorId);
    if (actor === undefined || actor.state === "stopping") {
      this.log.debug({ actorId }, "destroyActor for an actor that is not running here");
      return;
    }
    actor.destroyRequested = true;
    this.recordEvent(actor.actorId, actor.generation, { tag: "EventActorIntent", val: { intent: { tag: "ActorIntentStop", val: null } } });
  }

  setAlarm(actorId: string, timestampMs: number | null): void {
    const actor = this.actors.get(actorId);
    if (actor === undefined) {
      this.log.debug({ actorId }, "setAlarm for an actor that is not hosted here");
      return;
    }
    if (timestampMs !== null && !Number.isFinite(timestampMs)) throw new TypeError(`alarm timestamp must be finite, got ${timestampMs}`);
    const ts = timestampMs === null ? null : Math.floor(timestampMs);
    if (actor.lastAlarm === ts) return;
    actor.lastAlarm = ts;
    this.recordEvent(actor.actorId, actor.generation, { tag: "EventActorSetAlarm", val: { alarmTs: ts === null ? null : BigInt(ts) } });
  }

  async restoreHibernatedSockets(actorId: string, entries: readonly HibernatedSocketMeta[]): Promise<void> {
    const actor = this.actors.get(actorId);
    if (actor === undefined) throw new RunnerError("tunnel.invalid_state", `actor ${actorId} is not hosted here`);
    if (actor.hibernationSettled && actor.hibernatingRequests.length > 0) {
      throw new RunnerError("tunnel.invalid_state", `the hibernated sockets of actor ${actorId} were already restored`);
    }
    actor.hibernationSettled = true;
    await restoreSockets(this.tunnel, actor, entries);
    this.tunnel.release(actor);
  }

  // ---- Connection ------------------------------------------------------------------------

  private initMessage(): runner.v7.ToServer {
    const names = new Map<string, runner.v7.ActorName>();
    for (const [name, { metadata }] of Object.entries(this.options.actorNames ?? {})) {
      names.set(name, { metadata: JSON.stringify(metadata) });
    }
    return {
      tag: "ToServerInit",
      val: {
        name: this.options.runnerName ?? "default",
        version: this.options.version ?? 1,
        totalSlots: this.options.totalSlots ?? 100_000,
        prepopulateActorNames: names,
        metadata: this.options.metadata === undefined ? null : JSON.stringify(this.options.metadata),
      },
    };
  }

  private onInit(init: runner.v7.ToClientInit): void {
    const previous = this.currentRunnerId;
    this.currentRunnerId = init.runnerId;
    this.metadata = init.metadata;
    clearTimeout(this.lostTimer);
    this.lostTimer = undefined;
    const endpoint = displayEndpoint(this.options.endpoint);
    const runnerName = this.options.runnerName ?? "default";
    const namespace = this.options.namespace ?? "default";
    const actors = Object.keys(this.options.actorNames ?? {});
    const attempts = this.failedAttempts;
    this.socketReady = true;
    this.failedAttempts = 0;
    this.log.info(
      { endpoint, namespace, runnerName, runnerId: init.runnerId, actors, reconnect: previous !== undefined, ...(attempts > 0 ? { failedAttempts: attempts } : {}) },
      `${previous === undefined ? "connected" : "reconnected"} to the engine at ${endpoint} as runner "${runnerName}" (namespace "${namespace}"), serving ${actors.length === 0 ? "no actor names" : actors.join(", ")}`,
    );
    if (previous !== undefined && previous !== init.runnerId) {
      // The engine gave up on the old identity and rescheduled its actors elsewhere.
      this.log.warn({ previous, runnerId: init.runnerId }, "the engine gave this runner a new ID; stopping every local actor");
      for (const actor of [...this.actors.values()]) void this.stopActor(actor, "lost");
    }
    // Order matters: waiting KV first, then every unacked event, then the tunnel's backlog.
    this.kvClient.onConnected();
    const events = this.history.unacked();
    if (events.length > 0) this.connection.send({ tag: "ToServerEvents", val: events });
    this.tunnel.flush();
    if (this.draining) this.connection.send({ tag: "ToServerStopping", val: null });
    this.emit("connected", { runnerId: init.runnerId });
    const waiter = this.startWaiter;
    this.startWaiter = undefined;
    waiter?.resolve();
  }

  private onMessage(message: runner.v7.ToClient): void {
    switch (message.tag) {
      case "ToClientTunnelMessage":
        this.tunnel.handle(message.val);
        return;
      case "ToClientKvResponse":
        this.kvClient.onResponse(message.val);
        return;
      case "ToClientCommands":
        this.onCommands(message.val);
        return;
      case "ToClientAckEvents":
        for (const checkpoint of message.val.lastEventCheckpoints) this.history.ack(checkpoint);
        return;
      default:
        this.log.debug({ tag: message.tag }, "unexpected engine message");
    }
  }

  private onClose(info: { code: number; reason: string; evicted: boolean; final: boolean; retryInMs?: number; error?: string }): void {
    const wasReady = this.socketReady;
    this.socketReady = false;
    this.kvClient.onDisconnected();
    this.emit("disconnected", { code: info.code, reason: info.reason });
    if (info.evicted) {
      this.evicted = true;
      this.log.warn({ reason: info.reason }, "evicted by a newer connection of this runner; stopping for good");
      this.emit("evicted", { reason: info.reason });
      void this.shutdown({ immediate: true });
      return;
    }
    if (info.final) return;
    this.logClose(info, wasReady);
    if (this.draining) {
      // No stop commands can arrive now; the actors are stopped here.
      for (const actor of [...this.actors.values()]) void this.stopActor(actor, "drain");
      return;
    }
    this.startLostTimer();
  }

  /**
   * One clear line per outage: a lost connection, or the first failed attempt to reach the
   * engine, at `warn`, naming the endpoint, the cause and the next retry; later failed attempts
   * only every tenth (at the 30 s back-off cap, one line every few minutes), the rest at `debug`.
   */
  private logClose(info: { code: number; reason: string; retryInMs?: number; error?: string }, wasReady: boolean): void {
    const endpoint = displayEndpoint(this.options.endpoint);
    const cause = info.error ?? `close ${info.code}${info.reason ? ` ${info.reason}` : ""}`;
    const retry = info.retryInMs === undefined ? "" : `; retrying in ${(info.retryInMs / 1000).toFixed(1)} s (back-off doubles up to 30 s)`;
    const fields = { endpoint, code: info.code, reason: info.reason, ...(info.error ? { error: info.error } : {}), retryInMs: info.retryInMs };
    if (wasReady) {
      this.log.warn(fields, `disconnected from the engine at ${endpoint} (${cause})${retry}`);
      return;
    }
    this.failedAttempts++;
    const attempts = this.failedAttempts;
    if (attempts === 1 || attempts % 10 === 0) {
      const what = attempts === 1 ? "cannot reach the engine" : `still cannot reach the engine after ${attempts} attempts`;
      this.log.warn({ ...fields, attempts }, `${what} at ${endpoint} (${cause})${retry}`);
    } else {
      this.log.debug({ ...fields, attempts }, "engine connection attempt failed");
    }
  }

  private startLostTimer(): void {
    if (this.lostTimer !== undefined || this.metadata === undefined) return;
    const threshold = Number(this.metadata.runnerLostThreshold);
    if (!(threshold > 0)) return;
    this.lostTimer = setTimeout(() => {
      this.lostTimer = undefined;
      if (this.connection.ready) return;
      const actorIds = [...this.actors.keys()];
      this.log.warn({ thresholdMs: threshold, actors: actorIds.length }, "runner lost: stopping every local actor");
      this.kvClient.rejectAll(new RunnerError("runner.lost", `disconnected from the engine for more than ${threshold} ms`));
      // The gateway has given up on those requests; their answers would only be dropped.
      this.tunnel.dropBuffered();
      for (const actor of [...this.actors.values()]) void this.stopActor(actor, "lost");
      this.emit("lost", { actorIds });
    }, threshold);
  }

  // ---- Commands ---------------------------------------------------------------------------

  private onCommands(commands: runner.v7.ToClientCommands): void {
    for (const command of commands) {
      this.commandAcks.observe(command.checkpoint);
      try {
        if (command.inner.tag === "CommandStartActor") this.onStartCommand(command.checkpoint, command.inner.val);
        else this.onStopCommand(command.checkpoint);
      } catch (err) {
        this.log.error({ err, actorId: command.checkpoint.actorId }, "handling a command failed");
      }
    }
    this.scheduleAck();
  }

  private onStartCommand(checkpoint: runner.v7.ActorCheckpoint, start: runner.v7.CommandStartActor): void {
    const { actorId, generation } = checkpoint;
    const finished = this.finished.get(actorId);
    if (finished !== undefined && generation <= finished) {
      this.log.debug({ actorId, generation }, "ignoring a replayed start of a generation that already ended here");
      return;
    }
    const current = this.actors.get(actorId);
    if (current !== undefined && current.generation >= generation) {
      // A replay after a reconnect: the actor already runs (Rivet's runner would start it again).
      this.log.debug({ actorId, generation, current: current.generation }, "ignoring a repeated start");
      return;
    }
    const info: ActorStartInfo = {
      actorId,
      generation,
      name: start.config.name,
      key: start.config.key,
      createTs: Number(start.config.createTs),
      input: start.config.input === null ? null : new Uint8Array(start.config.input),
      hibernatingRequests: start.hibernatingRequests.map((r) => ({ gatewayId: r.gatewayId, requestId: r.requestId })),
    };
    const actor = new LocalActor(info);
    // A newer generation replaces the old one, which is stopped first.
    const before = current === undefined ? Promise.resolve() : this.stopActor(current, "lost");
    this.actors.set(actorId, actor);
    if (info.hibernatingRequests.length > 0) this.tunnel.hold(actor);
    actor.chain = before.then(() => this.runStart(actor));
  }

  private onStopCommand(checkpoint: runner.v7.ActorCheckpoint): void {
    const { actorId, generation } = checkpoint;
    const actor = this.actors.get(actorId);
    if (actor !== undefined && actor.generation === generation) {
      void this.stopActor(actor, this.draining ? "drain" : actor.destroyRequested ? "destroy" : "sleep");
      return;
    }
    const finished = this.finished.get(actorId);
    if ((finished !== undefined && generation <= finished) || (actor !== undefined && actor.generation > generation)) {
      this.log.debug({ actorId, generation }, "ignoring a stop of a generation that already ended here");
      return;
    }
    // A generation this runner never started: say so, so that the engine need not wait for it.
    this.log.warn({ actorId, generation }, "stop command for a generation not running here");
    this.recordEvent(actorId, generation, stoppedEvent(runner.v7.StopCode.Error, "actor is not running on this runner"));
    this.markFinished(actorId, generation);
  }

  private scheduleAck(): void {
    if (this.ackTimer !== undefined) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      this.sendAcks();
    }, ACK_DEBOUNCE_MS);
    this.ackTimer.unref();
  }

  private sendAcks(): void {
    // While disconnected nothing is sent: the engine replays what is unacked, and that marks it again.
    if (!this.connection.ready || !this.commandAcks.pending) return;
    const lastCommandCheckpoints = this.commandAcks.take((actorId, generation) => this.actors.get(actorId)?.generation === generation);
    if (lastCommandCheckpoints.length > 0) this.connection.send({ tag: "ToServerAckCommands", val: { lastCommandCheckpoints } });
  }

  // ---- Actor lifecycle --------------------------------------------------------------------

  private async runStart(actor: LocalActor): Promise<void> {
    if (actor.state !== "starting") {
      actor.markStarted(false);
      return;
    }
    this.history.forgetOlder(actor.actorId, actor.generation);
    try {
      await this.handler.onActorStart(actor.info);
    } catch (err) {
      this.log.error({ err, actorId: actor.actorId, generation: actor.generation }, "onActorStart threw; reporting the actor stopped");
      actor.markStarted(false);
      this.endActor(actor, runner.v7.StopCode.Error, `actor start failed: ${errorMessage(err)}`);
      return;
    }
    if (!actor.hibernationSettled) {
      // The host did not restore the hibernated sockets: they cannot be served, so the gateway is told.
      actor.hibernationSettled = true;
      await restoreSockets(this.tunnel, actor, []);
    }
    this.tunnel.release(actor);
    actor.markStarted(true);
    this.recordEvent(actor.actorId, actor.generation, { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateRunning", val: null } } });
  }

  /** Stops an actor once (later calls share the first); resolves when `Stopped` was reported. */
  private stopActor(actor: LocalActor, reason: ActorStopReason): Promise<void> {
    if (actor.stopping !== undefined) return actor.stopping;
    actor.state = "stopping";
    actor.stopping = actor.chain.then(() => this.runStop(actor, reason));
    actor.chain = actor.stopping;
    return actor.stopping;
  }

  private async runStop(actor: LocalActor, reason: ActorStopReason): Promise<void> {
    if (actor.ended) return;
    let message: string | null = null;
    if (await actor.started) {
      try {
        await this.handler.onActorStop(actor.actorId, actor.generation, reason);
      } catch (err) {
        this.log.error({ err, actorId: actor.actorId, generation: actor.generation, reason }, "onActorStop threw");
        message = `actor stop failed: ${errorMessage(err)}`;
      }
    }
    // Like Rivet's runner: OK for a destroy or a drain, ERROR otherwise (the engine knows a sleep from its own intent).
    const ok = message === null && (reason === "destroy" || reason === "drain");
    this.endActor(actor, ok ? runner.v7.StopCode.Ok : runner.v7.StopCode.Error, message);
  }

  /** Ends the actor's tunnel traffic, reports `Stopped` and forgets the actor. */
  private endActor(actor: LocalActor, code: runner.v7.StopCode, message: string | null): void {
    if (actor.ended) return;
    actor.ended = true;
    actor.state = "stopping";
    for (const entry of [...actor.entries]) {
      try {
        entry.onActorStopped();
      } catch (err) {
        this.log.error({ err, actorId: actor.actorId }, "ending a tunnel request failed");
      }
    }
    actor.entries.clear();
    this.tunnel.release(actor);
    this.recordEvent(actor.actorId, actor.generation, stoppedEvent(code, message));
    this.markFinished(actor.actorId, actor.generation);
    if (this.actors.get(actor.actorId) === actor) this.actors.delete(actor.actorId);
    if (this.actors.size === 0 && this.noActorsWaiters.length > 0) for (const w of this.noActorsWaiters.splice(0)) w();
  }

  private markFinished(actorId: string, generation: number): void {
    const prior = this.finished.get(actorId);
    if (prior !== undefined && prior >= generation) return;
    // Re-inserting keeps the map in order of last finish, so the oldest are forgotten first.
    this.finished.delete(actorId);
    this.finished.set(actorId, generation);
    if (this.finished.size > MAX_FINISHED_ACTORS) {
      const oldest = this.finished.keys().next().value;
      if (oldest !== undefined) this.finished.delete(oldest);
    }
  }

  private recordEvent(actorId: string, generation: number, inner: runner.v7.Event): void {
    const wrapper = this.history.record(actorId, generation, inner);
    // While disconnected the history keeps it; it is sent with the rest after the next init.
    this.connection.send({ tag: "ToServerEvents", val: [wrapper] });
  }

  // ---- Shutdown ---------------------------------------------------------------------------

  private async runShutdown(immediate: boolean): Promise<void> {
    this.draining = true;
    clearTimeout(this.lostTimer);
    this.lostTimer = undefined;
    const waiter = this.startWaiter;
    this.startWaiter = undefined;
    waiter?.reject(new RunnerError("runner.shutdown", this.evicted ? "the runner was evicted" : "the runner shut down before it connected"));
    this.log.info({ immediate, actors: this.actors.size, evicted: this.evicted }, "shutting down");
    if (!this.evicted) this.connection.send({ tag: "ToServerStopping", val: null });

    let graceTimer: NodeJS.Timeout | undefined;
    const stopRemaining = (reason: ActorStopReason) => {
      for (const actor of [...this.actors.values()]) void this.stopActor(actor, reason);
    };
    if (this.evicted) stopRemaining("lost");
    else if (immediate || !this.connection.ready) stopRemaining("drain");
    else {
      graceTimer = setTimeout(() => {
        if (this.actors.size > 0) this.log.warn({ actors: this.actors.size }, "no stop command in time; stopping the remaining actors");
        stopRemaining("drain");
      }, this.options.drainGracePeriodMs ?? DEFAULT_DRAIN_GRACE_MS);
    }

    const timeoutMs = this.options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.whenNoActors(),
      new Promise<void>((resolve) => {
        timeout = setTimeout(() => {
          this.log.warn({ actors: this.actors.size, timeoutMs }, "actors still stopping when the shutdown timed out");
          resolve();
        }, timeoutMs);
      }),
    ]);
    clearTimeout(graceTimer);
    clearTimeout(timeout);
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.sendAcks();
    this.kvClient.rejectAll(new RunnerError("runner.shutdown", "the runner shut down"), true);
    this.tunnel.dropBuffered();
    await this.connection.close(1000, "pegboard.runner_shutdown");
    releaseSignalsFor(this);
    this.log.info("shut down");
    this.emit("shutdown", { evicted: this.evicted });
  }

  private whenNoActors(): Promise<void> {
    if (this.actors.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.noActorsWaiters.push(resolve));
  }

  private emit<E extends keyof RunnerEventMap>(event: E, payload: RunnerEventMap[E]): void {
    const list = this.listeners[event] as Listener<E>[] | undefined;
    if (list === undefined) return;
    for (const listener of [...list]) {
      try {
        listener(payload);
      } catch (err) {
        this.log.error({ err, event }, "a runner event listener threw");
      }
    }
  }
}

function stoppedEvent(code: runner.v7.StopCode, message: string | null): runner.v7.Event {
  return { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateStopped", val: { code, message } } } };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `ws(s)://host/runners/connect?protocol_version=7&namespace=..&runner_key=..` from an http(s) or ws(s) endpoint. */
export function connectUrl(endpoint: string, namespace: string, runnerKey: string): string {
  const base = endpoint.replace(/^http:/i, "ws:").replace(/^https:/i, "wss:").replace(/\/+$/, "");
  return `${base}/runners/connect?protocol_version=${PROTOCOL_VERSION}&namespace=${encodeURIComponent(namespace)}&runner_key=${encodeURIComponent(runnerKey)}`;
}

/** The endpoint as logs show it: no credentials, no query. */
function displayEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = "";
    url.password = "";
    url.search = "";
    return url.toString().replace(/\/$/, "");
  } catch {
    return endpoint;
  }
}
