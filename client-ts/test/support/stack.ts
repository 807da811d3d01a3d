/**
 * The engine-plus-actor-host stacks the client is tested against, behind one interface so
 * the same cases run on both:
 *
 * - `rivetkitStack`: Rivet's `rivet-engine` binary, with a rivetkit 2.3.19 registry
 *   (`fixtures/rivetkit-app.ts`) hosted by rivetkit's own native envoy in a child process.
 * - `actorwireStack`: our engine, with the same actors hosted by @actorwire/runner
 *   (`fixtures/actorwire-app.ts`) in a child process.
 *
 * `killHost` SIGKILLs the actor host and `startHost` starts a fresh one, for reconnect tests.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { EngineProcess, RivetEngineProcess, repoRoot, spawnTracked, stopProcess } from "@actorwire/testkit";

/** An engine and an actor host serving the fixture actors. */
export interface ClientTestStack {
  /** Human name for test titles. */
  readonly name: string;
  /** The engine endpoint clients use. */
  readonly endpoint: string;
  /** SIGKILLs the actor host. */
  killHost(): Promise<void>;
  /** Starts a new actor host and waits until it is registered with the engine. */
  startHost(): Promise<void>;
  /** Which stack this is, for the few places where Rivet's and ours knowingly differ. */
  readonly kind: "rivetkit" | "actorwire";
  /** SIGKILLs the engine. */
  killEngine(): Promise<void>;
  /** Starts the engine again on the same port and data after {@link killEngine}. */
  startEngine(): Promise<void>;
  /** Destroys an actor through the engine API. */
  destroyActor(actorId: string): Promise<void>;
  /** The last lines the host printed, for failure messages. */
  hostTail(): string;
  close(): Promise<void>;
}

const fixtures = resolve(import.meta.dirname, "../fixtures");

/** Spawns `entry` with tsx and resolves once it prints `{"ready":true}`. */
async function startHostProcess(entry: string, env: Record<string, string>, tail: string[]): Promise<ChildProcess> {
  const child = spawnTracked(process.execPath, ["--import", "tsx", "--conditions=source", entry], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RIVET_LOG_LEVEL: "warn", LOG_LEVEL: "warn", ...env },
  });
  const ready = new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`actor host ${entry} not ready after 60 s:\n${tail.join("\n")}`)), 60_000);
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on("line", (line) => {
        tail.push(line);
        if (tail.length > 80) tail.shift();
        if (line.includes('"ready":true')) {
          clearTimeout(timer);
          resolveReady();
        }
      });
    }
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`actor host ${entry} exited (${code ?? signal}) before it was ready:\n${tail.join("\n")}`));
    });
  });
  await ready;
  return child;
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

async function destroyVia(endpoint: string, actorId: string): Promise<void> {
  const res = await fetch(`${endpoint}/actors/${encodeURIComponent(actorId)}?namespace=default`, { method: "DELETE" });
  const text = await res.text();
  if (!res.ok) throw new Error(`DELETE /actors/${actorId}: ${res.status} ${text}`);
}

/** The engine side of a stack: either engine process, killable and restartable. */
interface StackEngine {
  readonly base: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
  tail?(): string;
}

/** An engine plus a restartable actor host running `entry`. */
async function stackOf(
  name: string,
  kind: ClientTestStack["kind"],
  engine: StackEngine,
  entry: string,
  env: Record<string, string>,
): Promise<ClientTestStack> {
  const tail: string[] = [];
  let host: ChildProcess | undefined;
  try {
    host = await startHostProcess(entry, env, tail);
  } catch (err) {
    await engine.close();
    throw err;
  }
  return {
    name,
    kind,
    killEngine: () => engine.kill(),
    startEngine: () => engine.restart(),
    endpoint: engine.base,
    killHost: async () => kill(host),
    startHost: async () => {
      host = await startHostProcess(entry, env, tail);
    },
    destroyActor: (id) => destroyVia(engine.base, id),
    hostTail: () => (engine.tail === undefined ? tail.join("\n") : `${tail.join("\n")}\n--- engine ---\n${engine.tail()}`),
    close: async () => {
      if (host !== undefined) await stopProcess(host, 3_000);
      await engine.close();
    },
  };
}

/** Rivet's engine binary with a rivetkit 2.3.19 registry as the actor host. */
export async function rivetkitStack(): Promise<ClientTestStack> {
  const engine = await RivetEngineProcess.start();
  // rivetkit starts a local "services" helper process for local endpoints (127.x counts);
  // the tests need only the envoy, and two hosts at once would fight over the helper.
  return stackOf("rivetkit 2.3.19 on rivet-engine", "rivetkit", engine, resolve(fixtures, "rivetkit-main.ts"), {
    RIVET_ENDPOINT: engine.base,
    RIVET_RUN_SERVICES: "0",
  });
}

/** Our engine with the fixture actors hosted by @actorwire/runner. */
export async function actorwireStack(): Promise<ClientTestStack> {
  const engine = await EngineProcess.start({ runnerLostThresholdMs: 2_000 });
  return stackOf("@actorwire/runner on the actorwire engine", "actorwire", engine, resolve(fixtures, "actorwire-main.ts"), {
    RIVET_ENDPOINT: engine.base,
  });
}
