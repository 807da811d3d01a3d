import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { EngineProcess, JsonLines, repoRoot, spawnTracked, stopProcess } from "@actorwire/testkit";
import { createClient } from "rivetkit/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Issue 18: an action sent on a hibernatable `/connect` socket while the actor's `onSleep`
// still runs wakes the next generation while the old one is being stopped. The old
// generation's stop must never touch the new one: every such action is answered after the
// wake, with the state the actor had, and the new generation's KV reads are never refused.
// Real processes: our engine, our runner (`@actorwire/runner`, `support/sleep-race-runner.ts`)
// hosting an actor whose `onSleep` is slow, and rivetkit's client.

const ROUNDS = 60;
const SLEEP_MS = 150;
const RUNNER = `sleep-race-${process.pid}`;

type Line = { readonly event: string } & Record<string, unknown>;

let engine: EngineProcess;
let runner: ChildProcess;
const lines = new JsonLines<Line>();
const runnerStderr: string[] = [];

beforeAll(async () => {
  engine = await EngineProcess.start();
  runner = spawnTracked(process.execPath, ["--import", "tsx", "--conditions=source", "engine-ts/test/support/sleep-race-runner.ts"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      RIVET_ENDPOINT: engine.base,
      RIVET_NAMESPACE: "default",
      RIVET_RUNNER: RUNNER,
      ACTORWIRE_TEST_SLEEP_MS: String(SLEEP_MS),
    },
  });
  lines.follow(runner.stdout as Readable);
  runner.stderr?.on("data", (chunk: Buffer) => runnerStderr.push(chunk.toString()));
  const exited = once(runner, "exit").then(() => {
    throw new Error(`the runner exited before it connected:\n${runnerStderr.join("")}`);
  });
  exited.catch(() => {});
  await Promise.race([lines.wait("the runner to connect", (l) => l.event === "connected"), exited]);
});

afterAll(async () => {
  if (runner !== undefined) await stopProcess(runner);
  await engine?.close();
});

/** Resolves with the promise's value, or fails naming what was not answered. */
async function answered<T>(what: string, promise: Promise<T>, timeoutMs = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was not answered within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe("an action on a hibernatable connection while the actor's onSleep runs", () => {
  it(`is answered after the wake with the right state, ${ROUNDS} rounds in a row`, async () => {
    const client: any = createClient({ endpoint: engine.base, namespace: "default", poolName: RUNNER, encoding: "cbor" } as never);
    try {
      const conn = client.racer.getOrCreate(["race"]).connect();
      const actorId: string = await client.racer.getOrCreate(["race"]).resolve();
      let expected = (await answered("the first increment", conn.increment())) as number;
      expect(expected).toBe(1);
      for (let round = 1; round <= ROUNDS; round++) {
        const from = lines.mark;
        await answered(`round ${round}: the sleep action`, conn.sleep());
        await lines.wait(`round ${round}: onSleep`, (l) => l.event === "sleeping" && l.actorId === actorId, { from });
        // Land anywhere in onSleep, from its first moment to about its end.
        const offset = (round * 37) % SLEEP_MS;
        if (offset > 0) await new Promise((resolve) => setTimeout(resolve, offset));
        expected++;
        const value = await answered(`round ${round}: the increment sent during onSleep`, conn.increment());
        expect(value, `round ${round}`).toBe(expected);
      }
      const state = await answered("the final read", conn.get());
      expect(state).toMatchObject({ count: ROUNDS + 1, sleeps: ROUNDS });
      await conn.dispose();
    } finally {
      await client.dispose();
    }
    const refusals = runnerStderr.join("").match(/does not belong to runner/g) ?? [];
    expect(refusals, "KV requests the engine refused").toEqual([]);
    const crashes = engine.lines.filter((l) => typeof l.reason === "string" && l.reason.includes("crashed"));
    expect(crashes, "generations that crashed").toEqual([]);
    const failures = engine.lines.filter((l) => l.msg === "actor lifecycle step failed");
    expect(failures).toEqual([]);
  });
});
