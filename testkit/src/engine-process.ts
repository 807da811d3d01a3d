import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { JsonLines } from "./json-lines.js";
import { killProcess, retry } from "./processes.js";

/** The repository root, where child processes run. */
export const repoRoot = resolve(import.meta.dirname, "../..");

/** One line the engine prints: its pino log lines, and the line saying where it listens. */
export interface EngineLine {
  readonly msg?: string;
  readonly component?: string;
  readonly level?: number;
  readonly port?: number;
  /** Actor transitions (`component: "actors"`, at info). */
  readonly actorId?: string;
  readonly generation?: number;
  readonly runnerId?: string | null;
  readonly from?: string;
  readonly to?: string;
  readonly reason?: string;
}

export interface EngineProcessOptions {
  /** Where the engine keeps its data; a fresh temporary folder (removed by `close`) when not given. */
  readonly dataDir?: string;
  /** `ACTORWIRE_RUNNER_LOST_THRESHOLD_MS`; the engine's default (15000) when not given. */
  readonly runnerLostThresholdMs?: number;
  /** More environment for the engine. */
  readonly env?: Readonly<Record<string, string>>;
}

/** An actor as `PUT /actors` creates it. */
export interface CreateActorOptions {
  readonly name?: string;
  readonly key: string;
  readonly runnerName: string;
  readonly crashPolicy?: "restart" | "sleep" | "destroy";
}

/**
 * The engine binary (`@actorwire/engine`) as a child process on a random loopback port.
 * It can be killed with SIGKILL and started again on the same data folder and the same port,
 * so that runners (which keep their endpoint) find it again. Its stdout is followed as JSON
 * lines at log level info, which include one line per actor transition.
 */
export class EngineProcess {
  /** Every line the engine printed, over all its restarts. */
  readonly lines = new JsonLines<EngineLine>();
  readonly dataDir: string;
  private child: ChildProcess | undefined;
  private listenPort = 0;

  private constructor(
    private readonly options: EngineProcessOptions,
    private readonly ownsDataDir: boolean,
  ) {
    this.dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "actorwire-e2e-"));
  }

  /** Starts the engine on a random port and resolves once it listens. */
  static async start(options: EngineProcessOptions = {}): Promise<EngineProcess> {
    const engine = new EngineProcess(options, options.dataDir === undefined);
    try {
      await engine.spawn(0);
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  get port(): number {
    return this.listenPort;
  }

  /** `http://127.0.0.1:<port>`. */
  get base(): string {
    return `http://127.0.0.1:${this.listenPort}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The gateway URL of a path of an actor, e.g. `gatewayUrl(id, "/request/echo")`. */
  gatewayUrl(actorId: string, path: string): string {
    return `${this.base}/gateway/${actorId}${path}`;
  }

  /** POSTs a JSON body to a path of an actor through the gateway; any status comes back. */
  async send(actorId: string, path: string, body?: object): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(this.gatewayUrl(actorId, path), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Like {@link send}, and requires a 200. */
  async post(actorId: string, path: string, body?: object): Promise<Record<string, unknown>> {
    const res = await this.send(actorId, path, body);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** The gateway WebSocket URL of a path of an actor. */
  websocketUrl(actorId: string, path: string): string {
    return `ws://127.0.0.1:${this.listenPort}/gateway/${actorId}${path}`;
  }

  /** Kills the engine with SIGKILL (no shutdown of any kind) and waits until it is gone. */
  async kill(): Promise<void> {
    await killProcess(this.child);
  }

  /**
   * Starts the engine again on the same data folder and port, after {@link kill}. The port
   * was free the moment the old process died; if something else took it meanwhile, this
   * fails after a few tries.
   */
  async restart(): Promise<void> {
    if (this.running) throw new Error("the engine is still running; kill it first");
    await retry(10, 200, () => this.spawn(this.listenPort));
  }

  /** Kills the engine if it runs and removes the data folder it made. */
  async close(): Promise<void> {
    await this.kill();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Creates (or gets) an actor through the public API and returns its ID. */
  async createActor(options: CreateActorOptions): Promise<string> {
    const res = await fetch(`${this.base}/actors?namespace=default`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: options.name ?? "test",
        key: options.key,
        runner_name_selector: options.runnerName,
        crash_policy: options.crashPolicy ?? "sleep",
      }),
    });
    const body = (await res.json()) as { actor?: { actor_id: string } };
    if (res.status !== 200 || body.actor === undefined) throw new Error(`PUT /actors answered ${res.status}: ${JSON.stringify(body)}`);
    return body.actor.actor_id;
  }

  /** Waits for the engine's log line of an actor reaching `to` (and `generation`, if given), from line `from` on. */
  transition(actorId: string, to: string, options: { generation?: number; from?: number; timeoutMs?: number } = {}): Promise<EngineLine> {
    return this.lines.wait(
      `actor ${actorId} to reach ${to}${options.generation === undefined ? "" : ` in generation ${options.generation}`}`,
      (l) => l.component === "actors" && l.actorId === actorId && l.to === to && (options.generation === undefined || l.generation === options.generation),
      { ...(options.from !== undefined ? { from: options.from } : {}), ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) },
    );
  }

  private async spawn(port: number): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, ACTORWIRE_LOG_LEVEL: "info", ...this.options.env };
    if (this.options.runnerLostThresholdMs !== undefined) env.ACTORWIRE_RUNNER_LOST_THRESHOLD_MS = String(this.options.runnerLostThresholdMs);
    const child = spawn(
      process.execPath,
      [...engineEntry(), "--port", String(port), "--data-dir", this.dataDir],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"], env },
    );
    this.child = child;
    const from = this.lines.mark;
    this.lines.follow(child.stdout as Readable);
    const exited = once(child, "exit").then(([code, signal]) => {
      throw new Error(`the engine exited (${String(code ?? signal)}) before it listened`);
    });
    exited.catch(() => {});
    const listening = this.lines.wait("the engine to listen", (l) => l.port !== undefined, { from, timeoutMs: 30_000 });
    listening.catch(() => {});
    const line = await Promise.race([listening, exited]);
    this.listenPort = line.port as number;
  }
}

/**
 * How to run the engine as one process (so that SIGKILL reaches the engine itself, not a
 * launcher): its TypeScript sources under tsx in this repository, where the engine package
 * has its tsconfig.json, or its built `dist/bin.js` where it was installed from a tarball.
 */
function engineEntry(): string[] {
  const engineDir = dirname(createRequire(import.meta.url).resolve("@actorwire/engine/package.json"));
  if (existsSync(join(engineDir, "tsconfig.json"))) {
    return ["--import", import.meta.resolve("tsx"), "--conditions=source", join(engineDir, "src/bin.ts")];
  }
  return [join(engineDir, "dist/bin.js")];
}
