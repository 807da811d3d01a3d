/**
 * `registry.handler()`: the registry as a fetch handler, to mount at `/api/rivet/*` in a web
 * framework. What rivetkit's handler does in serverless mode (the engine POSTs a start payload
 * to `/api/rivet/start` and the runner lives inside that streamed response) needs an engine
 * that calls apps; this runtime's runner connects to the engine itself instead. So the handler
 * starts the registry on the first request (in the app's long-running process) and serves the
 * routes a client needs to find the engine through the app:
 *
 * - `GET …/metadata`: rivetkit's `MetadataResponse`; `clientEndpoint`, `clientNamespace` and
 *   `clientToken` tell a client given the app's URL where the engine is (both rivetkit's client
 *   and ours look this up).
 * - `GET …/health`: 200 once the runner is connected, 503 before (with the reason).
 * - `…/start`: 501 `registry.serverless_unsupported`, naming what to do instead.
 *
 * Anything else is a 404 `registry.route_not_found`. Errors are `{group, code, message, metadata}`.
 */
import type { RegistryHandle } from "./definition.js";
import { RUNNER_VERSION } from "../version.js";

/** The prefix rivetkit mounts its handler at; the routes are matched after it, if present. */
export const HANDLER_BASE_PATH = "/api/rivet";

/** Our runtime's name and version in `/metadata` and `/health`. */
const RUNTIME = "actorwire";
const VERSION = RUNNER_VERSION;

export interface FetchHandlerOptions {
  readonly actorNames: readonly string[];
  readonly clientEndpoint: () => string;
  readonly clientNamespace: () => string;
  readonly clientToken: () => string | undefined;
}

/** Builds the handler; `start` returns the started registry (starting it on first use). */
export function createFetchHandler(start: () => RegistryHandle, options: FetchHandlerOptions): (request: Request) => Promise<Response> {
  return async (request: Request): Promise<Response> => {
    let path: string;
    try {
      path = new URL(request.url).pathname;
    } catch {
      return error(400, "request", "invalid", `the request URL ${JSON.stringify(request.url)} cannot be parsed`);
    }
    const base = path.indexOf(HANDLER_BASE_PATH);
    const route = (base >= 0 ? path.slice(base + HANDLER_BASE_PATH.length) : path).replace(/\/+$/, "") || "/";
    const registry = start();

    if (route === "/start") {
      return error(
        501,
        "registry",
        "serverless_unsupported",
        "this runtime does not take serverless starts (the engine calling the app): its runner connects to the engine itself. " +
          "Configure the pool as a normal runner pool and run the app as a long-running process; registry.handler() still serves /metadata and /health.",
      );
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return error(405, "registry", "method_not_allowed", `${request.method} ${route} is not allowed; the handler's routes are GET /metadata and GET /health`);
    }
    if (route === "/metadata") {
      const token = options.clientToken();
      return json(200, {
        runtime: RUNTIME,
        version: VERSION,
        envoy: { kind: { normal: {} } },
        actorNames: Object.fromEntries(options.actorNames.map((name) => [name, { metadata: {} }])),
        clientEndpoint: options.clientEndpoint(),
        clientNamespace: options.clientNamespace(),
        ...(token === undefined ? {} : { clientToken: token }),
      });
    }
    if (route === "/health" || route === "/") {
      const runnerId = registry.runnerId;
      if (runnerId === undefined) return json(503, { status: "starting", runtime: RUNTIME, version: VERSION, message: "the runner is not connected to the engine yet" });
      return json(200, { status: "ok", runtime: RUNTIME, version: VERSION, runnerId });
    }
    return error(404, "registry", "route_not_found", `no route ${route} under ${HANDLER_BASE_PATH}; the handler serves /metadata and /health`);
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, group: string, code: string, message: string): Response {
  return json(status, { group, code, message, metadata: null });
}
