/**
 * The `actorwire-codegen` command through its real launcher (`node bin/actorwire-codegen.js`):
 * --help, --version, usage errors, and a run on a schema tree of one's own (`--schemas`).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/actorwire-codegen.js", import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function codegen(args: string[], cwd = tmpdir()): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

function expectUsageError(run: Run, line: string): void {
  expect(run.stdout).toBe("");
  expect(run.stderr).toBe(`actorwire-codegen: ${line}\nTry 'actorwire-codegen --help'.\n`);
  expect(run.code).toBe(2);
}

describe("actorwire-codegen", () => {
  it.each([["--help"], ["-h"]])("prints the usage on stdout for %s and exits 0", async (flag) => {
    const run = await codegen([flag]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^Usage: actorwire-codegen \[--check\] \[--schemas <dir>\] \[--runtime <module>\]\n/);
    expect(run.code).toBe(0);
  });

  it.each([["--version"], ["-V"]])("prints the package version for %s and exits 0", async (flag) => {
    const run = await codegen([flag]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(`${VERSION}\n`);
    expect(run.code).toBe(0);
  });

  it("refuses an unknown option in one line", async () => {
    expectUsageError(await codegen(["--chek"]), "unknown option --chek");
  });

  it("refuses a --schemas directory that does not exist in one line", async () => {
    expectUsageError(await codegen(["--check", "--schemas", "/nonexistent/schemas"]), '--schemas: no such directory "/nonexistent/schemas"');
  });

  it("refuses --schemas without its value in one line", async () => {
    expectUsageError(await codegen(["--schemas"]), "Option '--schemas <value>' argument missing");
  });

  it("refuses a boolean option given a value in one line", async () => {
    expectUsageError(await codegen(["--check=yes"]), "Option '--check' does not take an argument");
  });
});

describe("actorwire-codegen on a schema tree of one's own", () => {
  const scratch = mkdtempSync(join(tmpdir(), "actorwire-codegen-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const schemas = join(scratch, "schemas");
  mkdirSync(join(schemas, "chat"), { recursive: true });
  writeFileSync(join(schemas, "chat/v1.bare"), "type Hello struct {\n  name: str\n  at: u64\n}\n");

  // Always with --schemas: without it, the launcher of the repository checkout works on this
  // repository's schemas/ (./schemas is the default of the installed package).
  it("generates and locks a relative --schemas, importing the runtime from @actorwire/protocol", async () => {
    const run = await codegen(["--schemas", "schemas"], scratch);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("codegen: wrote 6 files from 1 schema versions\ncodegen: published schemas/chat/v1.bare (now locked)\n");
    expect(run.code).toBe(0);
    const codec = readFileSync(join(schemas, "src/gen/chat/v1.ts"), "utf8");
    expect(codec).toContain('from "@actorwire/protocol/runtime/root-codec.js"');
    expect(codec).toContain("export function encodeHello(x: Hello): Uint8Array {");
    expect(readFileSync(join(schemas, "src/gen/chat/v1.arbitraries.ts"), "utf8")).toContain('from "@actorwire/protocol/runtime/arbitrary-kit.js"');
    expect(readFileSync(join(schemas, "src/gen/codecs.ts"), "utf8")).toContain("  chat: { 1: chatV1 },");
    expect(Object.keys(JSON.parse(readFileSync(join(schemas, "schemas.lock.json"), "utf8")) as object)).toEqual(["chat/v1.bare"]);
  });

  it("--check passes on the result, and fails once a published schema changed", async () => {
    const fine = await codegen(["--check", "--schemas", schemas]);
    expect(fine.stdout).toBe("codegen: 1 schema versions and 6 generated files are up to date\n");
    expect(fine.code).toBe(0);
    writeFileSync(join(schemas, "chat/v1.bare"), "type Hello struct {\n  name: str\n}\n");
    const changed = await codegen(["--check", "--schemas", schemas]);
    expect(changed.stderr).toMatch(/^codegen: schemas\/chat\/v1\.bare changed after it was published/);
    expect(changed.code).toBe(1);
  });

  it("takes --runtime for where the generated code finds its runtime", async () => {
    const other = join(scratch, "other");
    mkdirSync(join(other, "chat"), { recursive: true });
    writeFileSync(join(other, "chat/v1.bare"), "type Hello struct {\n  name: str\n}\n");
    const run = await codegen(["--schemas", other, "--runtime", "../../my-runtime/"]);
    expect(run.code).toBe(0);
    expect(readFileSync(join(other, "src/gen/chat/v1.ts"), "utf8")).toContain('from "../../my-runtime/root-codec.js"');
    expect(existsSync(join(other, "schemas.lock.json"))).toBe(true);
  });

  it("reports a schema it cannot parse in one line, without a stack trace", async () => {
    const broken = join(scratch, "broken");
    mkdirSync(join(broken, "chat"), { recursive: true });
    writeFileSync(join(broken, "chat/v1.bare"), "type Hello struct {\n  name: strr\n}\n");
    const run = await codegen(["--schemas", broken]);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^codegen: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
