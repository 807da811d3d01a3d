import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { ScriptedRunner } from "@actorwire/testkit";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const dataDir = mkdtempSync(join(tmpdir(), "actorwire-engine-"));
const started: ChildProcess[] = [];

/** Starts the real engine binary on a random port and resolves with its base URL. */
async function startEngine(): Promise<{ engine: ChildProcess; base: string }> {
  const engine = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=source", "engine-ts/src/bin.ts", "--port", "0", "--data-dir", dataDir],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ACTORWIRE_LOG_LEVEL: "warn" } },
  );
  started.push(engine);
  const lines = createInterface({ input: engine.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const msg = JSON.parse(line) as { port?: number };
    if (msg.port !== undefined) return { engine, base: `http://127.0.0.1:${msg.port}` };
  }
  throw new Error("the engine exited before it listened");
}

afterAll(async () => {
  for (const engine of started) {
    if (engine.exitCode === null && engine.signalCode === null) {
      engine.kill("SIGKILL");
      await once(engine, "exit");
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the engine process", () => {
  it("serves metadata, health, the API and typed errors, exits on SIGTERM, and keeps its data across kill -9", async () => {
    const first = await startEngine();
    const metadata = await (await fetch(`${first.base}/metadata`)).json();
    expect(metadata).toMatchObject({ runtime: "engine", runner_protocol_versions: [1, 2, 3, 4, 5, 6, 7], client_protocol_versions: [1, 2, 3, 4] });
    expect(await (await fetch(`${first.base}/health`)).json()).toMatchObject({ status: "ok" });
    const missing = await fetch(`${first.base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ group: "api", code: "not_found" });

    const put = () =>
      fetch(`${first.base}/actors?namespace=default`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "counter", key: "durable", runner_name_selector: "default", crash_policy: "sleep" }),
      });
    // No runner could start an actor for a runner name the namespace has never seen.
    const refused = await put();
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ group: "actor", code: "no_runner_config_configured" });
    // Once a runner of that name has connected, the name is known, even after it left.
    const runner = await ScriptedRunner.connect(first.base, { name: "default", key: "process-test" });
    await runner.drop();
    const created = await put();
    const { actor } = (await created.json()) as { actor: { actor_id: string } };
    // The write was acknowledged; a hard kill must not lose it.
    first.engine.kill("SIGKILL");
    await once(first.engine, "exit");

    const second = await startEngine();
    const found = await (await fetch(`${second.base}/actors?namespace=default&name=counter&key=durable`)).json();
    expect(found.actors.map((a: { actor_id: string }) => a.actor_id)).toEqual([actor.actor_id]);

    second.engine.kill("SIGTERM");
    const [code] = await once(second.engine, "exit");
    expect(code).toBe(0);
  });
});
