/**
 * The runner the engine suite brings along: a child process hosting the engine-level
 * conformance actors (`conformance/testees/engine-actors.ts`) with `@actorwire/runner`, pointed
 * at the engine under test. Its stdout carries JSON lines (`connected`, `job`, `fired`, …) that
 * cases wait for; stderr is kept for failure reports. It runs in its own process group so that
 * a SIGKILL takes all of it at once, as a machine dying would.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Whether the harness runs from its TypeScript sources (in the repository, under tsx) rather
 * than from the built `dist/` (the published package, plain node). The hosted actors are
 * started in the same form: `testees/engine-actors.ts` under tsx with the `source` condition,
 * or the compiled `dist/testees/engine-actors.js`.
 */
const FROM_SOURCE = import.meta.url.endsWith(".ts");

/** The registry module the suite hosts (`src/engine/` and `dist/src/engine/` are both two levels below it). */
export const ENGINE_ACTORS_MODULE = fileURLToPath(new URL(`../../testees/engine-actors.${FROM_SOURCE ? "ts" : "js"}`, import.meta.url));

/** How node starts {@link ENGINE_ACTORS_MODULE}. */
const NODE_ARGS = FROM_SOURCE ? ["--import", "tsx", "--conditions=source", ENGINE_ACTORS_MODULE] : [ENGINE_ACTORS_MODULE];

/** From the sources the runner runs in the package directory, so that `--import tsx` resolves wherever the harness was started. */
const CWD = FROM_SOURCE ? fileURLToPath(new URL("../../", import.meta.url)) : undefined;

const TAIL_LINES = 20;
const live = new Set<RunnerHost>();

// A harness that exits for any reason takes its runners with it.
process.on("exit", () => {
  for (const host of live) host.signal("SIGKILL");
});

/** One line the hosted actors print. */
export type HostLine = { readonly event: string; readonly pid: number } & Record<string, unknown>;

/** Where the runner connects and as what. */
export interface RunnerHostConfig {
  readonly endpoint: string;
  readonly namespace: string;
  readonly runnerName: string;
  readonly token?: string;
  /** Copy the runner's stderr to ours. */
  readonly echoStderr?: boolean;
}

/** A thrown wait that ran out of time. */
export class HostWaitTimeout extends Error {
  override readonly name = "HostWaitTimeout";
}

/** One runner process. */
export class RunnerHost {
  /** Every JSON line printed so far, in order. */
  readonly lines: HostLine[] = [];
  private readonly child: ChildProcess;
  private readonly tailLines: string[] = [];
  private readonly waiters = new Set<() => void>();
  private exitText: string | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** The runner ID the engine gave it, once connected. */
  runnerId: string | undefined;

  private constructor(config: RunnerHostConfig) {
    this.child = spawn(process.execPath, NODE_ARGS, {
      ...(CWD !== undefined ? { cwd: CWD } : {}),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        RIVET_ENDPOINT: config.endpoint,
        RIVET_NAMESPACE: config.namespace,
        RIVET_RUNNER: config.runnerName,
        ...(config.token !== undefined ? { RIVET_TOKEN: config.token } : {}),
      },
    });
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once("close", (code, signal) => {
        live.delete(this);
        this.exitText = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
        this.wake();
        resolve();
      });
      this.child.once("error", (error) => {
        live.delete(this);
        this.exitText = `could not start: ${error.message}`;
        this.wake();
        resolve();
      });
    });
    let pending = "";
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf("\n")) !== -1) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        this.keep(text);
        try {
          const line = JSON.parse(text) as HostLine;
          if (typeof line === "object" && line !== null && typeof line.event === "string") this.lines.push(line);
        } catch {
          // Not one of ours (a stray log line); it stays in the tail.
        }
      }
      this.wake();
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      if (config.echoStderr === true) process.stderr.write(chunk);
      for (const text of chunk.split("\n")) if (text.trim() !== "") this.keep(text);
    });
  }

  /** Starts a runner and waits until it has connected to the engine (its `connected` line). */
  static async start(config: RunnerHostConfig, timeoutMs: number): Promise<RunnerHost> {
    const host = new RunnerHost(config);
    try {
      const line = await host.waitFor("the runner to connect to the engine", (l) => l.event === "connected", { timeoutMs });
      host.runnerId = typeof line.runnerId === "string" ? line.runnerId : undefined;
      return host;
    } catch (error) {
      await host.kill();
      throw error;
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitText === undefined;
  }

  /** How it ended, or `still running`. */
  describeExit(): string {
    return this.exitText ?? "still running";
  }

  /** Sends a signal to the whole process group. */
  signal(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined || !this.running) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** SIGKILLs the process group and waits until it is gone. */
  async kill(): Promise<void> {
    this.signal("SIGKILL");
    await this.exited;
  }

  /** The current end of {@link lines}, to wait for lines printed after it. */
  get mark(): number {
    return this.lines.length;
  }

  /**
   * Resolves with the first line from `from` on that matches; fails when the time runs out or
   * the process exits first.
   */
  waitFor(what: string, match: (line: HostLine) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<HostLine> {
    const from = options.from ?? 0;
    const timeoutMs = options.timeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.lines.slice(from).find(match);
        if (found !== undefined) {
          finish();
          resolve(found);
        } else if (!this.running) {
          finish();
          reject(new HostWaitTimeout(`the runner process ${this.describeExit()} while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new HostWaitTimeout(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The last lines of output, for failure reports. */
  tail(): string[] {
    return [...this.tailLines];
  }

  private keep(text: string): void {
    this.tailLines.push(text.length > 300 ? `${text.slice(0, 300)}…` : text);
    if (this.tailLines.length > TAIL_LINES) this.tailLines.shift();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
