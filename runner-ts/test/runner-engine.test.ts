import { EngineProcess } from "@actorwire/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHost } from "./runner-host.js";
import { type ScenarioContext, runnerScenarios } from "./runner-scenarios.js";

// The runner connection against our engine binary (a child process on a random port): the
// shared scenarios, plus what only our engine reports (its runner listing).

const RUNNER = "runner-e2e";
let engine: EngineProcess;
let host: TestHost;
const context = (): ScenarioContext => ({ base: engine.base, host, runnerName: RUNNER });

beforeAll(async () => {
  engine = await EngineProcess.start();
  host = new TestHost({ endpoint: engine.base, runnerName: RUNNER, hibernate: true });
  await host.runner.start();
});

afterAll(async () => {
  await host?.runner.shutdown({ immediate: true });
  await engine?.close();
});

describe("against our engine", () => {
  it("is listed with its slots and actor names after the handshake", async () => {
    const runners = (await (await fetch(`${engine.base}/runners?namespace=default&name=${RUNNER}`)).json()) as {
      runners: { runner_id: string; total_slots: number; version: number }[];
    };
    expect(runners.runners).toHaveLength(1);
    expect(runners.runners[0]).toMatchObject({ runner_id: host.runner.runnerId, total_slots: 100, version: 1 });
    const names = (await (await fetch(`${engine.base}/actors/names?namespace=default`)).json()) as { names: Record<string, unknown> };
    expect(names.names.test).toEqual({ metadata: { kind: "runner-e2e" } });
  });

  runnerScenarios(context);
});
