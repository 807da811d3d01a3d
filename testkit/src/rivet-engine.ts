/**
 * Rivet's own engine binary (`rivet-engine` from `@rivetkit/engine-cli`) as a test oracle: how
 * to find it, how to configure one local node through `RIVET__*` variables, and a process
 * handle for tests that starts it on free loopback ports with a fresh data folder and can
 * kill and restart it there.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { forgetTempDir, freePort, killProcess, removeOnExit, retry, spawnTracked, stopProcess } from "./processes.js";

const root = resolve(import.meta.dirname, "../..");

/** Path of the `rivet-engine` binary installed by `@rivetkit/engine-cli`, or why there is none. */
export function rivetEnginePath(): { path: string } | { error: string } {
  try {
    const require = createRequire(join(root, "package.json"));
    const cli = require("@rivetkit/engine-cli") as { getEnginePath(): string };
    const path = cli.getEnginePath();
    if (!existsSync(path)) return { error: `@rivetkit/engine-cli points at ${path}, which does not exist` };
    return { path };
  } catch (err) {
    return { error: `@rivetkit/engine-cli: ${String(err instanceof Error ? err.message : err)}` };
  }
}

/** `name@version` of the package that ships the binary at `path`. */
export function rivetEngineVersion(path: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(path), "package.json"), "utf8")) as { name: string; version: string };
    return `${pkg.name}@${pkg.version}`;
  } catch {
    return "rivet-engine (version unknown)";
  }
}

/**
 * The settings one local node needs: the binary reads its configuration from
 * `RIVET__<section>__<field>` variables on top of an optional config file.
 */
export function rivetEngineEnv(p: { guard: number; apiPeer: number; metrics: number; dataDir: string }): Record<string, string> {
  return {
    RIVET__GUARD__HOST: "127.0.0.1",
    RIVET__GUARD__PORT: String(p.guard),
    RIVET__API_PEER__HOST: "127.0.0.1",
    RIVET__API_PEER__PORT: String(p.apiPeer),
    RIVET__METRICS__HOST: "127.0.0.1",
    RIVET__METRICS__PORT: String(p.metrics),
    RIVET__FILE_SYSTEM__PATH: join(p.dataDir, "db"),
    // Loopback only: no usage pings to rivet.dev from tests or benchmarks.
    RIVET__TELEMETRY__ENABLED: "false",
  };
}

/**
 * `rivet-engine start` on free loopback ports with a fresh data folder (removed on close).
 * Its public port (guard) serves the API, the gateway and `/runners/connect`, as ours does.
 * The ports and the data folder belong to the handle, not the process: {@link kill} and
 * {@link restart} give a new process on the same ports and data, so a test can restart the
 * engine under live clients and runners.
 */
export class RivetEngineProcess {
  private child: ChildProcess | undefined;
  private readonly tailLines: string[] = [];

  private constructor(
    private readonly path: string,
    private readonly ports: { readonly guard: number; readonly apiPeer: number; readonly metrics: number },
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  /**
   * Starts the engine and resolves once `/health` answers. Throws with a clear message when
   * the binary is missing: tests that need it must fail loudly, never skip.
   */
  static async start(options: { env?: Record<string, string> } = {}): Promise<RivetEngineProcess> {
    const found = rivetEnginePath();
    if ("error" in found) throw new Error(`Rivet's engine binary is required for this test and is missing: ${found.error}`);
    const dataDir = removeOnExit(mkdtempSync(join(tmpdir(), "actorwire-rivet-")));
    const ports = { guard: await freePort(), apiPeer: await freePort(), metrics: await freePort() };
    const engine = new RivetEngineProcess(found.path, ports, dataDir, options.env ?? {});
    try {
      await engine.spawn();
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  /** The guard port: the API, the gateway and `/runners/connect`. */
  get port(): number {
    return this.ports.guard;
  }

  /** `http://127.0.0.1:<guard port>`. */
  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether the current process is alive. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the engine printed (across restarts), for failure messages. */
  tail(): string {
    return this.tailLines.join("\n");
  }

  /** Kills the engine with SIGKILL (no shutdown of any kind) and waits until it is gone. */
  async kill(): Promise<void> {
    await killProcess(this.child);
  }

  /**
   * Starts the engine again on the same ports and data folder, after {@link kill}. A port
   * the old process held may take a moment to be free again, so this tries a few times.
   */
  async restart(): Promise<void> {
    if (this.running) throw new Error("rivet-engine is still running; kill it first");
    await retry(10, 300, async () => {
      try {
        await this.spawn();
      } catch (err) {
        // A process that never got healthy must not hold the ports for the next try.
        await this.kill();
        throw err;
      }
    });
  }

  /** Stops the engine if it runs and removes its data folder. */
  async close(): Promise<void> {
    if (this.child !== undefined) await stopProcess(this.child, 5_000);
    forgetTempDir(this.dataDir);
  }

  private async spawn(): Promise<void> {
    const child = spawnTracked(this.path, ["start"], {
      cwd: this.dataDir,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: this.dataDir,
        RUST_LOG: "warn",
        RIVET_LOG_LEVEL: "warn",
        ...rivetEngineEnv({ ...this.ports, dataDir: this.dataDir }),
        ...this.env,
      },
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on("line", (line) => {
        this.tailLines.push(line);
        if (this.tailLines.length > 60) this.tailLines.shift();
      });
    }
    await this.waitHealthy(child, 60_000);
  }

  private async waitHealthy(child: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`rivet-engine exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${this.tail()}`);
      }
      try {
        const res = await fetch(`${this.base}/health`);
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`rivet-engine not healthy after ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
