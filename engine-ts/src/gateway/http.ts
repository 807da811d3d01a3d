import type { IncomingMessage, ServerResponse } from "node:http";
import { exactArrayBuffer, idHex, nextU16, type runner } from "@actorwire/protocol";
import type { Logger } from "pino";
import { readLimitedBody } from "../api/body.js";
import { EngineError } from "../errors.js";
import { corsHeaders } from "./cors.js";
import {
  actorStopped,
  goingAway,
  invalidResponse,
  requestBodyTooLarge,
  requestTimeout,
  responseAborted,
  responseTooLarge,
  serviceUnavailable,
} from "./errors.js";
import { RAY_ID_HEADER, isForwardedResponseHeader, tunnelRequestHeaders } from "./headers.js";
import { type OutgoingOverflow, type OutgoingSink, overflowText } from "./outgoing.js";
import type { ActorPlacement } from "./router.js";
import { type TunnelEntry, type TunnelHost, payloadSize } from "./tunnel.js";

/**
 * One client HTTP request through the tunnel: read the whole body, wait for the actor, send
 * one `ToClientRequestStart`, and turn the runner's `ToServerResponseStart` (and, for
 * streamed responses, its `ToServerResponseChunk`s) into the HTTP response.
 */

/** The header Rivet's runner sets on the 503 it answers when it does not host the actor. */
const RUNNER_ERROR_HEADER = "x-rivet-error";
const ACTOR_NOT_FOUND_ON_RUNNER = "runner.actor_not_found";

/** What the caller knows about the request before the tunnel is involved. */
export interface HttpRequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly rayId: string;
  /** The origin CORS headers mirror. */
  readonly origin: string;
  /** Resolves the actor ID (query mode asks the router). */
  readonly resolveActorId: () => Promise<string>;
  readonly path: string;
  readonly skipReadyWait: boolean;
  readonly log: Logger;
}

/** Serves one request to completion. Never rejects: every failure becomes an error response. */
export async function serveHttp(host: TunnelHost, ctx: HttpRequestContext): Promise<void> {
  const { res } = ctx;
  // The abort signal exists only for a wait (a request to a running actor has none to cut).
  let gone = false;
  let clientGone: AbortController | undefined;
  let exchange: HttpExchange | undefined;
  res.once("close", () => {
    if (res.writableFinished) return;
    gone = true;
    clientGone?.abort();
    exchange?.clientClosed();
  });
  try {
    const body = await readBody(ctx.req, host.config.maxRequestBodyBytes);
    const actorId = await ctx.resolveActorId();
    for (let attempt = 0; ; attempt++) {
      if (gone) return;
      const placement = host.readyNow(actorId) ?? (await host.waitReady(actorId, ctx.skipReadyWait, (clientGone ??= new AbortController()).signal));
      if (gone) return;
      exchange = new HttpExchange(host, ctx, actorId, placement, body, attempt < MAX_ATTEMPTS - 1);
      const outcome = await exchange.run();
      exchange = undefined;
      if (outcome !== "retry") return;
      ctx.log.debug({ actorId }, "runner does not host the actor; waiting for it to be ready again");
    }
  } catch (err) {
    if (gone) return;
    writeError(res, err, ctx);
  }
}

/** Answers with an engine error body (or cuts the response if its head was already sent). */
export function writeError(
  res: ServerResponse,
  thrown: unknown,
  ctx: { readonly rayId: string; readonly origin: string; readonly log: Logger },
): void {
  const error = EngineError.from(thrown);
  if (error !== thrown) ctx.log.error({ err: thrown }, "gateway request failed");
  else ctx.log.debug({ code: error.id, status: error.status }, "gateway request refused");
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(error.toBody());
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...corsHeaders(ctx.origin),
    [RAY_ID_HEADER]: ctx.rayId,
  };
  // The body of a too-large request was not read; the connection cannot be reused.
  if (error.code === "request_body_too_large") headers.connection = "close";
  res.writeHead(error.status, headers);
  res.end(body);
}

/**
 * Reads the whole request body. Resolves null for an empty body; a body over `limit` is read
 * to its end (within a bound) and rejected with a 413 that names the limit and the size, so
 * a client that is still sending receives it instead of a reset.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return readLimitedBody(req, limit, ({ size, exact }) => requestBodyTooLarge(limit, size, exact));
}

type ExchangeOutcome = "done" | "retry";

/**
 * How many times one request is sent to its actor: again when the runner answers that it
 * does not host the actor (it ran nothing), which happens to requests that race the actor
 * going to sleep; once, as Rivet's guard does, so that a runner that keeps saying so cannot
 * loop a request.
 */
const MAX_ATTEMPTS = 2;

/** One `ToClientRequestStart` and its answer; registered in the in-flight table meanwhile. */
class HttpExchange implements TunnelEntry {
  readonly requestId: ArrayBuffer;
  readonly key: string;
  private state: "waiting" | "streaming" | "done" = "waiting";
  private nextIndex = 0;
  private timer: NodeJS.Timeout | undefined;
  private settle!: (outcome: ExchangeOutcome) => void;
  private readonly settled: Promise<ExchangeOutcome>;
  /** A streamed response as the gateway's outgoing budget sees it. */
  private readonly sink: OutgoingSink = {
    buffered: () => this.ctx.res.writableLength,
    overflow: (overflow) => this.tooSlow(overflow),
  };

  constructor(
    private readonly host: TunnelHost,
    private readonly ctx: HttpRequestContext,
    readonly actorId: string,
    readonly placement: ActorPlacement,
    private readonly body: Buffer | null,
    private readonly mayRetry: boolean,
  ) {
    this.requestId = host.newRequestId();
    this.key = idHex(this.requestId);
    this.settled = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /** Sends the request and resolves once the response is complete (or failed). */
  run(): Promise<ExchangeOutcome> {
    const { req } = this.ctx;
    this.host.register(this);
    const sent = this.send({
      tag: "ToClientRequestStart",
      val: {
        actorId: this.actorId,
        method: req.method ?? "GET",
        path: this.ctx.path,
        headers: tunnelRequestHeaders(req.headers, this.ctx.rayId),
        body: this.body === null ? null : exactArrayBuffer(this.body),
        stream: false,
      },
    });
    if (!sent) {
      this.fail(serviceUnavailable(`runner ${this.placement.runnerId} is not connected`), false);
      return this.settled;
    }
    this.timer = setTimeout(() => {
      this.host.log.warn({ requestId: this.key, actorId: this.actorId }, "no response start from the runner in time");
      this.fail(requestTimeout(this.host.config.responseStartTimeoutMs), true);
    }, this.host.config.responseStartTimeoutMs);
    return this.settled;
  }

  onTunnelMessage(kind: runner.v7.ToServerTunnelMessageKind): void {
    const limit = this.host.config.maxResponsePayloadBytes;
    if (payloadSize(kind) > limit) {
      this.host.log.warn({ requestId: this.key, size: payloadSize(kind), limit }, "runner payload over the limit");
      this.fail(responseTooLarge(limit), true);
      return;
    }
    switch (kind.tag) {
      case "ToServerResponseStart":
        if (this.state !== "waiting") return this.unexpected(kind.tag);
        return this.onResponseStart(kind.val);
      case "ToServerResponseChunk":
        if (this.state !== "streaming") return this.unexpected(kind.tag);
        return this.onChunk(kind.val);
      case "ToServerResponseAbort":
        return this.fail(responseAborted(), false);
      default:
        return this.unexpected(kind.tag);
    }
  }

  /**
   * The generation the request was sent to stopped. If the runner has not answered yet, the
   * request may still be on its way to it: the runner then answers that it does not host the
   * actor, and the request waits for the wake and is sent again. So the gateway first makes
   * sure the runner has handled everything sent before (a ping round trip). If no answer came
   * by then, the actor may have run the request when it stopped, so it is never replayed:
   * the client gets `503 actor.stopped`.
   */
  onActorStopped(): void {
    if (this.state !== "waiting") return this.fail(actorStopped(), false);
    void this.host.roundTrip(this.placement.runnerId).then((handled) => {
      if (this.state !== "waiting") return;
      if (!handled) this.host.log.debug({ requestId: this.key }, "could not confirm the runner handled the request");
      this.fail(actorStopped(), false);
    });
  }

  /**
   * Nothing to do: Rivet's runner keeps its answer while it reconnects and sends it on the
   * new connection. If the runner is gone for good, the actor's stop (or the response-start
   * timeout) ends the request.
   */
  onRunnerDisconnected(): void {}

  onActorReady(): void {}

  onGc(): void {}

  shutdown(): void {
    this.fail(goingAway(), true);
  }

  /** The client went away: tell the runner, unless it already answered in full. */
  clientClosed(): void {
    if (this.state === "done") return;
    this.send({ tag: "ToClientRequestAbort", val: null });
    this.finish("done");
  }

  private onResponseStart(start: runner.v7.ToServerResponseStart): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const errorHeader = headerValue(start.headers, RUNNER_ERROR_HEADER);
    if (this.mayRetry && start.status === 503 && errorHeader === ACTOR_NOT_FOUND_ON_RUNNER) {
      this.finish("retry");
      return;
    }
    const { res } = this.ctx;
    const noBody = this.ctx.req.method === "HEAD" || start.status === 204 || start.status === 304;
    try {
      if (start.status < 200 || start.status > 999) throw new Error(`status ${start.status}`);
      for (const [name, value] of start.headers) {
        if (!isForwardedResponseHeader(name)) continue;
        // A complete body's length is ours to state; a HEAD answer keeps the actor's.
        if (name.toLowerCase() === "content-length" && !noBody) continue;
        res.setHeader(name, value);
      }
      for (const [name, value] of Object.entries(corsHeaders(this.ctx.origin))) res.setHeader(name, value);
      res.setHeader(RAY_ID_HEADER, this.ctx.rayId);
      const body = start.body === null || noBody ? null : Buffer.from(start.body);
      if (!start.stream && !noBody) res.setHeader("content-length", body?.byteLength ?? 0);
      res.writeHead(start.status);
      if (start.stream && !noBody) {
        this.state = "streaming";
        if (body !== null) {
          res.write(body);
          this.host.outgoing.wrote(this.sink);
        }
        return;
      }
      res.end(body ?? undefined);
    } catch (err) {
      // Drop whatever headers were set from the runner before answering with our own error.
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      this.send({ tag: "ToClientRequestAbort", val: null });
      this.finish("done");
      writeError(res, invalidResponse(err instanceof Error ? err.message : String(err)), this.ctx);
      return;
    }
    this.finish("done");
  }

  private onChunk(chunk: runner.v7.ToServerResponseChunk): void {
    const { res } = this.ctx;
    // Rivet's gateway drops streamed responses; we relay them. There is no back-pressure on
    // the runner, so what a slow client has not read waits in memory, within the bounds of
    // the outgoing budget: a response over them is cut.
    if (chunk.body.byteLength > 0) {
      res.write(Buffer.from(chunk.body));
      this.host.outgoing.wrote(this.sink);
      if (this.state !== "streaming") return;
    }
    if (chunk.finish) {
      res.end();
      this.finish("done");
    }
  }

  /**
   * The client does not read the streamed response and the gateway holds too much of it. The
   * status line is long gone, so the response is cut (the runner is told to stop); the log
   * line names the bound and the bytes.
   */
  private tooSlow(overflow: OutgoingOverflow): void {
    if (this.state === "done") return;
    this.host.log.warn(
      { requestId: this.key, actorId: this.actorId, rayId: this.ctx.rayId, ...overflow },
      `streamed response cut, the client is too slow (guard.client_too_slow): ${overflowText(overflow)}`,
    );
    this.send({ tag: "ToClientRequestAbort", val: null });
    this.finish("done");
    this.ctx.res.destroy();
  }

  /** Ends the exchange with an error response (or a cut connection once streaming). */
  private fail(error: EngineError, tellRunner: boolean): void {
    if (this.state === "done") return;
    if (tellRunner) this.send({ tag: "ToClientRequestAbort", val: null });
    this.finish("done");
    writeError(this.ctx.res, error, this.ctx);
  }

  private unexpected(tag: string): void {
    this.host.log.debug({ requestId: this.key, tag, state: this.state }, "unexpected tunnel message for an HTTP request");
  }

  private send(kind: runner.v7.ToClientTunnelMessageKind): boolean {
    const index = this.nextIndex;
    this.nextIndex = nextU16(this.nextIndex);
    return this.host.send(this, index, kind);
  }

  private finish(outcome: ExchangeOutcome): void {
    this.state = "done";
    clearTimeout(this.timer);
    this.timer = undefined;
    this.host.outgoing.forget(this.sink);
    this.host.unregister(this);
    this.settle(outcome);
  }
}

function headerValue(headers: ReadonlyMap<string, string>, name: string): string | undefined {
  for (const [key, value] of headers) if (key.toLowerCase() === name) return value;
  return undefined;
}
