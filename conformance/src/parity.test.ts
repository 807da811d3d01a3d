import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parityTable } from "./parity.js";

function report(dir: string, name: string, outcomes: Record<string, string>): string {
  const file = join(dir, `${name}.json`);
  const cases = Object.entries(outcomes).map(([n, outcome]) => ({ name: n, level: "required", outcome }));
  const passed = cases.filter((c) => c.outcome === "passed").length;
  writeFileSync(file, JSON.stringify({ command: name, cases, groups: [{ group: "runner v7", required: { passed, total: cases.length }, recommended: { passed: 0, total: 0 } }] }));
  return file;
}

describe("parityTable", () => {
  it("puts each case's outcome per implementation side by side, with totals", () => {
    const dir = mkdtempSync(join(tmpdir(), "aw-parity-"));
    const a = report(dir, "a", { "runner/v7/x": "passed", "runner/v7/y": "expected-failure" });
    const b = report(dir, "b", { "runner/v7/x": "failed", "runner/v7/y": "passed" });
    const lines = parityTable([["A", a], ["B", b]]).trimEnd().split("\n");
    expect(lines[0]).toBe("| case | level | A | B |");
    expect(lines[2]).toBe("| `runner/v7/x` | required | pass | **FAIL** |");
    expect(lines[3]).toBe("| `runner/v7/y` | required | fail (known) | pass |");
    expect(lines[4]).toBe("| **total** | | 1/2 req, 0/0 rec | 1/2 req, 0/0 rec |");
  });
});
