/**
 * The end-to-end stack of the actor runtime's tests: a real engine (ours, `EngineProcess`, or
 * Rivet's `rivet-engine` binary, `RivetEngineProcess`), a runner child process hosting a
 * registry module, and rivetkit's own client (`rivetkit/client` 2.3.19) pointed at the engine.
 *
 * ```ts
 * describe.each(ENGINES)("on %s", (engine) => {
 *   const stack = useStack({ engine, fixture: "core-actors.ts" });
 *   it("...", async () => {
 *     const handle = stack.get().client.counter.getOrCreate(["a"]);
 *     await handle.increment(1);
 *     await stack.get().killRunner();   // SIGKILL
 *     await stack.get().startRunner();  // a fresh runner process
 *   });
 * });
 * ```
 *
 * A fixture is a TypeScript module under `runner-ts/test/fixtures/` that builds a registry and
 * calls `serve(registry)` from `./serve.ts`; whatever it prints with `report({...})` lands in
 * `stack.lines` (over every runner process of the stack, in order).
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { isAbsolute, join } from "node:path";
import { EngineProcess, JsonLines, RivetEngineProcess, repoRoot, spawnTracked } from "@actorwire/testkit";
import { createClient } from "rivetkit/client";
import { afterAll, beforeAll } from "vitest";

/** Which engine a stack runs on. */
export type EngineKind = "actorwire" | "rivet";

/** Both engines, for `describe.each(ENGINES)`. */
export const ENGINES: readonly EngineKind[] = ["actorwire", "rivet"];

/**
 * How long an engine waits for a vanished runner before it moves its actors elsewhere. Short,
 * so SIGKILL tests are quick; long enough that a busy box does not lose runners spuriously.
 */
export const RUNNER_LOST_THRESHOLD_MS = 1_500;
/** How often Rivet's engine pings runners in these tests. */
const RIVET_PING_INTERVAL_MS = 250;

/** One line a runner child prints (`report({...})` in the fixture, plus `connected`). */
export type StackLine = { readonly event: string; readonly pid?: number } & Record<string, unknown>;

/** Options of {@link Stack.start}. */
export interface StackOptions {
  readonly engine: EngineKind;
  /** The registry module the runner runs: a path under `runner-ts/test/fixtures/`, or absolute. */
  readonly fixture: string;
  /** Runner (pool) name; a unique one per stack when not given. */
  readonly runnerName?: string;
  /** More environment for the runner child. */
  readonly env?: Readonly<Record<string, string>>;
  /** Start a runner right away (default true). */
  readonly startRunner?: boolean;
}

interface Engine {
  readonly base: string;
  close(): Promise<void>;
}

let stackCounter = 0;

/** A running engine, a runner child process (restartable) and a client. */
export class Stack {
  /** What the runner children printed, over all of them, in order. */
  readonly lines = new JsonLines<StackLine>();
  /** rivetkit's client on this stack's engine and runner name (untyped: calls are by name). */
  readonly client: any;
  private child: ChildProcess | undefined;

  private constructor(
    private readonly engine: Engine,
    readonly kind: EngineKind,
    readonly runnerName: string,
    private readonly fixturePath: string,
    private readonly env: Readonly<Record<string, string>>,
  ) {
    this.client = createClient({ endpoint: engine.base, namespace: "default", poolName: runnerName, encoding: "cbor" } as never);
  }

  /** Starts the engine, then (unless told not to) a runner, and waits until it is connected. */
  static async start(options: StackOptions): Promise<Stack> {
    const engine: Engine =
      options.engine === "actorwire"
        ? await EngineProcess.start({ runnerLostThresholdMs: RUNNER_LOST_THRESHOLD_MS })
        : await RivetEngineProcess.start({
            env: {
              // Rivet expires a runner whose last ping is older than the threshold, so its pings
              // must come well within it (its default is one every 3 s).
              RIVET__PEGBOARD__RUNNER_LOST_THRESHOLD: String(RUNNER_LOST_THRESHOLD_MS),
              RIVET__PEGBOARD__RUNNER_UPDATE_PING_INTERVAL_MS: String(RIVET_PING_INTERVAL_MS),
            },
          });
    const fixture = isAbsolute(options.fixture) ? options.fixture : join(repoRoot, "runner-ts/test/fixtures", options.fixture);
    const runnerName = options.runnerName ?? `core-${process.pid}-${++stackCounter}`;
    const stack = new Stack(engine, options.engine, runnerName, fixture, options.env ?? {});
    if (options.startRunner ?? true) {
      await stack.startRunner();
      if (options.engine === "rivet") await stack.waitForRivetPool();
    }
    return stack;
  }

  /**
   * Rivet's engine answers actor creation for a runner name with "no runner config" for a
   * moment after that runner first connected (its lookup lags the connection). Creating (and
   * at once destroying) a probe actor until that passes keeps the first test from racing it.
   */
  private async waitForRivetPool(): Promise<void> {
    // Rivet takes a while to register a new pool, longer when the box is loaded by other tests.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`${this.endpoint}/actors?namespace=default`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "__stack_probe", key: `probe-${Date.now()}`, runner_name_selector: this.runnerName, crash_policy: "destroy" }),
      });
      const body = (await res.json()) as { actor?: { actor_id: string } };
      if (res.ok && body.actor) {
        await fetch(`${this.endpoint}/actors/${body.actor.actor_id}?namespace=default`, { method: "DELETE" });
        return;
      }
      if (Date.now() > deadline) throw new Error(`Rivet's engine never accepted actors for ${this.runnerName}: ${res.status} ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The engine's `http://127.0.0.1:<port>`. */
  get endpoint(): string {
    return this.engine.base;
  }

  /** The current runner child's PID, if one runs. */
  get runnerPid(): number | undefined {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Starts a fresh runner process (a new runner key) and waits until it is connected to the engine. */
  async startRunner(): Promise<void> {
    if (this.runnerPid !== undefined) throw new Error("a runner is already running; kill or stop it first");
    const from = this.lines.mark;
    const child = spawnTracked(process.execPath, ["--import", "tsx", "--conditions=source", this.fixturePath], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        RIVET_ENDPOINT: this.engine.base,
        RIVET_NAMESPACE: "default",
        RIVET_RUNNER: this.runnerName,
        ...this.env,
      },
    });
    this.child = child;
    if (child.stdout) this.lines.follow(child.stdout);
    const stderr: string[] = [];
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr.push(chunk.toString());
      if (process.env.ACTORWIRE_TEST_RUNNER_STDERR === "1") process.stderr.write(chunk);
      if (stderr.length > 50) stderr.shift();
    });
    const exited = once(child, "exit").then(() => {
      throw new Error(`the runner exited before it connected:\n${stderr.join("")}`);
    });
    exited.catch(() => {});
    await Promise.race([this.lines.wait("the runner to connect", (l) => l.event === "connected" && l.pid === child.pid, { from, timeoutMs: 30_000 }), exited]);
  }

  /** SIGKILLs the current runner and waits until it is gone. */
  async killRunner(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }

  /** Stops the current runner gracefully (SIGTERM: it drains its actors) and waits until it exits. */
  async stopRunner(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  }

  /** The lines of one event name printed from `from` on. */
  events(event: string, from = 0): StackLine[] {
    return this.lines.filter((l) => l.event === event, from);
  }

  /** Waits for a line of `event` matching `match`, from line `from` on. */
  waitFor(event: string, match: (line: StackLine) => boolean = () => true, options: { from?: number; timeoutMs?: number } = {}): Promise<StackLine> {
    return this.lines.wait(`a "${event}" line`, (l) => l.event === event && match(l), options);
  }

  /** Kills the runner, disposes the client, and stops the engine. */
  async close(): Promise<void> {
    await this.killRunner();
    await Promise.resolve(this.client.dispose?.()).catch(() => {});
    await this.engine.close();
  }
}

/** Starts a stack in `beforeAll` and closes it in `afterAll`; `get()` returns it inside tests. */
export function useStack(options: StackOptions): { get(): Stack } {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await Stack.start(options);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  }, 60_000);
  return {
    get() {
      if (stack === undefined) throw new Error("the stack did not start");
      return stack;
    },
  };
}
