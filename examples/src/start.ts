/**
 * `npm start` at the repository root: starts the engine (embedded SQLite storage in
 * engine-ts/.actorwire/data, port 6420 unless PORT is set) and a runner hosting the demo
 * actors, then prints how to call them. Ctrl-C stops both, the runner first so that its
 * actors are stopped cleanly and their state is flushed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

const root = resolve(import.meta.dirname, "../..");
const port = process.env.PORT ?? "6420";
const tsx = ["--import", "tsx", "--conditions=source"];

function start(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [...tsx, ...args], { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${code ?? signal}); stopping`);
      void stop(1);
    }
  });
  return child;
}

let stopping = false;
const children: ChildProcess[] = [];

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The runner drains first (its actors stop and flush their state), then the engine.
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

const engine = start("engine", ["engine-ts/src/bin.ts", "--port", port], {});
children.push(engine);
const endpoint = await new Promise<string>((resolvePromise, reject) => {
  const lines = createInterface({ input: engine.stdout! });
  lines.on("line", (line) => {
    try {
      const msg = JSON.parse(line) as { port?: number; host?: string };
      if (typeof msg.port === "number") resolvePromise(`http://127.0.0.1:${msg.port}`);
    } catch {
      // Not a JSON line; the engine only prints JSON, but stay tolerant.
    }
    process.stdout.write(`${line}\n`);
  });
  engine.once("exit", () => reject(new Error("the engine exited before it listened")));
});

const runner = start("runner", ["examples/src/runner.ts"], { RIVET_ENDPOINT: endpoint });
children.push(runner);
runner.stdout!.pipe(process.stdout);

console.log(`
actorwire is running: engine ${endpoint}, a runner hosting the demo actors "counter" and "chatRoom".

Call the counter (key "demo") through the gateway; the engine creates the actor on first use:
  curl -s -X POST '${endpoint}/gateway/counter/action/increment?rvt-namespace=default&rvt-method=getOrCreate&rvt-key=demo&rvt-runner=default' \\
       -H 'content-type: application/json' -d '{"args":[5]}'

Or from code, with the typed client:
  import { createClient } from "@actorwire/client";
  import type { registry } from "./examples/src/registry.js";
  const client = createClient<typeof registry>("${endpoint}");
  await client.counter.getOrCreate(["demo"]).increment(5);

Ctrl-C stops both processes.
`);
