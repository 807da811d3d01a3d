/**
 * One HTTP exchange with the engine: the request with the caller's signal, network failures
 * and aborts turned into typed client errors, and error statuses turned into `ActorError`s when
 * the body is a structured `{group, code, message, metadata}` error in any encoding.
 *
 * Stateless calls (actions, queue sends, the engine API, the metadata lookup) go through a
 * client's {@link HttpTransport}: under Node an undici keep-alive pool (`transport-node.ts`),
 * elsewhere the global `fetch` ({@link fetchTransport}). Which one a build gets is decided by the
 * `#transport` import's `node` condition in package.json, so browser bundles never see undici.
 * Raw `handle.fetch` keeps the global `fetch`, since it hands the caller a streaming `Response`.
 */
import type { Encoding } from "./config.js";
import { ClientHttpError, ClientNetworkError, abortError } from "./errors.js";
import { decodeResponseError, type WireError } from "./wire.js";
import { RemoteActorError } from "./actor-error.js";

/** @internal What a stateless call sends. */
export interface HttpCall {
  readonly method: string;
  readonly headers: Headers;
  readonly body?: Uint8Array | string;
}

/** @internal The status line and headers of an answer: what error mapping reads (a `Response` is one). */
export interface HttpHead {
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
}

/** @internal A whole answer to a stateless call, its body read in full. */
export interface HttpReply extends HttpHead {
  /** Whether the status is 2xx, as `Response.ok`. */
  readonly ok: boolean;
  readonly body: Uint8Array;
}

/**
 * @internal How one client sends its stateless calls; private, not semver. `send` fails with
 * `ClientNetworkError` or the signal's abort error, as {@link fetchOrThrow} and
 * {@link readBody} do; `close` releases pooled connections when the client is disposed.
 */
export interface HttpTransport {
  send(url: string, call: HttpCall, signal?: AbortSignal): Promise<HttpReply>;
  close(): void;
}

/** @internal The transport over the global `fetch`: browsers, Deno, workers; it holds nothing to close. */
export const fetchTransport: HttpTransport = {
  async send(url, call, signal) {
    const response = await fetchOrThrow(url, { method: call.method, headers: call.headers, ...(call.body === undefined ? {} : { body: call.body as BodyInit }) }, signal);
    const body = await readBody(response, signal);
    return { status: response.status, statusText: response.statusText, ok: response.ok, headers: response.headers, body };
  },
  close() {},
};

/** Runs `fetch`, mapping failures to `ClientNetworkError` or the signal's abort error. */
export async function fetchOrThrow(url: string, init: RequestInit & { duplex?: "half" }, signal?: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { ...init, ...(signal === undefined ? {} : { signal }) });
  } catch (err) {
    throw requestFailed(url, err, signal);
  }
}

/** @internal The error a request that failed before its answer arrived stands for. */
export function requestFailed(url: string, err: unknown, signal: AbortSignal | undefined): Error {
  if (signal?.aborted === true) return abortError(signal);
  return new ClientNetworkError(`request to ${redact(url)} failed: ${describe(err)}`, { cause: err });
}

/** Reads a body, mapping a broken stream to `ClientNetworkError` (or the abort error). */
export async function readBody(response: Response, signal?: AbortSignal): Promise<Uint8Array> {
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    throw readFailed(err, signal);
  }
}

/** @internal The error a body that could not be read to its end stands for. */
export function readFailed(err: unknown, signal: AbortSignal | undefined): Error {
  if (signal?.aborted === true) return abortError(signal);
  return new ClientNetworkError(`reading the response failed: ${describe(err)}`, { cause: err });
}

/**
 * The structured error in an error response, or undefined when the body is not one. JSON is
 * recognised by its content type; anything else is read in the request's encoding.
 */
export function parseErrorBody(response: HttpHead, body: Uint8Array, encoding: Encoding): WireError | undefined {
  const contentType = response.headers.get("content-type") ?? "";
  const bodyEncoding: Encoding = contentType.includes("application/json") ? "json" : encoding;
  try {
    return decodeResponseError(body, bodyEncoding);
  } catch {
    if (bodyEncoding !== "json") {
      // Gateways answer their own errors in JSON even when a binary encoding was asked for.
      try {
        return decodeResponseError(body, "json");
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
}

/** Throws the error an error response stands for: an `ActorError`, or `ClientHttpError`. */
export function errorFromResponse(response: HttpHead, body: Uint8Array, encoding: Encoding): Error {
  const parsed = parseErrorBody(response, body, encoding);
  if (parsed !== undefined) return RemoteActorError.fromWire(parsed, { rayId: response.headers.get("x-rivet-ray-id") ?? undefined });
  const text = new TextDecoder("utf-8", { fatal: false }).decode(body.subarray(0, 2048));
  return new ClientHttpError(`HTTP ${response.status} ${response.statusText}: ${text}`, { status: response.status });
}

/** A URL without credentials or tokens, for messages. */
export function redact(url: string): string {
  return url.replace(/rvt-token=[^&]*/g, "rvt-token=***");
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
