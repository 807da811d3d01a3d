import { VersionError, runner } from "@actorwire/protocol";
import { batchWritesThisTurn } from "@actorwire/protocol/internal";
import type { Logger } from "pino";
import type { RunnerWsError } from "./errors.js";
import type { Namespace } from "./registry.js";
import type { RunnerSocket } from "./socket.js";

/**
 * Runner protocol versions come in two families that are different on the wire: 1-3
 * ("mk1", latest type v3, runner-wide indices, the runner pings) and 4-7 ("mk2", latest type
 * v7, per-actor checkpoints, the engine pings). The engine's parts only ever see v7: an mk1
 * connection goes through a bridge (`mk1-bridge.ts`) in both directions.
 */
export type ProtocolFamily = "mk1" | "mk2";

/** The family a runner protocol version belongs to. */
export function familyOf(protocolVersion: number): ProtocolFamily {
  return protocolVersion <= 3 ? "mk1" : "mk2";
}

/**
 * Writes engine messages (v7 values) to a runner whose wire protocol is not of the v7 family.
 * The mk1 bridge is the one implementation.
 */
export interface ToClientTranslator {
  /** Sends one v7 message in the connection's own shape; false when the socket is not open. */
  send(message: runner.v7.ToClient): boolean;
}

/** Everything known about a runner once its `ToServerInit` has been accepted. */
export interface RunnerConnectionInit {
  readonly socket: RunnerSocket;
  readonly rayId: string;
  readonly protocolVersion: number;
  readonly namespace: Namespace;
  readonly runnerKey: string;
  readonly runnerId: string;
  readonly name: string;
  readonly runnerVersion: number;
  readonly totalSlots: number;
  readonly prepopulateActorNames: ReadonlyMap<string, { readonly metadata: string }>;
  readonly metadata: string | null;
  readonly log: Logger;
  /** Closes the socket with a reason; provided by the session that owns the socket. */
  readonly close: (error: RunnerWsError) => void;
}

/**
 * One runner's WebSocket after a successful handshake: who it is, what it can hold, and how
 * alive it is. Handlers for lifecycle, KV and the tunnel receive this object in the
 * endpoint's events and answer the runner through {@link send}.
 */
export class RunnerConnection {
  /** Names this connection in close reasons and logs. */
  readonly rayId: string;
  /** The `protocol_version` of the connect URL; every frame is written at this version. */
  readonly protocolVersion: number;
  readonly family: ProtocolFamily;
  readonly namespace: Namespace;
  /** The `runner_key` of the connect URL; Rivet's runner uses a fresh UUID per process. */
  readonly runnerKey: string;
  /** The ID the engine gave this runner; the same for the same namespace, name and key. */
  readonly runnerId: string;
  /** The runner name from `ToServerInit`, which acts as the pool name. */
  readonly name: string;
  /** The runner's own deployment version from `ToServerInit`. */
  readonly runnerVersion: number;
  /** How many actors the runner says it can hold. */
  readonly totalSlots: number;
  /** Actor names the runner announced, each with its metadata as JSON text. */
  readonly prepopulateActorNames: ReadonlyMap<string, { readonly metadata: string }>;
  /** The runner's metadata as JSON text, or null when it sent none. */
  readonly metadata: string | null;
  /** When the handshake completed (epoch milliseconds). */
  readonly connectedAt: number;
  /** A logger bound to this connection's ray ID and runner ID. */
  readonly log: Logger;

  private readonly socket: RunnerSocket;
  private readonly closeWith: (error: RunnerWsError) => void;
  private translator: ToClientTranslator | undefined;
  private isDraining = false;
  private lastAlive: number;
  private lastRtt: number | undefined;
  /** The `ts` of the last ping sent; every ping's is strictly greater than the one before. */
  private lastPingTs = 0n;
  /** Callers of {@link roundTrip} waiting for the pong of their ping, oldest first. */
  private fences: { readonly ts: bigint; readonly settle: (ok: boolean) => void }[] = [];

  constructor(init: RunnerConnectionInit, now: number = Date.now()) {
    this.socket = init.socket;
    this.rayId = init.rayId;
    this.protocolVersion = init.protocolVersion;
    this.family = familyOf(init.protocolVersion);
    this.namespace = init.namespace;
    this.runnerKey = init.runnerKey;
    this.runnerId = init.runnerId;
    this.name = init.name;
    this.runnerVersion = init.runnerVersion;
    this.totalSlots = init.totalSlots;
    this.prepopulateActorNames = init.prepopulateActorNames;
    this.metadata = init.metadata;
    this.log = init.log;
    this.closeWith = init.close;
    this.connectedAt = now;
    // The pong timeout counts from the handshake, so a runner that never answers a ping is
    // dropped as surely as one that stops answering.
    this.lastAlive = now;
  }

  /** Whether the runner sent `ToServerStopping`: it takes no new actors and is going away. */
  get draining(): boolean {
    return this.isDraining;
  }

  /** When the runner last proved it was alive: its last pong (mk2) or ping (mk1), else the handshake. */
  get lastPongAt(): number {
    return this.lastAlive;
  }

  /** Round-trip time measured from the last pong, in milliseconds; undefined before the first. */
  get rttMs(): number | undefined {
    return this.lastRtt;
  }

  /** Whether frames can still be sent. */
  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /**
   * Sends one engine-to-runner message, written at the connection's protocol version (for
   * v1-v3 through the mk1 bridge, which numbers commands runner-wide). Returns false when the
   * socket is no longer open. Throws `VersionError` when the connection's version cannot
   * express the message.
   */
  send(message: runner.v7.ToClient): boolean {
    if (this.translator !== undefined) return this.translator.send(message);
    if (this.family !== "mk2") {
      throw new VersionError(
        "version.not_expressible",
        `runner protocol v${this.protocolVersion} (mk1) connection has no bridge attached`,
        { details: { family: "runner", type: "ToClient", from: 7, to: this.protocolVersion } },
      );
    }
    return this.sendBytes(runner.mk2Versioned.ToClient.encode(message, this.protocolVersion));
  }

  /** @internal Routes {@link send} through a translator (the mk1 bridge); set once, at the handshake. */
  useTranslator(translator: ToClientTranslator): void {
    this.translator = translator;
  }

  /** Closes the connection with one of the endpoint's reasons. */
  close(error: RunnerWsError): void {
    this.closeWith(error);
  }

  /** @internal Writes an already encoded frame. */
  sendBytes(bytes: Uint8Array): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    // Frames for many actors leave in one write per turn instead of one each.
    if (this.socket.transport !== undefined) batchWritesThisTurn(this.socket.transport);
    this.socket.send(bytes, { binary: true });
    return true;
  }

  /**
   * Resolves true once the runner has handled every message the engine sent it before this
   * call: a ping sent now is answered in order after them (runners handle their socket's
   * messages in order). Resolves false when that cannot be known: a v1-v3 runner, which the
   * engine does not ping, or a connection that closes first.
   */
  roundTrip(): Promise<boolean> {
    if (this.family !== "mk2" || !this.open) return Promise.resolve(false);
    return new Promise((resolve) => {
      const ts = this.nextPingTs(Date.now());
      const onClose = () => settle(false);
      const settle = (ok: boolean) => {
        this.socket.off("close", onClose);
        this.fences = this.fences.filter((f) => f !== fence);
        resolve(ok);
      };
      const fence = { ts, settle };
      this.fences.push(fence);
      this.socket.once("close", onClose);
      if (!this.send({ tag: "ToClientPing", val: { ts } })) settle(false);
    });
  }

  /** @internal The `ts` of the next ping: the clock, but strictly after every earlier ping's. */
  nextPingTs(now: number): bigint {
    let ts = BigInt(now);
    if (ts <= this.lastPingTs) ts = this.lastPingTs + 1n;
    this.lastPingTs = ts;
    return ts;
  }

  /** @internal Records a `ToServerPong` answering our ping sent at `ts`. */
  recordPong(ts: bigint, now: number): void {
    // Pongs come in the order of the pings, and ping timestamps only grow: this one answers
    // every fence whose ping was sent at or before it.
    for (const fence of this.fences.filter((f) => f.ts <= ts)) fence.settle(true);
    this.lastAlive = now;
    // A runner echoes our own clock, so this cannot go negative unless the runner lies.
    this.lastRtt = Math.max(0, now - Number(ts));
  }

  /** @internal Records that the runner is alive without an RTT (an mk1 `ToServerPing`). */
  recordAlive(now: number): void {
    this.lastAlive = now;
  }

  /** @internal Marks the runner draining; returns true the first time. */
  markDraining(): boolean {
    if (this.isDraining) return false;
    this.isDraining = true;
    return true;
  }
}
