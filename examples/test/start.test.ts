/**
 * `npm start` end to end: the engine and the runner really start, and the commands it prints
 * run exactly as printed (through `sh -c`, from the repository root) with the results it
 * promises. Then a Ctrl-C stops everything with exit 0.
 *
 * The long run starts src/start.ts the way npm does (same node flags, cwd examples/) rather
 * than through `npm start` itself: npm dies of a terminal's SIGINT on its own, whatever its
 * script does, so only the script's exit code says whether the stop was clean. Shorter runs go
 * through `npm start -- …` to prove that the arguments reach the script.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { within } from "@actorwire/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const examplesDir = resolve(root, "examples");
const scratch = mkdtempSync(join(tmpdir(), "actorwire-start-"));
let dirs = 0;
const newDataDir = (): string => join(scratch, `data-${++dirs}`);
const sh = promisify(execFile);

/** The test run's environment without any setting that would change which port or dir is used. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("ACTORWIRE_") && name !== "PORT" && name !== "RIVET_ENDPOINT") env[name] = value;
  }
  return { ...env, ...extra };
}

interface Run {
  readonly child: ChildProcess;
  readonly out: { stdout: string; stderr: string };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The processes it started (engine, runner), recorded while it ran, for the cleanup. */
  readonly descendants: Set<number>;
}

const runs = new Set<Run>();
const servers = new Set<Server>();

function track(child: ChildProcess): Run {
  const out = { stdout: "", stderr: "" };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out.stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (out.stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise) => {
    child.once("exit", (code, signal) => resolvePromise({ code, signal }));
  });
  const run: Run = { child, out, exited, descendants: new Set() };
  runs.add(run);
  return run;
}

/** src/start.ts exactly as `npm start` runs it (see examples/package.json). */
function startScript(args: readonly string[], env: NodeJS.ProcessEnv = {}): Run {
  return track(
    spawn(process.execPath, ["--import", "tsx", "--conditions=source", "src/start.ts", ...args], {
      cwd: examplesDir,
      env: cleanEnv({ ...env, INIT_CWD: root }),
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
}

/** `npm start -- args` from the repository root. */
function npmStart(args: readonly string[]): Run {
  return track(spawn("npm", ["start", "--", ...args], { cwd: root, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] }));
}

/** Resolves once `text` is on the run's stdout; fails if the process exits first. */
function printed(run: Run, text: string, ms: number): Promise<void> {
  const seen = new Promise<void>((resolvePromise, reject) => {
    const check = (): void => {
      if (!run.out.stdout.includes(text)) return;
      run.child.stdout!.off("data", check);
      resolvePromise();
    };
    run.child.stdout!.on("data", check);
    check();
    void run.exited.then(({ code, signal }) =>
      reject(new Error(`npm start exited (${code ?? signal}) before printing ${JSON.stringify(text)}; stderr: ${run.out.stderr}`)),
    );
  });
  return within(ms, `waiting for ${JSON.stringify(text)}`, seen);
}

/** Every live process below `pid` (Linux /proc), so that a failed test leaves none behind. */
/** A process's command line, its arguments joined by spaces ("" once it is gone). */
function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

function descendantsOf(pid: number, depth = Number.POSITIVE_INFINITY): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const visit = (p: number, level: number): void => {
    for (const child of parents.get(p) ?? []) {
      found.push(child);
      if (level < depth) visit(child, level + 1);
    }
  };
  visit(pid, 1);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolvePromise) => server.listen(0, "127.0.0.1", resolvePromise));
  const { port } = server.address() as { port: number };
  await new Promise((resolvePromise) => server.close(resolvePromise));
  return port;
}

async function busyPort(): Promise<number> {
  const server = createServer();
  servers.add(server);
  await new Promise<void>((resolvePromise) => server.listen(0, "127.0.0.1", resolvePromise));
  return (server.address() as { port: number }).port;
}

const lines = (text: string): string[] => text.split("\n").filter((line) => line !== "");
const STACK_FRAME = /^ {4}at /m;

afterEach(async () => {
  for (const run of runs) {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      for (const pid of descendantsOf(run.child.pid!)) run.descendants.add(pid);
      // The polite way first: start.ts stops its runner and engine on SIGINT.
      run.child.kill("SIGINT");
      await within(20_000, "cleanup", run.exited).catch(() => run.child.kill("SIGKILL"));
    }
    for (const pid of run.descendants) if (alive(pid)) process.kill(pid, "SIGKILL");
  }
  runs.clear();
  for (const server of servers) server.close();
  servers.clear();
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("npm start", () => {
  it("prints commands that work as printed, refuses a second engine on its data dir, and stops with exit 0 on Ctrl-C", { timeout: 240_000 }, async () => {
    const port = await freePort();
    const dataDir = newDataDir();
    const start = startScript(["--port", String(port), "--data-dir", dataDir]);
    await printed(start, "Ctrl-C stops both processes.", 120_000);
    for (const pid of descendantsOf(start.child.pid!)) start.descendants.add(pid);
    // Its children: the engine and the runner, one of each. (start.ts runs under tsx, so
    // esbuild's service process may be a child too, depending on timing; it is not counted.)
    const children = descendantsOf(start.child.pid!, 1).map(commandLineOf).filter((cmd) => !/esbuild/.test(cmd));
    expect(children.filter((cmd) => cmd.includes("actorwire-engine.js"))).toHaveLength(1);
    expect(children.filter((cmd) => cmd.includes("examples/src/runner.ts"))).toHaveLength(1);
    expect(children).toHaveLength(2);
    const output = start.out.stdout;
    expect(output).toContain(`actorwire is running: engine http://127.0.0.1:${port},`);

    // The curl command is two lines joined by a backslash, as a shell reads it.
    const curl = /^ {2}(curl .*\\\n.*)$/m.exec(output)?.[1];
    expect(curl).toBeDefined();
    expect(curl).toContain(`http://127.0.0.1:${port}/gateway/counter/action/increment?`);
    const curlResult = await sh("sh", ["-c", curl!], { cwd: root, env: cleanEnv(), timeout: 60_000 });
    expect(curlResult.stdout.trim()).toBe('{"output":5}');

    const runCommand = /^Run it from the repository root:\n {2}(.+)$/m.exec(output)?.[1];
    expect(runCommand).toBe(`RIVET_ENDPOINT=http://127.0.0.1:${port} node --import tsx --conditions=source examples/src/call-counter.ts`);
    const client = await sh("sh", ["-c", runCommand!], { cwd: root, env: cleanEnv(), timeout: 60_000 });
    expect(client.stdout).toBe("increment(1) returned 6\nincrement(10) over the connection returned 16\nnewCount event: 16\n");

    // A second `npm start` on the same data dir gets the engine's one-line refusal, exit 1.
    const second = startScript(["--port", "0", "--data-dir", dataDir]);
    expect(await within(60_000, "the second npm start", second.exited)).toEqual({ code: 1, signal: null });
    expect(second.out.stderr).not.toMatch(STACK_FRAME);
    expect(lines(second.out.stderr)).toEqual([expect.stringMatching(new RegExp(`^actorwire-engine: the data dir ${dataDir} is in use by another engine`))]);

    // Ctrl-C: the runner drains, then the engine stops, then npm start exits 0.
    start.child.kill("SIGINT");
    expect(await within(20_000, "npm start after SIGINT", start.exited)).toEqual({ code: 0, signal: null });
    expect(start.out.stderr).not.toMatch(STACK_FRAME);
    for (const pid of children) expect(alive(pid), `process ${pid} outlived npm start`).toBe(false);
  });

  it("passes its arguments through npm: --help", async () => {
    const help = npmStart(["--help"]);
    expect(await within(60_000, "npm start -- --help", help.exited)).toEqual({ code: 0, signal: null });
    expect(help.out.stdout).toContain("Usage: npm start [-- options]");
    for (const name of ["--port <n>", "--data-dir <dir>", "ACTORWIRE_PORT, then PORT", "ACTORWIRE_DATA_DIR", "-h, --help"]) {
      expect(help.out.stdout).toContain(name);
    }
  });

  it("prints the engine's one-line error and exits non-zero when the port is busy, however the port is given", async () => {
    const port = await busyPort();
    const engineError = `actorwire-engine: port ${port} on 127.0.0.1 is already in use; choose another with --port <n> or ACTORWIRE_PORT (0 picks a free one)`;
    const viaNpm = npmStart(["--port", String(port), "--data-dir", newDataDir()]);
    const direct = [
      startScript(["--port", String(port), "--data-dir", newDataDir()]),
      startScript(["--data-dir", newDataDir()], { ACTORWIRE_PORT: String(port), PORT: "1" }),
      startScript(["--data-dir", newDataDir()], { PORT: String(port) }),
    ];
    for (const run of direct) {
      expect(await within(60_000, "npm start on a busy port", run.exited)).toEqual({ code: 1, signal: null });
      expect(run.out.stderr).toBe(`${engineError}\n`);
    }
    // Through npm the same line, then npm's own report of the failed script; still no stack trace.
    const { code } = await within(60_000, "npm start -- --port busy", viaNpm.exited);
    expect(code).not.toBe(0);
    expect(lines(viaNpm.out.stderr)[0]).toBe(engineError);
    expect(viaNpm.out.stderr).not.toMatch(STACK_FRAME);
  });

  it("refuses an unknown flag or a bad port in one line with exit 2", async () => {
    const [unknown, badPort, badEnv] = [
      startScript(["--prot", "1"]),
      startScript(["--port", "65536"]),
      startScript([], { ACTORWIRE_PORT: "abc" }),
    ];
    const results = await Promise.all([unknown, badPort, badEnv].map((run) => within(60_000, "npm start with a bad command line", run.exited)));
    for (const result of results) expect(result).toEqual({ code: 2, signal: null });
    expect(unknown.out.stderr).toBe("npm start: Unknown option '--prot' (see npm start -- --help)\n");
    expect(badPort.out.stderr).toBe('npm start: --port must be an integer from 0 to 65535, got "65536" (see npm start -- --help)\n');
    expect(badEnv.out.stderr).toBe('npm start: ACTORWIRE_PORT must be an integer from 0 to 65535, got "abc" (see npm start -- --help)\n');
  });
});
