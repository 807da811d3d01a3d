/**
 * The bench's side of the runner process (`runner-child.ts`): starts it against an engine,
 * waits until Rivet's runner has connected, and turns its IPC messages into promises and
 * per-actor start/stop waits.
 */
import type { ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { spawnTracked, stopProcess } from "@actorwire/testkit/processes";
// Type-only, erased at run time: it puts the child's source in `tsc -p bench` as well.
import type {} from "./runner-child.js";

const root = resolve(import.meta.dirname, "../..");

export interface RunnerCounts {
  readonly pingStarts: number;
  readonly pingStops: number;
  readonly sleeperStarts: number;
  readonly sleeperStops: number;
  readonly fetches: number;
  readonly actors: number;
  readonly rssBytes: number;
}

export interface KvLoopResult {
  readonly ops: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
}

type Waiter = { resolve: (at: number) => void; reject: (err: Error) => void; timer: NodeJS.Timeout };

export class RunnerHost {
  readonly #child: ChildProcess;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  /** When each actor was last reported started / stopped (performance.now() in this process). */
  readonly started = new Map<string, number>();
  readonly stopped = new Map<string, number>();
  readonly #startWaiters = new Map<string, Waiter>();
  readonly #stopWaiters = new Map<string, Waiter>();
  #disconnects = 0;
  runnerId: string | undefined;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on("message", (raw) => this.#onMessage(raw as Record<string, unknown>));
    child.on("exit", (code, signal) => {
      const err = new Error(`runner process exited (${code ?? signal})`);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    });
  }

  /** Starts the runner process and resolves once the runner has connected to the engine. */
  static async start(endpoint: URL, runnerName: string, timeoutMs = 30_000): Promise<RunnerHost> {
    const child = spawnTracked(process.execPath, ["--import", "tsx", "--conditions=source", "bench/support/runner-child.ts"], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, BENCH_ENDPOINT: endpoint.origin, BENCH_RUNNER_NAME: runnerName },
    });
    const host = new RunnerHost(child);
    await new Promise<void>((resolveConnected, reject) => {
      const timer = setTimeout(() => reject(new Error(`runner did not connect within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (raw: unknown) => {
        const msg = raw as { ev?: string; runnerId?: string };
        if (msg.ev === "connected") {
          clearTimeout(timer);
          child.off("message", onMessage);
          host.runnerId = msg.runnerId;
          resolveConnected();
        }
      };
      child.on("message", onMessage);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`runner process exited (${code}) before connecting`));
      });
    });
    return host;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** How many times the runner's socket to the engine dropped (should stay 0). */
  get disconnects(): number {
    return this.#disconnects;
  }

  #onMessage(msg: Record<string, unknown>): void {
    const now = performance.now();
    if (typeof msg.id === "number") {
      const pending = this.#pending.get(msg.id);
      if (pending === undefined) return;
      this.#pending.delete(msg.id);
      if (msg.ok === true) pending.resolve(msg);
      else pending.reject(new Error(`runner: ${String(msg.error)}`));
      return;
    }
    const actorId = msg.actorId as string;
    if (msg.ev === "started") {
      this.started.set(actorId, now);
      this.#settle(this.#startWaiters, actorId, now);
    } else if (msg.ev === "stopped") {
      this.stopped.set(actorId, now);
      this.#settle(this.#stopWaiters, actorId, now);
    } else if (msg.ev === "disconnected") {
      this.#disconnects++;
    }
  }

  #settle(waiters: Map<string, Waiter>, actorId: string, at: number): void {
    const waiter = waiters.get(actorId);
    if (waiter === undefined) return;
    waiters.delete(actorId);
    clearTimeout(waiter.timer);
    waiter.resolve(at);
  }

  #wait(waiters: Map<string, Waiter>, what: string, actorId: string, timeoutMs: number): Promise<number> {
    return new Promise((resolveAt, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(actorId);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for actor ${actorId} to be ${what}`));
      }, timeoutMs);
      waiters.set(actorId, { resolve: resolveAt, reject, timer });
    });
  }

  /** Resolves with the time (performance.now()) the runner reports the actor's next start. Call before causing it. */
  nextStart(actorId: string, timeoutMs = 30_000): Promise<number> {
    return this.#wait(this.#startWaiters, "started", actorId, timeoutMs);
  }

  /** Resolves with the time the runner reports the actor's next stop. Call before causing it. */
  nextStop(actorId: string, timeoutMs = 30_000): Promise<number> {
    return this.#wait(this.#stopWaiters, "stopped", actorId, timeoutMs);
  }

  call<T>(op: string, body: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolveCall, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`runner did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolveCall(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.send({ id, op, ...body });
    });
  }

  sleep(actorId: string): Promise<void> {
    return this.call("sleep", { actorId });
  }

  counts(): Promise<RunnerCounts> {
    return this.call("counts");
  }

  kv(actorId: string, mode: "put" | "get", inFlight: number, ms: number): Promise<KvLoopResult> {
    return this.call("kv", { actorId, mode, inFlight, ms }, ms + 60_000);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    try {
      await this.call("shutdown", {}, 10_000);
    } catch {
      // Stopped below either way.
    }
    await stopProcess(this.#child, 5_000);
  }
}
