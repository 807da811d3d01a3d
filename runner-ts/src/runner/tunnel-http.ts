import { idHex, MAX_TUNNEL_PAYLOAD_BYTES, type runner } from "@actorwire/protocol";
import { exactArrayBuffer } from "./bytes.js";
import { RunnerError } from "./errors.js";
import type { LocalActor } from "./local-actor.js";
import type { Tunnel, TunnelEntry } from "./tunnel.js";
import { requestFromTunnel, TunnelRequestFromStart } from "./tunnel-request.js";
import type { RouteAnswer, TunnelRequestInfo, TunnelResponse } from "./types.js";

type ToServerTunnelMessageKind = runner.v7.ToServerTunnelMessageKind;

const encoder = new TextEncoder();
const EMPTY = new ArrayBuffer(0);

/**
 * The answer that makes the gateway wait for the actor and retry, as Rivet's runner sends it:
 * "this runner does not host the actor", which also promises that nothing of the request ran.
 */
function notFound(): ToServerTunnelMessageKind {
  return plainResponse(503, "Actor not found", { "x-rivet-error": "runner.actor_not_found" });
}

function plainResponse(status: number, text: string, extra: Record<string, string> = {}): ToServerTunnelMessageKind {
  const body = encoder.encode(text);
  const headers = new Map<string, string>(Object.entries(extra));
  headers.set("content-type", "text/plain; charset=utf-8");
  headers.set("content-length", String(body.byteLength));
  return { tag: "ToServerResponseStart", val: { status, headers, body: body.buffer as ArrayBuffer, stream: false } };
}

/** `ToClientRequestStart`: answers at once if the actor is not here, otherwise starts an exchange. */
export function startHttpRequest(tunnel: Tunnel, gatewayId: ArrayBuffer, requestId: ArrayBuffer, start: runner.v7.ToClientRequestStart): void {
  const actor = tunnel.host.actor(start.actorId);
  // A stopping actor takes no new request: the gateway sends it again after the wake.
  if (actor === undefined || actor.state === "stopping") {
    tunnel.host.log.debug({ actorId: start.actorId, requestId: idHex(requestId) }, "HTTP request for an actor not hosted here");
    tunnel.sendAt(gatewayId, requestId, 0, notFound());
    return;
  }
  const exchange = new HttpExchange(tunnel, actor, gatewayId, requestId, start);
  tunnel.register(exchange);
  actor.entries.add(exchange);
  void exchange.run();
}

/**
 * One tunnelled HTTP request: a standard `Request` (its body whole, or streamed from
 * `ToClientRequestChunk`s; its signal aborted by `ToClientRequestAbort` or the actor's
 * stop), the handler's `Response`, and that response back as one `ToServerResponseStart`
 * or, for a body of unknown length, a streamed start, chunks and a final chunk.
 */
class HttpExchange implements TunnelEntry {
  nextIndex = 0;
  private ended = false;
  /**
   * Where the request is: waiting for its actor to finish starting (nothing ran: a stop then
   * answers "not hosted here"), handed to the handler (something may have run: its answer is
   * sent even after the actor stopped), or relaying the handler's response.
   */
  private phase: "waiting" | "handling" | "responding" = "waiting";
  /** Set when the actor stopped while the handler had the request. */
  private actorStopped = false;
  private readonly abort = new AbortController();
  private bodyController: ReadableStreamDefaultController<Uint8Array> | undefined;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;

  constructor(
    private readonly tunnel: Tunnel,
    private readonly actor: LocalActor,
    readonly gatewayId: ArrayBuffer,
    readonly requestId: ArrayBuffer,
    private readonly start: runner.v7.ToClientRequestStart,
  ) {}

  async run(): Promise<void> {
    const { host } = this.tunnel;
    try {
      // The gateway waits for the actor to be ready, but a request can still race a start,
      // and the actor can be told to stop while it starts: the request then never reaches it.
      if (this.actor.state === "starting") await this.actor.started;
      if (this.ended) return;
      if (this.actor.state !== "running") {
        this.refuseNotHosted();
        return;
      }
      const info: TunnelRequestInfo = { gatewayId: this.gatewayId, requestId: this.requestId, isRestoring: false };
      const { handler } = host;
      let answer: Response | RouteAnswer;
      this.phase = "handling";
      try {
        // A handler with `route` gets the tunnel's bytes; `fetch` gets a standard Request. A
        // streamed body's stream exists from here on, so no chunk arrives before it.
        if (handler.route !== undefined) {
          const body = this.start.stream ? this.bodyStream() : undefined;
          const request = new TunnelRequestFromStart(this.start, this.abort.signal, host.log, body && (() => body));
          answer = await handler.route(this.actor.actorId, request, info);
        } else answer = await handler.fetch(this.actor.actorId, this.buildRequest(), info);
      } catch (err) {
        if (this.ended) return;
        if (err instanceof RunnerError && err.id === "runner.actor_not_found") {
          this.refuseNotHosted();
          return;
        }
        // A handler that failed after the stop (its signal aborted it) leaves the gateway to
        // answer `actor.stopped`: the request may have run in part.
        if (this.actorStopped) return;
        host.log.error({ err, actorId: this.actor.actorId }, "the actor's fetch handler threw");
        this.tunnel.send(this, plainResponse(500, "Internal Server Error"));
        return;
      }
      const response = answer instanceof Response ? answer : "response" in answer ? answer.response : undefined;
      const sent = answer instanceof Response || !("response" in answer) ? undefined : answer.sent;
      try {
        if (this.ended) {
          if (response instanceof Response) void response.body?.cancel().catch(() => {});
          return;
        }
        this.phase = "responding";
        if (response === undefined) {
          this.sendBytes(answer as TunnelResponse);
          return;
        }
        if (!(response instanceof Response)) {
          host.log.error({ actorId: this.actor.actorId }, "the actor's fetch handler did not return a Response");
          this.tunnel.send(this, plainResponse(500, "Internal Server Error"));
          return;
        }
        await this.respond(response);
      } finally {
        sent?.();
      }
    } catch (err) {
      host.log.error({ err, actorId: this.actor.actorId }, "tunnelled HTTP request failed");
      if (!this.ended) this.tunnel.send(this, plainResponse(500, "Internal Server Error"));
    } finally {
      this.end();
    }
  }

  /** Sends an answer given as bytes: one `ToServerResponseStart`, no `Response` in between. */
  private sendBytes(answer: TunnelResponse): void {
    const size = answer.body?.byteLength ?? 0;
    if (size > MAX_TUNNEL_PAYLOAD_BYTES) {
      this.refuseTooLarge(size);
      return;
    }
    const headers = new Map(answer.headers);
    headers.set("content-length", String(size));
    const body = answer.body === null || size === 0 ? null : exactArrayBuffer(answer.body);
    this.tunnel.send(this, { tag: "ToServerResponseStart", val: { status: answer.status, headers, body, stream: false } });
  }

  onTunnelMessage(kind: runner.v7.ToClientTunnelMessageKind): void {
    switch (kind.tag) {
      case "ToClientRequestChunk": {
        const controller = this.bodyController;
        if (controller === undefined) return;
        try {
          if (kind.val.body.byteLength > 0) controller.enqueue(new Uint8Array(kind.val.body));
          if (kind.val.finish) {
            controller.close();
            this.bodyController = undefined;
          }
        } catch {
          // The handler cancelled the body; the rest of it has nowhere to go.
          this.bodyController = undefined;
        }
        return;
      }
      case "ToClientRequestAbort":
        this.cancel("the client aborted the request");
        return;
      default:
        this.tunnel.host.log.debug({ tag: kind.tag }, "unexpected tunnel message for an HTTP request");
    }
  }

  /**
   * The actor stopped (its grace period for the requests it had taken is over). A request it
   * never got is answered "not hosted here" and sent again after the wake. A request in the
   * handler may have run: its signal aborts, and whatever the handler still answers is sent
   * (an action that finished as the actor stopped has its answer on the way), since the
   * gateway waits for the runner's answers before it gives up on the request. A response
   * being relayed is aborted, as before.
   */
  onActorStopped(): void {
    if (this.ended) return;
    if (this.phase === "waiting") {
      this.refuseNotHosted();
      this.end();
      return;
    }
    if (this.phase === "responding") {
      this.cancel("the actor stopped");
      return;
    }
    this.actorStopped = true;
    this.detach();
    const reason = new DOMException("the actor stopped", "AbortError");
    this.abort.abort(reason);
    // The rest of a streamed request body can no longer arrive.
    try {
      this.bodyController?.error(reason);
    } catch {
      // Already closed.
    }
    this.bodyController = undefined;
  }

  /** Answers that the actor is not hosted here; nothing of the request ran. */
  private refuseNotHosted(): void {
    this.tunnel.host.log.debug({ actorId: this.actor.actorId, requestId: idHex(this.requestId) }, "HTTP request refused: its actor stopped before it handled it");
    this.tunnel.send(this, notFound());
  }

  supersede(): void {
    this.cancel("another request took its ID");
  }

  private cancel(why: string): void {
    if (this.ended) return;
    this.end();
    const reason = new DOMException(why, "AbortError");
    this.abort.abort(reason);
    try {
      this.bodyController?.error(reason);
    } catch {
      // Already closed.
    }
    this.bodyController = undefined;
    void this.reader?.cancel(reason).catch(() => {});
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.detach();
  }

  /** Leaves the tunnel's table and the actor's entries; nothing more from the gateway reaches it. */
  private detach(): void {
    this.tunnel.unregister(this);
    this.actor.entries.delete(this);
  }

  private buildRequest(): Request {
    return requestFromTunnel(this.start, this.abort.signal, this.tunnel.host.log, this.start.stream ? this.bodyStream() : undefined);
  }

  /** The stream a streamed request body is read from; the tunnel's chunks are fed into it. */
  private bodyStream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.bodyController = controller;
      },
    });
  }

  private async respond(response: Response): Promise<void> {
    const headers = new Map<string, string>();
    response.headers.forEach((value, name) => {
      // `Set-Cookie` is the one header Headers yields more than once; the wire map has one value per name.
      const prior = headers.get(name);
      headers.set(name, prior === undefined ? value : `${prior}, ${value}`);
    });
    const { status } = response;
    const body = response.body;
    if (body === null) {
      this.tunnel.send(this, { tag: "ToServerResponseStart", val: { status, headers, body: null, stream: false } });
      return;
    }
    const declared = headers.get("content-length");
    const shape = bodyShape(response);
    if (declared === undefined && shape.kind === "stream" && this.tunnel.host.streamResponses) {
      await this.relayStream(status, headers, body);
      return;
    }
    if (declared !== undefined && Number(declared) > MAX_TUNNEL_PAYLOAD_BYTES) {
      void body.cancel().catch(() => {});
      this.refuseTooLarge(Number(declared));
      return;
    }
    let bytes: ArrayBuffer;
    if (shape.kind === "bytes") {
      bytes = shape.bytes;
      // The stream over the source was never read; cancelling it releases it.
      void body.cancel().catch(() => {});
    } else {
      bytes = await response.arrayBuffer();
      if (this.ended) return;
    }
    if (bytes.byteLength > MAX_TUNNEL_PAYLOAD_BYTES) {
      this.refuseTooLarge(bytes.byteLength);
      return;
    }
    headers.set("content-length", String(bytes.byteLength));
    this.tunnel.send(this, {
      tag: "ToServerResponseStart",
      val: { status, headers, body: bytes.byteLength === 0 ? null : bytes, stream: false },
    });
  }

  /** A body past the engine's payload limit would cost the whole runner connection on Rivet's engine. */
  private refuseTooLarge(size: number): void {
    this.tunnel.host.log.error({ actorId: this.actor.actorId, size, limit: MAX_TUNNEL_PAYLOAD_BYTES }, "response body over the tunnel limit");
    this.tunnel.send(this, plainResponse(500, `response body of ${size} bytes is over the ${MAX_TUNNEL_PAYLOAD_BYTES}-byte tunnel limit`));
  }

  private async relayStream(status: number, headers: Map<string, string>, body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    this.reader = reader;
    this.tunnel.send(this, { tag: "ToServerResponseStart", val: { status, headers, body: null, stream: true } });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (this.ended) return;
        if (done) break;
        const chunk: unknown = value;
        if (!ArrayBuffer.isView(chunk)) throw new TypeError("a response body chunk is not a byte array");
        const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        for (let offset = 0; offset < bytes.byteLength; offset += MAX_TUNNEL_PAYLOAD_BYTES) {
          const part = offset === 0 && bytes.byteLength <= MAX_TUNNEL_PAYLOAD_BYTES ? bytes : bytes.subarray(offset, offset + MAX_TUNNEL_PAYLOAD_BYTES);
          this.tunnel.send(this, { tag: "ToServerResponseChunk", val: { body: exactArrayBuffer(part), finish: false } });
        }
      }
      this.tunnel.send(this, { tag: "ToServerResponseChunk", val: { body: EMPTY, finish: true } });
    } catch (err) {
      if (this.ended) return;
      this.tunnel.host.log.warn({ err, actorId: this.actor.actorId }, "a streamed response body failed; aborting the response");
      this.tunnel.send(this, { tag: "ToServerResponseAbort", val: null });
    } finally {
      this.reader = undefined;
    }
  }
}

let stateSymbol: symbol | null | undefined;

/** What is known about a Response's body without reading it. */
type BodyShape =
  /** Given as bytes or a string: here they are, no stream needed. */
  | { readonly kind: "bytes"; readonly bytes: ArrayBuffer }
  /** Given as a stream: its length is unknown. */
  | { readonly kind: "stream" }
  /** Anything else (a Blob, form data, or a runtime whose internals we do not know): read it. */
  | { readonly kind: "read" };

const READ: BodyShape = { kind: "read" };
const STREAM: BodyShape = { kind: "stream" };

/**
 * How a Response's body was given. Standard Responses do not say; Node's fetch
 * implementation keeps the original source in its internal state, which we read when it is
 * there: bytes and strings are taken as they are (no stream machinery on the hot path), and a
 * stream source means the length is unknown. Where the state is not there (another runtime),
 * every body is read whole, which is always correct, only neither fast nor streamed.
 */
function bodyShape(response: Response): BodyShape {
  if (stateSymbol === undefined) {
    stateSymbol = Object.getOwnPropertySymbols(response).find((s) => s.description === "state") ?? null;
  }
  if (stateSymbol === null) return READ;
  const state = (response as unknown as Record<symbol, { body?: { length?: unknown; source?: unknown } | null } | undefined>)[stateSymbol];
  const body = state?.body;
  if (body === undefined || body === null) return READ;
  const { source } = body;
  if (source === null || source === undefined) return typeof body.length === "number" ? READ : STREAM;
  // Only an untouched body may be taken from its source.
  if (response.bodyUsed) return READ;
  if (typeof source === "string") return { kind: "bytes", bytes: encoder.encode(source).buffer as ArrayBuffer };
  if (source instanceof ArrayBuffer) return { kind: "bytes", bytes: source.slice(0) };
  // Node's Response already holds a private copy of the bytes it was given, so they are ours to send.
  if (ArrayBuffer.isView(source)) return { kind: "bytes", bytes: exactArrayBuffer(source) };
  return READ;
}
