import type { AddressInfo } from "node:net";
import { pino } from "pino";
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
