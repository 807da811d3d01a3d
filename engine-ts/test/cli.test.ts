/**
 * End-to-end tests of the `actorwire-engine` command as users run it: the real launcher
 * (engine-ts/bin/actorwire-engine.js) in real processes on loopback, with temporary data dirs.
 * What the parser accepts value by value is in src/config.test.ts; this file is about what the
 * process does: its exit codes, what it prints where, its signals, its port and its lock.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { within } from "@actorwire/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";

const engineDir = resolve(import.meta.dirname, "..");
const launcher = join(engineDir, "bin/actorwire-engine.js");
const { version } = JSON.parse(readFileSync(join(engineDir, "package.json"), "utf8")) as { version: string };

/** Where the processes run, so that nothing (such as a default `.actorwire/data`) lands in the repository. */
const scratch = mkdtempSync(join(tmpdir(), "actorwire-cli-"));
let dirs = 0;
const newDataDir = (): string => join(scratch, `data-${++dirs}`);

/** The environment of the test run without any ACTORWIRE_* setting that would change what the engine does. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("ACTORWIRE_")) env[name] = value;
  return { ...env, ACTORWIRE_LOG_LEVEL: "warn", ...extra };
}

interface Engine {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  readonly out: { stdout: string; stderr: string };
  /** Settles when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
const servers = new Set<Server>();

function launch(args: readonly string[], env: NodeJS.ProcessEnv = {}): Engine {
  const child = spawn(process.execPath, [launcher, ...args], { cwd: scratch, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const out = { stdout: "", stderr: "" };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out.stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (out.stderr += chunk));
  // "close" rather than "exit": by then both pipes are drained, so `out` is complete.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise) => {
    child.once("close", (code, signal) => {
      children.delete(child);
      resolvePromise({ code, signal });
    });
  });
  return { child, out, exited };
}

/** Runs the command to its end (generously bounded: a loaded CI box starts tsx slowly). */
async function runToEnd(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const engine = launch(args, env);
  const { code, signal } = await within(30_000, `actorwire-engine ${args.join(" ")}`, engine.exited);
  return { code, signal, ...engine.out };
}

/** The line the engine prints once it listens, parsed; fails if the process exits first. */
async function listening(engine: Engine): Promise<{ host: string; port: number; dataDir: string; version: string }> {
  const seen = new Promise<{ host: string; port: number; dataDir: string; version: string }>((resolvePromise, reject) => {
    const check = (): boolean => {
      for (const line of engine.out.stdout.split("\n")) {
        if (!line.includes('"port"')) continue;
        resolvePromise(JSON.parse(line) as { host: string; port: number; dataDir: string; version: string });
        return true;
      }
      return false;
    };
    if (check()) return;
    const onData = (): void => {
      if (check()) engine.child.stdout!.off("data", onData);
    };
    engine.child.stdout!.on("data", onData);
    void engine.exited.then(({ code, signal }) =>
      reject(new Error(`the engine exited (${code ?? signal}) before it listened; stderr: ${engine.out.stderr}`)),
    );
  });
  return within(30_000, "the listening line", seen);
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolvePromise) => server.listen(0, "127.0.0.1", resolvePromise));
  const { port } = server.address() as { port: number };
  await new Promise((resolvePromise) => server.close(resolvePromise));
  return port;
}

const lines = (text: string): string[] => text.split("\n").filter((line) => line !== "");
const STACK_FRAME = /^ {4}at /m;

afterEach(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all([...children].map((child) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("close", r)))));
  for (const server of servers) server.close();
  servers.clear();
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("actorwire-engine --help and --version", () => {
  it("prints the usage, naming every flag and environment variable, on stdout and exits 0", async () => {
    const help = await runToEnd(["--help"]);
    expect(help).toMatchObject({ code: 0, signal: null, stderr: "" });
    expect(help.stdout).toMatch(/^Usage: actorwire-engine \[options\]\n/);
    for (const name of [
      "--host",
      "--port",
      "--data-dir",
      "--admin-token",
      "--runner-lost-threshold-ms",
      "-h, --help",
      "-V, --version",
      "ACTORWIRE_HOST",
      "ACTORWIRE_PORT",
      "ACTORWIRE_DATA_DIR",
      "ACTORWIRE_ADMIN_TOKEN",
      "ACTORWIRE_RUNNER_LOST_THRESHOLD_MS",
      "ACTORWIRE_LOG_LEVEL",
    ]) {
      expect(help.stdout).toContain(name);
    }
    expect(await runToEnd(["-h"])).toEqual(help);
  });

  it("prints exactly the package version", async () => {
    for (const flag of ["--version", "-V"]) {
      expect(await runToEnd([flag])).toEqual({ code: 0, signal: null, stdout: `${version}\n`, stderr: "" });
    }
  });
});

describe("actorwire-engine on a bad command line", () => {
  it("refuses an unknown flag or a stray argument with exit 2 and a one-line reason, no stack trace", async () => {
    const [unknown, positional] = await Promise.all([runToEnd(["--prot", "1"]), runToEnd(["serve"])]);
    for (const result of [unknown, positional]) {
      expect(result).toMatchObject({ code: 2, signal: null, stdout: "" });
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(lines(result.stderr)).toEqual([expect.stringMatching(/^actorwire-engine: /), "Try 'actorwire-engine --help'."]);
    }
    expect(lines(unknown.stderr)[0]).toContain("--prot");
    expect(lines(positional.stderr)[0]).toContain("serve");
  });

  it("refuses a bad port or threshold naming the flag or variable, the range and the value", async () => {
    const cases: { args: string[]; env?: NodeJS.ProcessEnv; message: string }[] = [
      { args: ["--port", "65536"], message: '--port must be an integer from 0 to 65535, got "65536"' },
      { args: ["--port", "abc"], message: '--port must be an integer from 0 to 65535, got "abc"' },
      { args: [], env: { ACTORWIRE_PORT: "abc" }, message: 'ACTORWIRE_PORT must be an integer from 0 to 65535, got "abc"' },
      { args: ["--runner-lost-threshold-ms", "0"], message: '--runner-lost-threshold-ms must be an integer from 1 to 2147483647, got "0"' },
    ];
    const results = await Promise.all(cases.map(({ args, env }) => runToEnd(args, env)));
    results.forEach((result, i) => {
      expect(result).toEqual({
        code: 2,
        signal: null,
        stdout: "",
        stderr: `actorwire-engine: ${cases[i]!.message}\nTry 'actorwire-engine --help'.\n`,
      });
    });
  });
});

describe("actorwire-engine running", () => {
  it("honours ACTORWIRE_PORT and exits 0 within 5 s of SIGTERM", async () => {
    const port = await freePort();
    const dataDir = newDataDir();
    const engine = launch(["--data-dir", dataDir], { ACTORWIRE_PORT: String(port) });
    expect(await listening(engine)).toEqual({ msg: "actorwire engine listening", host: "127.0.0.1", port, dataDir, version });
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    const signalled = Date.now();
    engine.child.kill("SIGTERM");
    expect(await within(5_000, "exit after SIGTERM", engine.exited)).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(engine.out.stderr).toBe("");
  });

  it("names the port and how to change it when the port is busy, and exits 1", async () => {
    const occupier = createServer();
    servers.add(occupier);
    await new Promise<void>((resolvePromise) => occupier.listen(0, "127.0.0.1", resolvePromise));
    const { port } = occupier.address() as { port: number };

    const result = await runToEnd(["--port", String(port), "--data-dir", newDataDir()]);
    expect(result).toMatchObject({ code: 1, signal: null, stdout: "" });
    const stderr = lines(result.stderr);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^actorwire-engine: /);
    expect(stderr[0]).toContain(`port ${port}`);
    expect(stderr[0]).toContain("--port");
    expect(stderr[0]).toContain("ACTORWIRE_PORT");
  });

  it("lets one engine at a time use a data dir, and releases it on SIGTERM and on SIGKILL", async () => {
    const dataDir = newDataDir();
    const a = launch(["--port", "0", "--data-dir", dataDir]);
    await listening(a);

    const refused = await runToEnd(["--port", "0", "--data-dir", dataDir]);
    expect(refused).toMatchObject({ code: 1, signal: null, stdout: "" });
    const stderr = lines(refused.stderr);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^actorwire-engine: /);
    expect(stderr[0]).toContain(dataDir);
    expect(stderr[0]).toContain("another engine");

    // A graceful stop releases the lock.
    a.child.kill("SIGTERM");
    expect(await within(10_000, "engine A after SIGTERM", a.exited)).toEqual({ code: 0, signal: null });
    const b = launch(["--port", "0", "--data-dir", dataDir]);
    const bAddress = await listening(b);

    // So does a hard kill: the operating system drops the lock with the process, and the
    // launcher's pid is the engine's, so the engine (and its port) go too.
    b.child.kill("SIGKILL");
    expect(await within(10_000, "engine B after SIGKILL", b.exited)).toEqual({ code: null, signal: "SIGKILL" });
    await expect(fetch(`http://127.0.0.1:${bAddress.port}/health`)).rejects.toThrow();
    const c = launch(["--port", "0", "--data-dir", dataDir]);
    await listening(c);
    c.child.kill("SIGTERM");
    expect(await within(10_000, "engine C after SIGTERM", c.exited)).toEqual({ code: 0, signal: null });
  });
});
