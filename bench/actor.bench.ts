/**
 * Actor benchmark: the same counter actor on three stacks, on the same box in the same run,
 * one stack at a time:
 *
 * - **ours**: our engine (esbuild bundle, SQLite) + our runner (`@actorwire/runner`, bundled);
 * - **ours-on-rivet**: Rivet's `rivet-engine` 2.3.19 + our runner, to separate runner from engine;
 * - **rivetkit**: Rivet's `rivet-engine` 2.3.19 + rivetkit 2.3.19 (its native envoy).
 *
 * The client is the same small one for all three, so it does not dominate: undici `request`s
 * over a keep-alive pool for stateless actions (`POST /gateway/{id}/action/increment`, json
 * encoding) and a `ws` WebSocket on `/gateway/{id}/connect` for actions over a connection.
 * Our runner answers an action only once its state change is durable (strict durability, the
 * default); rivetkit saves state on a 1-second interval.
 *
 * Measured per stack: action latency p50/p99 stateless and over a connection; actions/s with
 * 1, 10 and 100 callers each on its own actor and with 100 callers on one actor; cold start
 * (create through the API → first action answered); memory per idle awake actor (the host's
 * RSS growth after full collections, divided by the number of actors woken).
 *
 * Run with `npm run bench:actor` (also part of `npm run bench`). Tunables (environment):
 * BENCH_STACKS (default "ours,ours-on-rivet,rivetkit"), BENCH_APS_MS (3000),
 * BENCH_IDLE_ACTORS (10000), BENCH_IDLE_BUDGET_MS (60000), BENCH_COLD_STARTS (20).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { clientMessages } from "@actorwire/protocol";
import { rivetEnginePath } from "@actorwire/testkit/rivet-engine";
import { ActorHostProcess, type HostKind } from "./support/actor-host.js";
import { type EngineHandle, startOurs, startRivet } from "./support/engines.js";
import { apiJson, httpRequest, type KeepAlivePool, keepAliveAgent } from "./support/http.js";
import { fmtInt, fmtMs, type LatencySummary, markdownTable, round, summarize, positiveInt } from "./support/stats.js";

type StackName = "ours" | "ours-on-rivet" | "rivetkit";
const STACKS: Record<StackName, { engine: "ours" | "rivet"; host: HostKind; label: string }> = {
  ours: { engine: "ours", host: "ours", label: "actorwire engine + actorwire runner" },
  "ours-on-rivet": { engine: "rivet", host: "ours", label: "rivet-engine 2.3.19 + actorwire runner" },
  rivetkit: { engine: "rivet", host: "rivetkit", label: "rivet-engine 2.3.19 + rivetkit 2.3.19" },
};

const SETTINGS = {
  stacks: (process.env.BENCH_STACKS ?? "ours,ours-on-rivet,rivetkit").split(",").map((s) => s.trim()) as StackName[],
  latencyWarmup: 200,
  latencyRequests: 1000,
  apsMs: positiveInt("BENCH_APS_MS", 3000),
  apsWarmupMs: 500,
  coldStarts: positiveInt("BENCH_COLD_STARTS", 20),
  idleActors: positiveInt("BENCH_IDLE_ACTORS", 10_000),
  idleBudgetMs: positiveInt("BENCH_IDLE_BUDGET_MS", 60_000),
  idleConcurrency: 16,
};

/** The targets for our stack on a 2-core box (the action-path work: stateless p50 ≤ 1.5 ms, ≤ 1 KiB per idle awake actor). */
const TARGETS = { connP50Ms: 1, statelessP50Ms: 1.5, apsAt100: 10_000, coldStartP50Ms: 15, bytesPerIdleActor: 1024 };

interface ApsResult {
  readonly callers: number;
  readonly actors: number;
  readonly actionsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly firstError: string | null;
}

interface StackResult {
  readonly stack: StackName;
  readonly label: string;
  readonly stateless: LatencySummary;
  readonly connection: LatencySummary;
  readonly aps: ApsResult[];
  readonly coldStart: LatencySummary;
  readonly idle: { readonly actors: number; readonly seconds: number; readonly rssDeltaBytes: number; readonly heapDeltaBytes: number; readonly bytesPerActor: number };
  /** Our runner only: the same latencies with `durability: "interval"` (Rivet's save policy). */
  readonly interval?: { readonly stateless: LatencySummary; readonly connection: LatencySummary };
}

const ACTION_BODY = JSON.stringify({ args: [1] });
const ACTION_HEADERS = { "x-rivet-encoding": "json" };

/**
 * Gets or creates an actor. `PUT /actors` is idempotent, so a failed attempt is retried:
 * Rivet's engine sometimes holds a creation for 30 s under a burst and then fails it.
 */
async function createActor(agent: KeepAlivePool, base: URL, key: string, name = "counter"): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await apiJson<{ actor: { actor_id: string } }>(agent, base, "PUT", "/actors?namespace=default", {
        name,
        key,
        runner_name_selector: "default",
        crash_policy: "sleep",
      });
      return res.actor.actor_id;
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Waits until the engine creates actors for the runner's pool. Rivet's engine refuses (or
 * holds for up to 30 s) creations for a runner name that connected a moment ago, even
 * though the runner is listed; the first successful creation means the pool is usable.
 */
async function waitAcceptsActors(base: URL, tag: string): Promise<void> {
  const agent = keepAliveAgent(1);
  const deadline = performance.now() + 120_000;
  let attempt = 0;
  try {
    for (;;) {
      try {
        const id = await createActor(agent, base, `probe-${tag}-${attempt++}`);
        await callAction(agent, base, id);
        return;
      } catch (err) {
        if (performance.now() > deadline) throw new Error(`the engine did not accept actors for 120 s: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await agent.close();
  }
}

async function callAction(agent: KeepAlivePool, base: URL, actorId: string): Promise<void> {
  const res = await httpRequest(agent, base, "POST", `/gateway/${actorId}/action/increment`, ACTION_BODY, ACTION_HEADERS);
  if (res.status !== 200) throw new Error(`action answered ${res.status}: ${res.body.toString("utf8").slice(0, 300)}`);
}

async function statelessLatency(base: URL, actorId: string): Promise<LatencySummary> {
  const agent = keepAliveAgent(1);
  for (let i = 0; i < SETTINGS.latencyWarmup; i++) await callAction(agent, base, actorId);
  const ms: number[] = [];
  for (let i = 0; i < SETTINGS.latencyRequests; i++) {
    const t0 = performance.now();
    await callAction(agent, base, actorId);
    ms.push(performance.now() - t0);
  }
  await agent.close();
  return summarize(ms);
}

/** Actions over one `/connect` WebSocket (json encoding), one at a time. */
async function connectionLatency(base: URL, actorId: string): Promise<LatencySummary> {
  const ws = new WebSocket(`ws://${base.host}/gateway/${actorId}/connect`, ["rivet", "rivet_encoding.json"]);
  const waiters = new Map<bigint, () => void>();
  let initialized!: () => void;
  const init = new Promise<void>((r) => (initialized = r));
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    const { value } = clientMessages.ToClient.decode(isBinary ? new Uint8Array(data) : data.toString("utf8"), "json");
    if (value.tag === "Init") initialized();
    else if (value.tag === "ActionResponse") waiters.get(value.val.id)?.();
    else if (value.tag === "Error") throw new Error(`connection error: ${value.val.group}.${value.val.code}: ${value.val.message}`);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  await init;
  let nextId = 0n;
  const call = () =>
    new Promise<void>((resolve) => {
      const id = nextId++;
      waiters.set(id, () => {
        waiters.delete(id);
        resolve();
      });
      ws.send(clientMessages.ToServer.encode({ tag: "ActionRequest", val: { id, name: "increment", args: [1] } }, "json"));
    });
  for (let i = 0; i < SETTINGS.latencyWarmup; i++) await call();
  const ms: number[] = [];
  for (let i = 0; i < SETTINGS.latencyRequests; i++) {
    const t0 = performance.now();
    await call();
    ms.push(performance.now() - t0);
  }
  ws.close();
  return summarize(ms);
}

/** `callers` closed loops of stateless actions, caller i on `actorIds[i % length]`. */
async function actionsPerSecond(base: URL, actorIds: readonly string[], callers: number): Promise<ApsResult> {
  const agent = keepAliveAgent(callers);
  const run = async (durationMs: number, record: boolean) => {
    const latencies: number[] = [];
    let ok = 0;
    let errors = 0;
    let firstError: string | null = null;
    const t0 = performance.now();
    const end = t0 + durationMs;
    await Promise.all(
      Array.from({ length: callers }, async (_, i) => {
        const id = actorIds[i % actorIds.length]!;
        while (performance.now() < end) {
          const start = performance.now();
          try {
            await callAction(agent, base, id);
            const now = performance.now();
            if (now > end) break;
            ok++;
            if (record) latencies.push(now - start);
          } catch (err) {
            errors++;
            firstError ??= String(err);
          }
        }
      }),
    );
    return { ok, errors, firstError, latencies, seconds: (Math.min(performance.now(), end) - t0) / 1000 };
  };
  await run(SETTINGS.apsWarmupMs, false);
  const r = await run(SETTINGS.apsMs, true);
  await agent.close();
  const s = summarize(r.latencies);
  return { callers, actors: Math.min(callers, actorIds.length), actionsPerSec: r.ok / r.seconds, p50Ms: s.p50, p99Ms: s.p99, errors: r.errors, firstError: r.firstError };
}

async function coldStarts(base: URL, tag: string): Promise<LatencySummary> {
  const agent = keepAliveAgent(2);
  const ms: number[] = [];
  for (let i = 0; i < SETTINGS.coldStarts; i++) {
    const t0 = performance.now();
    const id = await createActor(agent, base, `cold-${tag}-${i}`);
    await callAction(agent, base, id);
    ms.push(performance.now() - t0);
  }
  await agent.close();
  return summarize(ms);
}

/** Wakes up to `idleActors` actors (within the time budget) and reads the host's RSS growth. */
async function idleMemory(base: URL, host: ActorHostProcess, tag: string, concurrency: number): Promise<StackResult["idle"]> {
  const before = await host.stats();
  const agent = keepAliveAgent(concurrency);
  const t0 = performance.now();
  const deadline = t0 + SETTINGS.idleBudgetMs;
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const i = next++;
        if (i >= SETTINGS.idleActors) return;
        const id = await createActor(agent, base, `idle-${tag}-${i}`);
        await callAction(agent, base, id);
        done++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await agent.close();
  const after = await host.stats();
  const rssDeltaBytes = after.rssBytes - before.rssBytes;
  const heapDeltaBytes = after.heapUsedBytes - before.heapUsedBytes;
  return { actors: done, seconds: round(seconds, 1), rssDeltaBytes, heapDeltaBytes, bytesPerActor: done === 0 ? 0 : rssDeltaBytes / done };
}

async function startEngine(kind: "ours" | "rivet"): Promise<EngineHandle> {
  if (kind === "ours") return startOurs();
  const found = rivetEnginePath();
  if ("error" in found) throw new Error(`Rivet's engine is required for this stack: ${found.error}`);
  return startRivet({ binary: found.path });
}

async function benchStack(name: StackName): Promise<StackResult> {
  const spec = STACKS[name];
  console.error(`\n[${name}] ${spec.label}`);
  const engine = await startEngine(spec.engine);
  let host: ActorHostProcess | undefined;
  try {
    host = await ActorHostProcess.start(spec.host, engine.base.origin);
    const base = engine.base;
    const tag = `${name}-${Date.now()}`;
    await waitAcceptsActors(base, tag);
    // Memory first, on a fresh host: later phases grow the heap with garbage that a full
    // collection frees but whose pages the allocator keeps, which would hide the actors' cost.
    console.error(`[${name}] idle awake actors`);
    // Rivet's engine stalls creations under a burst of 16; 4 at a time keeps it answering.
    const idle = await idleMemory(base, host, tag, spec.engine === "rivet" ? 4 : SETTINGS.idleConcurrency);
    const agent = keepAliveAgent(8);
    const one = await createActor(agent, base, `latency-${tag}`);
    await callAction(agent, base, one);
    console.error(`[${name}] stateless latency`);
    const stateless = await statelessLatency(base, one);
    console.error(`[${name}] connection latency`);
    const connection = await connectionLatency(base, one);
    const many: string[] = [];
    for (let i = 0; i < 100; i++) many.push(await createActor(agent, base, `aps-${tag}-${i}`));
    await Promise.all(many.map((id) => callAction(agent, base, id)));
    await agent.close();
    const aps: ApsResult[] = [];
    for (const callers of [1, 10, 100]) {
      console.error(`[${name}] actions/s, ${callers} callers each on its own actor`);
      aps.push(await actionsPerSecond(base, many, callers));
    }
    console.error(`[${name}] actions/s, 100 callers on one actor`);
    aps.push(await actionsPerSecond(base, [one], 100));
    console.error(`[${name}] cold starts`);
    const coldStart = await coldStarts(base, tag);
    let interval: StackResult["interval"];
    if (spec.host === "ours") {
      console.error(`[${name}] latency with durability: "interval"`);
      const relaxedAgent = keepAliveAgent(1);
      const relaxed = await createActor(relaxedAgent, base, `interval-${tag}`, "counterInterval");
      await callAction(relaxedAgent, base, relaxed);
      await relaxedAgent.close();
      interval = { stateless: await statelessLatency(base, relaxed), connection: await connectionLatency(base, relaxed) };
    }
    return { stack: name, label: spec.label, stateless, connection, aps, coldStart, idle, ...(interval !== undefined ? { interval } : {}) };
  } catch (err) {
    throw new Error(`${name}: ${String(err instanceof Error ? err.stack : err)}\n--- host ---\n${host?.tail() ?? ""}\n--- engine ---\n${engine.tail()}`);
  } finally {
    await host?.stop();
    await engine.stop();
  }
}

function render(results: readonly StackResult[]): string {
  const rivetkit = results.find((r) => r.stack === "rivetkit");
  const header = ["metric", ...results.map((r) => r.stack), ...(rivetkit !== undefined && results.some((r) => r.stack === "ours") ? ["ours ÷ rivetkit"] : [])];
  const ours = results.find((r) => r.stack === "ours");
  const row = (metric: string, pick: (r: StackResult) => number, fmt: (n: number) => string): string[] => {
    const cells = [metric, ...results.map((r) => fmt(pick(r)))];
    if (header.length > results.length + 1) cells.push(ours !== undefined && rivetkit !== undefined ? String(round(pick(ours) / pick(rivetkit), 3)) : "");
    return cells;
  };
  const apsAt = (r: StackResult, callers: number, actors: number) => r.aps.find((a) => a.callers === callers && a.actors === actors)?.actionsPerSec ?? Number.NaN;
  const rows = [
    row("stateless action p50 (ms)", (r) => r.stateless.p50, fmtMs),
    row("stateless action p99 (ms)", (r) => r.stateless.p99, fmtMs),
    row("action over a connection p50 (ms)", (r) => r.connection.p50, fmtMs),
    row("action over a connection p99 (ms)", (r) => r.connection.p99, fmtMs),
    row("actions/s, 1 caller", (r) => apsAt(r, 1, 1), fmtInt),
    row("actions/s, 10 callers on 10 actors", (r) => apsAt(r, 10, 10), fmtInt),
    row("actions/s, 100 callers on 100 actors", (r) => apsAt(r, 100, 100), fmtInt),
    row("actions/s, 100 callers on 1 actor", (r) => apsAt(r, 100, 1), fmtInt),
    row("cold start p50 (ms)", (r) => r.coldStart.p50, fmtMs),
    row("cold start p99 (ms)", (r) => r.coldStart.p99, fmtMs),
    row("idle awake actors measured", (r) => r.idle.actors, fmtInt),
    row("memory per idle awake actor (KiB)", (r) => r.idle.bytesPerActor / 1024, (n) => n.toFixed(2)),
    row("  of which JS heap (KiB)", (r) => r.idle.heapDeltaBytes / Math.max(1, r.idle.actors) / 1024, (n) => n.toFixed(2)),
    row('stateless p50, durability "interval" (ms)', (r) => r.interval?.stateless.p50 ?? Number.NaN, fmtMs),
    row('connection p50, durability "interval" (ms)', (r) => r.interval?.connection.p50 ?? Number.NaN, fmtMs),
  ];
  return markdownTable(header, rows);
}

const results: StackResult[] = [];
const failures: string[] = [];
for (const name of SETTINGS.stacks) {
  if (!(name in STACKS)) throw new Error(`unknown stack ${name}; known: ${Object.keys(STACKS).join(", ")}`);
  // One stack failing (Rivet's engine sometimes stalls creations under load) must not throw
  // away the others' numbers; the failure is printed and the exit status says so.
  try {
    results.push(await benchStack(name));
  } catch (err) {
    failures.push(String(err instanceof Error ? err.message : err));
  }
}
const table = render(results);
console.log(table);
for (const r of results) {
  for (const a of r.aps) if (a.errors > 0) console.log(`${r.stack}: ${a.errors} errors at ${a.callers} callers on ${a.actors} actors; first: ${a.firstError}`);
}
const ours = results.find((r) => r.stack === "ours");
if (ours !== undefined) {
  const aps100 = ours.aps.find((a) => a.callers === 100 && a.actors === 100)?.actionsPerSec ?? 0;
  console.log(
    [
      `targets (ours): connection p50 ≤ ${TARGETS.connP50Ms} ms: ${ours.connection.p50 <= TARGETS.connP50Ms ? "met" : "missed"}`,
      `stateless p50 ≤ ${TARGETS.statelessP50Ms} ms: ${ours.stateless.p50 <= TARGETS.statelessP50Ms ? "met" : "missed"}`,
      `≥ ${fmtInt(TARGETS.apsAt100)} actions/s at 100 callers: ${aps100 >= TARGETS.apsAt100 ? "met" : "missed"}`,
      `cold start p50 ≤ ${TARGETS.coldStartP50Ms} ms: ${ours.coldStart.p50 <= TARGETS.coldStartP50Ms ? "met" : "missed"}`,
      `≤ ${TARGETS.bytesPerIdleActor / 1024} KiB per idle awake actor: ${ours.idle.bytesPerActor <= TARGETS.bytesPerIdleActor ? "met" : "missed"}`,
    ].join("; "),
  );
}
const dir = fileURLToPath(new URL("./results/", import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, "actor-latest.json"),
  `${JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, memBytes: totalmem(), loadavg: loadavg(), node: process.version }, settings: SETTINGS, results }, null, 2)}\n`,
);
console.error(`wrote bench/results/actor-latest.json`);
for (const failure of failures) console.error(`stack failed: ${failure}`);
if (failures.length > 0) process.exitCode = 1;
