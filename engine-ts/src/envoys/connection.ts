import { envoy } from "@actorwire/protocol";
import { batchWritesThisTurn } from "@actorwire/protocol/internal";
import type { Logger } from "pino";
import type { Namespace } from "../runners/registry.js";
import type { RunnerSocket } from "../runners/socket.js";
import type { EnvoyWsError } from "./errors.js";

/** A message from the engine to an envoy, as the engine holds it (the v8 types). */
export type ToEnvoy = envoy.v8.ToEnvoy;
/** A message from an envoy to the engine, read as v8 whatever the connection's version. */
export type ToRivet = envoy.v8.ToRivet;

/** Everything known about an envoy once its namespace and pool have been checked. */
export interface EnvoyConnectionInit {
  readonly socket: RunnerSocket;
  readonly rayId: string;
  readonly protocolVersion: number;
  readonly namespace: Namespace;
  readonly poolName: string;
  readonly envoyKey: string;
  readonly version: number;
  readonly log: Logger;
  /** Closes the socket with a reason; provided by the session that owns the socket. */
  readonly close: (error: EnvoyWsError) => void;
}

/**
 * One envoy's WebSocket after the engine accepted it: who it is, what it announced, and how
 * alive it is. `GET /envoys` lists these; later slices (commands, KV, SQLite, tunnel) answer
 * the envoy through {@link send}.
 */
export class EnvoyConnection {
  readonly rayId: string;
  /** The `protocol_version` of the connect URL; every frame is written at this version. */
  readonly protocolVersion: number;
  readonly namespace: Namespace;
  readonly poolName: string;
  /** The `envoy_key` of the connect URL; rivetkit uses a fresh UUID per process. */
  readonly envoyKey: string;
  /** The app's version from the connect URL. */
  readonly version: number;
  /** When the connection was accepted (epoch milliseconds). */
  readonly connectedAt: number;
  readonly log: Logger;

  private readonly socket: RunnerSocket;
  private readonly closeWith: (error: EnvoyWsError) => void;
  private actorNamesValue: ReadonlyMap<string, { readonly metadata: string }> = new Map();
  private metadataValue: string | null = null;
  private isDraining = false;
  private lastAlive: number;
  private lastPing: number;
  private lastRtt = 0;
  /** The `ts` of the last ping sent; every ping's is strictly greater than the one before. */
  private lastPingTs = 0n;

  constructor(init: EnvoyConnectionInit, now: number = Date.now()) {
    this.socket = init.socket;
    this.rayId = init.rayId;
    this.protocolVersion = init.protocolVersion;
    this.namespace = init.namespace;
    this.poolName = init.poolName;
    this.envoyKey = init.envoyKey;
    this.version = init.version;
    this.log = init.log;
    this.closeWith = init.close;
    this.connectedAt = now;
    // The pong timeout counts from the accept, so an envoy that never answers a ping is
    // dropped as surely as one that stops answering.
    this.lastAlive = now;
    this.lastPing = now;
  }

  /** The actor names of the envoy's last `ToRivetMetadata`, each with its metadata (JSON text). */
  get actorNames(): ReadonlyMap<string, { readonly metadata: string }> {
    return this.actorNamesValue;
  }

  /** The envoy's metadata (JSON text) from its last `ToRivetMetadata`, or null. */
  get metadata(): string | null {
    return this.metadataValue;
  }

  /** Whether the envoy sent `ToRivetStopping`: it takes no new actors. */
  get draining(): boolean {
    return this.isDraining;
  }

  /** When the envoy last answered a ping, or when it was accepted. */
  get lastPongAt(): number {
    return this.lastAlive;
  }

  /** When the engine last sent the envoy a ping, or when it was accepted. */
  get lastPingAt(): number {
    return this.lastPing;
  }

  /** Round-trip time measured from the last pong, in milliseconds; 0 before the first, as Rivet reports. */
  get rttMs(): number {
    return this.lastRtt;
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /**
   * Sends one message, written at the connection's protocol version through the versioned
   * codec. Returns false when the socket is no longer open; throws `VersionError` when the
   * version cannot express the message.
   */
  send(message: ToEnvoy): boolean {
    const bytes = envoy.versioned.ToEnvoy.encode(message, this.protocolVersion);
    if (this.socket.readyState !== this.socket.OPEN) return false;
    // Frames for many actors leave in one write per turn instead of one each.
    if (this.socket.transport !== undefined) batchWritesThisTurn(this.socket.transport);
    this.socket.send(bytes, { binary: true });
    return true;
  }

  /** Closes the connection with one of the endpoint's reasons. */
  close(error: EnvoyWsError): void {
    this.closeWith(error);
  }

  /** @internal Sends a ping stamped with the clock, strictly after every earlier ping's stamp. */
  ping(now: number): void {
    let ts = BigInt(now);
    if (ts <= this.lastPingTs) ts = this.lastPingTs + 1n;
    this.lastPingTs = ts;
    this.lastPing = now;
    this.send({ tag: "ToEnvoyPing", val: { ts } });
  }

  /** @internal Records a `ToRivetPong` echoing our ping's `ts`. */
  recordPong(ts: bigint, now: number): void {
    this.lastAlive = now;
    // The envoy echoes our own clock, so this cannot go negative unless the envoy lies.
    this.lastRtt = Math.max(0, now - Number(ts));
  }

  /** @internal Records a `ToRivetMetadata`; a later one replaces what an earlier one said. */
  recordMetadata(message: envoy.v8.ToRivetMetadata): void {
    if (message.prepopulateActorNames !== null) this.actorNamesValue = message.prepopulateActorNames;
    if (message.metadata !== null) this.metadataValue = message.metadata;
  }

  /** @internal Marks the envoy draining; returns true the first time. */
  markDraining(): boolean {
    if (this.isDraining) return false;
    this.isDraining = true;
    return true;
  }
}
