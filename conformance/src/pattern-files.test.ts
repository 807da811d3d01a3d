import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseKnownFailing, patternsOfArgument } from "./pattern-files.js";

describe("known-failing files", () => {
  it("have one glob per line with an optional reason; comments and blank lines are ignored", () => {
    const entries = parseKnownFailing(
      ["# Our codec writes wrong prefixes past 16 KiB.", "", "codec/**/len=16385/encode   # bug #12: upstream writeUintSafe32", "codec/client/v4/ToServer/all-present/decode", "  # indented comment"].join("\n"),
      "kf.txt",
    );
    expect(entries.map((e) => [e.glob.source, e.reason, e.where])).toEqual([
      ["codec/**/len=16385/encode", "bug #12: upstream writeUintSafe32", "kf.txt:3"],
      ["codec/client/v4/ToServer/all-present/decode", "", "kf.txt:4"],
    ]);
  });

  it("keep the spaces inside a case name", () => {
    const [entry] = parseKnownFailing("codec/runner/v7/ToServer/union ToServer=ToServerInit/decode # why", "kf.txt");
    expect(entry!.glob.matches("codec/runner/v7/ToServer/union ToServer=ToServerInit/decode")).toBe(true);
  });
});

describe("--run and --skip arguments", () => {
  it("are a glob, or @file with one glob per line", () => {
    const dir = mkdtempSync(join(tmpdir(), "aw-patterns-"));
    const file = join(dir, "run.txt");
    writeFileSync(file, "codec/runner/**\n# not this\ncodec/client/v4/** # nor this comment\n");
    expect(patternsOfArgument(`@${file}`).map((g) => g.source)).toEqual(["codec/runner/**", "codec/client/v4/**"]);
    expect(patternsOfArgument("codec/**").map((g) => g.source)).toEqual(["codec/**"]);
  });
});
