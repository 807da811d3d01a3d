/**
 * The suite tested by testees broken on purpose (`conformance/testees/broken/`): each must
 * be caught by exactly the cases its bug breaks, with a failure report that shows the
 * request, the expected and the actual answer, and a harness that survives crashes and hangs.
 * `--run` keeps each run to a version or a few types.
 */
import { execFileSync } from "node:child_process";
import { describe, it } from "vitest";
import { namesWith, runCli, testee } from "./run-cli-for-tests.js";

const FAILED = ["failed", "unexpected-pass"];

describe.concurrent("broken testees", () => {
  it("ignore-trailing: fails only the trailing-byte cases, which are recommended", async ({ expect }) => {
    const args = ["codec", "--testee", testee("broken/ignore-trailing.ts"), "--run", "codec/runner/v7/**"];
    const run = await runCli(args, { reports: true });
    const failed = namesWith(run.report!, ...FAILED);
    expect(failed).toHaveLength(6);
    for (const name of failed) expect(name).toMatch(/^codec\/runner\/v7\/\w+\/all-present\/reject-trailing-byte$/);
    expect(run.stdout).toContain("FAIL (recommended) codec/runner/v7/ToServer/all-present/reject-trailing-byte\n  accepted malformed input (one 00 byte appended");
    expect(run.stdout).toMatch(/\n {2}request: {2}decode runner v7 ToServer hex 00[0-9a-f]+00\n {2}expected: ok: false .*\n {2}actual: {3}value \{"tag":"ToServerInit"/);
    expect(run.lines).toContain("runner v7: 388/388 required, 34/40 recommended");
    expect(run.lines.at(-1)).toBe(`${run.report!.cases.length - 6} passed, 6 failed`);
    // Recommended failures decide the exit code only when asked to.
    expect(run.code).toBe(0);
    const strict = await runCli([...args, "--run", "codec/runner/v7/ToServer/**", "--enforce-recommended"]);
    expect(strict.code).toBe(1);
  });

  it("uleb-16k: fails every 16385-byte encode case, with the wrong prefix shown", async ({ expect }) => {
    const run = await runCli(["codec", "--testee", testee("broken/uleb-16k.ts"), "--run", "codec/client/v4/**"], { reports: true });
    expect(run.code).toBe(1);
    const failed = namesWith(run.report!, ...FAILED);
    const len16385Encodes = run.report!.cases.map((c) => c.name).filter((n) => /\/len=16385[^/]*\/encode$/.test(n));
    expect(len16385Encodes.length).toBeGreaterThanOrEqual(8);
    expect(failed).toEqual(len16385Encodes);
    expect(run.stdout).toContain("FAIL codec/client/v4/HttpActionRequest/len=16385/encode\n  16388 bytes expected, 16388 received; first difference at byte 1: expected 818001");
    expect(run.stdout).toMatch(/got 818101/);
    expect(run.lines).toContain(`client v4: ${run.report!.groups.find((g) => g.group === "client v4")!.required.total - failed.length}/176 required, 38/38 recommended`);
  });

  it("hang-on-invalid-tag: times out, restarts, then fails the remaining cases with the reason", async ({ expect }) => {
    const run = await runCli(
      ["codec", "--testee", testee("broken/hang-on-invalid-tag.ts"), "--run", "codec/runner/v7/ToServer/**", "--run", "codec/runner/v7/ToClient/**", "--timeout", "1000", "--max-restarts", "1"],
      { reports: true },
    );
    expect(run.code).toBe(1);
    const byName = new Map(run.report!.cases.map((c) => [c.name, c]));
    const hung = byName.get("codec/runner/v7/ToServer/all-present/reject-invalid-union-tag")!;
    expect(hung.outcome).toBe("failed");
    expect(hung.reason).toMatch(/^no answer to request \d+ within 1000 ms; the testee was killed/);
    expect(run.stdout).toContain("note: restarting the testee (1 of at most 1) after a timeout at codec/runner/v7/ToServer/all-present/reject-invalid-union-tag");
    // The restarted testee hangs again at the next unknown tag (an enum's), and is given up.
    const hangs = run.report!.cases.filter((c) => c.reason?.startsWith("no answer"));
    expect(hangs.map((c) => c.name)).toEqual([hung.name, expect.stringMatching(/^codec\/runner\/v7\/ToServer\/.*\/reject-invalid-enum$/)]);
    expect(run.stdout).toMatch(/note: giving up on the testee after 2 failures \(restart limit 1\); every remaining case fails/);
    const notRun = run.report!.cases.filter((c) => c.reason?.startsWith("not run: the testee was given up"));
    expect(notRun.map((c) => c.name)).toContain("codec/runner/v7/ToClient/all-present/decode");
    expect(notRun.every((c) => c.outcome === "failed")).toBe(true);
    expect(run.stdout).toContain(`${notRun.length} more cases failed without running: the testee was given up after 2 failures (restart limit 1)`);
    // Everything before the first hang passed.
    expect(byName.get("codec/runner/v7/ToServer/all-present/reject-truncated")!.outcome).toBe("passed");
    // Killing the process group leaves no spinning testee behind.
    const left = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n").filter((l) => l.includes("hang-on-invalid-tag.ts") && !l.includes("--testee"));
    expect(left).toEqual([]);
  });

  it("crash-on-oversized-length: reports the crash with the testee's stderr and goes on", async ({ expect }) => {
    const run = await runCli(["codec", "--testee", testee("broken/crash-on-oversized-length.ts"), "--run", "codec/client/v4/ToServer/**"], { reports: true });
    const failed = run.report!.cases.filter((c) => FAILED.includes(c.outcome));
    expect(failed.map((c) => c.name)).toEqual(["codec/client/v4/ToServer/all-present/reject-oversized-length"]);
    expect(failed[0]!.reason).toMatch(/^the testee exited with code 1; last stderr:[\s\S]*RangeError: Array buffer allocation failed/);
    // The restarted testee answers the next case.
    expect(run.report!.cases.find((c) => c.name === "codec/client/v4/ToServer/all-present/reject-invalid-utf8")!.outcome).toBe("passed");
    expect(run.code).toBe(0);
  });

  it("log-to-stdout: says that the framing broke and that logs belong on stderr", async ({ expect }) => {
    const run = await runCli(["codec", "--testee", testee("broken/log-to-stdout.ts"), "--run", "codec/client/v1/ToServer/**"], { reports: true });
    expect(run.code).toBe(1);
    const [first] = run.report!.cases.filter((c) => c.outcome === "failed");
    expect(first!.reason).toMatch(/^the testee broke the framing on stdout: frame length \d+ exceeds .*read as text: "hand"; logs belong on stderr/);
    expect(first!.detail![0]).toMatch(/^request: {2}(decode|encode) client v1 ToServer /);
  });
});
