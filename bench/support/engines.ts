/**
 * The two engines under test, each started as a child process on 127.0.0.1 with a fresh temp
 * data directory and stopped (and its directory removed) afterwards:
 *
 * - **ours**: `engine-ts/src/bin.ts` on its embedded SQLite storage, port 0 (it prints the
 *   port it got). By default it is first bundled with esbuild (workspace code inlined, npm
 *   dependencies left to `node_modules`) and run with plain `node`, the way a deployment runs
 *   compiled JavaScript; `tsx: true` runs the TypeScript through tsx as `npm start` does,
 *   which adds tsx's loader and on-the-fly compilation to the process.
 * - **rivet**: the `rivet-engine` binary from `@rivetkit/engine-cli` (a devDependency of
 *   `rivetkit`), `rivet-engine start` with its file-system storage, configured through
 *   `RIVET__*` environment variables: guard (the public port runners and clients use),
 *   api-peer and metrics on free loopback ports, telemetry off.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { keepAliveAgent, httpRequest } from "./http.js";
import { rivetEngineEnv, rivetEngineVersion } from "@actorwire/testkit/rivet-engine";
import { cpuSeconds, forgetTempDir, freePort, memoryOf, type MemorySample, removeOnExit, spawnTracked, stopProcess } from "@actorwire/testkit/processes";
import { sleep } from "./stats.js";

export type EngineKind = "ours" | "rivet";

export interface EngineHandle {
  readonly kind: EngineKind;
  /** What ran, for the report: name, version, how. */
  readonly description: string;
  readonly base: URL;
  readonly pid: number;
  readonly dataDir: string;
  /** Milliseconds from spawn until `/health` answered 200. */
  readonly startupMs: number;
  memory(): MemorySample;
  cpuSeconds(): number;
  /** Last lines the process wrote to stderr (and, for Rivet, its log), for error reports. */
  tail(): string;
  /** Stops the process (TERM, then KILL after a grace period) and removes its data directory. */
  stop(): Promise<{ graceful: boolean }>;
}

const root = resolve(import.meta.dirname, "../..");

function keepTail(child: ChildProcess, lines: string[], max = 40): void {
  const push = (stream: NodeJS.ReadableStream | null) => {
    if (stream === null) return;
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      if (lines.length > max) lines.shift();
    });
  };
  push(child.stderr);
}

async function waitHealthy(base: URL, child: ChildProcess, tail: () => string, timeoutMs: number): Promise<void> {
  const agent = keepAliveAgent(1);
  const deadline = performance.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`engine exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${tail()}`);
      }
      try {
        const res = await httpRequest(agent, base, "GET", "/health");
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (performance.now() > deadline) throw new Error(`engine not healthy after ${timeoutMs} ms:\n${tail()}`);
      await sleep(50);
    }
  } finally {
    agent.destroy();
  }
}

export interface OursOptions {
  /** Directory for `--cpu-prof` output of the engine process; no profiling when undefined. */
  readonly cpuProfDir?: string;
  /** Run the TypeScript through tsx instead of the esbuild bundle. */
  readonly tsx?: boolean;
}

/**
 * The packages read their version from `../package.json` at run time (the same path from `src/`
 * and `dist/`), which a bundle elsewhere cannot resolve: the bundle gets the version inlined.
 */
const inlinePackageVersions: import("esbuild").Plugin = {
  name: "inline-package-versions",
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const { version } = JSON.parse(readFileSync(join(dirname(args.path), "..", "package.json"), "utf8")) as { version: string };
      const contents = text.replace(/createRequire\(import\.meta\.url\)\("\.\.\/package\.json"\)/g, JSON.stringify({ version }));
      return { contents, loader: "ts" };
    });
  },
};

/** Where bundles go: inside node_modules, so their npm imports resolve from the repository. */
const BUNDLE_DIR = join(root, "node_modules/.cache/actorwire-bench");

/**
 * Bundles one entry point (relative to the repository root) from the current sources into
 * one ES module named `<name>.mjs`. Workspace packages are inlined (resolved through their
 * `source` condition, as tests do); npm packages with native parts or worker threads stay
 * external and load from node_modules.
 */
export async function bundle(entry: string, name: string): Promise<string> {
  const esbuild = await import("esbuild");
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const outfile = join(BUNDLE_DIR, `${name}.mjs`);
  await esbuild.build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["source"],
    external: ["better-sqlite3", "pino", "ws", "cbor-x", "undici"],
    outfile,
    logLevel: "warning",
    plugins: [inlinePackageVersions],
  });
  return outfile;
}

/** Bundles our engine (`engine-ts/src/bin.ts`). */
export function bundleOurs(): Promise<string> {
  return bundle("engine-ts/src/bin.ts", "engine");
}

/** The handle of a started engine process: its URL, memory and CPU readings, and stop. */
function handleFor(
  kind: EngineHandle["kind"],
  description: string,
  p: { child: ChildProcess; base: URL; dataDir: string; startupMs: number; tail: () => string },
): EngineHandle {
  const pid = p.child.pid!;
  return {
    kind,
    description,
    base: p.base,
    pid,
    dataDir: p.dataDir,
    startupMs: p.startupMs,
    memory: () => memoryOf(pid),
    cpuSeconds: () => cpuSeconds(pid),
    tail: p.tail,
    async stop() {
      const result = await stopProcess(p.child, 15_000);
      forgetTempDir(p.dataDir);
      return result;
    },
  };
}

export async function startOurs(options: OursOptions = {}): Promise<EngineHandle> {
  const entry = options.tsx === true ? "engine-ts/src/bin.ts" : await bundleOurs();
  const dataDir = removeOnExit(mkdtempSync(join(tmpdir(), "actorwire-bench-ours-")));
  const nodeArgs = options.tsx === true ? ["--import", "tsx", "--conditions=source"] : [];
  if (options.cpuProfDir !== undefined) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  const t0 = performance.now();
  const child = spawnTracked(process.execPath, [...nodeArgs, entry, "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ACTORWIRE_LOG_LEVEL: "warn" },
  });
  const lines: string[] = [];
  keepTail(child, lines);
  const tail = () => lines.join("\n");
  let port: number | undefined;
  const stdout = createInterface({ input: child.stdout! });
  const portTimer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  for await (const line of stdout) {
    try {
      const msg = JSON.parse(line) as { port?: number };
      if (typeof msg.port === "number") {
        port = msg.port;
        break;
      }
    } catch {
      lines.push(line);
    }
  }
  clearTimeout(portTimer);
  // Keep draining stdout so the engine never blocks on a full pipe.
  child.stdout!.resume();
  if (port === undefined) {
    await stopProcess(child, 1000);
    forgetTempDir(dataDir);
    throw new Error(`our engine did not print its port:\n${tail()}`);
  }
  const base = new URL(`http://127.0.0.1:${port}`);
  await waitHealthy(base, child, tail, 30_000);
  const startupMs = performance.now() - t0;
  return handleFor(
    "ours",
    `actorwire engine-ts 0.1.0 (node ${process.version}, ${options.tsx === true ? "tsx" : "esbuild bundle"}, SQLite WAL synchronous=FULL)`,
    { child, base, dataDir, startupMs, tail },
  );
}

export interface RivetOptions {
  readonly binary: string;
  /** Extra `RIVET__*` settings, for example `RIVET__GUARD__TCP_NODELAY`. */
  readonly env?: Record<string, string>;
}

export async function startRivet(options: RivetOptions): Promise<EngineHandle> {
  const dataDir = removeOnExit(mkdtempSync(join(tmpdir(), "actorwire-bench-rivet-")));
  const [guard, apiPeer, metrics] = [await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = { ...rivetEngineEnv({ guard, apiPeer, metrics, dataDir }), ...options.env };
  const t0 = performance.now();
  const child = spawnTracked(options.binary, ["start"], {
    cwd: dataDir,
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dataDir, RUST_LOG: "warn", RIVET_LOG_LEVEL: "warn", ...env },
  });
  const lines: string[] = [];
  keepTail(child, lines);
  // Its log goes to stdout; keep the last lines for errors and drain the rest.
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    if (lines.length > 40) lines.shift();
  });
  const tail = () => lines.join("\n");
  const base = new URL(`http://127.0.0.1:${guard}`);
  try {
    await waitHealthy(base, child, tail, 60_000);
  } catch (err) {
    await stopProcess(child, 2000);
    forgetTempDir(dataDir);
    throw err;
  }
  const startupMs = performance.now() - t0;
  return handleFor("rivet", `${rivetEngineVersion(options.binary)} (rivet-engine start, file-system storage, ${Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`).join(" ") || "default guard settings"})`, { child, base, dataDir, startupMs, tail });
}
