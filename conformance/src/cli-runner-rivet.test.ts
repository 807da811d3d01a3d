/**
 * The runner suite against Rivet's own runner (`@rivetkit/engine-runner@2.2.1`, through
 * `testees/rivet-engine-runner.ts`), run as a user runs it: the real CLI, a real runner process,
 * the known-failing list. Every required case passes or is a listed, explained difference, and
 * every listed difference really fails (the run would fail otherwise).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseKnownFailing } from "./pattern-files.js";
import { namesWith, ROOT, runCli, testee } from "./run-cli-for-tests.js";

const KNOWN_FAILING = "conformance/known-failing/rivet-engine-runner-2.2.1.txt";

describe("actorwire-conformance runner against Rivet's engine-runner 2.2.1", () => {
  it("passes every required case except the listed protocol differences, each of which fails", async () => {
    const run = await runCli(["runner", "--runner", testee("rivet-engine-runner.ts"), "--known-failing", KNOWN_FAILING, "--runs", "5"], { reports: true });
    const report = run.report!;
    expect(run.stdout).toMatch(/^runner v7: \d+\/\d+ required, \d+\/\d+ recommended \(\d+ known-failing\)$/m);
    expect(run.lines.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    expect(namesWith(report, "failed", "unexpected-pass")).toEqual([]);
    expect(run.code).toBe(0);

    // Each entry of the list matched a case that failed as expected: none is stale.
    const entries = parseKnownFailing(readFileSync(join(ROOT, KNOWN_FAILING), "utf8"), KNOWN_FAILING);
    const expected = namesWith(report, "expected-failure");
    for (const entry of entries) expect(expected.some((name) => entry.glob.matches(name)), entry.glob.source).toBe(true);
    expect(expected).toContain("runner/v7/commands/duplicate-start");

    // A failure carries the decoded frame trace: the duplicate start shows the replayed command
    // and the restarted actor.
    const duplicate = report.cases.find((c) => c.name === "runner/v7/commands/duplicate-start")!;
    expect(duplicate.detail!.join("\n")).toContain("failure: the actor was started 2 times");
    expect(duplicate.detail!.join("\n")).toMatch(/→runner ToClientCommands .*CommandStartActor/);

    const group = report.groups.find((g) => g.group === "runner v7")!;
    expect(group.required.total).toBeGreaterThanOrEqual(50);
    expect(run.junit).toContain('<testsuite name="runner/v7"');
  }, 150_000);
});
