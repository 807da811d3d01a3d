import { idHex, nextU16, runner } from "@actorwire/protocol";
import type { Logger } from "pino";
import { id32 } from "./bytes.js";
import type { ActorTunnelEntry, LocalActor } from "./local-actor.js";
import type { RunnerHandler } from "./types.js";

type ToClientTunnelMessage = runner.v7.ToClientTunnelMessage;
type ToClientTunnelMessageKind = runner.v7.ToClientTunnelMessageKind;
type ToServerTunnelMessageKind = runner.v7.ToServerTunnelMessageKind;

/** What the tunnel needs from the runner. */
export interface TunnelHost {
  readonly handler: RunnerHandler;
  readonly log: Logger;
  /** Relay response bodies of unknown length as chunks. */
  readonly streamResponses: boolean;
  /** The actor hosted here with this ID, if any. */
  actor(actorId: string): LocalActor | undefined;
  /** Sends an encoded frame if the socket is ready; false while disconnected. */
  sendFrame(frame: Uint8Array): boolean;
}

/** One HTTP request or WebSocket on the tunnel, keyed by (gateway ID, request ID). */
export interface TunnelEntry extends ActorTunnelEntry {
  readonly gatewayId: ArrayBuffer;
  readonly requestId: ArrayBuffer;
  /** The index of the next message this side sends for the request (its own counter from 0). */
  nextIndex: number;
  onTunnelMessage(kind: ToClientTunnelMessageKind, messageIndex: number): void;
  /** Ends the entry without a message to the gateway (another open took its IDs). */
  supersede(): void;
}

/** Starts the work for a request's first message; set by the HTTP and WebSocket modules. */
export type OpenHandler<K> = (tunnel: Tunnel, gatewayId: ArrayBuffer, requestId: ArrayBuffer, open: K) => void;

/** Messages held for a hibernating request until its actor has rebuilt the socket. */
interface Held {
  readonly actor: LocalActor;
  readonly messages: ToClientTunnelMessage[];
}

/**
 * The runner's side of the gateway tunnel: it routes each `ToClientTunnelMessage` to its
 * request, numbers and sends what requests answer, and keeps the answers (already encoded)
 * while the engine socket is down, sending them in order after the next `ToClientInit`.
 */
export class Tunnel {
  private readonly entries = new Map<number, Map<number, TunnelEntry>>();
  private readonly held = new Map<number, Map<number, Held>>();
  private buffered: Uint8Array[] = [];

  constructor(
    readonly host: TunnelHost,
    private readonly onRequestStart: OpenHandler<runner.v7.ToClientRequestStart>,
    private readonly onWebSocketOpen: OpenHandler<runner.v7.ToClientWebSocketOpen>,
  ) {}

  /** Routes one message from the gateway. */
  handle(message: ToClientTunnelMessage): void {
    const { gatewayId, requestId, messageIndex } = message.messageId;
    const kind = message.messageKind;
    switch (kind.tag) {
      case "ToClientRequestStart":
        this.onRequestStart(this, gatewayId, requestId, kind.val);
        return;
      case "ToClientWebSocketOpen":
        this.onWebSocketOpen(this, gatewayId, requestId, kind.val);
        return;
      default: {
        const entry = this.lookup(gatewayId, requestId);
        if (entry !== undefined) {
          entry.onTunnelMessage(kind, messageIndex);
          return;
        }
        const held = this.held.get(id32(gatewayId))?.get(id32(requestId));
        if (held !== undefined) {
          held.messages.push(message);
          return;
        }
        this.host.log.debug({ requestId: idHex(requestId), tag: kind.tag }, "tunnel message for no known request");
      }
    }
  }

  /** The entry of a request, if it is in flight. */
  lookup(gatewayId: ArrayBuffer, requestId: ArrayBuffer): TunnelEntry | undefined {
    return this.entries.get(id32(gatewayId))?.get(id32(requestId));
  }

  /** Adds an entry; an older one with the same IDs is superseded. */
  register(entry: TunnelEntry): void {
    const g = id32(entry.gatewayId);
    let byRequest = this.entries.get(g);
    if (byRequest === undefined) {
      byRequest = new Map();
      this.entries.set(g, byRequest);
    }
    const r = id32(entry.requestId);
    const old = byRequest.get(r);
    byRequest.set(r, entry);
    if (old !== undefined && old !== entry) old.supersede();
  }

  /** Removes an entry (only if it is still the one registered for its IDs). */
  unregister(entry: TunnelEntry): void {
    const g = id32(entry.gatewayId);
    const byRequest = this.entries.get(g);
    if (byRequest === undefined) return;
    const r = id32(entry.requestId);
    if (byRequest.get(r) !== entry) return;
    byRequest.delete(r);
    if (byRequest.size === 0) this.entries.delete(g);
  }

  /** Sends a message of an entry with the entry's next index. */
  send(entry: TunnelEntry, kind: ToServerTunnelMessageKind): void {
    const index = entry.nextIndex;
    entry.nextIndex = nextU16(index);
    this.sendAt(entry.gatewayId, entry.requestId, index, kind);
  }

  /** Sends a message with an explicit index (answers to requests that never got an entry). */
  sendAt(gatewayId: ArrayBuffer, requestId: ArrayBuffer, messageIndex: number, messageKind: ToServerTunnelMessageKind): void {
    const frame = runner.v7.encodeToServer({
      tag: "ToServerTunnelMessage",
      val: { messageId: { gatewayId, requestId, messageIndex }, messageKind },
    });
    // Anything still buffered goes first, so that a request's messages keep their order.
    if (this.buffered.length > 0 || !this.host.sendFrame(frame)) this.buffered.push(frame);
  }

  /** Sends what was kept while disconnected; called right after `ToClientInit`. */
  flush(): void {
    if (this.buffered.length === 0) return;
    const frames = this.buffered;
    this.buffered = [];
    this.host.log.debug({ count: frames.length }, "sending tunnel messages kept while disconnected");
    for (let i = 0; i < frames.length; i++) {
      if (!this.host.sendFrame(frames[i] as Uint8Array)) {
        this.buffered = frames.slice(i);
        return;
      }
    }
  }

  /** Forgets what was kept while disconnected (the runner was lost: the gateway has ended those requests). */
  dropBuffered(): void {
    this.buffered = [];
  }

  /**
   * Holds messages for the hibernating requests of a starting actor until the actor has
   * rebuilt their sockets ({@link release}): the gateway may resume them as soon as it sees
   * the actor again.
   */
  hold(actor: LocalActor): void {
    for (const { gatewayId, requestId } of actor.hibernatingRequests) {
      const g = id32(gatewayId);
      let byRequest = this.held.get(g);
      if (byRequest === undefined) {
        byRequest = new Map();
        this.held.set(g, byRequest);
      }
      byRequest.set(id32(requestId), { actor, messages: [] });
    }
  }

  /** Stops holding an actor's hibernating requests and delivers what was held, in order. */
  release(actor: LocalActor): void {
    const replay: ToClientTunnelMessage[] = [];
    for (const { gatewayId, requestId } of actor.hibernatingRequests) {
      const g = id32(gatewayId);
      const byRequest = this.held.get(g);
      const r = id32(requestId);
      const held = byRequest?.get(r);
      if (byRequest === undefined || held === undefined || held.actor !== actor) continue;
      byRequest.delete(r);
      if (byRequest.size === 0) this.held.delete(g);
      for (const m of held.messages) replay.push(m);
    }
    for (const m of replay) this.handle(m);
  }
}
