/**
 * One HTTP exchange with the engine: `fetch` with the caller's signal, network failures and
 * aborts turned into typed client errors, and error statuses turned into `ActorError`s when
 * the body is a structured `{group, code, message, metadata}` error in any encoding.
 */
import type { Encoding } from "./config.js";
import { ClientHttpError, ClientNetworkError, abortError } from "./errors.js";
import { decodeResponseError, type WireError } from "./wire.js";
import { RemoteActorError } from "./actor-error.js";

/** Runs `fetch`, mapping failures to `ClientNetworkError` or the signal's abort error. */
export async function fetchOrThrow(url: string, init: RequestInit & { duplex?: "half" }, signal?: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { ...init, ...(signal === undefined ? {} : { signal }) });
  } catch (err) {
    if (signal?.aborted === true) throw abortError(signal);
    throw new ClientNetworkError(`request to ${redact(url)} failed: ${describe(err)}`, { cause: err });
  }
}

/** Reads a body, mapping a broken stream to `ClientNetworkError` (or the abort error). */
export async function readBody(response: Response, signal?: AbortSignal): Promise<Uint8Array> {
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    if (signal?.aborted === true) throw abortError(signal);
    throw new ClientNetworkError(`reading the response failed: ${describe(err)}`, { cause: err });
  }
}

/**
 * The structured error in an error response, or undefined when the body is not one. JSON is
 * recognised by its content type; anything else is read in the request's encoding.
 */
export function parseErrorBody(response: Response, body: Uint8Array, encoding: Encoding): WireError | undefined {
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
export function errorFromResponse(response: Response, body: Uint8Array, encoding: Encoding): Error {
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
