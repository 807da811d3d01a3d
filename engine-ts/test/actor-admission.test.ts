import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@actorwire/client";
import { EngineProcess, repoRoot, spawnTracked, stopProcess } from "@actorwire/testkit";

// Actors no runner could ever start are refused when they are created, end to end with our
// runner and our client: instead of waiting a minute for guard.actor_ready_timeout, the caller
// learns at once which name was wrong and what the engine knows.

let engine: EngineProcess;
let host: ChildProcess;

beforeAll(async () => {
  engine = await EngineProcess.start();
  host = spawnTracked(process.execPath, ["--import", "tsx", "--conditions=source", "engine-ts/test/support/actorwire-host.ts"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, RIVET_ENDPOINT: engine.base, RIVET_RUNNER: "default" },
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: host.stdout! }).on("line", (line) => {
      if (line.includes('"ready":true')) resolve();
    });
    host.once("exit", (code) => reject(new Error(`the actor host exited (${String(code)}) before it was ready`)));
  });
});

afterAll(async () => {
  if (host !== undefined) await stopProcess(host, 3_000);
  await engine?.close();
});

async function failure(p: Promise<unknown>): Promise<{ group?: string; code?: string; message: string; metadata?: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as { group?: string; code?: string; message: string; metadata?: unknown };
  }
  throw new Error("expected the call to fail");
}

describe("actor names the runner pool does not serve", () => {
  it("a typo in the actor name fails with actor.name_not_served naming it and the names served", async () => {
    const client = createClient(engine.base) as unknown as Record<string, { getOrCreate(key: string[]): Record<string, (...a: unknown[]) => Promise<unknown>> }>;
    const err = await failure(client.nope!.getOrCreate(["x"]).increment!(1));
    expect(err).toMatchObject({ group: "actor", code: "name_not_served" });
    expect(err.message).toContain('"nope"');
    expect(err.message).toContain("counter");
    // The actor the runner does serve works on the same client.
    expect(await client.counter!.getOrCreate(["x"]).increment!(2)).toBe(2);
  });

  it("PUT /actors for an unannounced name is a 400, and no actor is stored", async () => {
    const res = await fetch(`${engine.base}/actors?namespace=default`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "countr", key: "k", runner_name_selector: "default", crash_policy: "sleep" }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ group: "actor", code: "name_not_served", metadata: { name: "countr", served_names: ["counter"] } });
    const listed = (await (await fetch(`${engine.base}/actors?namespace=default&name=countr`)).json()) as { actors: unknown[] };
    expect(listed.actors).toEqual([]);
  });
});

describe("runner names no runner has connected with", () => {
  it("POST /actors is refused with actor.no_runner_config_configured, naming the runner names seen", async () => {
    const res = await fetch(`${engine.base}/actors?namespace=default`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "counter", key: "k", runner_name_selector: "defualt", crash_policy: "sleep" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string };
    expect(body).toMatchObject({
      group: "actor",
      code: "no_runner_config_configured",
      metadata: { namespace: "default", pool_name: "defualt", known_pool_names: ["default"] },
    });
    expect(body.message).toContain('"defualt"');
  });

  it("a gateway getOrCreate query for such a runner name is refused the same way", async () => {
    const res = await fetch(`${engine.base}/gateway/counter/action?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=nobody&rvt-key=k`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ group: "actor", code: "no_runner_config_configured" });
  });

  it("our client with a pool name nobody serves fails with that error", async () => {
    const client = createClient({ endpoint: engine.base, poolName: "nobody" }) as unknown as Record<
      string,
      { getOrCreate(key: string[]): Record<string, (...a: unknown[]) => Promise<unknown>> }
    >;
    const err = await failure(client.counter!.getOrCreate(["y"]).increment!(1));
    expect(err).toMatchObject({ group: "actor", code: "no_runner_config_configured" });
  });
});
