/**
 * A tunnelled HTTP request as bytes ({@link TunnelRequest}), and the one place that turns a
 * `ToClientRequestStart` into a standard `Request` when somebody needs one.
 */
import type { runner } from "@actorwire/protocol";
import type { Logger } from "pino";
import type { RouteAnswer, TunnelRequest } from "./types.js";

/** The standard `Request` for a tunnelled request; `body` replaces the start's for a streamed one. */
export function requestFromTunnel(
  start: runner.v7.ToClientRequestStart,
  signal: AbortSignal,
  log: Logger,
  streamedBody?: ReadableStream<Uint8Array>,
): Request {
  const { method, path, headers, body } = start;
  const url = `http://actor${path.startsWith("/") ? path : `/${path}`}`;
  const init: RequestInit & { duplex?: "half" } = { method, signal };
  try {
    init.headers = new Headers(headers as unknown as HeadersInit);
  } catch {
    // One bad header value must not cost the whole request: keep the ones Headers accepts.
    const h = new Headers();
    for (const [name, value] of headers) {
      try {
        h.append(name, value);
      } catch {
        log.debug({ name }, "dropping a request header Headers refuses");
      }
    }
    init.headers = h;
  }
  const bodyless = method === "GET" || method === "HEAD";
  if (streamedBody !== undefined && !bodyless) {
    init.body = streamedBody;
    init.duplex = "half";
  } else if (body !== null && body.byteLength > 0 && !bodyless) {
    init.body = new Uint8Array(body);
  }
  return new Request(url, init);
}

/**
 * A request from its `ToClientRequestStart`. A streamed one gets its body stream from
 * `streamedBody` when the `Request` is built (the tunnel then feeds it the chunks).
 */
export class TunnelRequestFromStart implements TunnelRequest {
  private built: Request | undefined;

  constructor(
    private readonly start: runner.v7.ToClientRequestStart,
    readonly signal: AbortSignal,
    private readonly log: Logger,
    private readonly streamedBody?: () => ReadableStream<Uint8Array>,
  ) {}

  get streamed(): boolean {
    return this.start.stream;
  }

  get method(): string {
    return this.start.method;
  }

  get path(): string {
    return this.start.path;
  }

  get headers(): ReadonlyMap<string, string> {
    return this.start.headers;
  }

  get body(): ArrayBuffer | null {
    const { body, method, stream } = this.start;
    if (stream) return null;
    // A GET or HEAD has no body, whatever the frame carries, as for `Request`.
    return body === null || body.byteLength === 0 || method === "GET" || method === "HEAD" ? null : body;
  }

  toRequest(): Request {
    this.built ??= requestFromTunnel(this.start, this.signal, this.log, this.start.stream ? this.streamedBody?.() : undefined);
    return this.built;
  }
}

/**
 * A header of a tunnelled request. The gateways send names in lower case (ours and Rivet's
 * both read them from an HTTP/1.1 parser that lowers them), so the lookup is by the lower-case
 * name first; another spelling is found by a scan, for a peer that keeps the client's case.
 */
export function tunnelHeader(headers: ReadonlyMap<string, string>, lowerName: string): string | null {
  const direct = headers.get(lowerName);
  if (direct !== undefined) return direct;
  for (const [name, value] of headers) if (name.toLowerCase() === lowerName) return value;
  return null;
}

/**
 * A standard `Request` seen as a {@link TunnelRequest}, for a `route` handler called through
 * a Fetch API (tests, or hosting actors behind something other than the tunnel). Its body
 * counts as streamed: it is read from the `Request` itself.
 */
export function tunnelRequestOf(request: Request): TunnelRequest {
  const url = new URL(request.url);
  const headers = new Map<string, string>();
  request.headers.forEach((value, name) => headers.set(name, value));
  return {
    method: request.method,
    path: url.pathname + url.search,
    headers,
    body: null,
    streamed: request.body !== null,
    signal: request.signal,
    toRequest: () => request,
  };
}

/**
 * A `route` answer as a standard `Response`. A relayed `Response` gets its `sent` callback
 * when its body has been read to the end (or cancelled), through a pass-through stream.
 */
export function responseOf(answer: RouteAnswer): Response {
  if (!("response" in answer)) {
    const headers = new Headers();
    for (const [name, value] of answer.headers) headers.set(name, value);
    return new Response(answer.body as Uint8Array<ArrayBuffer> | null, { status: answer.status, headers });
  }
  const { response, sent } = answer;
  if (sent === undefined) return response;
  const body = response.body;
  if (body === null) {
    sent();
    return response;
  }
  const reader = body.getReader();
  const passthrough = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          sent();
        } else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
        sent();
      }
    },
    cancel(reason) {
      sent();
      return reader.cancel(reason);
    },
  });
  return new Response(passthrough, { status: response.status, statusText: response.statusText, headers: response.headers });
}
