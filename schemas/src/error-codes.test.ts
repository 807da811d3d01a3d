import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, errorCodeInfo } from "./error-codes.js";

/** The hand-written sources of the packages that raise errors (tests left out). */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PACKAGES = ["schemas/src", "engine-ts/src", "runner-ts/src", "client-ts/src"];

function sources(): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "gen" && entry.name !== "node_modules") walk(path);
      } else if (path.endsWith(".ts") && !path.endsWith(".test.ts") && !path.endsWith(".d.ts")) {
        out.push({ path, text: readFileSync(join(ROOT, path), "utf8") });
      }
    }
  };
  for (const dir of PACKAGES) walk(dir);
  return out;
}

/**
 * Every identifier the sources build an error with: the first argument of `new SomethingError(`
 * when it is a literal `"group.code"`, and the codes passed to the helpers that add a fixed
 * group (the gateway's `queryError`, the catalog's `invalid`, the client's `clientErrorClass`).
 */
function constructedIds(): Map<string, string> {
  const found = new Map<string, string>();
  const patterns: [RegExp, (m: RegExpMatchArray) => string][] = [
    [/new\s+\w*Error\(\s*"([a-z0-9_]+\.[a-z0-9_.]+)"/g, (m) => m[1] as string],
    [/\bqueryError\(\s*"([a-z0-9_]+)"/g, (m) => `guard.${m[1]}`],
    [/\binvalid\(\s*"([a-z0-9_]+)"/g, (m) => `actor.${m[1]}`],
    [/\bclientErrorClass\(\s*"([a-z0-9_]+)"/g, (m) => `client.${m[1]}`],
  ];
  for (const { path, text } of sources()) {
    for (const [pattern, id] of patterns) {
      // `invalid(...)` is the catalog's helper only in the file that defines it with group actor.
      if (pattern.source.includes("invalid") && !path.endsWith("catalog/limits.ts")) continue;
      for (const m of text.matchAll(pattern)) found.set(id(m), path);
    }
  }
  return found;
}

describe("ERROR_CODES", () => {
  it("lists every identifier the sources construct an error with", () => {
    const ids = constructedIds();
    expect(ids.size).toBeGreaterThan(80);
    const missing = [...ids].filter(([id]) => errorCodeInfo(id) === undefined).map(([id, path]) => `${id} (${path})`);
    expect(missing).toEqual([]);
  });

  it("agrees with the status every EngineError is built with", () => {
    const pattern = /new\s+EngineError\(\s*"([a-z0-9_]+\.[a-z0-9_]+)"[\s\S]*?status:\s*(\d+)/g;
    const wrong: string[] = [];
    for (const { path, text } of sources()) {
      for (const m of text.matchAll(pattern)) {
        const status = Number(m[2]);
        if (errorCodeInfo(m[1] as string)?.status !== status) wrong.push(`${m[1]} is built with ${status} in ${path}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("is sorted, and every row has a meaning and a source", () => {
    const ids = Object.keys(ERROR_CODES);
    expect(ids).toEqual([...ids].sort());
    for (const [id, info] of Object.entries(ERROR_CODES)) {
      expect(id).toMatch(/^[a-z0-9_]+\.[a-z0-9_]+$/);
      expect(info.meaning.length, id).toBeGreaterThan(0);
      expect(info.sources.length, id).toBeGreaterThan(0);
    }
  });
});
