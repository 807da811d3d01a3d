import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pruneStaleOutputs } from "./pack.js";
import { ROOT } from "./packages.js";

describe("pruneStaleOutputs", () => {
  const folder = mkdtempSync(join(ROOT, "release", ".prune-test-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("deletes the outputs of a deleted source and keeps those of a live one", () => {
    mkdirSync(join(folder, "src"));
    mkdirSync(join(folder, "dist", "sub"), { recursive: true });
    writeFileSync(join(folder, "src", "live.ts"), "export {};\n");
    for (const [name, source] of [["live", "../src/live.ts"], ["sub/gone", "../../src/sub/gone.ts"]] as const) {
      writeFileSync(join(folder, "dist", `${name}.js`), "export {};\n");
      writeFileSync(join(folder, "dist", `${name}.d.ts`), "export {};\n");
      writeFileSync(join(folder, "dist", `${name}.js.map`), JSON.stringify({ version: 3, sources: [source], mappings: "" }));
    }
    const removed = pruneStaleOutputs(relative(ROOT, folder)).map((p) => relative(folder, p)).sort();
    expect(removed).toEqual(["dist/sub/gone.d.ts", "dist/sub/gone.js", "dist/sub/gone.js.map"]);
    expect(existsSync(join(folder, "dist", "live.js"))).toBe(true);
    expect(pruneStaleOutputs(relative(ROOT, folder))).toEqual([]);
  });
});
