import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { EngineProcess } from "@actorwire/testkit";
import { RunnerProcess } from "./support/runner-process.js";

// The engine issue's end-to-end matrix: a runner process killed with SIGKILL. Two processes of
// Rivet's runner share one runner name; the one hosting the actor dies without a word, and
// once the engine's lost threshold (shortened through ACTORWIRE_RUNNER_LOST_THRESHOLD_MS) has
// passed, the actor runs on the other one in a new generation with its KV intact.

const NAME = "killable";
const LOST_THRESHOLD_MS = 1500;
let engine: EngineProcess;
const runners: RunnerProcess[] = [];

beforeAll(async () => {
  engine = await EngineProcess.start({ runnerLostThresholdMs: LOST_THRESHOLD_MS });
  runners.push(...(await Promise.all([RunnerProcess.start({ endpoint: engine.base, name: NAME }), RunnerProcess.start({ endpoint: engine.base, name: NAME })])));
});

afterAll(async () => {
  for (const r of runners) await r.kill();
  await engine?.close();
});

describe("a runner killed with SIGKILL", () => {
  let actorId: string;

  it("has its actor rescheduled on the other runner of the same name, in a new generation, with its KV", async () => {
    actorId = await engine.createActor({ key: "survivor", runnerName: NAME });
    const host = await Promise.any(runners.map((r) => r.actorStart(actorId, 0).then(() => r)));
    const other = runners.find((r) => r !== host) as RunnerProcess;
    expect(host.runnerId).not.toBe(other.runnerId);

    expect(await engine.post(actorId, "/request/count")).toEqual({ count: 1, generation: 0, runnerId: host.runnerId });
    expect(await engine.post(actorId, "/request/count")).toMatchObject({ count: 2 });
    await engine.post(actorId, "/request/kv/put", { entries: [["state/a", "alpha"], ["state/b", "beta"]] });

    // A client WebSocket to the actor on the runner about to die.
    const ws = new WebSocket(engine.websocketUrl(actorId, "/ws/before"), ["rivet"]);
    const wsClosed = new Promise<[number, string]>((resolve) => ws.once("close", (code, reason) => resolve([code, reason.toString()])));
    await once(ws, "open");

    const from = engine.lines.mark;
    await host.kill();
    // The socket cannot outlive its runner: frames sent meanwhile would be lost.
    expect(await wsClosed).toEqual([1000, "actor.stopped"]);
    // A request sent while the engine still waits for the dead runner to come back waits for
    // the actor to be ready again, wherever that is.
    const early = engine.send(actorId, "/request/kv/get", { keys: ["state/a"] });
    const lost = await engine.lines.wait("the runner to be given up on", (l) => l.msg === "runner lost; its actors are rescheduled", { from });
    expect(lost).toMatchObject({ runnerId: host.runnerId, actors: 1 });
    const moved = await engine.transition(actorId, "starting", { from, generation: 1 });
    expect(moved).toMatchObject({ runnerId: other.runnerId, reason: "runner lost; rescheduled" });
    await other.actorStart(actorId, 1);
    expect(await early).toEqual({ status: 200, body: { values: ["alpha"] } });

    // Read through the gateway, from the new runner.
    expect(await engine.post(actorId, "/request/count")).toEqual({ count: 3, generation: 1, runnerId: other.runnerId });
    expect(await engine.post(actorId, "/request/kv/list", { mode: "prefix", prefix: "state/" })).toEqual({
      entries: [
        ["state/a", "alpha"],
        ["state/b", "beta"],
      ],
    });
    const again = new WebSocket(engine.websocketUrl(actorId, "/ws/after"), ["rivet"]);
    const echoed = new Promise<string>((resolve) => again.once("message", (data: Buffer) => resolve(data.toString())));
    await once(again, "open");
    again.send("still there?");
    expect(await echoed).toBe("still there?");
    again.close();
    await other.next("wsClose", (e) => e.actorId === actorId && e.path === "/ws/after");

    expect(other.all("actorStart").filter((e) => e.actorId === actorId).map((e) => e.generation)).toEqual([1]);
  });

  it("is also given up on when it dies while the engine is down, once the restarted engine's lost threshold passes", async () => {
    const host = runners.find((r) => r.running) as RunnerProcess;
    const spare = await RunnerProcess.start({ endpoint: engine.base, name: NAME });
    runners.push(spare);
    expect(await engine.post(actorId, "/request/count")).toEqual({ count: 4, generation: 1, runnerId: host.runnerId });

    await engine.kill();
    await host.kill();
    const from = engine.lines.mark;
    await engine.restart();
    // Nothing but storage tells the restarted engine where the actor ran.
    const moved = await engine.transition(actorId, "starting", { from, generation: 2, timeoutMs: 30_000 });
    expect(moved.runnerId).toBe(spare.runnerId);
    await spare.actorStart(actorId, 2);
    expect(await engine.post(actorId, "/request/count")).toEqual({ count: 5, generation: 2, runnerId: spare.runnerId });
    expect(await engine.post(actorId, "/request/kv/get", { keys: ["state/a", "state/b"] })).toEqual({ values: ["alpha", "beta"] });
  });
});
