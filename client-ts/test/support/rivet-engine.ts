/**
 * Rivet's `rivet-engine` binary on fixed loopback ports and a data folder that survive a
 * SIGKILL, so a test can restart the engine under live clients and actor hosts (testkit's
 * `RivetEngineProcess` makes fresh ports and data each time).
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { freePort, rivetEngineEnv, rivetEnginePath, spawnTracked } from "@actorwire/testkit";

export class RestartableRivetEngine {
  private child: ChildProcess | undefined;
  private readonly tailLines: string[] = [];

  private constructor(
    private readonly path: string,
    readonly dataDir: string,
    readonly ports: { guard: number; apiPeer: number; metrics: number },
  ) {}

  /** Starts the engine; a missing binary fails loudly. */
  static async start(): Promise<RestartableRivetEngine> {
    const found = rivetEnginePath();
    if ("error" in found) throw new Error(`Rivet's engine binary is required and missing: ${found.error}`);
    const dataDir = mkdtempSync(join(tmpdir(), "actorwire-client-rivet-"));
    const engine = new RestartableRivetEngine(found.path, dataDir, { guard: await freePort(), apiPeer: await freePort(), metrics: await freePort() });
    await engine.spawn();
    return engine;
  }

  get base(): string {
    return `http://127.0.0.1:${this.ports.guard}`;
  }

  tail(): string {
    return this.tailLines.join("\n");
  }

  /** A new process on the same ports and data, after {@link kill}. */
  async restart(): Promise<void> {
    await this.kill();
    let last: unknown;
    for (let i = 0; i < 10; i++) {
      try {
        await this.spawn();
        return;
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    throw last;
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
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
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`rivet-engine exited early:\n${this.tail()}`);
      try {
        const res = await fetch(`${this.base}/health`);
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`rivet-engine not healthy after 60 s:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
