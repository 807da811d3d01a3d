import { type ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { EngineProcess, JsonLines, repoRoot, spawnTracked } from "@actorwire/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type HostEvent, TestHost } from "./runner-host.js";
import { type ScenarioContext, count, startedActor } from "./runner-scenarios.js";

// The runner connection when things go wrong, against our engine binary: the engine killed
// with SIGKILL and restarted, the connection gone past the runner-lost threshold, eviction by
// a second connection with the same key, graceful shutdown (called, and on SIGTERM in a
// process of its own), and a second signal during a drain.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

async function hostOn(engine: EngineProcess, runnerName: string, extra: Partial<ConstructorParameters<typeof TestHost>[0]> = {}): Promise<TestHost> {
  const host = new TestHost({ endpoint: engine.base, runnerName, ...extra });
  cleanup.push(() => host.runner.shutdown({ immediate: true }));
  await host.runner.start();
  return host;
}

describe("the engine killed with SIGKILL and restarted", () => {
  let engine: EngineProcess;
  beforeAll(async () => {
    // Rivet's default lost threshold (15 s) outlasts the restart and the first reconnects.
    engine = await EngineProcess.start();
  });
  afterAll(async () => {
    await engine?.close();
  });

  it("reconnects with the same runner ID, keeps its actor running with its KV, and sends what was made meanwhile", async () => {
    const host = await hostOn(engine, "kill");
    const ctx: ScenarioContext = { base: engine.base, host, runnerName: "kill" };
    const runnerId = host.runner.runnerId;
    const actorId = await startedActor(ctx, "durable");
    expect(await count(ctx, actorId)).toMatchObject({ count: 1, generation: 0 });
    const sleeper = await startedActor(ctx, "sleeper");

    const disconnected = new Promise((resolve) => host.runner.on("disconnected", resolve));
    const reconnected = new Promise<{ runnerId: string }>((resolve) => host.runner.on("connected", resolve));
    await engine.kill();
    await disconnected;

    // Made while the engine is down: a KV write (queued until the next ToClientInit) and a
    // sleep intent (kept in the event history and sent after it).
    const write = host.runner.kv.put(actorId, [[encoder.encode("while-down"), encoder.encode("kept")]]);
    host.runner.sleepActor(sleeper);
    const fromStop = host.mark;

    await engine.restart();
    expect((await reconnected).runnerId).toBe(runnerId);
    await write;
    expect(decoder.decode((await host.runner.kv.get(actorId, [encoder.encode("while-down")]))[0] as Uint8Array)).toBe("kept");

    // The actor kept running in generation 0 with its KV; it was never started again.
    expect(await count(ctx, actorId)).toEqual({ count: 2, generation: 0, runnerId });
    expect(host.all("start").filter((e) => e.actorId === actorId)).toHaveLength(1);
    // The sleep intent reached the engine after the reconnect.
    expect(await host.next("stop", (e) => e.actorId === sleeper, { from: fromStop })).toMatchObject({ generation: 0, reason: "sleep" });
  });
});

describe("the runner lost", () => {
  let engine: EngineProcess;
  beforeAll(async () => {
    engine = await EngineProcess.start({ runnerLostThresholdMs: 1_500 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it("stops its actors with reason lost and fails pending KV when the engine stays away past the threshold", async () => {
    const host = await hostOn(engine, "lost");
    const ctx: ScenarioContext = { base: engine.base, host, runnerName: "lost" };
    const actorId = await startedActor(ctx, "orphan");
    expect(await count(ctx, actorId)).toMatchObject({ count: 1, generation: 0 });

    const lost = new Promise<{ actorIds: readonly string[] }>((resolve) => host.runner.on("lost", resolve));
    const from = host.mark;
    await engine.kill();
    const pending = host.runner.kv.get(actorId, [encoder.encode("count")]);
    expect((await lost).actorIds).toEqual([actorId]);
    await expect(pending).rejects.toMatchObject({ name: "RunnerError", id: "runner.lost" });
    expect(await host.next("stop", (e) => e.actorId === actorId, { from })).toMatchObject({ generation: 0, reason: "lost" });

    // Back again: the actor is reachable (in a later generation) with its KV.
    await engine.restart();
    await new Promise<void>((resolve) => host.runner.on("connected", () => resolve()));
    const after = await count(ctx, actorId);
    expect(after.count).toBe(2);
    expect(after.generation).toBeGreaterThan(0);
  });
});

describe("eviction and shutdown", () => {
  let engine: EngineProcess;
  beforeAll(async () => {
    engine = await EngineProcess.start();
  });
  afterAll(async () => {
    await engine?.close();
  });

  it("stops for good, without reconnecting, when a second connection with the same key takes over", async () => {
    const first = await hostOn(engine, "evict", { runnerKey: "same-key" });
    const evicted = new Promise<{ reason: string }>((resolve) => first.runner.on("evicted", resolve));
    const shutdown = new Promise<{ evicted: boolean }>((resolve) => first.runner.on("shutdown", resolve));
    let reconnects = 0;
    first.runner.on("connected", () => reconnects++);

    const second = await hostOn(engine, "evict", { runnerKey: "same-key" });
    expect((await evicted).reason).toMatch(/^ws\.eviction/);
    expect(await shutdown).toEqual({ evicted: true });
    expect(second.runner.runnerId).toBe(first.runner.runnerId);
    // Longer than the first back-off step: a reconnect would have happened by now.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(reconnects).toBe(0);
    await expect(first.runner.kv.get("x", [])).resolves.toEqual([]);
    await expect(first.runner.kv.drop("x")).rejects.toMatchObject({ id: "runner.shutdown" });
  });

  it("drains on shutdown: every actor stops with reason drain, is reported stopped, and runs again on another runner", async () => {
    const leaving = await hostOn(engine, "drain");
    const ctx: ScenarioContext = { base: engine.base, host: leaving, runnerName: "drain" };
    const a = await startedActor(ctx, "one");
    const b = await startedActor(ctx, "two");
    expect(await count(ctx, a)).toMatchObject({ count: 1, generation: 0 });
    const spare = await hostOn(engine, "drain");

    const from = engine.lines.mark;
    await leaving.runner.shutdown();
    expect(leaving.all("stop").map((e) => [e.actorId, e.reason]).sort()).toEqual([[a, "drain"], [b, "drain"]].sort());
    expect(leaving.runner.actorCount).toBe(0);
    // The engine heard Stopped for both, while the runner drained, and placed them again.
    for (const actorId of [a, b]) {
      const line = await engine.lines.wait(`${actorId} rescheduled`, (l) => l.actorId === actorId && /while draining; rescheduled/.test(l.reason ?? ""), { from });
      expect(line.from).toBe("stopping");
      await spare.next("start", (e) => e.actorId === actorId && e.generation === 1);
    }
    expect(await count({ ...ctx, host: spare }, a)).toMatchObject({ count: 2, generation: 1 });
  });
});

describe("signals", () => {
  let engine: EngineProcess;
  beforeAll(async () => {
    engine = await EngineProcess.start();
  });
  afterAll(async () => {
    await engine?.close();
  });

  type ChildLine = HostEvent | { event: "connected"; runnerId: string };

  async function child(name: string, hang: boolean): Promise<{ proc: ChildProcess; lines: JsonLines<ChildLine> }> {
    const proc = spawnTracked(process.execPath, ["--import", "tsx", "--conditions=source", "runner-ts/test/runner-child.ts"], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, RUNNER_TEST_ENDPOINT: engine.base, RUNNER_TEST_NAME: name, RUNNER_TEST_HANG_STOP: hang ? "1" : "0" },
    });
    cleanup.push(async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL");
        await once(proc, "exit");
      }
    });
    const lines = new JsonLines<ChildLine>();
    lines.follow(proc.stdout as Readable);
    await lines.wait("the child runner to connect", (l) => l.event === "connected");
    return { proc, lines };
  }

  it("drains on SIGTERM, reports its actor stopped, and exits 0", async () => {
    const { proc, lines } = await child("sigterm", false);
    const actorId = await engine.createActor({ key: "signalled", runnerName: "sigterm" });
    await lines.wait("the actor to start", (l) => l.event === "start" && l.actorId === actorId);
    const from = engine.lines.mark;
    const exited = once(proc, "exit");
    proc.kill("SIGTERM");
    expect(await lines.wait("the drain stop", (l) => l.event === "stop" && l.actorId === actorId)).toMatchObject({ reason: "drain" });
    expect(await exited).toEqual([0, null]);
    // The stop reached the engine before the process went.
    const line = await engine.lines.wait("the actor leaving stopping", (l) => l.actorId === actorId && l.from === "stopping", { from });
    expect(line.reason).toMatch(/^stopped while draining/);
  });

  it("exits at once on a second signal while a drain hangs", async () => {
    const { proc, lines } = await child("sigterm-twice", true);
    const actorId = await engine.createActor({ key: "stuck", runnerName: "sigterm-twice" });
    await lines.wait("the actor to start", (l) => l.event === "start" && l.actorId === actorId);
    const exited = once(proc, "exit");
    proc.kill("SIGTERM");
    await lines.wait("the drain stop to begin", (l) => l.event === "stop" && l.actorId === actorId);
    proc.kill("SIGTERM");
    expect(await exited).toEqual([143, null]);
  });
});
