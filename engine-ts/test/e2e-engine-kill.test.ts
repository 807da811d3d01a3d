import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineProcess } from "@actorwire/testkit";
import { RunnerProcess } from "./support/runner-process.js";

// The engine issue's end-to-end matrix: the engine killed with SIGKILL and started again on
// the same data folder and port. Rivet's runner (in its own process) reconnects by itself
// with its own backoff and keeps its runner ID; actors, KV and alarms survive; a start
// command the engine stored just before it died reaches the runner after the restart.

const NAME = "engine-kill";
let engine: EngineProcess;
let runner: RunnerProcess;

beforeAll(async () => {
  // Rivet's default lost threshold (15 s) is what lets the runner keep its actors while the
  // engine is away; the restart and the runner's first reconnects take well under that.
  engine = await EngineProcess.start();
  runner = await RunnerProcess.start({ endpoint: engine.base, name: NAME });
});

afterAll(async () => {
  await runner?.kill();
  await engine?.close();
});

interface RestartSteps {
  /** Runs while the engine is down. */
  readonly whileDown?: () => Promise<void>;
  /** Runs once the engine is back, normally before Rivet's runner is (it retries 1 s, then 2 s, … after losing it). */
  readonly whileAway?: () => Promise<void>;
}

/** Kills the engine, starts it again on the same data folder and port, and waits until Rivet's runner is back. */
async function killAndRestart(steps: RestartSteps = {}): Promise<void> {
  const from = runner.events.mark;
  await engine.kill();
  await runner.next("disconnected", () => true, { from });
  await steps.whileDown?.();
  await engine.restart();
  await steps.whileAway?.();
  const back = await runner.next("connected", () => true, { from });
  expect(back.runnerId).toBe(runner.runnerId);
}

/** An actor that has counted once and then set an alarm `inMs` ahead and gone to sleep. */
async function sleepingWithAlarm(key: string, inMs: number): Promise<{ actorId: string; alarmTs: number }> {
  const actorId = await engine.createActor({ key, runnerName: NAME });
  await runner.actorStart(actorId, 0);
  expect(await engine.post(actorId, "/request/count")).toMatchObject({ count: 1, generation: 0 });
  const from = engine.lines.mark;
  const { alarmTs } = (await engine.post(actorId, `/request/alarm?in=${inMs}&sleep=1`)) as { alarmTs: number };
  await engine.transition(actorId, "sleeping", { from });
  return { actorId, alarmTs };
}

describe("the engine killed with SIGKILL and restarted", () => {
  it("keeps actors, KV and alarms; Rivet's runner reconnects and its actors answer through the gateway again", async () => {
    const durable = await engine.createActor({ key: "durable", runnerName: NAME });
    await runner.actorStart(durable, 0);
    expect(await engine.post(durable, "/request/count")).toMatchObject({ count: 1, generation: 0 });
    await engine.post(durable, "/request/kv/put", { entries: [["state", "kept"]] });

    // Two sleeping actors: one whose alarm comes due while the engine is down, one whose
    // alarm is due later.
    const [overdue, later] = await Promise.all([sleepingWithAlarm("overdue", 2000), sleepingWithAlarm("later", 5000)]);

    const beforeKill = engine.lines.mark;
    let early: Promise<{ status: number; body: Record<string, unknown> }> | undefined;
    await killAndRestart({
      whileDown: async () => {
        while (Date.now() <= overdue.alarmTs + 100) await new Promise((r) => setTimeout(r, 50));
      },
      // A request sent before the runner is back (its next attempt is due 2 s or more after
      // the first failed one) waits for it instead of failing.
      whileAway: async () => {
        early = engine.send(durable, "/request/kv/get", { keys: ["state"] });
      },
    });
    expect(engine.lines.filter((l) => l.port !== undefined, beforeKill)).toHaveLength(1);
    expect(await early).toEqual({ status: 200, body: { values: ["kept"] } });

    // The actor kept running on the runner, which kept its runner ID: same generation.
    expect(await engine.post(durable, "/request/count")).toEqual({ count: 2, generation: 0, runnerId: runner.runnerId });
    expect(await engine.post(durable, "/request/kv/get", { keys: ["state"] })).toEqual({ values: ["kept"] });

    // Both alarms fire after the restart and start their actors again without a request.
    for (const { actorId } of [overdue, later]) {
      const woken = await engine.lines.wait(
        `the alarm of ${actorId}`,
        (l) => l.component === "actors" && l.actorId === actorId && l.from === "sleeping",
        { from: beforeKill },
      );
      expect(woken.reason).toMatch(/^woken by its alarm/);
      await runner.actorStart(actorId, 1);
      expect(await engine.post(actorId, "/request/count")).toMatchObject({ count: 2, generation: 1 });
    }

    const listed = (await (await fetch(`${engine.base}/actors?namespace=default&name=test`)).json()) as { actors: { actor_id: string }[] };
    expect(listed.actors.map((a) => a.actor_id).sort()).toEqual([durable, overdue.actorId, later.actorId].sort());
  });

  it("delivers a start command stored just before the kill once the runner is back", async () => {
    const from = runner.events.mark;
    // Killed right after the API answered: the command is stored, and may or may not have
    // reached the runner before the engine died.
    const fresh = await engine.createActor({ key: "fresh", runnerName: NAME });
    await killAndRestart();

    await runner.actorStart(fresh, 0, { from });
    expect(await engine.post(fresh, "/request/count")).toMatchObject({ count: 1, generation: 0, runnerId: runner.runnerId });
    // Whether it arrived before the kill, in the replay after it, or both (Rivet's runner
    // then starts it again), it only ever ran as generation 0.
    const generations = runner.all("actorStart").filter((e) => e.actorId === fresh).map((e) => e.generation);
    expect(new Set(generations)).toEqual(new Set([0]));
  });
});
