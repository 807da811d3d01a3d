import { RivetEngineProcess } from "@actorwire/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHost } from "./runner-host.js";
import { type ScenarioContext, runnerScenarios } from "./runner-scenarios.js";

// The runner connection against Rivet's own engine binary (rivet-engine from
// @rivetkit/engine-cli): the same scenarios as against ours, so that what our runner does is
// what Rivet's engine expects. Streamed responses are left out: Rivet's gateway drops them.

const RUNNER = "runner-e2e";
let engine: RivetEngineProcess;
let host: TestHost;
const context = (): ScenarioContext => ({ base: engine.base, host, runnerName: RUNNER });

beforeAll(async () => {
  engine = await RivetEngineProcess.start();
  host = new TestHost({ endpoint: engine.base, runnerName: RUNNER });
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

  runnerScenarios(context);
});
