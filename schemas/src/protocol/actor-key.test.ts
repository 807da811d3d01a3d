import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EMPTY_ACTOR_KEY, deserializeActorKey, joinQueryKey, serializeActorKey, splitQueryKey } from "./actor-key.js";

/**
 * rivetkit's own key codec. rivetkit does not export it, so the test finds the bundled chunk
 * that defines it (its file name is a content hash) and imports that file directly.
 */
async function rivetkitKeys(): Promise<{
  serializeActorKey(parts: string[]): string;
  deserializeActorKey(key: string | undefined): string[];
}> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("rivetkit");
  const dir = join(entry.slice(0, entry.lastIndexOf("/dist/")), "dist", "tsup");
  const chunk = readdirSync(dir).find((name) => {
    if (!name.endsWith(".js")) return false;
    const text = readFileSync(join(dir, name), "utf8");
    return text.includes("function deserializeActorKey(") && /export \{[^}]*\bdeserializeActorKey\b/.test(text);
  });
  if (chunk === undefined) throw new Error(`no chunk in ${dir} defines rivetkit's deserializeActorKey`);
  return import(pathToFileURL(join(dir, chunk)).href);
}

/** Key parts with the characters the string form treats specially, often. */
const part = fc.stringMatching(/^[\\/0a,]{0,4}$/);

describe("actor keys", () => {
  it.each<[string[], string]>([
    [[], "/"],
    [[""], "\\0"],
    [["test"], "test"],
    [["a", "b", "c"], "a/b/c"],
    [["a/b"], "a\\/b"],
    [["/"], "\\/"],
    [["a\\b"], "a\\\\b"],
    [["a", "", "b"], "a/\\0/b"],
    [["", "a"], "\\0/a"],
    [["a", ""], "a/\\0"],
    [["", "", ""], "\\0/\\0/\\0"],
    [["a/b", "", "c/d"], "a\\/b/\\0/c\\/d"],
    [["\\0"], "\\\\0"],
    [["", "/", ""], "\\0/\\//\\0"],
    [["special\\chars", "more:complex,keys", "final key"], "special\\\\chars/more:complex,keys/final key"],
  ])("writes %j as %j and reads it back", (parts, text) => {
    expect(serializeActorKey(parts)).toBe(text);
    expect(deserializeActorKey(text)).toEqual(parts);
  });

  it("reads a missing key, the empty string and `/` as the empty key, as rivetkit does", () => {
    expect(EMPTY_ACTOR_KEY).toBe("/");
    expect(deserializeActorKey(undefined)).toEqual([]);
    expect(deserializeActorKey(null)).toEqual([]);
    // The empty string is not what `[""]` serializes to (that is `\0`), so it is not `[""]`.
    expect(deserializeActorKey("")).toEqual([]);
  });

  it("reads strings no serializer writes the way rivetkit does", () => {
    expect(deserializeActorKey("a\\")).toEqual(["a\\"]);
    expect(deserializeActorKey("\\")).toEqual(["\\"]);
    expect(deserializeActorKey("a/")).toEqual(["a", ""]);
    expect(deserializeActorKey("/a")).toEqual(["", "a"]);
    expect(deserializeActorKey("//")).toEqual(["", "", ""]);
    expect(deserializeActorKey("\\0x")).toEqual([""]);
    expect(deserializeActorKey("\\q")).toEqual(["q"]);
  });

  it("round-trips any parts", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(part, fc.string())), (parts) => {
        expect(deserializeActorKey(serializeActorKey(parts))).toEqual(parts);
      }),
    );
  });

  it("writes and reads every key and string exactly as rivetkit", async () => {
    const rivet = await rivetkitKeys();
    fc.assert(
      fc.property(fc.array(fc.oneof(part, fc.string())), (parts) => {
        expect(serializeActorKey(parts)).toBe(rivet.serializeActorKey(parts));
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[\\/0a]{0,8}$/), fc.string()), (text) => {
        expect(deserializeActorKey(text)).toEqual(rivet.deserializeActorKey(text));
      }),
    );
  });

  it("splits and joins a gateway query's rvt-key on commas", () => {
    expect(splitQueryKey(undefined)).toEqual([]);
    expect(splitQueryKey(null)).toEqual([]);
    expect(splitQueryKey("")).toEqual([]);
    expect(splitQueryKey("a")).toEqual(["a"]);
    expect(splitQueryKey("a,,b")).toEqual(["a", "", "b"]);
    expect(joinQueryKey(["a", "", "b"])).toBe("a,,b");
    expect(joinQueryKey([])).toBe("");
  });
});
