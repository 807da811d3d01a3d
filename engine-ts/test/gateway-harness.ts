import { type IncomingHttpHeaders, type Server, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { WebSocket } from "ws";
import { EngineError } from "../src/errors.js";
import {
  type ActorGenerationEvent,
  type ActorPlacement,
  type ActorQuery,
  type ActorRouter,
  Gateway,
  type GatewayConfig,
  type WaitReadyOptions,
} from "../src/gateway/index.js";
import { MemoryRunnerRegistry, RunnerEndpoint, type RunnerEndpointOptions } from "../src/runners/index.js";

// Shared pieces of the gateway's end-to-end tests: an in-process server with the runner
// endpoint and the gateway on one port, a small real ActorRouter, and plain HTTP and WebSocket
// clients. The runner side is testkit's ScriptedRunner, connected to `endpoint`.

export const silent = pino({ level: "silent" });
export const MiB = 1024 * 1024;

/**
 * An ActorRouter over a table the test fills: which actors exist, where each one runs, and
 * which name + key resolves to which actor. Waiting for an actor that exists but is not
 * placed blocks until the test places it; `onWake` lets a test react to such a wait the way
 * the lifecycle would (start the actor somewhere).
 */
export class TestRouter implements ActorRouter {
  /** Every waitReady call, in order. */
  readonly waits: string[] = [];
  /** Every resolveQuery call, in order. */
  readonly queries: ActorQuery[] = [];
  /** Called when a wait finds the actor not running. */
  onWake: ((actorId: string) => void) | undefined;
  private readonly known = new Set<string>();
  private readonly placements = new Map<string, ActorPlacement>();
  private readonly keys = new Map<string, string>();
  private readonly waiters = new Map<string, Set<(p: ActorPlacement) => void>>();
  private readonly stopped = new Set<(e: ActorGenerationEvent) => void>();
  private readonly ready = new Set<(e: ActorGenerationEvent) => void>();

  /** Makes an actor known without running it. */
  add(actorId: string): void {
    this.known.add(actorId);
  }

  /** Makes name + key (serialized) in a namespace resolve to an actor. */
  addKey(namespace: string, name: string, key: string, actorId: string): void {
    this.keys.set(JSON.stringify([namespace, name, key]), actorId);
    this.known.add(actorId);
  }

  /** Marks an actor running on a runner, releasing every wait for it. */
  place(actorId: string, runnerId: string, generation: number): void {
    const placement = { runnerId, generation };
    this.known.add(actorId);
    this.placements.set(actorId, placement);
    for (const resolve of this.waiters.get(actorId) ?? []) resolve(placement);
    this.waiters.delete(actorId);
    for (const listener of this.ready) listener({ actorId, ...placement });
  }

  /** Marks an actor stopped and tells the listeners. */
  stop(actorId: string): void {
    const placement = this.placements.get(actorId);
    if (placement === undefined) return;
    this.placements.delete(actorId);
    for (const listener of this.stopped) listener({ actorId, ...placement });
  }

  waitReady(actorId: string, opts: WaitReadyOptions): Promise<ActorPlacement> {
    this.waits.push(actorId);
    if (!this.known.has(actorId)) {
      return Promise.reject(new EngineError("actor.not_found", "The actor does not exist.", { status: 404 }));
    }
    const placement = this.placements.get(actorId);
    if (placement !== undefined) return Promise.resolve(placement);
    return new Promise((resolve, reject) => {
      let set = this.waiters.get(actorId);
      if (set === undefined) {
        set = new Set();
        this.waiters.set(actorId, set);
      }
      const waiter = (p: ActorPlacement) => {
        opts.signal?.removeEventListener("abort", onAbort);
        resolve(p);
      };
      const onAbort = () => {
        set.delete(waiter);
        reject(new Error("wait aborted"));
      };
      set.add(waiter);
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      this.onWake?.(actorId);
    });
  }

  currentRunner(actorId: string): string | undefined {
    return this.placements.get(actorId)?.runnerId;
  }

  resolveQuery(query: ActorQuery): Promise<string> {
    this.queries.push(query);
    const actorId = this.keys.get(JSON.stringify([query.namespace, query.name, query.key]));
    if (actorId === undefined) return Promise.reject(new EngineError("actor.not_found", "No actor for that key.", { status: 404 }));
    return Promise.resolve(actorId);
  }

  onActorStopped(listener: (e: ActorGenerationEvent) => void): () => void {
    this.stopped.add(listener);
    return () => this.stopped.delete(listener);
  }

  onActorReady(listener: (e: ActorGenerationEvent) => void): () => void {
    this.ready.add(listener);
    return () => this.ready.delete(listener);
  }
}

export interface Harness {
  readonly port: number;
  /** `http://127.0.0.1:<port>`, where runners connect. */
  readonly endpoint: string;
  readonly runners: RunnerEndpoint;
  readonly router: TestRouter;
  readonly gateway: Gateway;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on a random loopback port with the runner endpoint and the gateway
 * on it, dispatching the way the engine's server does: runner upgrades first, then the
 * gateway, then 404.
 */
export async function startHarness(config: GatewayConfig = {}, endpoint: Partial<RunnerEndpointOptions> = {}): Promise<Harness> {
  const runners = new RunnerEndpoint({ logger: silent, registry: new MemoryRunnerRegistry(), ...endpoint });
  const router = new TestRouter();
  const gateway = new Gateway({ runners, router, config: { logger: silent, ...config } });
  const server = createServer((req, res) => {
    void gateway.handleRequest(req, res).then((taken) => {
      if (taken) return;
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ group: "api", code: "not_found", message: "no route", metadata: null }));
    });
  });
  server.on("upgrade", (req, socket, head) => {
    if (runners.handleUpgrade(req, socket, head)) return;
    if (gateway.handleUpgrade(req, socket, head)) return;
    socket.on("error", () => {});
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    runners,
    router,
    gateway,
    server,
    async close() {
      await gateway.close();
      await runners.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Text as the ArrayBuffer the codecs carry. */
export function bytes(text: string | Uint8Array): ArrayBuffer {
  const b = typeof text === "string" ? Buffer.from(text) : text;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** An ArrayBuffer as text. */
export function text(buffer: ArrayBuffer | null): string | null {
  return buffer === null ? null : Buffer.from(buffer).toString();
}

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body parsed as JSON when it is JSON. */
  readonly json: unknown;
}

export interface HttpOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | number>;
  readonly body?: Buffer | string | Buffer[];
  readonly signal?: AbortSignal;
}

/**
 * A plain HTTP/1.1 request (node:http, so that every header goes out as written). A body
 * given as an array is sent chunked. Resolves with the response even if writing the body
 * failed because the server answered early.
 */
export function http(port: number, path: string, options: HttpOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers, signal: options.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          let json: unknown;
          try {
            json = JSON.parse(body.toString());
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
        res.on("error", reject);
      },
    );
    let answered = false;
    req.on("response", () => {
      answered = true;
    });
    // A server that answers before reading the whole body (413) may reset the upload; the
    // answer still counts, so an error only wins if no answer follows shortly.
    req.on("error", (err) => setTimeout(() => answered || reject(err), options.signal?.aborted ? 0 : 200));
    if (Array.isArray(options.body)) {
      for (const chunk of options.body) req.write(chunk);
      req.end();
    } else req.end(options.body);
  });
}

export interface ClientSocket {
  readonly ws: WebSocket;
  readonly opened: Promise<{ protocol: string; headers: IncomingHttpHeaders }>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The next message from the gateway. */
  next(ms?: number): Promise<{ data: Buffer; isBinary: boolean }>;
}

/** A client WebSocket that queues what it receives. */
export function clientSocket(port: number, path: string, protocols: string[] = ["rivet"]): ClientSocket {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols);
  ws.on("error", () => {});
  const queue: { data: Buffer; isBinary: boolean }[] = [];
  let waiter: ((m: { data: Buffer; isBinary: boolean }) => void) | undefined;
  ws.on("message", (data: Buffer, isBinary) => {
    const m = { data, isBinary };
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(m);
    } else queue.push(m);
  });
  const opened = new Promise<{ protocol: string; headers: IncomingHttpHeaders }>((resolve, reject) => {
    let headers: IncomingHttpHeaders = {};
    ws.once("upgrade", (res) => {
      headers = res.headers;
    });
    ws.once("open", () => resolve({ protocol: ws.protocol, headers }));
    ws.once("unexpected-response", (_req, res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString()) })));
    });
  });
  opened.catch(() => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return {
    ws,
    opened,
    closed,
    next(ms = 5000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no client message within ${ms} ms`)), ms);
        waiter = (m) => {
          clearTimeout(timer);
          resolve(m);
        };
      });
    },
  };
}
