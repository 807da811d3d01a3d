import { exactArrayBuffer, idHex, nextU16, type runner, wrappingLteU16 } from "@actorwire/protocol";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { EngineError } from "../errors.js";
import {
  CLOSE_ACTOR_STOPPED,
  CLOSE_CLIENT_TOO_SLOW,
  CLOSE_CODE_CLIENT_TOO_SLOW,
  CLOSE_GOING_AWAY,
  CLOSE_MESSAGE_TOO_LARGE,
  CLOSE_PENDING_LIMIT,
  CLOSE_SERVICE_TIMEOUT,
  CLOSE_SERVICE_UNAVAILABLE,
  RUNNER_CLOSE_DOWNSTREAM,
} from "./errors.js";
import { type OutgoingOverflow, type OutgoingSink, overflowText } from "./outgoing.js";
import type { ActorGenerationEvent, ActorPlacement } from "./router.js";
import { type TunnelEntry, type TunnelHost, payloadSize } from "./tunnel.js";

/**
 * One client WebSocket through the tunnel. The gateway has already accepted the client's
 * upgrade; this sends `ToClientWebSocketOpen` (index 0), waits for the runner's
 * `ToServerWebSocketOpen`, then relays frames both ways, each direction with its own index.
 *
 * A socket the runner opens with `canHibernate: true` outlives its actor: every client
 * message is kept with its index until the runner acknowledges it, and when the actor stops
 * (or the runner closes with `hibernate: true`, or disconnects) the client stays connected.
 * The socket then "hibernates" until the actor runs again (on the client's next message the
 * gateway wakes it), and resumes without a new open by resending the unacknowledged
 * messages with their original indices.
 */

/** What the gateway knows about the socket when it hands it over. */
export interface WebSocketContext {
  readonly ws: WebSocket;
  readonly actorId: string;
  readonly placement: ActorPlacement;
  /** The namespace of the runner the socket is opened on; runners of others may not write to it. */
  readonly namespaceId: string | undefined;
  /** The actor-relative path. */
  readonly path: string;
  /** The upgrade request's headers as the runner sees them (with `sec-websocket-protocol` and the ray ID). */
  readonly headers: ReadonlyMap<string, string>;
  readonly log: Logger;
}

interface PendingMessage {
  readonly index: number;
  readonly data: ArrayBuffer;
  readonly binary: boolean;
  readonly sentAt: number;
}

type SocketState = "opening" | "open" | "hibernating" | "closed";

/** Close codes a server may put in a close frame. */
function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** A close reason cut to the 123 bytes a close frame can hold, on a character boundary. */
function closeReasonText(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 123);
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

const textDecoder = new TextDecoder();

/** The close reason a runner gives when it does not host the actor: it ran nothing of the open. */
const ACTOR_NOT_FOUND_ON_RUNNER = "runner.actor_not_found";
/** Opens sent for one client socket: the first, and one more after a wake (as HTTP requests are retried). */
const MAX_OPEN_ATTEMPTS = 2;

export class TunnelWebSocket implements TunnelEntry {
  readonly requestId: ArrayBuffer;
  readonly key: string;
  readonly actorId: string;
  readonly namespaceId: string | undefined;
  private current: ActorPlacement;
  private state: SocketState = "opening";
  private canHibernate = false;
  private nextMessageIndex = 0;
  /** Client messages that arrived before the runner opened the socket. */
  private readonly early: { data: ArrayBuffer; binary: boolean }[] = [];
  private earlyBytes = 0;
  /** Unacknowledged client messages of a hibernatable socket, oldest first. */
  private pending: PendingMessage[] = [];
  private pendingBytes = 0;
  private waking = false;
  private openAttempts = 0;
  /** Set while the socket waits for its actor to be ready again, to send the open once more. */
  private reopening = false;
  /** The generation the open was sent to stopped before the runner answered it. */
  private stoppedWhileOpening = false;
  private openTimer: NodeJS.Timeout | undefined;
  private readonly ended = new AbortController();
  private readonly ws: WebSocket;
  private readonly log: Logger;
  /** This socket as the gateway's outgoing budget sees it. */
  private readonly sink: OutgoingSink = {
    buffered: () => this.ws.bufferedAmount,
    overflow: (overflow) => this.tooSlow(overflow),
  };
  /** Drops the connection of a client closed for being too slow that does not read its close frame. */
  private dropTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: TunnelHost,
    private readonly ctx: WebSocketContext,
  ) {
    this.requestId = host.newRequestId();
    this.key = idHex(this.requestId);
    this.actorId = ctx.actorId;
    this.namespaceId = ctx.namespaceId;
    this.current = ctx.placement;
    this.ws = ctx.ws;
    this.log = ctx.log.child({ requestId: this.key, actorId: ctx.actorId });
  }

  get placement(): ActorPlacement {
    return this.current;
  }

  /** Whether the socket is waiting for its actor to run again. */
  get hibernating(): boolean {
    return this.state === "hibernating";
  }

  /** The number of client messages kept until the runner acknowledges them. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Sends the open to the runner and starts relaying. */
  start(): void {
    this.host.register(this);
    this.ws.on("message", (data, isBinary) => this.onClientMessage(data, isBinary));
    this.ws.on("close", (code, reason) => {
      clearTimeout(this.dropTimer);
      this.onClientClose(code, reason.toString());
    });
    this.ws.on("error", (err) => this.log.debug({ err }, "client WebSocket error"));
    this.sendOpen();
  }

  /** Sends `ToClientWebSocketOpen` to the current placement and waits for the runner's answer. */
  private sendOpen(): void {
    this.openAttempts++;
    const sent = this.send({
      tag: "ToClientWebSocketOpen",
      val: { actorId: this.actorId, path: this.ctx.path, headers: new Map(this.ctx.headers) },
    });
    if (!sent) {
      this.closeClient(1011, CLOSE_SERVICE_UNAVAILABLE, false);
      return;
    }
    this.openTimer = setTimeout(() => {
      this.log.warn("no WebSocket open from the runner in time");
      this.closeClient(1011, CLOSE_SERVICE_TIMEOUT, true);
    }, this.host.config.websocketOpenTimeoutMs);
  }

  /**
   * The runner answered that it does not host the actor, so nothing of the open ran (the
   * actor was stopping when the open reached it). As with an HTTP request, the socket waits
   * for the actor to be ready again and sends the open once more, instead of failing a
   * client whose only fault was to connect while the actor went to sleep.
   */
  private reopen(): void {
    clearTimeout(this.openTimer);
    this.openTimer = undefined;
    this.reopening = true;
    this.log.debug("runner does not host the actor; opening again once it is ready");
    this.host.waitReady(this.actorId, false, this.ended.signal).then(
      (placement) => {
        this.reopening = false;
        if (this.state !== "opening") return;
        this.current = placement;
        this.stoppedWhileOpening = false;
        this.sendOpen();
      },
      (err: unknown) => {
        this.reopening = false;
        if (this.state !== "opening") return;
        const error = EngineError.from(err);
        this.log.debug({ code: error.id }, "actor not ready again for a WebSocket open");
        this.closeClient(1011, error.id, false);
      },
    );
  }

  onTunnelMessage(kind: runner.v7.ToServerTunnelMessageKind): void {
    if (this.state === "closed") return;
    const limit = this.host.config.maxResponsePayloadBytes;
    if (payloadSize(kind) > limit) {
      this.log.warn({ size: payloadSize(kind), limit }, "runner WebSocket message over the limit");
      this.closeClient(1011, CLOSE_MESSAGE_TOO_LARGE, true);
      return;
    }
    switch (kind.tag) {
      case "ToServerWebSocketOpen":
        return this.onRunnerOpen(kind.val.canHibernate);
      case "ToServerWebSocketMessage":
        return this.onRunnerMessage(kind.val);
      case "ToServerWebSocketMessageAck":
        return this.onAck(kind.val.index);
      case "ToServerWebSocketClose":
        return this.onRunnerClose(kind.val);
      default:
        this.log.debug({ tag: kind.tag }, "unexpected tunnel message for a WebSocket");
    }
  }

  onActorStopped(): void {
    switch (this.state) {
      case "opening": {
        if (this.reopening) return;
        this.stoppedWhileOpening = true;
        // The open may still be on its way to the runner, which will then refuse it as not
        // hosted (and the socket opens again after the wake). Once the runner has handled
        // everything sent before (a ping round trip) and has neither opened nor refused it,
        // the open may have run, so it is not sent again.
        const placement = this.current;
        void this.host.roundTrip(placement.runnerId).then(() => {
          if (this.state === "opening" && !this.reopening && this.current === placement) this.closeClient(1000, CLOSE_ACTOR_STOPPED, false);
        });
        return;
      }
      case "open":
        if (this.canHibernate) {
          this.hibernate("actor stopped");
          // Client messages the actor never acknowledged (for example, ones that arrived while
          // it was stopping) would otherwise wait for the client's next frame, which may never
          // come: wake the actor at once so that they are delivered, as Rivet's gateway does.
          // An unacknowledged message cannot keep an actor awake forever: the ack timeout
          // closes the socket.
          if (this.pending.length > 0) this.wake();
        } else this.closeClient(1000, CLOSE_ACTOR_STOPPED, false);
        return;
      default:
        return;
    }
  }

  /**
   * Frames sent while the runner is away are lost, so a socket that cannot hibernate closes
   * as if its actor stopped.
   */
  onRunnerDisconnected(): void {
    this.onActorStopped();
  }

  onActorReady(event: ActorGenerationEvent): void {
    if (this.state !== "hibernating" || event.actorId !== this.actorId) return;
    if (!this.host.runnerConnected(event.runnerId)) return;
    this.resume({ runnerId: event.runnerId, generation: event.generation });
  }

  onGc(now: number): void {
    const oldest = this.pending[0];
    if (oldest === undefined || now - oldest.sentAt <= this.host.config.hwsAckTimeoutMs) return;
    this.log.warn({ index: oldest.index, pending: this.pending.length }, "client message not acknowledged in time");
    this.closeClient(1011, CLOSE_SERVICE_TIMEOUT, true);
  }

  shutdown(): void {
    this.closeClient(1001, CLOSE_GOING_AWAY, true);
  }

  private onRunnerOpen(canHibernate: boolean): void {
    if (this.state !== "opening") {
      this.log.debug({ state: this.state }, "WebSocket open from the runner for a socket already open");
      return;
    }
    clearTimeout(this.openTimer);
    this.openTimer = undefined;
    this.canHibernate = canHibernate;
    this.state = "open";
    const early = this.early.splice(0);
    this.earlyBytes = 0;
    for (const message of early) {
      if (!this.forward(message.data, message.binary)) return;
    }
    // Opened by a generation that has stopped since: the socket ends (or hibernates) as if
    // the stop had come after the open.
    if (this.stoppedWhileOpening) this.onActorStopped();
  }

  private onRunnerMessage(message: runner.v7.ToServerWebSocketMessage): void {
    if (this.state === "opening") {
      // Rivet's gateway reads nothing from the runner before the open either.
      this.log.debug("WebSocket message from the runner before its open; dropped");
      return;
    }
    // A text frame must be valid UTF-8; like Rivet's guard, replace what is not.
    if (message.binary) this.ws.send(Buffer.from(message.data), { binary: true });
    else this.ws.send(textDecoder.decode(message.data));
    this.host.outgoing.wrote(this.sink);
    if (this.state === "closed") return;
    // The runner restored the socket, so the actor runs again.
    if (this.state === "hibernating") this.wake();
  }

  private onAck(index: number): void {
    if (!this.canHibernate) return;
    let drop = 0;
    while (drop < this.pending.length && wrappingLteU16((this.pending[drop] as PendingMessage).index, index)) {
      this.pendingBytes -= (this.pending[drop] as PendingMessage).data.byteLength;
      drop++;
    }
    if (drop > 0) this.pending = this.pending.slice(drop);
  }

  private onRunnerClose(close: runner.v7.ToServerWebSocketClose): void {
    switch (this.state) {
      case "opening":
        if (close.reason === ACTOR_NOT_FOUND_ON_RUNNER && this.openAttempts < MAX_OPEN_ATTEMPTS && !this.reopening) {
          this.reopen();
          return;
        }
        // A refusal: Rivet's guard treats the actor as unavailable.
        this.log.debug({ code: close.code, reason: close.reason }, "runner refused the WebSocket");
        this.closeClient(1011, CLOSE_SERVICE_UNAVAILABLE, false);
        return;
      case "open":
        if (close.hibernate && this.canHibernate) {
          this.hibernate("runner asked to hibernate");
          return;
        }
        this.closeClient(close.code ?? 1000, close.reason ?? "", false);
        return;
      case "hibernating":
        if (!close.hibernate) this.closeClient(close.code ?? 1000, close.reason ?? "", false);
        return;
      default:
        return;
    }
  }

  private onClientMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const bytes = exactArrayBuffer(
      Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data,
    );
    switch (this.state) {
      case "opening":
        if (!this.withinPendingLimits(this.early.length, this.earlyBytes, bytes.byteLength)) {
          this.closeClient(1011, CLOSE_PENDING_LIMIT, true);
          return;
        }
        this.early.push({ data: bytes, binary: isBinary });
        this.earlyBytes += bytes.byteLength;
        return;
      case "open":
        this.forward(bytes, isBinary);
        return;
      case "hibernating":
        // Kept with its index and resent once the actor runs again; it also wakes the actor.
        if (this.forward(bytes, isBinary)) this.wake();
        return;
      default:
        return;
    }
  }

  /**
   * Gives a client message the next index, keeps it if the socket can hibernate, and sends it
   * if the socket is open. Returns false when the socket had to be closed.
   */
  private forward(data: ArrayBuffer, binary: boolean): boolean {
    if (this.canHibernate) {
      if (!this.withinPendingLimits(this.pending.length, this.pendingBytes, data.byteLength)) {
        this.closeClient(1011, CLOSE_PENDING_LIMIT, true);
        return false;
      }
    }
    const index = this.allocateIndex();
    if (this.canHibernate) {
      this.pending.push({ index, data, binary, sentAt: Date.now() });
      this.pendingBytes += data.byteLength;
    }
    if (this.state !== "open") return true;
    if (this.host.send(this, index, { tag: "ToClientWebSocketMessage", val: { data, binary } })) return true;
    this.log.debug("runner not reachable for a client message");
    if (this.canHibernate) {
      this.hibernate("runner not reachable");
      this.wake();
      return true;
    }
    this.closeClient(1000, CLOSE_ACTOR_STOPPED, false);
    return false;
  }

  private withinPendingLimits(count: number, bytes: number, size: number): boolean {
    const { hwsMaxPendingMessages, hwsMaxPendingBytes } = this.host.config;
    return count < hwsMaxPendingMessages && bytes + size <= hwsMaxPendingBytes;
  }

  private onClientClose(code: number, reason: string): void {
    if (this.state === "closed") return;
    const was = this.state;
    this.finish();
    // Nothing to tell a runner that does not hold the socket right now.
    if (was === "hibernating") return;
    // 1005 (no status) and 1006 (no close frame) are not codes a peer sent; Rivet's guard
    // reports both as a normal close without a reason.
    const noStatus = code === 1005 || code === 1006;
    this.send({
      tag: "ToClientWebSocketClose",
      val: { code: noStatus ? 1000 : code, reason: noStatus ? null : reason },
    });
  }

  /**
   * The client does not read what the actor sends and the gateway holds too much for it:
   * close it with 1008 and a reason naming the bound, tell the runner, and drop what it holds
   * unread (the close frame included) if it still does not read within the close timeout.
   */
  private tooSlow(overflow: OutgoingOverflow): void {
    const detail = overflowText(overflow);
    this.log.warn({ ...overflow }, `client WebSocket too slow: ${detail}`);
    this.closeClient(CLOSE_CODE_CLIENT_TOO_SLOW, `${CLOSE_CLIENT_TOO_SLOW}: ${detail}`, true);
    this.dropTimer = setTimeout(() => this.ws.terminate(), this.host.config.slowClientCloseTimeoutMs);
    this.dropTimer.unref();
  }

  private hibernate(why: string): void {
    this.log.debug({ why, pending: this.pending.length }, "WebSocket hibernating");
    this.state = "hibernating";
  }

  /** Waits for the actor (waking it) and resumes; one wake at a time. */
  private wake(): void {
    if (this.waking || this.state !== "hibernating") return;
    this.waking = true;
    this.host.waitReady(this.actorId, false, this.ended.signal).then(
      (placement) => {
        this.waking = false;
        if (this.state !== "hibernating") return;
        if (!this.host.runnerConnected(placement.runnerId)) {
          this.closeClient(1011, CLOSE_SERVICE_UNAVAILABLE, false);
          return;
        }
        this.resume(placement);
      },
      (err: unknown) => {
        this.waking = false;
        if (this.state !== "hibernating") return;
        const reason = err instanceof EngineError ? err.id : CLOSE_SERVICE_UNAVAILABLE;
        this.log.debug({ err }, "hibernating WebSocket could not wake its actor");
        this.closeClient(1011, reason, false);
      },
    );
  }

  /** Continues on the actor's new placement: no new open, the unacknowledged messages first. */
  private resume(placement: ActorPlacement): void {
    this.current = placement;
    this.state = "open";
    this.log.debug({ runnerId: placement.runnerId, resend: this.pending.length }, "WebSocket resumed");
    for (const message of this.pending) {
      const sent = this.host.send(this, message.index, {
        tag: "ToClientWebSocketMessage",
        val: { data: message.data, binary: message.binary },
      });
      if (!sent) {
        this.hibernate("runner not reachable while resuming");
        return;
      }
    }
  }

  /**
   * Ends the socket from the gateway's side: closes the client with `code` and `reason`, and
   * when `tellRunner` tells a runner that holds the socket that it is gone.
   */
  private closeClient(code: number, reason: string, tellRunner: boolean): void {
    if (this.state === "closed") return;
    const was = this.state;
    this.finish();
    if (tellRunner && (was === "open" || was === "opening")) {
      this.send({ tag: "ToClientWebSocketClose", val: { code: 1011, reason: RUNNER_CLOSE_DOWNSTREAM } });
    }
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(isSendableCloseCode(code) ? code : 1000, closeReasonText(reason));
    }
  }

  private finish(): void {
    this.state = "closed";
    clearTimeout(this.openTimer);
    this.openTimer = undefined;
    this.ended.abort();
    this.early.length = 0;
    this.pending = [];
    this.pendingBytes = 0;
    this.host.outgoing.forget(this.sink);
    this.host.unregister(this);
  }

  private allocateIndex(): number {
    const index = this.nextMessageIndex;
    this.nextMessageIndex = nextU16(index);
    return index;
  }

  private send(kind: runner.v7.ToClientTunnelMessageKind): boolean {
    return this.host.send(this, this.allocateIndex(), kind);
  }
}
