import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineProcess, eventually, repoRoot, spawnTracked, stopProcess } from "@actorwire/testkit";

// An unmodified rivetkit 2.3.19 registry on our engine, as far as the envoy endpoint goes
// today: it declares its pool, connects as an envoy, registers its actor names and stays
// alive on our pings. (Hosting its actors is the next part of the envoy work.)

interface EnvoyRow {
  readonly envoy_key: string;
  readonly pool_name: string;
  readonly last_ping_ts: number;
  readonly metadata: unknown;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return (await res.json()) as T;
}

describe("an unmodified rivetkit 2.3.19 registry on our engine", () => {
  let engine: EngineProcess;
  let host: ChildProcess;
  const lines: string[] = [];

  beforeAll(async () => {
    engine = await EngineProcess.start();
    host = spawnTracked(process.execPath, ["--import", "tsx", "engine-ts/test/support/rivetkit-envoy-host.ts"], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, RIVET_ENDPOINT: engine.base, RIVET_RUN_SERVICES: "0", RIVET_LOG_LEVEL: "warn" },
    });
    host.stderr!.on("data", (d: Buffer) => lines.push(d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`rivetkit's registry was not ready after 60 s:\n${lines.join("").slice(-3000)}`)), 60_000);
      createInterface({ input: host.stdout! }).on("line", (line) => {
        lines.push(line);
        if (line.includes('"ready":true')) {
          clearTimeout(timer);
          resolve();
        }
      });
      host.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`rivetkit's registry exited (${String(code)}) before it was ready:\n${lines.join("\n").slice(-3000)}`));
      });
    });
  }, 90_000);

  afterAll(async () => {
    if (host !== undefined) await stopProcess(host, 5_000);
    await engine?.close();
  });

  it("becomes ready: its pool is declared, its envoy connected, its actor names registered", async () => {
    const configs = await getJson<{ runner_configs: Record<string, unknown> }>(`${engine.base}/runner-configs?namespace=default`);
    expect(Object.keys(configs.runner_configs)).toEqual(["default"]);
    const { envoys } = await getJson<{ envoys: EnvoyRow[] }>(`${engine.base}/envoys?namespace=default`);
    expect(envoys).toHaveLength(1);
    expect(envoys[0]).toMatchObject({ pool_name: "default", metadata: { rivetkit: { version: "2.3.19" } } });
    const { names } = await getJson<{ names: Record<string, unknown> }>(`${engine.base}/actors/names?namespace=default`);
    expect(Object.keys(names)).toEqual(["counter"]);
  });

  it("stays connected, answering the engine's pings", async () => {
    const first = (await getJson<{ envoys: EnvoyRow[] }>(`${engine.base}/envoys`)).envoys[0]!;
    await eventually(
      "a later pong from the same envoy",
      async () => {
        const now = (await getJson<{ envoys: EnvoyRow[] }>(`${engine.base}/envoys`)).envoys;
        return now.length === 1 && now[0]!.envoy_key === first.envoy_key && now[0]!.last_ping_ts > first.last_ping_ts;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
  });

  it("is gone from GET /envoys once the registry stops", async () => {
    await stopProcess(host, 10_000);
    await eventually("the envoy leaves the list", async () => (await getJson<{ envoys: EnvoyRow[] }>(`${engine.base}/envoys`)).envoys.length === 0, { timeoutMs: 15_000, intervalMs: 200 });
  });
});
