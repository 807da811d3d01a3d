import { describe, expect, it } from "vitest";
import { compileGlob } from "./glob.js";

const NAME = "codec/runner/v7/ToServer/union ToServer=ToServerInit/decode";

describe("case globs", () => {
  it("match whole names literally, spaces, brackets and = included", () => {
    expect(compileGlob(NAME).matches(NAME)).toBe(true);
    expect(compileGlob("codec/runner/v7/ToServer/all-absent [union ToServer=ToServerEvents]/encode").matches("codec/runner/v7/ToServer/all-absent [union ToServer=ToServerEvents]/encode")).toBe(true);
    expect(compileGlob("codec/runner/v7").matches(NAME)).toBe(false);
    expect(compileGlob("codec/runner/v7/ToServer/union ToServer=ToServerInit").matches(NAME)).toBe(false);
  });

  it("* stays inside one component", () => {
    expect(compileGlob("codec/*/v7/*/*/decode").matches(NAME)).toBe(true);
    expect(compileGlob("codec/*/decode").matches(NAME)).toBe(false);
    expect(compileGlob("codec/runner/v*/ToServer/union *=ToServerInit/*").matches(NAME)).toBe(true);
    expect(compileGlob("codec/runner/v1*/**").matches(NAME)).toBe(false);
  });

  it("** spans any number of components, none included", () => {
    expect(compileGlob("**").matches(NAME)).toBe(true);
    expect(compileGlob("codec/**").matches(NAME)).toBe(true);
    expect(compileGlob("**/decode").matches(NAME)).toBe(true);
    expect(compileGlob("codec/runner/**/ToServer/**/decode").matches(NAME)).toBe(true);
    expect(compileGlob("codec/**/v7/ToServer/union ToServer=ToServerInit/decode").matches(NAME)).toBe(true);
    expect(compileGlob("**/encode").matches(NAME)).toBe(false);
  });

  it("know which subtrees they may select", () => {
    const prefix = ["codec", "runner", "v7", "ToServer"];
    expect(compileGlob("codec/runner/v7/**").mayMatchUnder(prefix)).toBe(true);
    expect(compileGlob("**/len=16385/encode").mayMatchUnder(prefix)).toBe(true);
    expect(compileGlob("codec/*/v7/ToClient/**").mayMatchUnder(prefix)).toBe(false);
    expect(compileGlob("codec/client/**").mayMatchUnder(prefix)).toBe(false);
  });
});
