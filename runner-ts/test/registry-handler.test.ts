import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "@actorwire/client";
import { EngineProcess } from "@actorwire/testkit";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actor, setup } from "../src/index.js";

// `registry.handler()` mounted in an app server (node:http with the few lines of adapter every
// framework has built in), against a real engine: the first request starts the runner, a client
// given only the app's `/api/rivet` URL finds the engine through `/metadata` and calls an actor,
// and the serverless start route is refused with a named error.

const counter = actor({ state: { n: 0 }, actions: { increment: (c, by: number) => (c.state.n += by) } });

/** The app: `/api/rivet/*` goes to the registry's fetch handler, anything else is the app's own. */
function serve(handler: (request: Request) => Promise<Response>): Server {
  return createServer(async (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith("/api/rivet")) {
      res.writeHead(200, { "content-type": "text/plain" }).end("the app");
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const response = await handler(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body }));
    const head: Record<string, string> = {};
    response.headers.forEach((value, name) => (head[name] = value));
    res.writeHead(response.status, head);
    res.end(Buffer.from(await response.arrayBuffer()));
  });
}

describe("registry.handler()", () => {
  let engine: EngineProcess;
  let app: Server;
  let appUrl: string;
  const registry = () => started;
  let started: ReturnType<typeof setup<{ counter: typeof counter }>>;

  beforeAll(async () => {
    engine = await EngineProcess.start();
    started = setup({ use: { counter }, endpoint: engine.base, runnerName: "handler-e2e", handleSignals: false, logger: pino({ level: "silent" }) });
    app = serve(started.handler);
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await registry().current?.shutdown();
    await new Promise((resolve) => app?.close(resolve));
    await engine?.close();
  });

  it("starts the runner on the first request, then reports health, metadata and refuses serverless starts", async () => {
    const first = await fetch(`${appUrl}/api/rivet/health`);
    expect([200, 503]).toContain(first.status);
    let health = (await first.json()) as { status: string };
    for (let i = 0; i < 200 && health.status !== "ok"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      health = (await (await fetch(`${appUrl}/api/rivet/health`)).json()) as { status: string };
    }
    expect(health).toMatchObject({ status: "ok", runtime: "actorwire" });

    const metadata = await (await fetch(`${appUrl}/api/rivet/metadata`)).json();
    expect(metadata).toMatchObject({ runtime: "actorwire", clientEndpoint: engine.base, clientNamespace: "default", actorNames: { counter: { metadata: {} } } });
    expect(metadata).not.toHaveProperty("clientToken");
    // One runner, started by the first request, serves every later one.
    expect(registry().current?.runnerId).toBe((health as { runnerId?: string }).runnerId);

    const start = await fetch(`${appUrl}/api/rivet/start`, { method: "POST" });
    expect(start.status).toBe(501);
    expect(await start.json()).toMatchObject({ group: "registry", code: "serverless_unsupported" });
    const missing = await fetch(`${appUrl}/api/rivet/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ group: "registry", code: "route_not_found" });
    expect(await (await fetch(`${appUrl}/`)).text()).toBe("the app");
  });

  it("lets a client given the app's URL reach the actors through /metadata", async () => {
    const client = createClient<ReturnType<typeof registry>>({ endpoint: `${appUrl}/api/rivet`, poolName: "handler-e2e" });
    try {
      const handle = client.counter.getOrCreate(["via-app"]);
      expect(await handle.increment(2)).toBe(2);
      expect(await handle.increment(3)).toBe(5);
    } finally {
      await client.dispose();
    }
  });
});
