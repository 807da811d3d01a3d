import type { ChildProcess } from "node:child_process";
import { createClient } from "@actorwire/client";
import { EngineProcess, repoRoot, spawnTracked, stopProcess } from "@actorwire/testkit";
import type { registry } from "./counter-runner.js";

/** The engine under fuzz, a runner hosting the counter, and the checks every fuzz run ends with. */
export class FuzzStack {
  private runner: ChildProcess;

  private constructor(readonly engine: EngineProcess) {
    this.runner = this.spawnRunner();
  }

  /** Starts the engine (a short runner-lost threshold makes a killed runner's actors move in seconds) and the runner. */
  static async start(options: { runnerLostThresholdMs?: number } = {}): Promise<FuzzStack> {
    const engine = await EngineProcess.start(options.runnerLostThresholdMs !== undefined ? { runnerLostThresholdMs: options.runnerLostThresholdMs } : {});
    const stack = new FuzzStack(engine);
    // The first call creates the canary actor, which proves the runner is connected.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await stack.client().counter.getOrCreate(["canary"]).get();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    return stack;
  }

  private spawnRunner(): ChildProcess {
    return spawnTracked(process.execPath, ["--import", "tsx", "--conditions=source", "robustness/src/counter-runner.ts"], {
      cwd: repoRoot,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, RIVET_ENDPOINT: this.engine.base, RIVET_RUNNER: "default", ACTORWIRE_RUNNER_LOG_LEVEL: "error" },
    });
  }

  /** SIGKILLs the runner process and waits until it is gone. */
  async killRunner(): Promise<void> {
    const runner = this.runner;
    if (runner.exitCode !== null || runner.signalCode !== null) return;
    const exited = new Promise((r) => runner.once("exit", r));
    runner.kill("SIGKILL");
    await exited;
  }

  /** Starts a new runner process (a new runner ID: the engine moves the actors to it). */
  startRunner(): void {
    this.runner = this.spawnRunner();
  }

  client(): ReturnType<typeof createClient<typeof registry>> {
    return createClient<typeof registry>({ endpoint: this.engine.base, disableMetadataLookup: true });
  }

  /** Both processes still run, and `/health` answers. */
  async assertAlive(): Promise<void> {
    if (!this.engine.running) throw new Error("the engine process exited");
    if (this.runner.exitCode !== null || this.runner.signalCode !== null) throw new Error(`the runner exited (${String(this.runner.exitCode ?? this.runner.signalCode)})`);
    const res = await fetch(`${this.engine.base}/health`, { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`/health answered ${res.status}`);
  }

  /**
   * A well-behaved client calling a counter in parallel: `callers` clients each add 1 to their
   * own counter `rounds` times, and every answer must be exactly one more than the last.
   */
  async assertCountersCorrect(tag: string, callers = 8, rounds = 10): Promise<void> {
    const client = this.client();
    try {
      await Promise.all(
        Array.from({ length: callers }, async (_, i) => {
          const handle = client.counter.getOrCreate([`canary-${tag}-${i}`]);
          const start = await handle.get();
          for (let r = 1; r <= rounds; r++) {
            const got = await handle.increment(1);
            if (got !== start + r) throw new Error(`counter canary-${tag}-${i}: expected ${start + r}, got ${String(got)}`);
          }
        }),
      );
    } finally {
      await client.dispose();
    }
  }

  async close(): Promise<void> {
    await stopProcess(this.runner, 5_000);
    await this.engine.close();
  }
}
