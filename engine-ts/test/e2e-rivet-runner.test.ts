import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { eventually } from "@actorwire/testkit";
import { Runner } from "@rivetkit/engine-runner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";

// The proof the engine issue asks for: Rivet's own runner, @rivetkit/engine-runner@2.2.1,
// unchanged, connects to our engine binary (a real child process on a random port), hosts
// actors the public API creates, and clients reach them through our gateway over HTTP and
// WebSocket, across sleep and wake, with their KV kept by the engine.

const root = resolve(import.meta.dirname, "../..");
const dataDir = mkdtempSync(join(tmpdir(), "actorwire-e2e-"));
let engine: ChildProcess;
let base: string;
let runnerInstance: Runner;
const starts: { actorId: string; generation: number; name: string; key: string | undefined }[] = [];
const stops: { actorId: string; generation: number }[] = [];

const encoder = new TextEncoder();
const decoder = new TextDecoder();


beforeAll(async () => {
  engine = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=source", "engine-ts/src/bin.ts", "--port", "0", "--data-dir", dataDir],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ACTORWIRE_LOG_LEVEL: "warn" } },
  );
  for await (const line of createInterface({ input: engine.stdout as NodeJS.ReadableStream })) {
    const msg = JSON.parse(line) as { port?: number };
    if (msg.port !== undefined) {
      base = `http://127.0.0.1:${msg.port}`;
      break;
    }
  }

  let connected!: () => void;
  const ready = new Promise<void>((r) => {
    connected = r;
  });
  runnerInstance = new Runner({
    version: 1,
    endpoint: base,
    namespace: "default",
    totalSlots: 10,
    runnerName: "e2e",
    prepopulateActorNames: { counter: { metadata: { kind: "test" } } },
    noAutoShutdown: true,
    onConnected: () => connected(),
    onDisconnected: () => {},
    onShutdown: () => {},
    onActorStart: async (actorId, generation, config) => {
      starts.push({ actorId, generation, name: config.name, key: config.key ?? undefined });
    },
    onActorStop: async (actorId, generation) => {
      stops.push({ actorId, generation });
    },
    fetch: async (r, actorId, _gatewayId, _requestId, request) => {
      // A counter kept in the actor's engine KV, so it survives sleep and wake.
      const key = encoder.encode("count");
      const [current] = await r.kvGet(actorId, [key]);
      const count = (current === null || current === undefined ? 0 : Number(decoder.decode(current))) + 1;
      await r.kvPut(actorId, [[key, encoder.encode(String(count))]]);
      const url = new URL(request.url);
      return Response.json({
        actorId,
        method: request.method,
        path: url.pathname,
        query: url.search,
        body: await request.text(),
        header: request.headers.get("x-test"),
        count,
      });
    },
    websocket: async (_r, _actorId, ws) => {
      ws.addEventListener("message", (event: { data: unknown }) => ws.send(`echo:${String(event.data)}`));
    },
    hibernatableWebSocket: { canHibernate: () => false },
  });
  await runnerInstance.start();
  await ready;
}, 60_000);

afterAll(async () => {
  await runnerInstance?.shutdown(true).catch(() => {});
  if (engine !== undefined && engine.exitCode === null) {
    engine.kill("SIGTERM");
    await once(engine, "exit");
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function createActor(key: string): Promise<string> {
  const res = await fetch(`${base}/actors?namespace=default`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "counter", key, runner_name_selector: "e2e", crash_policy: "sleep" }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { actor: { actor_id: string } }).actor.actor_id;
}

describe("Rivet's runner on our engine", () => {
  it("registers the runner and its actor names", async () => {
    const runners = (await (await fetch(`${base}/runners?namespace=default&name=e2e`)).json()) as {
      runners: { runner_id: string; total_slots: number }[];
    };
    expect(runners.runners).toHaveLength(1);
    expect(runners.runners[0]?.runner_id).toBe(runnerInstance.runnerId);
    const names = (await (await fetch(`${base}/actors/names?namespace=default`)).json()) as { names: Record<string, unknown> };
    expect(names.names.counter).toEqual({ metadata: { kind: "test" } });
  });

  it("starts an actor the API creates and serves HTTP to it through the gateway", async () => {
    const actorId = await createActor("http");
    await eventually("onActorStart", () => starts.find((s) => s.actorId === actorId), { timeoutMs: 15_000 });
    expect(starts.find((s) => s.actorId === actorId)).toMatchObject({ generation: 0, name: "counter", key: "http" });

    const res = await fetch(`${base}/gateway/${actorId}/request/hello?x=1`, {
      method: "POST",
      headers: { "x-test": "yes" },
      body: "ping",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).not.toBeNull();
    expect(await res.json()).toEqual({ actorId, method: "POST", path: "/request/hello", query: "?x=1", body: "ping", header: "yes", count: 1 });

    const byQuery = await fetch(`${base}/gateway/counter/request/q?rvt-namespace=default&rvt-method=get&rvt-key=http`);
    expect(await byQuery.json()).toMatchObject({ actorId, path: "/request/q", query: "", count: 2 });
  });

  it("tunnels a WebSocket both ways", async () => {
    const actorId = await createActor("ws");
    const ws = new WebSocket(`${base.replace("http", "ws")}/gateway/${actorId}/websocket/echo`, ["rivet"]);
    await once(ws, "open");
    const reply = once(ws, "message");
    ws.send("hi");
    const [data] = (await reply) as [Buffer];
    expect(data.toString()).toBe("echo:hi");
    ws.close(1000, "bye");
    await once(ws, "close");
  });

  it("wakes a sleeping actor on the next request, in a new generation, with its KV intact", async () => {
    const actorId = await createActor("sleepy");
    await eventually("start", () => starts.find((s) => s.actorId === actorId), { timeoutMs: 15_000 });
    const first = (await (await fetch(`${base}/gateway/${actorId}/request/a`)).json()) as { count: number };
    expect(first.count).toBe(1);
    runnerInstance.sleepActor(actorId);
    await eventually("onActorStop", () => stops.find((s) => s.actorId === actorId), { timeoutMs: 15_000 });
    const woken = (await (await fetch(`${base}/gateway/${actorId}/request/b`)).json()) as { count: number };
    expect(woken.count).toBe(2);
    const generations = starts.filter((s) => s.actorId === actorId).map((s) => s.generation);
    expect(generations).toEqual([0, 1]);
  });

  it("destroys an actor: it stops, and the gateway answers actor.not_found", async () => {
    const actorId = await createActor("doomed");
    await eventually("start", () => starts.find((s) => s.actorId === actorId), { timeoutMs: 15_000 });
    const del = await fetch(`${base}/actors/${actorId}?namespace=default`, { method: "DELETE" });
    expect(del.status).toBe(200);
    await eventually("onActorStop", () => stops.find((s) => s.actorId === actorId), { timeoutMs: 15_000 });
    const res = await fetch(`${base}/gateway/${actorId}/request/x`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ group: "actor", code: "not_found" });
  });
});
