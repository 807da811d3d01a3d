import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "./packages.js";
import { setVersion } from "./set-version.js";

const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the repository's package.json files only, to bump without touching the real ones. */
function manifestsCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "actorwire-version-"));
  copies.push(dir);
  // Only the root manifest and each workspace's: walking the whole tree raced with other test
  // files creating and deleting their scratch folders in it (a fresh clone's run failed so).
  const workspaces = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { workspaces: string[] }).workspaces;
  for (const file of ["package.json", ...workspaces.map((w) => join(w, "package.json"))]) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  return dir;
}

describe("version:set", () => {
  it("gives every package the version and every dependency between them a caret range of it", () => {
    const root = manifestsCopy();
    const changed = setVersion("0.2.0-rc.1", root);
    expect(changed).toContain("engine-ts/package.json");
    const runner = JSON.parse(readFileSync(join(root, "runner-ts/package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
    expect(runner.version).toBe("0.2.0-rc.1");
    expect(runner.dependencies["@actorwire/protocol"]).toBe("^0.2.0-rc.1");
    expect(runner.dependencies.ws).toBe("8.23.0");
    expect(setVersion("0.2.0-rc.1", root)).toEqual([]);
  });

  it("refuses what is not a semantic version", () => {
    expect(() => setVersion("v1", manifestsCopy())).toThrow('"v1" is not a semantic version');
  });
});
