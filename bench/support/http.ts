/**
 * The bench's HTTP client: plain `node:http` requests over keep-alive agents, a JSON helper for
 * the public API, and a closed-loop load generator (N clients, each sending its next request
 * as soon as the previous answer is read) with a bounded duration.
 */
import { Agent, request } from "node:http";

export interface HttpResult {
  readonly status: number;
  readonly body: Buffer;
}

/** Per-request ceiling, so a stuck engine fails the bench instead of hanging it. */
const REQUEST_TIMEOUT_MS = 30_000;

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: "fifo" });
}

/** One request; resolves with the whole body, rejects on a socket error or after 30 s. */
export function httpRequest(
  agent: Agent,
  base: URL,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: body === undefined ? headers : { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** A JSON call to the public API that throws with the answer's body on a non-2xx status. */
export async function apiJson<T>(agent: Agent, base: URL, method: string, path: string, body?: unknown): Promise<T> {
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
  agent.destroy();
  return { clients, seconds, ok, errors, requestsPerSec: ok / seconds, latenciesMs, firstError };
}
