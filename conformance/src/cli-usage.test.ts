/**
 * The command line itself, through the real launcher (`node bin/actorwire-conformance.js`):
 * --help and --version on stdout with exit 0, and every usage error as one line on stderr
 * naming the option or value, a hint, and exit 2, for the codec and runner command and for
 * its `engine` subcommand. None of these starts a testee, a runner or an engine.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli, type CliRun } from "./run-cli-for-tests.js";

const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** A usage error: nothing on stdout, exactly the given line and the hint on stderr, exit 2. */
function expectUsageError(run: CliRun, line: string, helpCommand = "actorwire-conformance"): void {
  expect(run.stdout).toBe("");
  expect(run.stderr).toBe(`actorwire-conformance: ${line}\nTry '${helpCommand} --help'.\n`);
  expect(run.code).toBe(2);
}

describe("actorwire-conformance", () => {
  it.each([["--help"], ["-h"]])("prints the usage on stdout for %s and exits 0", async (flag) => {
    const run = await runCli([flag]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^Usage: actorwire-conformance codec --testee "<command>" \[options\]\n/);
    expect(run.stdout).toContain("  -V, --version ");
    expect(run.code).toBe(0);
  });

  it.each([["--version"], ["-V"]])("prints the package version for %s and exits 0", async (flag) => {
    const run = await runCli([flag]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(`${VERSION}\n`);
    expect(run.code).toBe(0);
  });

  it("refuses an unknown option in one line", async () => {
    expectUsageError(await runCli(["codec", "--testee", "true", "--bogus"]), "unknown option --bogus");
  });

  it("refuses a non-numeric --timeout in one line", async () => {
    expectUsageError(await runCli(["codec", "--testee", "true", "--timeout", "soon"]), '--timeout needs a non-negative integer, not "soon"');
  });

  it("refuses an option without its value in one line", async () => {
    expectUsageError(await runCli(["codec", "--testee"]), "Option '--testee <value>' argument missing");
  });

  it("refuses a --known-failing file that does not exist in one line", async () => {
    expectUsageError(await runCli(["codec", "--testee", "true", "--known-failing", "/nonexistent/known.txt"]), "cannot read /nonexistent/known.txt: no such file");
  });

  it("refuses a --vectors directory that does not exist in one line", async () => {
    expectUsageError(await runCli(["codec", "--testee", "true", "--vectors", "/nonexistent/vectors"]), '--vectors: no such directory "/nonexistent/vectors"');
  });

  it("refuses an unknown suite in one line", async () => {
    expectUsageError(await runCli(["codecs", "--testee", "true"]), 'expected the suite name "codec", "runner", "engine" or "parity", got "codecs"');
  });
});

describe("actorwire-conformance engine", () => {
  it("prints its own usage on stdout for --help and exits 0", async () => {
    const run = await runCli(["engine", "--help"]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^Usage: actorwire-conformance engine --endpoint <url> \[options\]\n/);
    expect(run.code).toBe(0);
  });

  it("prints the package version for --version and exits 0", async () => {
    const run = await runCli(["engine", "-V"]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(`${VERSION}\n`);
    expect(run.code).toBe(0);
  });

  it("refuses an unknown option in one line", async () => {
    expectUsageError(await runCli(["engine", "--endpoint", "http://127.0.0.1:1", "--testee", "x"]), "unknown option --testee", "actorwire-conformance engine");
  });

  it("refuses a non-numeric --startup-timeout in one line", async () => {
    expectUsageError(
      await runCli(["engine", "--endpoint", "http://127.0.0.1:1", "--startup-timeout", "1.5"]),
      '--startup-timeout needs a non-negative integer, not "1.5"',
      "actorwire-conformance engine",
    );
  });

  it("refuses an --endpoint that is not an http(s) URL in one line", async () => {
    expectUsageError(await runCli(["engine", "--endpoint", "localhost:6420"]), '--endpoint needs an http(s) URL, not "localhost:6420"', "actorwire-conformance engine");
  });
});
