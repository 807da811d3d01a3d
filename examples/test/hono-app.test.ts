/**
 * `registry.handler()` in a real framework: the demo registry mounted in a Hono app served by
 * `@hono/node-server`, against a real engine. A client given only the app's `/api/rivet` URL
 * finds the engine through the handler's metadata and calls an actor; the app's own routes
 * keep working beside it.
 */
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { createClient } from "@actorwire/client";
import { setup } from "@actorwire/runner";
import { EngineProcess } from "@actorwire/testkit";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { counter } from "../src/counter.js";
import { createApp } from "../src/hono-app.js";

describe("the demo registry in a Hono app", () => {
  let engine: EngineProcess;
  let server: ServerType;
  let appUrl: string;
  let registry: ReturnType<typeof setup<{ counter: typeof counter }>>;

  beforeAll(async () => {
    engine = await EngineProcess.start();
    registry = setup({ use: { counter }, endpoint: engine.base, runnerName: "default", handleSignals: false, logger: pino({ level: "silent" }) });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: createApp(registry.handler).fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await registry?.current?.shutdown();
    await new Promise((resolve) => server?.close(resolve));
    await engine?.close();
  });

  it("serves the app's own routes and the actors under /api/rivet", async () => {
    expect(await (await fetch(`${appUrl}/`)).text()).toContain("an app with actors");
    // The first request to the handler starts the runner; health turns ok once it is connected.
    let status = "";
    for (let i = 0; i < 200 && status !== "ok"; i++) {
      const res = await fetch(`${appUrl}/api/rivet/health`);
      status = ((await res.json()) as { status: string }).status;
      if (status !== "ok") await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe("ok");
    const client = createClient<typeof registry>(`${appUrl}/api/rivet`);
    try {
      expect(await client.counter.getOrCreate(["hono"]).increment(3)).toBe(3);
      expect(await client.counter.getOrCreate(["hono"]).get()).toBe(3);
    } finally {
      await client.dispose();
    }
  }, 60_000);
});
