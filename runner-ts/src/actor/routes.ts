/**
 * The actor's HTTP surface, as rivetkit's core routes it:
 *
 * - `POST /action/:name`: a stateless action call. The body is an `HttpActionRequest` in the
 *   encoding of `x-rivet-encoding` (json when missing); params come from `x-rivet-conn-params`.
 *   A short-lived connection runs the connection hooks around the call, as rivetkit does.
 * - `POST /queue/:name`: a queue send, optionally waiting for completion.
 * - `/request`, `/request/...`: the user's `onRequest`, with `/request` cut from the path.
 * - `GET /health`, `GET /metadata`, `GET /`: small framework answers.
 * - anything else: 404.
 *
 * Errors answer `HttpResponseError` in the request's encoding with rivetkit's statuses.
 */
import { CONN_INTERNALS, type ActorConn } from "./connection.js";
import { ActorError, toCallerError } from "./errors.js";
import type { SurfaceRuntime } from "./surfaces-runtime.js";
import { RUNNER_VERSION } from "../version.js";
import { CLIENT_LATEST_VERSION, type ClientEncoding, contentTypeFor, type HttpQueueSendResponseBody } from "@actorwire/protocol";
import {
  decodeActionRequest,
  decodeQueueSendRequest,
  encodeActionResponse,
  encodeQueueSendResponse,
  encodeResponseError,
  encodingOfRequest,
  requestConnParams,
} from "./wire.js";
import {
  actionTimedOut,
  forbidden,
  incomingTooLong,
  invalidRequest,
  methodNotAllowed,
  outgoingTooLong,
  routeNotFound,
  statusForError,
} from "./wire-errors.js";

const RUNTIME_VERSION = RUNNER_VERSION;
const DEFAULT_ACTION_TIMEOUT_MS = 60_000;

/** Answers one tunnelled HTTP request. */
export async function routeRequest(rt: SurfaceRuntime, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  if (isUserRequestPath(path)) return userRequest(rt, request, url);
  const encoding = encodingOfRequest(request);
  const action = singleSegment(path, "/action/");
  if (action !== undefined) return framework(rt, request, encoding, () => actionRoute(rt, request, encoding, action));
  const queueName = singleSegment(path, "/queue/");
  if (queueName !== undefined) return framework(rt, request, encoding, () => queueRoute(rt, request, encoding, queueName));
  if (path === "/health") return getOnly(request, encoding, () => text("ok"));
  if (path === "/metadata") {
    return getOnly(request, encoding, () =>
      Response.json({ runtime: "actorwire", version: RUNTIME_VERSION, type: process.env["NODE_ENV"] === "production" ? "deployed" : "local" }),
    );
  }
  if (path === "/") return getOnly(request, encoding, () => text("This is an actorwire actor.\n"));
  return errorResponse(routeNotFound(path), encoding, CLIENT_LATEST_VERSION);
}

/** Whether a path goes to `onRequest`: `/request` itself, or followed by `/` or `?`. */
export function isUserRequestPath(path: string): boolean {
  if (!path.startsWith("/request")) return false;
  const rest = path.slice("/request".length);
  return rest === "" || rest.startsWith("/") || rest.startsWith("?");
}

/** The path `onRequest` sees: `/request` cut, `/` when nothing is left (rivetkit's rule). */
export function userRequestPath(path: string): string {
  const rest = path.slice("/request".length);
  return rest === "" ? "/" : rest;
}

/** The one path segment after `prefix`, percent-decoded; undefined when there is none or more than one. */
export function singleSegment(path: string, prefix: string): string | undefined {
  if (!path.startsWith(prefix)) return undefined;
  const segment = path.slice(prefix.length);
  if (segment === "" || segment.includes("/")) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

async function framework(rt: SurfaceRuntime, request: Request, encoding: ClientEncoding, run: () => Promise<Response>): Promise<Response> {
  if (request.method !== "POST") return errorResponse(methodNotAllowed(request.method, new URL(request.url).pathname), encoding, CLIENT_LATEST_VERSION);
  try {
    return await run();
  } catch (err) {
    return errorResponse(toCallerError(err, rt.host.log, "request failed"), encoding, CLIENT_LATEST_VERSION);
  }
}

/** Reads a framework body, refusing one over the incoming limit before buffering all of it. */
async function readBody(rt: SurfaceRuntime, request: Request): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > rt.maxIncomingMessageSize) throw incomingTooLong();
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.byteLength > rt.maxIncomingMessageSize) throw incomingTooLong();
  return body;
}

async function actionRoute(rt: SurfaceRuntime, request: Request, encoding: ClientEncoding, name: string): Promise<Response> {
  const body = await readBody(rt, request);
  let args: unknown[];
  let version: number;
  let params: unknown;
  try {
    ({ args, version } = decodeActionRequest(body, encoding));
  } catch (err) {
    throw invalidRequest(`action request: ${(err as Error).message}`);
  }
  try {
    params = requestConnParams(request);
  } catch (err) {
    throw invalidRequest(`x-rivet-conn-params: ${(err as Error).message}`);
  }
  const conn = await rt.connections.connect({ kind: "http", params, request });
  try {
    let output: unknown;
    try {
      output = await rt.host.invokeAction(name, args, { conn, request });
    } catch (err) {
      return errorResponse(toCallerError(err, rt.host.log, "action failed", { action: name }), encoding, version);
    }
    const encoded = encodeActionResponse(output, encoding, version);
    if (encoded.byteLength > rt.maxOutgoingMessageSize) return errorResponse(outgoingTooLong(), encoding, version);
    return bytesResponse(200, encoded, encoding);
  } finally {
    await endConn(rt, conn);
  }
}

async function queueRoute(rt: SurfaceRuntime, request: Request, encoding: ClientEncoding, name: string): Promise<Response> {
  const body = await readBody(rt, request);
  let send: ReturnType<typeof decodeQueueSendRequest>;
  let params: unknown;
  try {
    send = decodeQueueSendRequest(body, encoding);
  } catch (err) {
    throw invalidRequest(`queue request: ${(err as Error).message}`);
  }
  try {
    params = requestConnParams(request);
  } catch (err) {
    throw invalidRequest(`x-rivet-conn-params: ${(err as Error).message}`);
  }
  const conn = await rt.connections.connect({ kind: "http", params, request });
  try {
    const queues = rt.host.config["queues"] as Record<string, { canPublish?: (c: unknown) => unknown }> | undefined;
    // rivetkit drops sends to a queue the actor does not declare and reports them completed;
    // we refuse them with `queue.not_declared` unless the actor accepts any name.
    rt.queue.checkName(name);
    const canPublish = queues !== undefined && Object.prototype.hasOwnProperty.call(queues, name) ? queues[name]?.canPublish : undefined;
    if (typeof canPublish === "function") {
      const allowed = await rt.host.track(async () => canPublish(rt.host.context({ conn, request })));
      if (!allowed) throw forbidden();
    }
    let status: HttpQueueSendResponseBody["status"] = "completed";
    let response: unknown;
    if (send.wait) {
      const result = await withTimeout(
        rt.queue.enqueueAndWait(name, send.body, { timeout: send.timeout }),
        numberOption(rt, "actionTimeout", DEFAULT_ACTION_TIMEOUT_MS),
      );
      status = result.status;
      response = result.response;
    } else {
      await rt.queue.send(name, send.body);
    }
    const encoded = encodeQueueSendResponse(status, response, encoding, send.version);
    if (encoded.byteLength > rt.maxOutgoingMessageSize) return errorResponse(outgoingTooLong(), encoding, send.version);
    return bytesResponse(200, encoded, encoding);
  } finally {
    await endConn(rt, conn);
  }
}

/** `/request/*`: the user's `onRequest`, its request and response bodies streamed through. */
async function userRequest(rt: SurfaceRuntime, request: Request, url: URL): Promise<Response> {
  const encoding = encodingOfRequest(request);
  const onRequest = rt.host.config["onRequest"];
  if (typeof onRequest !== "function") return errorResponse(routeNotFound(url.pathname), encoding, CLIENT_LATEST_VERSION);
  const target = new URL(userRequestPath(url.pathname) + url.search, url.origin);
  const init: RequestInit & { duplex?: "half" } = { method: request.method, headers: request.headers, signal: request.signal };
  if (request.body !== null && request.method !== "GET" && request.method !== "HEAD") {
    init.body = request.body;
    init.duplex = "half";
  }
  const rewritten = new Request(target, init);
  let conn: ActorConn;
  try {
    let params: unknown;
    try {
      params = requestConnParams(request);
    } catch (err) {
      throw invalidRequest(`x-rivet-conn-params: ${(err as Error).message}`);
    }
    conn = await rt.connections.connect({ kind: "request", params, request: rewritten });
  } catch (err) {
    return errorResponse(ActorError.from(err), encoding, CLIENT_LATEST_VERSION);
  }
  let response: unknown;
  try {
    response = await withTimeout(
      rt.host.track(async () => onRequest(rt.host.context({ conn, request: rewritten }), rewritten)),
      numberOption(rt, "actionTimeout", DEFAULT_ACTION_TIMEOUT_MS),
    );
    if (!(response instanceof Response)) throw new TypeError("onRequest must return a Response");
  } catch (err) {
    const error = toCallerError(err, rt.host.log, "onRequest failed");
    await endConn(rt, conn);
    return errorResponse(error, encoding, CLIENT_LATEST_VERSION);
  }
  const body = response.body;
  if (body === null || !isStreamedBody(response)) {
    // A body given as bytes or a string is sent whole by the runner; only a stream needs tracking.
    await endConn(rt, conn);
    return response;
  }
  // The request stays in flight (and its connection open) until the body is fully sent.
  rt.inFlightRequests++;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    rt.inFlightRequests--;
    rt.host.activityChanged();
    void endConn(rt, conn);
  };
  const reader = body.getReader();
  const passthrough = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          end();
        } else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
        end();
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(passthrough, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * Whether a Response's body was given as a stream (unknown length). Wrapping any other body in
 * a stream would make the runner stream it too, which Rivet's gateway drops. Node's Response
 * keeps the given source in its internal state (`source` is null for a stream); when that is
 * not visible, the body is treated as not streamed (sent whole, just not tracked while sent).
 */
function isStreamedBody(response: Response): boolean {
  const key = Object.getOwnPropertySymbols(response).find((sym) => sym.description === "state");
  const state = key ? (response as unknown as Record<symbol, { body?: { source?: unknown } | null }>)[key] : undefined;
  return state?.body != null && state.body.source === null;
}

async function endConn(rt: SurfaceRuntime, conn: ActorConn): Promise<void> {
  if (conn[CONN_INTERNALS].disconnecting) return;
  try {
    await rt.connections.disconnect(conn);
  } catch (err) {
    rt.host.log.warn({ err }, "ending a request's connection failed");
  }
}

function getOnly(request: Request, encoding: ClientEncoding, answer: () => Response): Response {
  if (request.method !== "GET") return errorResponse(methodNotAllowed(request.method, new URL(request.url).pathname), encoding, CLIENT_LATEST_VERSION);
  return answer();
}

function text(body: string): Response {
  return new Response(body, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function bytesResponse(status: number, body: Uint8Array, encoding: ClientEncoding): Response {
  return new Response(body as Uint8Array<ArrayBuffer>, { status, headers: { "content-type": contentTypeFor(encoding) } });
}

/** An `HttpResponseError` with the error's status. */
export function errorResponse(error: ActorError, encoding: ClientEncoding, version: number): Response {
  return bytesResponse(statusForError(error), encodeResponseError(error, encoding, version), encoding);
}

function numberOption(rt: SurfaceRuntime, name: string, fallback: number): number {
  const value = (rt.host.config.options ?? {})[name];
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(actionTimedOut(ms)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
