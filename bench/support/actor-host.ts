/**
 * The bench's side of an actor host process (`actor-hosts/*.ts`): bundles or runs it, waits
 * for its ready line, reads its memory over IPC, and stops it.
 */
import type { ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { spawnTracked, stopProcess } from "@actorwire/testkit/processes";
import { bundle } from "./engines.js";

const root = resolve(import.meta.dirname, "../..");

export type HostKind = "ours" | "rivetkit";

export interface HostStats {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

export class ActorHostProcess {
  private readonly tailLines: string[] = [];
  private constructor(private readonly child: ChildProcess) {}

  /** Starts the host against `endpoint` and resolves once it is registered with the engine. */
  static async start(kind: HostKind, endpoint: string, nodeArgs: readonly string[] = []): Promise<ActorHostProcess> {
    // Ours is bundled the way a deployment runs compiled JavaScript; rivetkit ships compiled
    // JavaScript already, so its tiny host file runs through tsx's loader only.
    const args =
      kind === "ours"
        ? ["--expose-gc", ...nodeArgs, await bundle("bench/support/actor-hosts/ours.ts", "actor-host-ours")]
        : ["--expose-gc", ...nodeArgs, "--import", "tsx", "bench/support/actor-hosts/rivetkit.ts"];
    const child = spawnTracked(process.execPath, args, {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, RIVET_ENDPOINT: endpoint, RIVET_RUN_SERVICES: "0", RIVET_LOG_LEVEL: "warn", LOG_LEVEL: "warn", ACTORWIRE_LOG_LEVEL: "warn" },
    });
    const host = new ActorHostProcess(child);
    await new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`${kind} actor host not ready after 60 s:\n${host.tail()}`)), 60_000);
      for (const stream of [child.stdout, child.stderr]) {
        if (stream === null) continue;
        createInterface({ input: stream }).on("line", (line) => {
          host.tailLines.push(line);
          if (host.tailLines.length > 60) host.tailLines.shift();
          if (line.includes('"ready":true')) {
            clearTimeout(timer);
            resolveReady();
          }
        });
      }
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${kind} actor host exited (${code ?? signal}):\n${host.tail()}`));
      });
    });
    return host;
  }

  get pid(): number {
    return this.child.pid!;
  }

  tail(): string {
    return this.tailLines.join("\n");
  }

  /** Resident memory after two full collections in the host. */
  stats(): Promise<HostStats> {
    return new Promise((resolveStats, reject) => {
      const timer = setTimeout(() => reject(new Error("actor host did not answer stats")), 30_000);
      const onMessage = (msg: { type?: string } & HostStats) => {
        if (msg.type !== "stats") return;
        clearTimeout(timer);
        this.child.off("message", onMessage);
        resolveStats({ rssBytes: msg.rssBytes, heapUsedBytes: msg.heapUsedBytes });
      };
      this.child.on("message", onMessage);
      this.child.send({ type: "stats" });
    });
  }

  async stop(): Promise<void> {
    await stopProcess(this.child, 10_000);
  }
}
