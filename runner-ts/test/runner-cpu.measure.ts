/**
 * Measures the runner process's CPU per round trip through our engine: the test host in a
 * child process (`runner-child.ts`), N sequential gateway requests, and the child's user +
 * system CPU from /proc before and after. Not a test (no timing assertions); run by hand:
 *
 *   node --import tsx --conditions=source runner-ts/test/runner-cpu.measure.ts [N]
 */
import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { Agent, request } from "node:http";
import { EngineProcess, JsonLines, repoRoot, spawnTracked } from "@actorwire/testkit";

const N = Number(process.argv[2] ?? "3000");
const TICK_MS = 10; // USER_HZ is 100 on Linux.

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function post(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

const engine = await EngineProcess.start();
const child = spawnTracked(process.execPath, [...(process.env.RUNNER_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.RUNNER_PROF}`] : []), "--import", "tsx", "--conditions=source", "runner-ts/test/runner-child.ts"], {
  cwd: repoRoot,
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, RUNNER_TEST_ENDPOINT: engine.base, RUNNER_TEST_NAME: "cpu" },
});
const lines = new JsonLines<{ event: string; actorId?: string }>();
lines.follow(child.stdout as Readable);
await lines.wait("connected", (l) => l.event === "connected");
const actorId = await engine.createActor({ key: "cpu", runnerName: "cpu" });
await lines.wait("start", (l) => l.event === "start");

for (const path of ["/ping", "/count"]) {
  const url = engine.gatewayUrl(actorId, path);
  for (let i = 0; i < 500; i++) await post(url); // warm-up
  const before = cpuMs(child.pid as number);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const status = await post(url);
    if (status !== 200) throw new Error(`${path} answered ${status}`);
  }
  const wall = performance.now() - t0;
  const cpu = cpuMs(child.pid as number) - before;
  console.log(`${path}: ${N} round trips, runner CPU ${((cpu / N) * 1000).toFixed(0)} µs per round trip, wall ${((wall / N) * 1000).toFixed(0)} µs per round trip`);
}
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
await engine.close();
process.exit(0);
