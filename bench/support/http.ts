/**
 * The bench's HTTP client: undici's `request` over keep-alive pools (an undici `Agent` keeps
 * one pool of connections per origin), as our Node client sends stateless calls, a JSON
 * helper for the public API, and a closed-loop load generator (N clients, each sending its
 * next request as soon as the previous answer is read) with a bounded duration.
 */
import { Agent, type Dispatcher } from "undici";

export interface HttpResult {
  readonly status: number;
  readonly body: Buffer;
}

/** A keep-alive pool of at most N connections per origin. */
export type KeepAlivePool = Agent;

/**
 * Ceiling on waiting for an answer's headers and between body chunks, so a stuck engine fails
 * the bench instead of hanging it.
 */
const REQUEST_TIMEOUT_MS = 30_000;

/** A pool of at most `connections` keep-alive connections per origin; `close()` it when done. */
export function keepAliveAgent(connections: number): KeepAlivePool {
  return new Agent({ connections, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
}

/** One request; resolves with the whole body, rejects on a socket error or after 30 s without an answer. */
export async function httpRequest(
  agent: KeepAlivePool,
  base: URL,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const res = await agent.request({
    origin: base.origin,
    method: method as Dispatcher.HttpMethod,
    path,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body ?? null,
  });
  return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) };
}

/** A JSON call to the public API that throws with the answer's body on a non-2xx status. */
export async function apiJson<T>(agent: KeepAlivePool, base: URL, method: string, path: string, body?: unknown): Promise<T> {
  const res = await httpRequest(agent, base, method, path, body === undefined ? undefined : JSON.stringify(body));
  const text = res.body.toString("utf8");
  if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path} -> ${res.status}: ${text.slice(0, 500)}`);
  return (text === "" ? {} : JSON.parse(text)) as T;
}

export interface LoadResult {
  readonly clients: number;
  readonly seconds: number;
  readonly ok: number;
  readonly errors: number;
  readonly requestsPerSec: number;
  /** Latency of every successful request in the timed window, in ms. */
  readonly latenciesMs: number[];
  /** First error seen, if any, to tell a real failure from noise. */
  readonly firstError: string | null;
}

/**
 * `clients` loops, each on its own keep-alive connection, GET `path` back to back for
 * `durationMs`; only requests that complete inside the window count. A request answered with
 * a status other than 200 counts as an error.
 */
export async function closedLoop(base: URL, path: string, clients: number, durationMs: number): Promise<LoadResult> {
  const agent = keepAliveAgent(clients);
  const latenciesMs: number[] = [];
  let ok = 0;
  let errors = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const end = t0 + durationMs;
  const loop = async () => {
    while (performance.now() < end) {
      const start = performance.now();
      try {
        const res = await httpRequest(agent, base, "GET", path);
        const now = performance.now();
        if (now > end) break;
        if (res.status === 200) {
          ok++;
          latenciesMs.push(now - start);
        } else {
          errors++;
          firstError ??= `status ${res.status}: ${res.body.toString("utf8").slice(0, 200)}`;
        }
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  const seconds = (Math.min(performance.now(), end) - t0) / 1000;
  await agent.close();
  return { clients, seconds, ok, errors, requestsPerSec: ok / seconds, latenciesMs, firstError };
}
