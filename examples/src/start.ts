/**
 * `npm start` at the repository root: starts the engine (through its `actorwire-engine`
 * launcher, embedded SQLite storage in .actorwire/data unless told otherwise) and a runner
 * hosting the demo actors, waits until the runner is connected, then prints how to call them.
 * Ctrl-C stops both, the runner first so that its actors are stopped cleanly and their state
 * is flushed. Run `npm start -- --help` for the options.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

const USAGE = `Usage: npm start [-- options]

Starts the actorwire engine and a runner hosting the demo actors "counter" and "chatRoom",
then prints how to call them. Ctrl-C stops both.

Options:
  --port <n>        engine port, 0 for any free one (ACTORWIRE_PORT, then PORT; default 6420)
  --data-dir <dir>  where the engine keeps its database (ACTORWIRE_DATA_DIR; default
                    .actorwire/data in the repository)
  -h, --help        print this text and exit`;

const root = resolve(import.meta.dirname, "../..");
const launcher = resolve(root, "engine-ts/bin/actorwire-engine.js");

/** A bad command line: one line on stderr, exit 2, as the engine does. */
function usageError(message: string): never {
  console.error(`npm start: ${message} (see npm start -- --help)`);
  process.exit(2);
}

let values: { port?: string; "data-dir"?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { port: { type: "string" }, "data-dir": { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  usageError((error as Error).message.split("\n")[0] ?? String(error));
}
if (values.help === true) {
  console.log(USAGE);
  process.exit(0);
}

const fromEnv = (name: string): string | undefined => (process.env[name] !== undefined && process.env[name] !== "" ? process.env[name] : undefined);
const portSetting =
  values.port !== undefined
    ? { value: values.port, from: "--port" }
    : fromEnv("ACTORWIRE_PORT") !== undefined
      ? { value: fromEnv("ACTORWIRE_PORT")!, from: "ACTORWIRE_PORT" }
      : fromEnv("PORT") !== undefined
        ? { value: fromEnv("PORT")!, from: "PORT" }
        : { value: "6420", from: "the default" };
if (!/^\d+$/.test(portSetting.value) || Number(portSetting.value) > 65_535) {
  usageError(`${portSetting.from} must be an integer from 0 to 65535, got "${portSetting.value}"`);
}
const port = String(Number(portSetting.value));
// npm runs this script in examples/; a relative dir means relative to where `npm start` was typed.
const dataDirSetting = values["data-dir"] ?? fromEnv("ACTORWIRE_DATA_DIR");
const dataDirArgs = dataDirSetting === undefined ? [] : ["--data-dir", resolve(process.env.INIT_CWD ?? process.cwd(), dataDirSetting)];

let stopping = false;
const children: ChildProcess[] = [];

function start(name: string, args: string[], env: NodeJS.ProcessEnv, stdout: "pipe" | "inherit"): ChildProcess {
  // Each child in its own process group: a Ctrl-C reaches only this process, which stops the
  // runner before the engine. Anything that ends this process ends the children (see below).
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", stdout, "inherit"], env: { ...process.env, ...env }, detached: true });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    if (listening) console.error(`npm start: the ${name} exited (${code ?? signal}); stopping`);
    // Before it listened, the engine has said why on stderr in one line; add nothing to it.
    void stop(code !== null && code !== 0 ? code : 1);
  });
  return child;
}

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
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));
// However this process ends, the children must not outlive it.
process.on("exit", () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

let listening = false;
const engine = start("engine", [launcher, "--port", port, ...dataDirArgs], {}, "pipe");
const endpoint = await new Promise<string>((resolvePromise) => {
  const lines = createInterface({ input: engine.stdout! });
  lines.on("line", (line) => {
    process.stdout.write(`${line}\n`);
    if (listening) return;
    try {
      const msg = JSON.parse(line) as { port?: unknown };
      if (typeof msg.port === "number") {
        listening = true;
        resolvePromise(`http://127.0.0.1:${msg.port}`);
      }
    } catch {
      // Not a JSON line; the engine only prints JSON, but stay tolerant.
    }
  });
});

start("runner", [...["--import", "tsx", "--conditions=source"], "examples/src/runner.ts"], { RIVET_ENDPOINT: endpoint }, "inherit");

// Print the instructions once they work: the runner has connected to the engine.
const deadline = Date.now() + 60_000;
for (;;) {
  if (stopping) await new Promise(() => {});
  try {
    const { names } = (await (await fetch(`${endpoint}/runners/names?namespace=default`)).json()) as { names?: string[] };
    if (names?.includes("default") === true) break;
  } catch {
    // The engine answers once it listens; a refused request only means "not yet".
  }
  if (Date.now() > deadline) {
    console.error("npm start: the runner did not connect to the engine within 60 s; stopping");
    await stop(1);
  }
  await new Promise((r) => setTimeout(r, 200));
}

console.log(`
actorwire is running: engine ${endpoint}, a runner hosting the demo actors "counter" and "chatRoom".

Call the counter (key "demo") through the gateway; the engine creates the actor on first use:
  curl -s -X POST '${endpoint}/gateway/counter/action/increment?rvt-namespace=default&rvt-method=getOrCreate&rvt-key=demo&rvt-runner=default' \\
       -H 'content-type: application/json' -d '{"args":[5]}'

Or from code, with the typed client: examples/src/call-counter.ts does
  const client = createClient<typeof registry>(endpoint);
  const counter = client.counter.getOrCreate(["demo"]);
  await counter.increment(1);
  counter.connect().once("newCount", (count) => console.log(count));
Run it from the repository root:
  RIVET_ENDPOINT=${endpoint} node --import tsx --conditions=source examples/src/call-counter.ts

Ctrl-C stops both processes.
`);
