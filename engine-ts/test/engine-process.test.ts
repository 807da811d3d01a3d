import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
let engine: ChildProcess;
let base: string;

beforeAll(async () => {
  engine = spawn(process.execPath, ["--import", "tsx", "--conditions=source", "engine-ts/src/bin.ts", "--port", "0"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: engine.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const msg = JSON.parse(line) as { port?: number };
    if (msg.port !== undefined) {
      base = `http://127.0.0.1:${msg.port}`;
      break;
    }
  }
});

afterAll(async () => {
  if (engine.exitCode === null) {
    engine.kill("SIGTERM");
    await once(engine, "exit");
  }
});

describe("the engine process", () => {
  it("serves /metadata with the protocol versions it speaks", async () => {
    const res = await fetch(`${base}/metadata`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      runtime: "engine",
      runner_protocol_versions: [1, 2, 3, 4, 5, 6, 7],
      client_protocol_versions: [1, 2, 3, 4],
    });
  });

  it("serves /health", async () => {
    const res = await fetch(`${base}/health`);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("answers an unknown route with a typed error", async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ group: "api", code: "not_found" });
  });

  it("exits cleanly on SIGTERM", async () => {
    engine.kill("SIGTERM");
    const [code] = await once(engine, "exit");
    expect(code).toBe(0);
  });
});
