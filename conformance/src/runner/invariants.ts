/**
 * History checkers that hold for every case (Maelstrom-style): they watch every frame as it
 * crosses the harness's side of the runner connection and record each violation with the
 * trace position where it happened. A case fails when a violation was recorded while it ran.
 */
import { idHex, MAX_TUNNEL_PAYLOAD_BYTES, type runner } from "@actorwire/protocol";
import { show } from "./trace.js";

type ToServer = runner.v7.ToServer;
type ToClient = runner.v7.ToClient;

/** One broken rule. */
export interface Violation {
  /** A short stable name, e.g. `event-numbering`. */
  readonly rule: string;
  readonly text: string;
  /** The trace entry at which it was seen. */
  readonly seq: number;
}

interface EventStream {
  maxIndex: bigint;
  readonly byIndex: Map<bigint, string>;
  stopped: boolean;
  /** `conn:index` pairs already seen, to tell a resend after a reconnect from a duplicate. */
  readonly seen: Set<string>;
}

interface TunnelState {
  readonly kind: "http" | "ws";
  /** HTTP: a final response was sent (a non-streamed start, an abort, or a finishing chunk). */
  done: boolean;
  /** HTTP: a streamed start was sent and chunks may follow. */
  streaming: boolean;
  /** WebSocket: where the socket is. */
  ws: "opening" | "open" | "closed";
  /** WebSocket: the harness closed it; the runner may still answer with a close. */
  closedByHarness: boolean;
}

/** Hex key of a (gateway, request) pair. */
export function tunnelKey(gatewayId: ArrayBuffer, requestId: ArrayBuffer): string {
  return idHex(gatewayId) + idHex(requestId);
}

/** Checks every frame against the rules that hold in every case. */
export class HistoryChecker {
  readonly violations: Violation[] = [];
  private readonly events = new Map<string, EventStream>();
  /** Highest command index sent per `actorId/generation`. */
  private readonly commandsSent = new Map<string, bigint>();
  private readonly acked = new Map<string, bigint>();
  private readonly tunnels = new Map<string, TunnelState>();
  private readonly kvOutstanding = new Map<number, Set<number>>();
  private readonly framesPerConn = new Map<number, number>();

  private violate(rule: string, text: string, seq: number): void {
    this.violations.push({ rule, text, seq });
  }

  /** The harness sent a message to the runner. */
  onSend(conn: number, message: ToClient): void {
    if (message.tag === "ToClientCommands") {
      for (const c of message.val) {
        const key = `${c.checkpoint.actorId}/${c.checkpoint.generation}`;
        const prev = this.commandsSent.get(key);
        if (prev === undefined || c.checkpoint.index > prev) this.commandsSent.set(key, c.checkpoint.index);
      }
    } else if (message.tag === "ToClientKvResponse") {
      this.kvOutstanding.get(conn)?.delete(message.val.requestId);
    } else if (message.tag === "ToClientTunnelMessage") {
      const key = tunnelKey(message.val.messageId.gatewayId, message.val.messageId.requestId);
      const kind = message.val.messageKind;
      if (kind.tag === "ToClientRequestStart") this.tunnels.set(key, { kind: "http", done: false, streaming: false, ws: "opening", closedByHarness: false });
      else if (kind.tag === "ToClientWebSocketOpen") this.tunnels.set(key, { kind: "ws", done: false, streaming: false, ws: "opening", closedByHarness: false });
      else if (kind.tag === "ToClientWebSocketClose") {
        const state = this.tunnels.get(key);
        if (state !== undefined) state.closedByHarness = true;
      } else if (kind.tag === "ToClientRequestAbort") {
        const state = this.tunnels.get(key);
        if (state !== undefined) state.done = true;
      }
    }
  }

  /** The runner sent a frame that is not a valid `ToServer`. */
  onInvalid(_conn: number, error: string, text: boolean, seq: number): void {
    this.violate("decodable-frames", `the runner sent a ${text ? "text" : "binary"} frame that is not a valid ToServer: ${error}`, seq);
  }

  /** The runner sent a message. */
  onRecv(conn: number, message: ToServer, seq: number): void {
    const count = (this.framesPerConn.get(conn) ?? 0) + 1;
    this.framesPerConn.set(conn, count);
    if (count === 1 && message.tag !== "ToServerInit") this.violate("init-first", `the first frame on connection ${conn} is ${message.tag}, not ToServerInit`, seq);
    if (count > 1 && message.tag === "ToServerInit") this.violate("init-first", `a second ToServerInit on connection ${conn}`, seq);
    switch (message.tag) {
      case "ToServerEvents":
        for (const event of message.val) this.onEvent(conn, event, seq);
        return;
      case "ToServerAckCommands":
        for (const cp of message.val.lastCommandCheckpoints) {
          const key = `${cp.actorId}/${cp.generation}`;
          const sent = this.commandsSent.get(key);
          if (sent === undefined) this.violate("command-acks", `ack for ${key}, to which the engine sent no command`, seq);
          else if (cp.index > sent) this.violate("command-acks", `ack for ${key} index ${cp.index}, past the last command sent (${sent})`, seq);
          const before = this.acked.get(key);
          if (before !== undefined && cp.index < before) this.violate("command-acks", `ack for ${key} went back from ${before} to ${cp.index}`, seq);
          else this.acked.set(key, cp.index);
        }
        return;
      case "ToServerKvRequest": {
        let outstanding = this.kvOutstanding.get(conn);
        if (outstanding === undefined) this.kvOutstanding.set(conn, (outstanding = new Set()));
        if (outstanding.has(message.val.requestId)) this.violate("kv-request-ids", `KV request id ${message.val.requestId} reused while a request with that id is unanswered`, seq);
        outstanding.add(message.val.requestId);
        return;
      }
      case "ToServerTunnelMessage":
        this.onTunnel(message.val, seq);
        return;
      default:
        return;
    }
  }

  private onEvent(conn: number, event: runner.v7.EventWrapper, seq: number): void {
    const { actorId, generation, index } = event.checkpoint;
    const key = `${actorId}/${generation}`;
    if (!this.commandsSent.has(key)) {
      this.violate("events-for-started-actors", `event ${event.inner.tag} for ${key}, which the engine never started`, seq);
    }
    let stream = this.events.get(key);
    if (stream === undefined) this.events.set(key, (stream = { maxIndex: -1n, byIndex: new Map(), stopped: false, seen: new Set() }));
    const rendered = show(event.inner);
    const connKey = `${conn}:${index}`;
    if (stream.seen.has(connKey)) this.violate("event-numbering", `event index ${index} of ${key} sent twice on one connection`, seq);
    stream.seen.add(connKey);
    const earlier = stream.byIndex.get(index);
    if (earlier !== undefined) {
      if (earlier !== rendered) this.violate("event-numbering", `event index ${index} of ${key} reused for a different event: first ${earlier}, now ${rendered}`, seq);
      return;
    }
    if (index <= stream.maxIndex) {
      this.violate("event-numbering", `event index ${index} of ${key} arrived after index ${stream.maxIndex} (indices must increase)`, seq);
    } else if (stream.maxIndex === -1n && index !== 0n) {
      this.violate("event-numbering", `the first event of ${key} has index ${index}, not 0`, seq);
    } else if (index !== stream.maxIndex + 1n) {
      this.violate("event-numbering", `event index ${index} of ${key} skips from ${stream.maxIndex}`, seq);
    }
    if (stream.stopped) this.violate("events-after-stopped", `event ${event.inner.tag} (index ${index}) of ${key} after it reported Stopped`, seq);
    if (event.inner.tag === "EventActorStateUpdate" && event.inner.val.state.tag === "ActorStateStopped") stream.stopped = true;
    stream.byIndex.set(index, rendered);
    if (index > stream.maxIndex) stream.maxIndex = index;
  }

  private onTunnel(message: runner.v7.ToServerTunnelMessage, seq: number): void {
    const key = tunnelKey(message.messageId.gatewayId, message.messageId.requestId);
    const kind = message.messageKind;
    const size =
      kind.tag === "ToServerResponseStart" ? (kind.val.body?.byteLength ?? 0) : kind.tag === "ToServerResponseChunk" ? kind.val.body.byteLength : kind.tag === "ToServerWebSocketMessage" ? kind.val.data.byteLength : 0;
    if (size > MAX_TUNNEL_PAYLOAD_BYTES) this.violate("payload-limit", `${kind.tag} carries ${size} bytes, over the 20 MiB limit (a real engine closes the whole runner connection)`, seq);
    const state = this.tunnels.get(key);
    if (state === undefined) {
      this.violate("tunnel-pairing", `${kind.tag} for request ${key}, which the harness never opened`, seq);
      return;
    }
    if (state.kind === "http") {
      if (kind.tag === "ToServerResponseStart" || kind.tag === "ToServerResponseAbort") {
        if (state.done || state.streaming) this.violate("tunnel-pairing", `a second response (${kind.tag}) to HTTP request ${key}`, seq);
        if (kind.tag === "ToServerResponseStart" && kind.val.stream) state.streaming = true;
        else state.done = true;
      } else if (kind.tag === "ToServerResponseChunk") {
        if (!state.streaming || state.done) this.violate("tunnel-pairing", `a response chunk for HTTP request ${key} without a streamed start`, seq);
        if (kind.val.finish) state.done = true;
      } else {
        this.violate("tunnel-pairing", `${kind.tag} for HTTP request ${key}`, seq);
      }
      return;
    }
    switch (kind.tag) {
      case "ToServerWebSocketOpen":
        if (state.ws !== "opening") this.violate("tunnel-pairing", `ToServerWebSocketOpen for socket ${key}, which is ${state.ws}`, seq);
        else state.ws = "open";
        return;
      case "ToServerWebSocketMessage":
        if (state.ws === "opening") this.violate("tunnel-pairing", `a message on socket ${key} before ToServerWebSocketOpen`, seq);
        else if (state.ws === "closed") this.violate("tunnel-pairing", `a message on socket ${key} after the runner closed it`, seq);
        return;
      case "ToServerWebSocketClose":
        if (state.ws === "closed") this.violate("tunnel-pairing", `a second ToServerWebSocketClose for socket ${key}`, seq);
        state.ws = "closed";
        return;
      case "ToServerWebSocketMessageAck":
        return;
      default:
        this.violate("tunnel-pairing", `${kind.tag} on WebSocket ${key}`, seq);
    }
  }
}
