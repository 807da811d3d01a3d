/**
 * Profiles the action path: our engine and our runner host, each under `node --cpu-prof`, with
 * `BENCH_PROFILE_CALLERS` (100) closed-loop callers each on its own counter actor for
 * `BENCH_PROFILE_MS` (8000) ms. Prints actions/s, the CPU each process used per action, and
 * each process's top functions and files by self time, so a missed throughput target can be
 * explained by where the time goes instead of guessed at.
 *
 * Run with `npm run bench:profile` (`BENCH_CPU_PROF=0` for the figures without the profiler). Not part of `npm test` or `npm run bench`.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorHostProcess } from "./support/actor-host.js";
import { summarizeProfile, type ProfileSummary } from "./support/cpuprofile.js";
import { startOurs } from "./support/engines.js";
import { apiJson, httpRequest, keepAliveAgent } from "./support/http.js";
import { fmtInt, positiveInt, summarize } from "./support/stats.js";
import { cpuSeconds } from "@actorwire/testkit/processes";

const CALLERS = positiveInt("BENCH_PROFILE_CALLERS", 100);
const DURATION_MS = positiveInt("BENCH_PROFILE_MS", 8000);
const ACTION_BODY = JSON.stringify({ args: [1] });
const ACTION_HEADERS = { "x-rivet-encoding": "json" };

// BENCH_CPU_PROF=0 measures the same run without the profiler's own cost.
const profile = process.env.BENCH_CPU_PROF !== "0";
const engineProf = mkdtempSync(join(tmpdir(), "actorwire-prof-engine-"));
const hostProf = mkdtempSync(join(tmpdir(), "actorwire-prof-host-"));
const engine = await startOurs(profile ? { cpuProfDir: engineProf } : {});
const host = await ActorHostProcess.start("ours", engine.base.origin, profile ? ["--cpu-prof", `--cpu-prof-dir=${hostProf}`] : []);
const base = engine.base;
const agent = keepAliveAgent(CALLERS);
const ids: string[] = [];
for (let i = 0; i < CALLERS; i++) {
  const res = await apiJson<{ actor: { actor_id: string } }>(agent, base, "PUT", "/actors?namespace=default", {
    name: "counter",
    key: `profile-${i}`,
    runner_name_selector: "default",
    crash_policy: "sleep",
  });
  ids.push(res.actor.actor_id);
}
const call = async (id: string) => {
  const res = await httpRequest(agent, base, "POST", `/gateway/${id}/action/increment`, ACTION_BODY, ACTION_HEADERS);
  if (res.status !== 200) throw new Error(`action answered ${res.status}: ${res.body.toString("utf8").slice(0, 300)}`);
};
const loop = async (ms: number, latencies?: number[]) => {
  const end = performance.now() + ms;
  let ok = 0;
  await Promise.all(
    ids.map(async (id) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await call(id);
        latencies?.push(performance.now() - t0);
        ok++;
      }
    }),
  );
  return ok;
};
await loop(1000);
const cpu0 = { engine: engine.cpuSeconds(), host: cpuSeconds(host.pid), load: process.cpuUsage() };
const latencies: number[] = [];
const t0 = performance.now();
const ok = await loop(DURATION_MS, latencies);
const seconds = (performance.now() - t0) / 1000;
const engineCpu = engine.cpuSeconds() - cpu0.engine;
const hostCpu = cpuSeconds(host.pid) - cpu0.host;
const load = process.cpuUsage(cpu0.load);
await agent.close();
await host.stop();
await engine.stop();

const perAction = (cpuSeconds: number) => `${Math.round((cpuSeconds / ok) * 1e6)} µs`;
const s = summarize(latencies);
console.log(`${CALLERS} callers, ${seconds.toFixed(1)} s: ${fmtInt(ok / seconds)} actions/s, p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`);
console.log(`CPU per action: engine ${perAction(engineCpu)}, runner ${perAction(hostCpu)}, load generator ${perAction((load.user + load.system) / 1e6)}`);
const show = (label: string, dir: string) => {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) {
    console.log(`${label}: no profile written`);
    return;
  }
  const p: ProfileSummary = summarizeProfile(join(dir, file), 30);
  console.log(`\n## ${label} (${p.totalMs} ms profiled; pseudo: ${JSON.stringify(p.pseudo)})`);
  console.log("top functions (self ms, % of busy):");
  for (const f of p.topFunctions) console.log(`  ${String(f.ms).padStart(6)}  ${String(f.pct).padStart(5)}%  ${f.name}`);
  console.log("top files:");
  for (const f of p.topFiles.slice(0, 15)) console.log(`  ${String(f.ms).padStart(6)}  ${String(f.pct).padStart(5)}%  ${f.name}`);
};
if (profile) {
  show("engine", engineProf);
  show("runner host", hostProf);
}
