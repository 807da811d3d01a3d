/**
 * The runner under test as a child process: started through the shell in its own process
 * group with the environment contract (`fixtures/conformance-actors/README.md`), its stderr
 * kept for failure reports, signalled and killed as a group.
 */
import { spawn, type ChildProcess } from "node:child_process";

const STDERR_TAIL_BYTES = 4096;
const live = new Set<RunnerProcess>();

// A harness that exits for any reason takes its runners with it.
process.on("exit", () => {
  for (const runner of live) runner.kill();
});

/** How the runner process ended. */
export interface RunnerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A started runner process. */
export class RunnerProcess {
  private readonly child: ChildProcess;
  private stderrTail = Buffer.alloc(0);
  /** Resolves when the process (the shell) has exited. */
  readonly exited: Promise<RunnerExit>;
  exit: RunnerExit | undefined;

  constructor(command: string, env: Record<string, string>, options: { cwd?: string; echoStderr?: boolean } = {}) {
    this.child = spawn(command, {
      shell: true,
      cwd: options.cwd,
      detached: true,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(this);
    // "close", not "exit": the shell may die of a signal meant for the runner (SIGTERM to the
    // group) while the runner, which holds the same stdout and stderr pipes, goes on draining.
    // The pipes close only when every process holding them is gone.
    this.exited = new Promise((resolve) => {
      this.child.once("close", (code, signal) => {
        live.delete(this);
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.once("error", (error) => {
        live.delete(this);
        this.stderrTail = Buffer.concat([this.stderrTail, Buffer.from(`could not start: ${error.message}\n`)]);
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
    });
    const keep = (chunk: Buffer): void => {
      if (options.echoStderr) process.stderr.write(chunk);
      const joined = Buffer.concat([this.stderrTail, chunk]);
      this.stderrTail = joined.subarray(Math.max(0, joined.byteLength - STDERR_TAIL_BYTES));
    };
    // stdout is the adapter's own business; it is kept with stderr for failure reports.
    this.child.stdout!.on("data", keep);
    this.child.stderr!.on("data", keep);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
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

  kill(): void {
    this.signal("SIGKILL");
  }

  /** Kills the group and waits for the exit. */
  async stop(): Promise<void> {
    this.kill();
    await this.exited;
  }

  /** The last lines of output, for failure reports. */
  tail(lines = 12): string[] {
    return this.stderrTail
      .toString("utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .slice(-lines);
  }

  describeExit(): string {
    if (this.exit === undefined) return "still running";
    return this.exit.signal !== null ? `killed by ${this.exit.signal}` : `exited with code ${this.exit.code}`;
  }
}
