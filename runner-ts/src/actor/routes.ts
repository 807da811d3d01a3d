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
 *
 * Every framework route reads the tunnel's bytes and answers bytes ({@link TunnelResponse}):
 * no `Request` or `Response` is built on the action path. Only the user's `onRequest` gets
 * (and gives) standard Fetch objects, and a hook that reads `c.request` builds the request
 * on first use.
 */
import { CONN_INTERNALS, type ActorConn } from "./connection.js";
import { ActorError, toCallerError } from "./errors.js";
import type { SurfaceRuntime } from "./surfaces-runtime.js";
import { RUNNER_VERSION } from "../version.js";
import { tunnelHeader } from "../runner/tunnel-request.js";
import type { RouteAnswer, TunnelRequest, TunnelResponse } from "../runner/types.js";
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
export async function routeRequest(rt: SurfaceRuntime, request: TunnelRequest): Promise<RouteAnswer> {
  const { pathname: path, search } = splitTarget(request.path);
  if (isUserRequestPath(path)) return userRequest(rt, request, path, search);
  const encoding = encodingOfRequest(request.headers);
  const action = singleSegment(path, "/action/");
  if (action !== undefined) return framework(rt, request, path, encoding, () => actionRoute(rt, request, encoding, action));
  const queueName = singleSegment(path, "/queue/");
  if (queueName !== undefined) return framework(rt, request, path, encoding, () => queueRoute(rt, request, encoding, queueName));
  if (path === "/health") return getOnly(request, path, encoding, () => text("ok"));
  if (path === "/metadata") {
    return getOnly(request, path, encoding, () =>
      json({ runtime: "actorwire", version: RUNTIME_VERSION, type: process.env["NODE_ENV"] === "production" ? "deployed" : "local" }),
    );
  }
  if (path === "/") return getOnly(request, path, encoding, () => text("This is an actorwire actor.\n"));
  return errorResponse(routeNotFound(path), encoding, CLIENT_LATEST_VERSION);
}

/** Path characters that need no normalising: no dot segments, no backslashes, nothing to escape. */
const PLAIN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9\-_~!$&'()*+,;=:@%.]*)*\/?$/;

/** Query characters the URL parser keeps as they are (it escapes `'` in an http query). */
const PLAIN_QUERY = /^(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*)?$/;

/**
 * The path and query of a request-target, as `new URL()` would give them. A plain path (the
 * common case) is split as it is; anything else goes through the URL parser, which resolves
 * dot segments and escapes what needs it, as the `Request` path did.
 */
export function splitTarget(target: string): { pathname: string; search: string } {
  const withSlash = target.startsWith("/") ? target : `/${target}`;
  const q = withSlash.indexOf("?");
  const pathname = q === -1 ? withSlash : withSlash.slice(0, q);
  const search = q === -1 ? "" : withSlash.slice(q);
  // `%2e` is a dot to the URL parser, so a path holding one may have dot segments.
  if (PLAIN_PATH.test(pathname) && !/%2e/i.test(pathname) && PLAIN_QUERY.test(search)) return { pathname, search: search === "?" ? "" : search };
  const url = new URL(`http://actor${withSlash}`);
  return { pathname: url.pathname, search: url.search };
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

async function framework(rt: SurfaceRuntime, request: TunnelRequest, path: string, encoding: ClientEncoding, run: () => Promise<TunnelResponse>): Promise<TunnelResponse> {
  if (request.method !== "POST") return errorResponse(methodNotAllowed(request.method, path), encoding, CLIENT_LATEST_VERSION);
  try {
    return await run();
  } catch (err) {
    return errorResponse(toCallerError(err, rt.host.log, "request failed"), encoding, CLIENT_LATEST_VERSION);
  }
}

const EMPTY_BODY = new Uint8Array(0);

/**
 * A framework body: the tunnel's bytes as they are, or, for a body that came in chunks, read
 * whole after refusing one whose declared length is over the incoming limit.
 */
async function readBody(rt: SurfaceRuntime, request: TunnelRequest): Promise<Uint8Array> {
  let body: Uint8Array;
  if (request.streamed) {
    const declared = Number(tunnelHeader(request.headers, "content-length") ?? "NaN");
    if (Number.isFinite(declared) && declared > rt.maxIncomingMessageSize) throw incomingTooLong();
    body = new Uint8Array(await request.toRequest().arrayBuffer());
  } else body = request.body === null ? EMPTY_BODY : new Uint8Array(request.body);
  if (body.byteLength > rt.maxIncomingMessageSize) throw incomingTooLong();
  return body;
}

async function actionRoute(rt: SurfaceRuntime, request: TunnelRequest, encoding: ClientEncoding, name: string): Promise<TunnelResponse> {
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
    params = requestConnParams(request.headers);
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

async function queueRoute(rt: SurfaceRuntime, request: TunnelRequest, encoding: ClientEncoding, name: string): Promise<TunnelResponse> {
  const body = await readBody(rt, request);
  let send: ReturnType<typeof decodeQueueSendRequest>;
  let params: unknown;
  try {
    send = decodeQueueSendRequest(body, encoding);
  } catch (err) {
    throw invalidRequest(`queue request: ${(err as Error).message}`);
  }
  try {
    params = requestConnParams(request.headers);
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

/**
 * `/request/*`: the user's `onRequest`, its request and response bodies streamed through. The
 * request stays in flight (and its connection open) until the tunnel has relayed the whole
 * response body, which it reports through `sent`.
 */
async function userRequest(rt: SurfaceRuntime, request: TunnelRequest, path: string, search: string): Promise<RouteAnswer> {
  const encoding = encodingOfRequest(request.headers);
  const onRequest = rt.host.config["onRequest"];
  if (typeof onRequest !== "function") return errorResponse(routeNotFound(path), encoding, CLIENT_LATEST_VERSION);
  const original = request.toRequest();
  const target = new URL(userRequestPath(path) + search, "http://actor");
  const init: RequestInit & { duplex?: "half" } = { method: original.method, headers: original.headers, signal: original.signal };
  if (original.body !== null && original.method !== "GET" && original.method !== "HEAD") {
    init.body = original.body;
    init.duplex = "half";
  }
  const rewritten = new Request(target, init);
  let conn: ActorConn;
  try {
    let params: unknown;
    try {
      params = requestConnParams(request.headers);
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
  rt.inFlightRequests++;
  let ended = false;
  const sent = (): void => {
    if (ended) return;
    ended = true;
    rt.inFlightRequests--;
    rt.host.activityChanged();
    void endConn(rt, conn);
  };
  return { response, sent };
}

async function endConn(rt: SurfaceRuntime, conn: ActorConn): Promise<void> {
  if (conn[CONN_INTERNALS].disconnecting) return;
  try {
    await rt.connections.disconnect(conn);
  } catch (err) {
    rt.host.log.warn({ err }, "ending a request's connection failed");
  }
}

function getOnly(request: TunnelRequest, path: string, encoding: ClientEncoding, answer: () => TunnelResponse): TunnelResponse {
  if (request.method !== "GET") return errorResponse(methodNotAllowed(request.method, path), encoding, CLIENT_LATEST_VERSION);
  return answer();
}

const utf8 = new TextEncoder();
const TEXT_HEADERS: ReadonlyMap<string, string> = new Map([["content-type", "text/plain; charset=utf-8"]]);
const JSON_HEADERS: ReadonlyMap<string, string> = new Map([["content-type", "application/json"]]);
const ENCODING_HEADERS: Record<ClientEncoding, ReadonlyMap<string, string>> = {
  json: new Map([["content-type", contentTypeFor("json")]]),
  cbor: new Map([["content-type", contentTypeFor("cbor")]]),
  bare: new Map([["content-type", contentTypeFor("bare")]]),
};

function text(body: string): TunnelResponse {
  return { status: 200, headers: TEXT_HEADERS, body: utf8.encode(body) };
}

function json(value: unknown): TunnelResponse {
  return { status: 200, headers: JSON_HEADERS, body: utf8.encode(JSON.stringify(value)) };
}

function bytesResponse(status: number, body: Uint8Array, encoding: ClientEncoding): TunnelResponse {
  return { status, headers: ENCODING_HEADERS[encoding], body };
}

/** An `HttpResponseError` with the error's status. */
export function errorResponse(error: ActorError, encoding: ClientEncoding, version: number): TunnelResponse {
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
