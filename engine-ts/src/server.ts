import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { engineMetadata } from "./metadata.js";
import { RunnerEndpoint, type RunnerEndpointOptions } from "./runners/index.js";

/** Where the engine listens. */
export interface ServerOptions {
  readonly host: string;
  readonly port: number;
}

const VERSION = "0.1.0";

/**
 * The engine's one HTTP port. So far it serves only `GET /metadata` and `GET /health`; the
 * public API, the runner endpoint and the gateway arrive with the engine issue. Unknown
 * routes answer with the engine API's error shape so clients see a clear reason.
 */
export function createEngineServer(): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://engine").pathname;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && path === "/metadata") return send(200, engineMetadata(VERSION));
    if (req.method === "GET" && path === "/health") return send(200, { status: "ok", runtime: "engine", version: VERSION });
    send(404, { group: "api", code: "not_found", message: `no route for ${req.method} ${path}`, metadata: null });
  });
}

/** Settings of the engine's parts that take any. */
export interface EngineOptions {
  readonly runners?: RunnerEndpointOptions;
}

/** The engine's HTTP server with its WebSocket endpoints attached. */
export interface Engine {
  readonly server: Server;
  readonly runners: RunnerEndpoint;
  /** Closes every runner socket with `ws.going_away`, then the server. */
  close(): Promise<void>;
}

/**
 * The HTTP routes of {@link createEngineServer} plus the runner endpoint on the same port.
 * Upgrade requests that no endpoint takes are answered 404.
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const server = createEngineServer();
  const runners = new RunnerEndpoint(options.runners);
  server.on("upgrade", (req, socket, head) => {
    if (runners.handleUpgrade(req, socket, head)) return;
    socket.on("error", () => {});
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  return {
    server,
    runners,
    async close() {
      await runners.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Starts the server and resolves once it is listening. */
export async function listen(server: Server, options: ServerOptions): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
