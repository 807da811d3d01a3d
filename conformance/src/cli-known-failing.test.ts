/**
 * Known-failing lists: a listed case that fails is expected and does not fail the run; a
 * listed case that passes fails it, so the list cannot go stale.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { namesWith, runCli, testee } from "./run-cli-for-tests.js";

function listFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "aw-known-failing-")), "known-failing.txt");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

const ULEB_BUG = listFile([
  "# The testee writes string and blob lengths of 16 KiB and more like upstream @bare-ts/lib 0.6.0.",
  "codec/client/*/*/len=16385*/encode   # wrong ULEB128 continuation bytes past 16 KiB",
]);
const RUN = ["--run", "codec/client/v4/**"];

describe.concurrent("known-failing", () => {
  it("turns the listed failures into expected ones and exits 0", async ({ expect }) => {
    const run = await runCli(["codec", "--testee", testee("broken/uleb-16k.ts"), ...RUN, "--known-failing", ULEB_BUG], { reports: true });
    expect(run.code, run.stdout).toBe(0);
    const expected = namesWith(run.report!, "expected-failure");
    expect(expected.length).toBeGreaterThanOrEqual(8);
    expect(namesWith(run.report!, "failed", "unexpected-pass")).toEqual([]);
    expect(run.report!.cases.find((c) => c.outcome === "expected-failure")!.reason).toMatch(/^known failing \(.*known-failing\.txt:2\): wrong ULEB128 continuation bytes past 16 KiB$/);
    expect(run.lines).toContain(`client v4: ${176 - expected.length}/176 required, 38/38 recommended (${expected.length} known-failing)`);
    expect(run.lines.at(-3)).toBe(`${expected.length} failed as expected (known-failing)`);
    expect(run.lines.at(-1)).toBe(`${run.report!.cases.length - expected.length} passed, 0 failed`);
    expect(run.junit).toContain('<skipped message="known failing (');
  });

  it("fails the run when a listed case passes", async ({ expect }) => {
    const run = await runCli(["codec", "--testee", testee("codec-ts.ts"), ...RUN, "--known-failing", ULEB_BUG], { reports: true });
    expect(run.code).toBe(1);
    const stale = namesWith(run.report!, "unexpected-pass");
    expect(stale.length).toBeGreaterThanOrEqual(8);
    expect(stale.every((n) => /\/len=16385[^/]*\/encode$/.test(n))).toBe(true);
    expect(run.stdout).toContain("UNEXPECTED PASS codec/client/v4/HttpActionRequest/len=16385/encode\n  passed, but");
    expect(run.stdout).toMatch(/lists it as known failing; remove the entry/);
    expect(run.lines.at(-1)).toBe(`${run.report!.cases.length - stale.length} passed, ${stale.length} failed`);
  });

  it("fails the run when one listed case passes even though another listed one fails", async ({ expect }) => {
    const mixed = listFile([
      "codec/client/v4/HttpActionRequest/len=16385/encode # really broken",
      "codec/client/v4/HttpActionRequest/lengths=128/encode # fixed long ago",
    ]);
    const run = await runCli(["codec", "--testee", testee("broken/uleb-16k.ts"), "--run", "codec/client/v4/HttpActionRequest/**", "--known-failing", mixed], { reports: true });
    expect(run.code).toBe(1);
    expect(namesWith(run.report!, "expected-failure")).toEqual(["codec/client/v4/HttpActionRequest/len=16385/encode"]);
    expect(namesWith(run.report!, "unexpected-pass")).toEqual(["codec/client/v4/HttpActionRequest/lengths=128/encode"]);
  });

  it("warns about an entry that matches no case", async ({ expect }) => {
    const typo = listFile(["codec/client/v4/NoSuchType/** # typo"]);
    const run = await runCli(["codec", "--testee", testee("codec-ts.ts"), "--run", "codec/client/v4/HttpResolveResponse/**", "--known-failing", typo]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/warning: known-failing entry .*known-failing\.txt:1 \(codec\/client\/v4\/NoSuchType\/\*\*\) matched no case of this run/);
  });
});
