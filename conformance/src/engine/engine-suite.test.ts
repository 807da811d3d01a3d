/**
 * The engine suite against both engines, run as a user runs it: the real CLI
 * (`actorwire-conformance engine --endpoint <url>`), our runner as a child process, our client.
 * On each engine every required case passes or is a listed, explained difference, and every
 * listed difference really fails: on ours, actors for an unknown runner name are accepted
 * (Rivet refuses them); on Rivet's, streamed responses arrive empty, racing get-or-create
 * answers actor.destroyed_during_creation, and a malformed gateway actor ID is a 500.
 *
 * Both engines run with a short runner-lost threshold so that the SIGKILL cases take seconds.
 * Rivet judges a runner lost by the age of its last pong, so its ping interval is shortened
 * below the threshold too; with the default 3 s interval a 2 s threshold evicts idle runners.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EngineProcess, freePort, RivetEngineProcess } from "@actorwire/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseKnownFailing } from "../pattern-files.js";
import { type JsonReport, namesWith, ROOT, runCli } from "../run-cli-for-tests.js";
import type { EngineCase } from "./context.js";
import { runEngineSuite } from "./run.js";

const RIVET_KNOWN_FAILING = "conformance/known-failing/engine-rivet-2.3.19.txt";
const OUR_KNOWN_FAILING = "conformance/known-failing/engine-actorwire.txt";

/** Every entry of a known-failing list matched a case that failed as expected: none is stale. */
function expectListHonoured(report: JsonReport, file: string): void {
  expect(namesWith(report, "failed", "unexpected-pass")).toEqual([]);
  const entries = parseKnownFailing(readFileSync(join(ROOT, file), "utf8"), file);
  const expected = namesWith(report, "expected-failure");
  for (const entry of entries) expect(expected.some((name) => entry.glob.matches(name)), entry.glob.source).toBe(true);
  expect(expected).toHaveLength(entries.length);
}

/** What both engines must show: every area present, every required case passed or listed. */
function expectRequiredPassed(report: JsonReport): void {
  const areas = report.groups.map((g) => g.group);
  expect(areas).toEqual(["engine api", "engine gateway", "engine kv", "engine lifecycle"]);
  const required = report.cases.filter((c) => c.level === "required");
  expect(required.length).toBeGreaterThanOrEqual(40);
  expect(required.filter((c) => c.outcome !== "passed" && c.outcome !== "expected-failure").map((c) => `${c.name}: ${c.reason}`)).toEqual([]);
}

describe("actorwire-conformance engine on our engine", () => {
  let engine: EngineProcess;
  beforeAll(async () => {
    engine = await EngineProcess.start({ runnerLostThresholdMs: 1_500 });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
  });

  it("passes every case, with nothing listed as known to fail", async () => {
    const run = await runCli(["engine", "--endpoint", engine.base, "--runner-lost-timeout", "30000", "--known-failing", OUR_KNOWN_FAILING], { reports: true });
    const report = run.report!;
    expectRequiredPassed(report);
    expectListHonoured(report, OUR_KNOWN_FAILING);
    expect(namesWith(report, "expected-failure")).toEqual([]);
    expect(namesWith(report, "passed")).toContain("engine/api/actors/create-for-unknown-runner-name-refused");
    expect(namesWith(report, "passed")).toContain("engine/gateway/http/streamed-response");
    expect(run.stdout).toMatch(/^engine gateway: (\d+)\/\1 required, (\d+)\/\2 recommended$/m);
    expect(run.stdout).toMatch(/^engine lifecycle: (\d+)\/\1 required/m);
    expect(run.lines.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    expect(run.junit).toContain('<testsuite name="engine/lifecycle"');
    expect(run.code).toBe(0);
  }, 90_000);

  it("reports a failing case with its steps and the runner's output, times a case out, and goes on", async () => {
    const cases: EngineCase[] = [
      {
        area: "api",
        name: "harness/fails",
        level: "required",
        description: "fails on purpose",
        async run(ctx) {
          ctx.step("looked at the engine");
          ctx.equal({ a: 1 }, { a: 2 }, "the thing");
        },
      },
      { area: "api", name: "harness/hangs", level: "recommended", description: "never ends", timeoutMs: 300, run: () => new Promise(() => {}) },
      { area: "kv", name: "harness/passes", level: "required", description: "passes", run: async (ctx) => ctx.equal((await ctx.api.namespaces()).status, 200, "GET /namespaces") },
    ];
    const result = await runEngineSuite({ endpoint: engine.base, run: [], skip: [], knownFailing: [], cases });
    expect(result.cases.map((c) => [c.name, c.outcome])).toEqual([
      ["engine/api/harness/fails", "failed"],
      ["engine/api/harness/hangs", "failed"],
      ["engine/kv/harness/passes", "passed"],
    ]);
    const [fails, hangs] = result.cases;
    expect(fails!.reason).toBe("the thing: expected { a: 2 }, got { a: 1 }");
    expect(fails!.detail).toEqual(expect.arrayContaining(["description: fails on purpose", "steps:", "  looked at the engine"]));
    expect(fails!.detail!.join("\n")).toMatch(/runner output \(last lines, still running\):\n(?:.*\n)*.*"event":"connected"/);
    expect(hangs!.reason).toBe("the case did not finish within 300 ms");
    expect(result.groups.map((g) => [g.group, g.required, g.recommended])).toEqual([
      ["engine api", { passed: 0, total: 1 }, { passed: 0, total: 1 }],
      ["engine kv", { passed: 1, total: 1 }, { passed: 0, total: 0 }],
    ]);
    expect(result.exitCode).toBe(1);
  }, 30_000);

  it("fails the run when a case listed as known failing passes", async () => {
    const run = await runCli(["engine", "--endpoint", engine.base, "--run", "engine/gateway/http/streamed-response", "--known-failing", RIVET_KNOWN_FAILING], { reports: true });
    expect(namesWith(run.report!, "unexpected-pass")).toEqual(["engine/gateway/http/streamed-response"]);
    expect(run.stdout).toContain("UNEXPECTED PASS engine/gateway/http/streamed-response");
    expect(run.code).toBe(1);
  }, 30_000);
});

describe("actorwire-conformance engine without an engine", () => {
  it("fails each case with the runner's connection failure, and the run", async () => {
    const port = await freePort();
    const run = await runCli(["engine", "--endpoint", `http://127.0.0.1:${port}`, "--startup-timeout", "1500", "--run", "engine/api/namespaces/**"], { reports: true });
    const report = run.report!;
    expect(report.cases.map((c) => c.outcome)).toEqual(["failed", "failed"]);
    for (const c of report.cases) expect(c.reason).toMatch(/^our runner did not connect to http:\/\/127\.0\.0\.1:\d+: .*timed out after 1500 ms waiting for the runner to connect/);
    expect(run.lines.at(-1)).toBe("0 passed, 2 failed");
    expect(run.code).toBe(1);
  }, 30_000);

  it("refuses a command line without an endpoint or an image, or with both (exit 2)", async () => {
    const run = await runCli(["engine", "--run", "engine/**"]);
    expect(run.stderr).toContain("--endpoint <http(s) URL> or --engine-image <image> is required");
    expect(run.code).toBe(2);
    const both = await runCli(["engine", "--endpoint", "http://127.0.0.1:1", "--engine-image", "actorwire/engine:latest"]);
    expect(both.stderr).toContain("give --endpoint or --engine-image, not both");
    expect(both.code).toBe(2);
    const badEnv = await runCli(["engine", "--engine-image", "actorwire/engine:latest", "--engine-env", "NOEQUALS"]);
    expect(badEnv.stderr).toContain('--engine-env needs NAME=value, not "NOEQUALS"');
    expect(badEnv.code).toBe(2);
  }, 30_000);
});

describe("actorwire-conformance engine on Rivet's engine binary", () => {
  let engine: RivetEngineProcess;
  beforeAll(async () => {
    engine = await RivetEngineProcess.start({
      env: { RIVET__PEGBOARD__RUNNER_LOST_THRESHOLD: "2000", RIVET__PEGBOARD__RUNNER_UPDATE_PING_INTERVAL_MS: "500" },
    });
  }, 90_000);
  afterAll(async () => {
    await engine?.close();
  });

  it("passes every required case but the listed differences, each of which fails", async () => {
    const run = await runCli(["engine", "--endpoint", engine.base, "--runner-lost-timeout", "30000", "--known-failing", RIVET_KNOWN_FAILING], { reports: true });
    const report = run.report!;
    expectRequiredPassed(report);
    expectListHonoured(report, RIVET_KNOWN_FAILING);
    const race = report.cases.find((c) => c.name === "engine/api/actors/concurrent-get-or-create")!;
    expect(race.detail!.join("\n")).toContain("destroyed_during_creation");
    const streamed = report.cases.find((c) => c.name === "engine/gateway/http/streamed-response")!;
    expect(streamed.detail!.join("\n")).toContain("text: ''");
    expect(run.stdout).toMatch(/^engine gateway: (\d+)\/\1 required, 0\/2 recommended \(2 known-failing\)$/m);
    expect(run.code).toBe(0);
  }, 90_000);
});
