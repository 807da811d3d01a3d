/**
 * The runner suite against our own runner (`Runner` from `@actorwire/runner`, through
 * `testees/actorwire-runner.ts`): every case, required and recommended, passes with no
 * known-failing list.
 */
import { describe, expect, it } from "vitest";
import { namesWith, runCli, testee } from "./run-cli-for-tests.js";

describe("actorwire-conformance runner against @actorwire/runner", () => {
  it("passes every case", async () => {
    const run = await runCli(["runner", "--runner", testee("actorwire-runner.ts"), "--enforce-recommended", "--runs", "5"], { reports: true });
    const report = run.report!;
    expect(namesWith(report, "failed")).toEqual([]);
    const group = report.groups.find((g) => g.group === "runner v7")!;
    expect(group.required.passed).toBe(group.required.total);
    expect(group.recommended.passed).toBe(group.recommended.total);
    expect(run.stdout).toMatch(/^runner v7: (\d+)\/\1 required, (\d+)\/\2 recommended$/m);
    expect(run.code).toBe(0);
  }, 150_000);
});
