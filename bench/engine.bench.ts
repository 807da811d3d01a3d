/**
 * Engine benchmark: our engine (`engine-ts`) against Rivet's (`rivet-engine` 2.3.19 from
 * `@rivetkit/engine-cli`), on the same box in the same run, with the same runner
 * (`@rivetkit/engine-runner` 2.2.1 in a child process) hosting the same trivial actor, whose
 * `fetch` answers `200 {"ok":true}`.
 *
 * Each engine is started as a child process on 127.0.0.1 with a fresh temp data directory,
 * one after the other (never both at once), and measured in two parts:
 *
 * 1. Requests and lifecycle (one engine process): gateway round trip, requests/s with 1, 10
 *    and 100 keep-alive clients, KV put/get from the runner, cold start, sleep → wake, and
 *    actor creations/s.
 * 2. Memory (a second, fresh engine process): create actors that go to sleep as soon as they
 *    start, up to 10,000 or a time budget, then read the engine's VmRSS from /proc.
 *
 * Run with `npm run bench:engine` (or `npm run bench`, which runs the codec bench first).
 * Tunables (environment): BENCH_ENGINES (default "ours,rivet"), BENCH_RPS_MS (3000),
 * BENCH_SLEEPERS (10000), BENCH_SLEEPER_BUDGET_MS (90000), BENCH_ENGINE_TSX=1 (run our engine
 * through tsx instead of a bundle), BENCH_CPU_PROF=1 (profile our engine, print the top
 * functions), RIVET_ENGINE_BINARY (another rivet-engine binary).
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { summarizeProfile, type ProfileSummary } from "./support/cpuprofile.js";
import { rivetEnginePath } from "@actorwire/testkit/rivet-engine";
import { type EngineHandle, type EngineKind, startOurs, startRivet } from "./support/engines.js";
import { apiJson, closedLoop, httpRequest, keepAliveAgent } from "./support/http.js";
import { cpuSeconds, machineBusySeconds, type MemorySample } from "@actorwire/testkit/processes";
import { RunnerHost } from "./support/runner-host.js";
import { fmtInt, fmtMiB, fmtMs, type LatencySummary, markdownTable, round, sleep, summarize, waitFor, positiveInt } from "./support/stats.js";

// ---- Settings --------------------------------------------------------------------------

const SETTINGS = {
  engines: (process.env.BENCH_ENGINES ?? "ours,rivet").split(",").map((s) => s.trim()) as EngineKind[],
  latencyWarmupMs: 1500,
  latencyRequests: positiveInt("BENCH_LATENCY_REQUESTS", 2000),
  clientLevels: [1, 10, 100],
  rpsWarmupMs: 500,
  rpsMs: positiveInt("BENCH_RPS_MS", 3000),
  rpsRounds: 3,
  kvMs: 1500,
  kvInFlight: [1, 32],
  coldStarts: 30,
  coldStartBudgetMs: 30_000,
  wakes: 30,
  wakeBudgetMs: 30_000,
  createConcurrency: 8,
  createMs: 5000,
  sleepers: positiveInt("BENCH_SLEEPERS", 10_000),
  sleeperConcurrency: 8,
  sleeperBudgetMs: positiveInt("BENCH_SLEEPER_BUDGET_MS", 90_000),
  runnerName: "bench",
};

const NAMESPACE = "default";

/** The targets for our engine on a 2-core box. */
const TARGETS = {
  gatewayP50Ms: 1,
  rpsAt100: 10_000,
  creationsPerSec: 500,
  coldStartP50Ms: 15,
  rssMiBAt10k: 100,
};

// ---- Result shapes ---------------------------------------------------------------------

interface CpuShare {
  /** CPU seconds used per wall second during the window (1.0 = one core busy). */
  readonly engine: number;
  readonly runner: number;
  readonly bench: number;
  /** The rest of the machine (other people's processes, the kernel): busy cores minus the three above. */
  readonly other: number;
}

interface Throughput {
  readonly clients: number;
  /** All successful requests of the timed rounds over their total time. */
  readonly requestsPerSec: number;
  /** Requests/s of each timed round, to show how steady the machine was. */
  readonly roundsPerSec: number[];
  readonly ok: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly latencyMs: LatencySummary;
  readonly cpu: CpuShare;
  /** CPU time each process spent per successful request, in microseconds. */
  readonly cpuMicrosPerRequest: { readonly engine: number; readonly runner: number; readonly bench: number };
}

interface KvResult {
  readonly mode: "put" | "get";
  readonly inFlight: number;
  readonly opsPerSec: number;
  readonly latencyMs: LatencySummary;
}

interface ColdStart {
  readonly samples: number;
  /** POST /actors until the first 200 from the actor through the gateway. */
  readonly firstResponseMs: LatencySummary;
  /** POST /actors until the API answered. */
  readonly apiMs: LatencySummary;
  /** POST /actors until the runner reported the actor started (seen by the bench over IPC). */
  readonly startedMs: LatencySummary;
  /** Gateway answers other than 200 before the first 200 (the bench then retried). */
  readonly retries: number;
}

interface SleepWake {
  readonly samples: number;
  /** runner.sleepActor until the runner's onActorStop. */
  readonly stopMs: LatencySummary;
  /** runner.sleepActor until the API lists the actor with a sleep_ts. */
  readonly sleepingMs: LatencySummary;
  /** First gateway request to the sleeping actor until its 200 (includes the wake). */
  readonly wakeMs: LatencySummary;
  readonly retries: number;
}

interface Creations {
  readonly concurrency: number;
  readonly created: number;
  readonly apiSeconds: number;
  readonly apiPerSec: number;
  readonly apiLatencyMs: LatencySummary;
  /** From the first POST until the runner had reported every created actor started. */
  readonly startedSeconds: number | null;
  readonly startedPerSec: number | null;
  readonly cpu: CpuShare;
}

interface MemoryResult {
  readonly mode: string;
  readonly target: number;
  readonly created: number;
  readonly sleeping: number;
  readonly createSeconds: number;
  readonly createPerSec: number;
  /** True when fewer than `target` were created (time budget or a failed call). */
  readonly budgetExhausted: boolean;
  readonly before: MemorySample;
  readonly after: MemorySample;
  /** (after - before) / created. */
  readonly bytesPerActor: number;
  /** RSS growth per actor over the second half of the creation run. */
  readonly marginalBytesPerActor: number;
  /**
   * RSS with `target` sleeping actors: measured, or, when fewer were created, the measured RSS
   * plus the marginal growth for the missing ones.
   */
  readonly rssAtTargetBytes: number;
  /** The same extrapolation with the average growth instead of the marginal one. */
  readonly rssAtTargetAverageBytes: number;
  readonly samples: { created: number; rssBytes: number }[];
  /** CPU while creating. */
  readonly cpu: CpuShare;
  readonly extrapolated: boolean;
  /** Of a sample of the created actors, how many the API lists with a sleep_ts. */
  readonly sampleSleeping: string;
}

interface EngineResult {
  readonly engine: EngineKind;
  description: string;
  startupMs: number | null;
  idleMemory: MemorySample | null;
  /** CPU cores the engine used over 2 s with a runner connected and no traffic. */
  idleCpu: number | null;
  gatewayLatencyMs: LatencySummary | null;
  throughput: Throughput[];
  kv: KvResult[];
  coldStart: ColdStart | null;
  sleepWake: SleepWake | null;
  creations: Creations | null;
  memory: MemoryResult | null;
  runnerDisconnects: number;
  /** The machine's 1/5/15-minute load average when each part started (other work on the box shows here). */
  loadAverage: Record<string, number[]>;
  profile: ProfileSummary[] | null;
  /** Why a measurement is missing ("n/a"), by phase. */
  problems: Record<string, string>;
}

// ---- Small helpers ---------------------------------------------------------------------

const log = (line: string) => console.log(line);

function emptyResult(engine: EngineKind): EngineResult {
  return {
    engine,
    description: "",
    startupMs: null,
    idleMemory: null,
    idleCpu: null,
    gatewayLatencyMs: null,
    throughput: [],
    kv: [],
    coldStart: null,
    sleepWake: null,
    creations: null,
    memory: null,
    runnerDisconnects: 0,
    loadAverage: {},
    profile: null,
    problems: {},
  };
}

function roundSummary(s: LatencySummary): LatencySummary {
  return { n: s.n, p50: round(s.p50), p90: round(s.p90), p99: round(s.p99), max: round(s.max), mean: round(s.mean) };
}

async function phase(result: EngineResult, name: string, fn: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  try {
    await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    result.problems[name] = message.slice(0, 500);
    log(`  ${name}: FAILED: ${message.split("\n")[0]}`);
  } finally {
    log(`  ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

interface Api {
  readonly create: (name: string, key: string) => Promise<string>;
  readonly get: (actorId: string) => Promise<{ sleep_ts?: number | null; connectable_ts?: number | null } | undefined>;
}

function api(base: URL): Api {
  const agent = keepAliveAgent(64);
  return {
    async create(name, key) {
      const res = await apiJson<{ actor: { actor_id: string } }>(agent, base, "POST", `/actors?namespace=${NAMESPACE}`, {
        name,
        key,
        runner_name_selector: SETTINGS.runnerName,
        crash_policy: "sleep",
      });
      return res.actor.actor_id;
    },
    async get(actorId) {
      const res = await apiJson<{ actors: { sleep_ts?: number | null; connectable_ts?: number | null }[] }>(
        agent,
        base,
        "GET",
        `/actors?namespace=${NAMESPACE}&actor_id=${encodeURIComponent(actorId)}`,
      );
      return res.actors[0];
    },
  };
}

/** GETs the actor's ping path until it answers 200 (bounded); returns the number of non-200 answers. */
async function pingUntilOk(base: URL, agent: ReturnType<typeof keepAliveAgent>, actorId: string, timeoutMs = 15_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let retries = 0;
  for (;;) {
    const res = await httpRequest(agent, base, "GET", `/gateway/${actorId}/ping`);
    if (res.status === 200) return retries;
    retries++;
    if (performance.now() > deadline) throw new Error(`actor ${actorId} answered ${res.status} for ${timeoutMs} ms: ${res.body.toString("utf8").slice(0, 300)}`);
    await sleep(1);
  }
}

function cpuWindow(engine: EngineHandle, runner: RunnerHost): () => CpuShare {
  const t0 = performance.now();
  const e0 = engine.cpuSeconds();
  const r0 = cpuSeconds(runner.pid);
  const m0 = machineBusySeconds();
  const b0 = process.cpuUsage();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const b = process.cpuUsage(b0);
    const e = (engine.cpuSeconds() - e0) / seconds;
    const r = (cpuSeconds(runner.pid) - r0) / seconds;
    const mine = (b.user + b.system) / 1e6 / seconds;
    const machine = (machineBusySeconds() - m0) / seconds;
    return { engine: round(e, 2), runner: round(r, 2), bench: round(mine, 2), other: round(Math.max(0, machine - e - r - mine), 2) };
  };
}

// ---- Part 1: requests and lifecycle ----------------------------------------------------

async function measureRequests(engine: EngineHandle, runner: RunnerHost, result: EngineResult): Promise<void> {
  const calls = api(engine.base);
  const agent = keepAliveAgent(1);
  let pingActor = "";

  await phase(result, "gateway round trip", async () => {
    const started = (id: string) => runner.started.get(id);
    pingActor = await calls.create("ping", "ping-0");
    await waitFor("the ping actor to start", () => started(pingActor), 30_000);
    await pingUntilOk(engine.base, agent, pingActor);
    // Warm-up: the engine's and the runner's JITs, the connection pools, the caches.
    await closedLoop(engine.base, `/gateway/${pingActor}/ping`, 10, SETTINGS.latencyWarmupMs);
    for (let i = 0; i < 200; i++) await httpRequest(agent, engine.base, "GET", `/gateway/${pingActor}/ping`);
    const latencies: number[] = [];
    for (let i = 0; i < SETTINGS.latencyRequests; i++) {
      const t0 = performance.now();
      const res = await httpRequest(agent, engine.base, "GET", `/gateway/${pingActor}/ping`);
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`ping answered ${res.status}: ${res.body.toString("utf8").slice(0, 200)}`);
      latencies.push(ms);
    }
    result.gatewayLatencyMs = roundSummary(summarize(latencies));
    log(`  gateway round trip: p50 ${fmtMs(result.gatewayLatencyMs.p50)} ms, p99 ${fmtMs(result.gatewayLatencyMs.p99)} ms`);
  });
  if (pingActor === "") return;

  await phase(result, "requests/s", async () => {
    const path = `/gateway/${pingActor}/ping`;
    for (const clients of SETTINGS.clientLevels) {
      await closedLoop(engine.base, path, clients, SETTINGS.rpsWarmupMs);
      const cpu = cpuWindow(engine, runner);
      // The timed window is split into rounds so the report shows how steady it was.
      const rounds = [];
      for (let i = 0; i < SETTINGS.rpsRounds; i++) rounds.push(await closedLoop(engine.base, path, clients, SETTINGS.rpsMs / SETTINGS.rpsRounds));
      const share = cpu();
      const ok = rounds.reduce((n, r) => n + r.ok, 0);
      const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
      const row: Throughput = {
        clients,
        requestsPerSec: round(ok / seconds, 1),
        roundsPerSec: rounds.map((r) => round(r.requestsPerSec, 1)),
        ok,
        errors: rounds.reduce((n, r) => n + r.errors, 0),
        firstError: rounds.find((r) => r.firstError !== null)?.firstError ?? null,
        latencyMs: roundSummary(summarize(rounds.flatMap((r) => r.latenciesMs))),
        cpu: share,
        cpuMicrosPerRequest: {
          engine: Math.round((share.engine * 1e6) / (ok / seconds)),
          runner: Math.round((share.runner * 1e6) / (ok / seconds)),
          bench: Math.round((share.bench * 1e6) / (ok / seconds)),
        },
      };
      result.throughput.push(row);
      log(
        `  ${clients} clients: ${fmtInt(row.requestsPerSec)} req/s (rounds ${row.roundsPerSec.map(fmtInt).join(", ")}), p50 ${fmtMs(row.latencyMs.p50)} ms, ${row.errors} errors; ` +
          `CPU cores: engine ${share.engine}, runner ${share.runner}, bench ${share.bench}, rest of the machine ${share.other}; ` +
          `CPU µs/request: engine ${row.cpuMicrosPerRequest.engine}, runner ${row.cpuMicrosPerRequest.runner}, bench ${row.cpuMicrosPerRequest.bench}`,
      );
      if (row.errors > 0) log(`    first error: ${row.firstError}`);
    }
  });

  await phase(result, "kv", async () => {
    for (const inFlight of SETTINGS.kvInFlight) {
      for (const mode of ["put", "get"] as const) {
        await runner.kv(pingActor, mode, inFlight, 300);
        const r = await runner.kv(pingActor, mode, inFlight, SETTINGS.kvMs);
        const row = { mode, inFlight, opsPerSec: round(r.ops / r.seconds, 1), latencyMs: roundSummary(summarize(r.latenciesMs)) };
        result.kv.push(row);
        log(`  kv ${mode}, ${inFlight} in flight: ${fmtInt(row.opsPerSec)} ops/s, p50 ${fmtMs(row.latencyMs.p50)} ms`);
      }
    }
  });

  const coldActors: string[] = [];
  await phase(result, "cold start", async () => {
    const first: number[] = [];
    const apiMs: number[] = [];
    const startedMs: number[] = [];
    let retries = 0;
    const coldAgent = keepAliveAgent(1);
    await httpRequest(coldAgent, engine.base, "GET", "/health");
    const budgetEnd = performance.now() + SETTINGS.coldStartBudgetMs;
    for (let i = 0; i < SETTINGS.coldStarts && performance.now() < budgetEnd; i++) {
      const t0 = performance.now();
      const id = await calls.create("ping", `cold-${i}`);
      const tApi = performance.now();
      retries += await pingUntilOk(engine.base, coldAgent, id);
      const tFirst = performance.now();
      const tStarted = await waitFor("the runner's start report", () => runner.started.get(id), 10_000, 1);
      first.push(tFirst - t0);
      apiMs.push(tApi - t0);
      startedMs.push(tStarted - t0);
      coldActors.push(id);
    }
    result.coldStart = {
      samples: first.length,
      firstResponseMs: roundSummary(summarize(first)),
      apiMs: roundSummary(summarize(apiMs)),
      startedMs: roundSummary(summarize(startedMs)),
      retries,
    };
    log(`  cold start (${first.length}): p50 ${fmtMs(result.coldStart.firstResponseMs.p50)} ms, p99 ${fmtMs(result.coldStart.firstResponseMs.p99)} ms`);
  });

  await phase(result, "sleep -> wake", async () => {
    const stopMs: number[] = [];
    const sleepingMs: number[] = [];
    const wakeMs: number[] = [];
    let retries = 0;
    const wakeAgent = keepAliveAgent(1);
    await httpRequest(wakeAgent, engine.base, "GET", "/health");
    const budgetEnd = performance.now() + SETTINGS.wakeBudgetMs;
    const actors = coldActors.length > 0 ? coldActors : [pingActor];
    for (let i = 0; i < SETTINGS.wakes && performance.now() < budgetEnd; i++) {
      const id = actors[i % actors.length]!;
      const stopped = runner.nextStop(id, 15_000);
      const t0 = performance.now();
      await runner.sleep(id);
      const tStop = await stopped;
      // Wait until the engine itself says the actor sleeps, so the timed request below
      // measures a wake and not a request racing the sleep.
      await waitFor("the API to list the actor as sleeping", async () => ((await calls.get(id))?.sleep_ts != null ? true : undefined), 15_000, 2);
      const tSleeping = performance.now();
      const t1 = performance.now();
      retries += await pingUntilOk(engine.base, wakeAgent, id);
      const tAwake = performance.now();
      stopMs.push(tStop - t0);
      sleepingMs.push(tSleeping - t0);
      wakeMs.push(tAwake - t1);
    }
    result.sleepWake = {
      samples: wakeMs.length,
      stopMs: roundSummary(summarize(stopMs)),
      sleepingMs: roundSummary(summarize(sleepingMs)),
      wakeMs: roundSummary(summarize(wakeMs)),
      retries,
    };
    log(`  sleep -> wake (${wakeMs.length}): first request p50 ${fmtMs(result.sleepWake.wakeMs.p50)} ms, p99 ${fmtMs(result.sleepWake.wakeMs.p99)} ms`);
  });

  await phase(result, "creations/s", async () => {
    const ids: string[] = [];
    const latencies: number[] = [];
    let next = 0;
    let failures = 0;
    const cpu = cpuWindow(engine, runner);
    const t0 = performance.now();
    const end = t0 + SETTINGS.createMs;
    await Promise.all(
      Array.from({ length: SETTINGS.createConcurrency }, async () => {
        while (performance.now() < end) {
          const s = performance.now();
          try {
            ids.push(await calls.create("ping", `create-${next++}`));
            latencies.push(performance.now() - s);
          } catch (err) {
            // One failed call ends this client's loop; the others go on.
            failures++;
            result.problems["creations/s errors"] = String(err);
            return;
          }
        }
      }),
    );
    if (failures > 0) log(`  ${failures} create calls failed: ${result.problems["creations/s errors"]}`);
    const apiSeconds = (performance.now() - t0) / 1000;
    const share = cpu();
    let startedSeconds: number | null = null;
    try {
      const last = await waitFor(
        "the runner to report every created actor started",
        () => {
          let max = 0;
          for (const id of ids) {
            const at = runner.started.get(id);
            if (at === undefined) return undefined;
            if (at > max) max = at;
          }
          return max;
        },
        60_000,
        10,
      );
      startedSeconds = (last - t0) / 1000;
    } catch (err) {
      result.problems["creations/s started"] = String(err);
    }
    result.creations = {
      concurrency: SETTINGS.createConcurrency,
      created: ids.length,
      apiSeconds: round(apiSeconds),
      apiPerSec: round(ids.length / apiSeconds, 1),
      apiLatencyMs: roundSummary(summarize(latencies)),
      startedSeconds: startedSeconds === null ? null : round(startedSeconds),
      startedPerSec: startedSeconds === null ? null : round(ids.length / startedSeconds, 1),
      cpu: share,
    };
    log(
      `  creations: ${ids.length} in ${apiSeconds.toFixed(2)} s = ${fmtInt(result.creations.apiPerSec)}/s answered, ${fmtInt(result.creations.startedPerSec)}/s started; ` +
        `CPU cores: engine ${share.engine}, runner ${share.runner}, bench ${share.bench}, rest of the machine ${share.other}`,
    );
  });
  result.runnerDisconnects += runner.disconnects;
}

// ---- Part 2: memory with many sleeping actors ------------------------------------------

async function measureMemory(engine: EngineHandle, runner: RunnerHost, result: EngineResult): Promise<void> {
  await phase(result, "memory", async () => {
    const calls = api(engine.base);
    await sleep(1000);
    const before = engine.memory();
    const target = SETTINGS.sleepers;
    const ids: string[] = [];
    let next = 0;
    const cpu = cpuWindow(engine, runner);
    const t0 = performance.now();
    const budgetEnd = t0 + SETTINGS.sleeperBudgetMs;
    let lastReport = t0;
    let lastSample = t0;
    // (created, RSS) while creating, for the marginal growth used to extrapolate a short run.
    const samples: { created: number; rssBytes: number }[] = [{ created: 0, rssBytes: before.rssBytes }];
    let failed = false;
    await Promise.all(
      Array.from({ length: SETTINGS.sleeperConcurrency }, async () => {
        while (next < target && performance.now() < budgetEnd && !failed) {
          const key = `sleeper-${next++}`;
          try {
            ids.push(await calls.create("sleeper", key));
          } catch (err) {
            // Stop creating and measure what is there; the report says why it stopped early.
            failed = true;
            result.problems["memory: create"] = `stopped creating after ${ids.length} actors: ${String(err)}`;
            log(`    create failed after ${ids.length} actors: ${String(err)}`);
            return;
          }
          if (performance.now() - lastSample > 2_000) {
            lastSample = performance.now();
            samples.push({ created: ids.length, rssBytes: engine.memory().rssBytes });
          }
          if (performance.now() - lastReport > 10_000) {
            lastReport = performance.now();
            log(`    ${ids.length} created (${fmtInt(ids.length / ((lastReport - t0) / 1000))}/s), engine RSS ${fmtMiB(engine.memory().rssBytes)} MiB`);
          }
        }
      }),
    );
    const createSeconds = (performance.now() - t0) / 1000;
    const createCpu = cpu();
    const created = ids.length;
    // Every created actor starts on the runner and asks to sleep at once; wait until the
    // runner has stopped all of them, then give the engine a moment to record it.
    let sleeping = 0;
    try {
      await waitFor(
        "every sleeper to stop",
        async () => {
          const c = await runner.counts();
          sleeping = c.sleeperStops;
          return c.sleeperStops >= created ? true : undefined;
        },
        120_000,
        200,
      );
    } catch (err) {
      result.problems["memory: sleep"] = `${String(err)} (${sleeping} of ${created} stopped)`;
    }
    await sleep(2000);
    // Spot-check with the engine's own view: these should be listed with a sleep_ts.
    const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(created / 20)) === 0).slice(0, 20);
    let sampleSleeping = 0;
    for (const id of sample) if ((await calls.get(id))?.sleep_ts != null) sampleSleeping++;
    const after = engine.memory();
    const bytesPerActor = (after.rssBytes - before.rssBytes) / Math.max(1, created);
    const extrapolated = created < target;
    if (created === 0) throw new Error("no actor could be created");
    // Marginal growth over the second half of the run: start-up costs that do not grow with
    // the number of actors (caches filling, arenas) are left out, unlike in the average.
    const last = samples[samples.length - 1]!;
    const mid = samples.find((x) => x.created >= last.created / 2) ?? samples[0]!;
    const marginal = last.created > mid.created ? (last.rssBytes - mid.rssBytes) / (last.created - mid.created) : bytesPerActor;
    result.memory = {
      mode: "created on a connected runner whose actor asks to sleep as soon as it starts; measured once the runner had stopped them all",
      target,
      created,
      sleeping,
      createSeconds: round(createSeconds),
      createPerSec: round(created / createSeconds, 1),
      budgetExhausted: extrapolated,
      before,
      after,
      bytesPerActor: Math.round(bytesPerActor),
      marginalBytesPerActor: Math.round(marginal),
      rssAtTargetBytes: extrapolated ? Math.round(after.rssBytes + marginal * (target - created)) : after.rssBytes,
      rssAtTargetAverageBytes: extrapolated ? Math.round(before.rssBytes + bytesPerActor * target) : after.rssBytes,
      samples,
      cpu: createCpu,
      extrapolated,
      sampleSleeping: `${sampleSleeping}/${sample.length}`,
    };
    log(
      `  memory: ${created} sleeping actors created in ${createSeconds.toFixed(1)} s (${fmtInt(created / createSeconds)}/s); RSS ${fmtMiB(before.rssBytes)} -> ${fmtMiB(after.rssBytes)} MiB` +
        (extrapolated
          ? `; extrapolated to ${target}: ${fmtMiB(result.memory.rssAtTargetBytes)} MiB at the marginal ${fmtInt(marginal / 1024)} KiB/actor ` +
            `(${fmtMiB(result.memory.rssAtTargetAverageBytes)} MiB at the average ${fmtInt(bytesPerActor / 1024)} KiB/actor)`
          : "") +
        `; API sample sleeping ${sampleSleeping}/${sample.length}`,
    );
  });
}

// ---- One engine ------------------------------------------------------------------------

async function startEngine(kind: EngineKind, profileDir: string | undefined): Promise<EngineHandle> {
  if (kind === "ours") {
    return startOurs({ tsx: process.env.BENCH_ENGINE_TSX === "1", ...(profileDir !== undefined ? { cpuProfDir: profileDir } : {}) });
  }
  const override = process.env.RIVET_ENGINE_BINARY;
  const found = override !== undefined && override !== "" ? { path: override } : rivetEnginePath();
  if ("error" in found) throw new Error(found.error);
  return startRivet({ binary: found.path });
}

async function runEngine(kind: EngineKind): Promise<EngineResult> {
  const result = emptyResult(kind);
  const profileDir = kind === "ours" && process.env.BENCH_CPU_PROF === "1" ? mkdtempSync(join(tmpdir(), "actorwire-bench-prof-")) : undefined;
  for (const part of ["requests", "memory"] as const) {
    result.loadAverage[part] = loadavg().map((x) => round(x, 2));
    log(`\n${kind}: starting the engine (${part}); load average ${result.loadAverage[part]!.join(" ")}`);
    let engine: EngineHandle;
    try {
      engine = await startEngine(kind, profileDir);
    } catch (err) {
      result.problems[`start (${part})`] = String(err instanceof Error ? err.message : err).slice(0, 800);
      log(`  could not start ${kind}'s engine: ${String(err)}`);
      return result;
    }
    result.description = engine.description;
    log(`  ${engine.description}\n  pid ${engine.pid}, ${engine.base.origin}, healthy after ${engine.startupMs.toFixed(0)} ms`);
    let runner: RunnerHost | undefined;
    try {
      if (part === "requests") {
        result.startupMs = round(engine.startupMs, 1);
      }
      runner = await RunnerHost.start(engine.base, SETTINGS.runnerName);
      if (part === "requests") {
        await sleep(500);
        result.idleMemory = engine.memory();
        const idle0 = engine.cpuSeconds();
        await sleep(2000);
        result.idleCpu = round((engine.cpuSeconds() - idle0) / 2, 3);
        log(`  idle: RSS ${fmtMiB(result.idleMemory.rssBytes)} MiB, CPU ${result.idleCpu} cores`);
        await measureRequests(engine, runner, result);
      } else {
        await measureMemory(engine, runner, result);
        result.runnerDisconnects += runner.disconnects;
      }
    } catch (err) {
      result.problems[part] = String(err instanceof Error ? err.message : err).slice(0, 800);
      log(`  ${part} failed: ${String(err)}\n${engine.tail()}`);
    } finally {
      await runner?.stop();
      const stopped = await engine.stop();
      if (!stopped.graceful) log(`  (${kind}'s engine did not stop within the grace period and was killed)`);
    }
  }
  if (profileDir !== undefined) {
    result.profile = readdirSync(profileDir)
      .filter((f) => f.endsWith(".cpuprofile"))
      .map((f) => summarizeProfile(join(profileDir, f)));
    for (const p of result.profile) {
      log(`\n  CPU profile ${p.file} (${p.totalMs} ms; ${JSON.stringify(p.pseudo)}), top self time:`);
      for (const f of p.topFunctions) log(`    ${f.pct.toFixed(1).padStart(5)}%  ${f.ms} ms  ${f.name}`);
      log("  by file:");
      for (const f of p.topFiles) log(`    ${f.pct.toFixed(1).padStart(5)}%  ${f.ms} ms  ${f.name}`);
    }
  }
  return result;
}

// ---- Report ----------------------------------------------------------------------------

type Better = "higher" | "lower";

interface Metric {
  readonly name: string;
  readonly unit: string;
  readonly better: Better;
  readonly value: (r: EngineResult) => number | null | undefined;
  readonly format: (n: number | null | undefined) => string;
  /** A note printed after the value (for example "extrapolated"). */
  readonly note?: (r: EngineResult) => string;
  readonly target?: { readonly value: number; readonly text: string };
}

const rps = (clients: number) => (r: EngineResult) => r.throughput.find((t) => t.clients === clients)?.requestsPerSec;
const kv = (mode: "put" | "get", inFlight: number) => (r: EngineResult) => r.kv.find((k) => k.mode === mode && k.inFlight === inFlight)?.opsPerSec;
const mib = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? null : bytes / 2 ** 20);
const fmt1 = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? "n/a" : n.toFixed(1));

const METRICS: readonly Metric[] = [
  { name: "gateway round trip p50", unit: "ms", better: "lower", value: (r) => r.gatewayLatencyMs?.p50, format: fmtMs, target: { value: TARGETS.gatewayP50Ms, text: "<= 1 ms" } },
  { name: "gateway round trip p99", unit: "ms", better: "lower", value: (r) => r.gatewayLatencyMs?.p99, format: fmtMs },
  { name: "requests/s, 1 client", unit: "req/s", better: "higher", value: rps(1), format: fmtInt },
  { name: "requests/s, 10 clients", unit: "req/s", better: "higher", value: rps(10), format: fmtInt },
  { name: "requests/s, 100 clients", unit: "req/s", better: "higher", value: rps(100), format: fmtInt, target: { value: TARGETS.rpsAt100, text: ">= 10,000/s" } },
  { name: "engine CPU per request, 10 clients", unit: "µs", better: "lower", value: (r) => r.throughput.find((t) => t.clients === 10)?.cpuMicrosPerRequest.engine, format: fmtInt },
  { name: "engine CPU per request, 100 clients", unit: "µs", better: "lower", value: (r) => r.throughput.find((t) => t.clients === 100)?.cpuMicrosPerRequest.engine, format: fmtInt },
  { name: "creations/s, API answered (8 concurrent)", unit: "/s", better: "higher", value: (r) => r.creations?.apiPerSec, format: fmtInt, target: { value: TARGETS.creationsPerSec, text: ">= 500/s" } },
  { name: "creations/s, runner reported started", unit: "/s", better: "higher", value: (r) => r.creations?.startedPerSec, format: fmtInt },
  { name: "create API call p50 (8 concurrent)", unit: "ms", better: "lower", value: (r) => r.creations?.apiLatencyMs.p50, format: fmtMs },
  { name: "create API call p99 (8 concurrent)", unit: "ms", better: "lower", value: (r) => r.creations?.apiLatencyMs.p99, format: fmtMs },
  { name: "cold start p50 (create -> first 200)", unit: "ms", better: "lower", value: (r) => r.coldStart?.firstResponseMs.p50, format: fmtMs, target: { value: TARGETS.coldStartP50Ms, text: "<= 15 ms" } },
  { name: "cold start p99", unit: "ms", better: "lower", value: (r) => r.coldStart?.firstResponseMs.p99, format: fmtMs },
  { name: "sleep -> stopped p50 (sleepActor -> onActorStop)", unit: "ms", better: "lower", value: (r) => r.sleepWake?.stopMs.p50, format: fmtMs },
  { name: "wake p50 (request to sleeping actor -> 200)", unit: "ms", better: "lower", value: (r) => r.sleepWake?.wakeMs.p50, format: fmtMs },
  { name: "wake p99", unit: "ms", better: "lower", value: (r) => r.sleepWake?.wakeMs.p99, format: fmtMs },
  { name: "KV put ops/s, 1 in flight", unit: "ops/s", better: "higher", value: kv("put", 1), format: fmtInt },
  { name: "KV get ops/s, 1 in flight", unit: "ops/s", better: "higher", value: kv("get", 1), format: fmtInt },
  { name: "KV put ops/s, 32 in flight", unit: "ops/s", better: "higher", value: kv("put", 32), format: fmtInt },
  { name: "KV get ops/s, 32 in flight", unit: "ops/s", better: "higher", value: kv("get", 32), format: fmtInt },
  { name: "engine RSS, idle (runner connected)", unit: "MiB", better: "lower", value: (r) => mib(r.idleMemory?.rssBytes), format: fmt1 },
  { name: "engine CPU, idle (runner connected)", unit: "% of a core", better: "lower", value: (r) => (r.idleCpu === null ? null : r.idleCpu * 100), format: fmt1 },
  {
    name: `engine RSS, ${fmtInt(SETTINGS.sleepers)} sleeping actors`,
    unit: "MiB",
    better: "lower",
    value: (r) => mib(r.memory?.rssAtTargetBytes),
    format: fmt1,
    note: (r) =>
      r.memory?.extrapolated === true
        ? ` (extrapolated from ${fmtInt(r.memory.created)}; ${fmt1(mib(r.memory.rssAtTargetAverageBytes))} at the average growth)`
        : "",
    target: { value: TARGETS.rssMiBAt10k, text: "<= 100 MiB" },
  },
  {
    name: "engine RSS, sleeping actors actually created",
    unit: "MiB",
    better: "lower",
    value: (r) => mib(r.memory?.after.rssBytes),
    format: fmt1,
    note: (r) => (r.memory === null ? "" : ` (${fmtInt(r.memory.created)})`),
  },
  { name: "RSS growth per sleeping actor (average from idle)", unit: "KiB", better: "lower", value: (r) => (r.memory === null ? null : r.memory.bytesPerActor / 1024), format: fmt1 },
  { name: "sleeping-actor creations/s (memory part)", unit: "/s", better: "higher", value: (r) => r.memory?.createPerSec, format: fmtInt },
];

function metricRows(ours: EngineResult | undefined, rivet: EngineResult | undefined): string[][] {
  return METRICS.map((m) => {
    const o = ours === undefined ? null : m.value(ours);
    const r = rivet === undefined ? null : m.value(rivet);
    const valid = (x: number | null | undefined): x is number => x !== null && x !== undefined && Number.isFinite(x);
    let ratio = "n/a";
    let better = "n/a";
    if (valid(o) && valid(r) && r !== 0 && o !== 0) {
      ratio = (o / r).toFixed(2);
      const gain = m.better === "higher" ? o / r : r / o;
      better = gain > 1.1 ? `ours ${gain.toFixed(1)}x` : gain < 1 / 1.1 ? `rivet ${(1 / gain).toFixed(1)}x` : "tie";
    }
    return [
      `${m.name} (${m.unit})`,
      `${m.format(o)}${ours !== undefined ? (m.note?.(ours) ?? "") : ""}`,
      `${m.format(r)}${rivet !== undefined ? (m.note?.(rivet) ?? "") : ""}`,
      ratio,
      better,
    ];
  });
}

function targetRows(ours: EngineResult | undefined): { rows: string[][]; met: number; total: number } {
  const rows: string[][] = [];
  let met = 0;
  let total = 0;
  for (const m of METRICS) {
    if (m.target === undefined) continue;
    total++;
    const v = ours === undefined ? null : m.value(ours);
    const ok = v !== null && v !== undefined && Number.isFinite(v) && (m.better === "lower" ? v <= m.target.value : v >= m.target.value);
    if (ok) met++;
    rows.push([m.name, m.target.text, `${m.format(v)} ${m.unit}${ours !== undefined ? (m.note?.(ours) ?? "") : ""}`, v === null || v === undefined ? "n/a" : ok ? "met" : "MISSED"]);
  }
  return { rows, met, total };
}

// ---- Main ------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.env.NODE_ENV === "development") {
    console.warn("warning: NODE_ENV=development turns on bare-ts's internal assertions in the runner and our engine");
  }
  const started = performance.now();
  log(
    `engine bench: ${SETTINGS.engines.join(", ")}; ${SETTINGS.latencyRequests} sequential requests, ` +
      `${SETTINGS.rpsMs} ms per client level (${SETTINGS.clientLevels.join("/")}), ${SETTINGS.sleepers} sleeping actors ` +
      `(budget ${SETTINGS.sleeperBudgetMs / 1000} s)`,
  );
  const results: EngineResult[] = [];
  for (const kind of SETTINGS.engines) {
    if (kind !== "ours" && kind !== "rivet") throw new Error(`BENCH_ENGINES: unknown engine ${kind}`);
    results.push(await runEngine(kind));
  }
  const ours = results.find((r) => r.engine === "ours");
  const rivet = results.find((r) => r.engine === "rivet");
  const seconds = (performance.now() - started) / 1000;

  log(`\n${markdownTable(["metric", "ours", "rivet", "ours/rivet", "better"], metricRows(ours, rivet))}\n`);
  log(
    "ours/rivet = our value over Rivet's; 'better' says which engine wins and by how much (within 10% is a tie).\n" +
      "Both engines ran on this box one after the other, each with Rivet's runner (@rivetkit/engine-runner 2.2.1) in a\n" +
      "child process and the load generator in this process, all sharing the same cores.",
  );
  const targets = targetRows(ours);
  log(`\nTargets for our engine (${targets.met} of ${targets.total} met):\n\n${markdownTable(["target", "goal", "ours", "status"], targets.rows)}\n`);
  for (const r of results) {
    const problems = Object.entries(r.problems);
    if (problems.length > 0) {
      log(`${r.engine}: n/a or partial measurements:`);
      for (const [k, v] of problems) log(`  ${k}: ${v.split("\n")[0]}`);
    }
    if (r.memory?.extrapolated === true) {
      log(
        `${r.engine}: only ${r.memory.created} of ${r.memory.target} sleeping actors were created within the ${SETTINGS.sleeperBudgetMs / 1000} s budget ` +
          `(${fmtInt(r.memory.createPerSec)}/s): measured ${fmtMiB(r.memory.after.rssBytes)} MiB with ${r.memory.created}; the ${fmtInt(r.memory.target)}-actor RSS adds ` +
          `${fmtInt(r.memory.marginalBytesPerActor / 1024)} KiB per missing actor (the growth over the second half of the run); ` +
          `with the average growth from idle (${fmtInt(r.memory.bytesPerActor / 1024)} KiB/actor) it would be ${fmtMiB(r.memory.rssAtTargetAverageBytes)} MiB.`,
      );
    }
  }
  const busiest = Math.max(
    0,
    ...results.flatMap((r) => [...r.throughput.map((t) => t.cpu.other), r.creations?.cpu.other ?? 0, r.memory?.cpu.other ?? 0]),
  );
  if (busiest > 0.2) {
    log(
      `warning: other processes on this machine used up to ${busiest.toFixed(2)} cores during timed windows ` +
        "('other' in the JSON); throughput and creation numbers from those windows are low. Rerun on a quiet machine.",
    );
  }
  log(`total ${seconds.toFixed(1)} s`);

  const cpu = cpus();
  const output = {
    benchmark: "engine: actorwire engine-ts vs rivet-engine, with @rivetkit/engine-runner 2.2.1",
    date: new Date().toISOString(),
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpu: cpu[0]?.model ?? "unknown",
      cores: cpu.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
    },
    settings: SETTINGS,
    targets: TARGETS,
    totalSeconds: round(seconds, 1),
    /** Most CPU cores other processes used during any timed window; above ~0.2 the run was disturbed. */
    otherCoresMax: round(busiest, 2),
    table: metricRows(ours, rivet).map(([metric, o, r, ratio, better]) => ({ metric, ours: o, rivet: r, ratio, better })),
    targetStatus: targets.rows.map(([target, goal, value, status]) => ({ target, goal, value, status })),
    results,
  };
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}engine-latest.json`;
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  log(`wrote ${file}`);
}

await main();
// Keep-alive agents and the like must not hold the process open.
process.exit(0);
