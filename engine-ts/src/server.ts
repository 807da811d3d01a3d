import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { engineMetadata } from "./metadata.js";

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
