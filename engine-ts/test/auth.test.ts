import type { AddressInfo } from "node:net";
import { Runner } from "@rivetkit/engine-runner";
import { pino } from "pino";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Engine, createEngine, listen } from "../src/server.js";

let engine: Engine;
let base: string;

beforeAll(async () => {
  engine = createEngine({ adminToken: "s3cret", runners: { logger: pino({ level: "silent" }) } });
  const { port } = (await listen(engine.server, { host: "127.0.0.1", port: 0 })) as AddressInfo;
  base = `http://127.0.0.1:${port}`;
});

afterAll(() => engine.close());

describe("the admin token", () => {
  it("is required by the public API: 401 when missing, 403 when wrong", async () => {
    const missing = await fetch(`${base}/actors/names?namespace=default`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ group: "auth", code: "missing_token" });
    const wrong = await fetch(`${base}/actors/names?namespace=default`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ group: "auth", code: "invalid_token" });
  });

  it("is accepted as a Bearer token or as x-rivet-token", async () => {
    expect((await fetch(`${base}/actors/names?namespace=default`, { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
    expect((await fetch(`${base}/namespaces`, { headers: { "x-rivet-token": "s3cret" } })).status).toBe(200);
  });

  it("is not needed for metadata and health", async () => {
    expect((await fetch(`${base}/metadata`)).status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});

describe("the admin token on /runners/connect", () => {
  const connect = (protocols: string[]) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`${base.replace("http", "ws")}/runners/connect?protocol_version=7&namespace=default&runner_key=k`, protocols);
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => {
        ws.close();
        resolve(101);
      });
      ws.on("error", () => {});
    });

  it("refuses a runner without the token subprotocol (401) or with a wrong one (403)", async () => {
    expect(await connect(["rivet"])).toBe(401);
    expect(await connect(["rivet", "rivet_token.nope"])).toBe(403);
    expect(await connect(["rivet", "rivet_token.s3cret"])).toBe(101);
  });

  it("lets Rivet's runner in with its configured token", async () => {
    let connected!: () => void;
    const ready = new Promise<void>((r) => {
      connected = r;
    });
    const runner = new Runner({
      version: 1,
      endpoint: base,
      token: "s3cret",
      namespace: "default",
      totalSlots: 1,
      runnerName: "authed",
      prepopulateActorNames: {},
      noAutoShutdown: true,
      onConnected: () => connected(),
      onDisconnected: () => {},
      onShutdown: () => {},
      onActorStart: async () => {},
      onActorStop: async () => {},
      fetch: async () => new Response("unused"),
      websocket: async () => {},
      hibernatableWebSocket: { canHibernate: () => false },
      logger: pino({ level: "silent" }),
    });
    await runner.start();
    await ready;
    expect(engine.runners.connections().map((c) => c.name)).toContain("authed");
    await runner.shutdown(true);
  });
});
