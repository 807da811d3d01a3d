import { RivetEngineProcess } from "@actorwire/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHost } from "./runner-host.js";
import { type ScenarioContext, count, createActor, runnerScenarios } from "./runner-scenarios.js";

// The runner connection against Rivet's own engine binary (rivet-engine from
// @rivetkit/engine-cli): the same scenarios as against ours, so that what our runner does is
// what Rivet's engine expects.

const RUNNER = "runner-e2e";
let engine: RivetEngineProcess;
let host: TestHost;
const context = (): ScenarioContext => ({ base: engine.base, host, runnerName: RUNNER });

beforeAll(async () => {
  engine = await RivetEngineProcess.start();
  host = new TestHost({ endpoint: engine.base, runnerName: RUNNER, hibernate: true });
  await host.runner.start();
});

afterAll(async () => {
  await host?.runner.shutdown({ immediate: true });
  await engine?.close();
});

describe("against Rivet's engine", () => {
  it("gets a Rivet runner ID in the handshake", () => {
    // Rivet IDs are 30-character base-36 strings.
    expect(host.runner.runnerId).toMatch(/^[0-9a-z]{30}$/);
  });

  runnerScenarios(context, {
    skip: [{ reason: "Rivet's gateway drops streamed responses", tests: ["relays a response body of unknown length as a stream"] }],
  });

  it("drains on shutdown: Rivet's engine stops the actor, hears Stopped, and the actor runs again on the other runner", async () => {
    const leaving = new TestHost({ endpoint: engine.base, runnerName: RUNNER });
    await leaving.runner.start();
    try {
      // Rivet's engine places new actors on the runner with the most free slots, so the
      // leaving runner (with none yet) takes the next one whatever the other holds.
      let actorId: string | undefined;
      for (let i = 0; i < 20 && actorId === undefined; i++) {
        const id = await createActor(context(), `drain-${i}`);
        const startedOn = () => [host, leaving].find((h) => h.all("start").some((e) => e.actorId === id));
        await expect.poll(startedOn, { timeout: 20_000 }).toBeDefined();
        if (startedOn() === leaving) actorId = id;
      }
      if (actorId === undefined) throw new Error("Rivet's engine placed no actor on the second runner");
      const placed = actorId;
      expect(await count({ ...context(), host: leaving }, placed)).toMatchObject({ count: 1, generation: 0 });
      await leaving.runner.shutdown();
      expect(leaving.all("stop").filter((e) => e.actorId === placed)).toEqual([{ event: "stop", actorId: placed, generation: 0, reason: "drain" }]);
      // Rivet's engine may reschedule the actor at once or keep it asleep until asked; either
      // way the next request finds it on the runner that stayed, with its KV.
      const after = await count(context(), placed);
      expect(after.generation).toBeGreaterThan(0);
      expect(after.count).toBe(2);
      expect(after.runnerId).toBe(host.runner.runnerId);
    } finally {
      await leaving.runner.shutdown({ immediate: true });
    }
  });
});
