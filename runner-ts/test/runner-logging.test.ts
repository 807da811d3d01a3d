import { Writable } from "node:stream";
import { EngineProcess } from "@actorwire/testkit";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { actor, setup } from "../src/index.js";

// What a person running a runner sees in its log: one line when it cannot reach the engine
// (endpoint, cause, next retry) rather than one per attempt, and one line once connected
// (endpoint, runner name, namespace, actor names). A real engine is killed and restarted on
// the same port to make the outage.

interface Line {
  level: number;
  msg: string;
  [field: string]: unknown;
}

function capture(): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split("\n")) if (text.trim() !== "") lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const WARN = 40;
const INFO = 30;

describe("runner logging", () => {
  let engine: EngineProcess | undefined;
  let stop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await stop?.();
    await engine?.close();
  });

  it("logs one line while the engine is unreachable, then one line when connected", async () => {
    engine = await EngineProcess.start();
    await engine.kill();
    const { logger, lines } = capture();
    const counter = actor({ state: { n: 0 }, actions: { get: (c) => c.state.n } });
    const started = setup({ use: { counter } }).start({ endpoint: engine.base, runnerName: "logging-e2e", logger, handleSignals: false });
    stop = () => started.shutdown();

    // Three failed attempts (1 s, then 2 s of back-off between them) give exactly one warning.
    await until(() => lines.filter((l) => l.msg === "engine connection attempt failed").length >= 2, "three failed attempts");
    const warnings = lines.filter((l) => l.level >= WARN);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain(`cannot reach the engine at ${engine.base}`);
    expect(warnings[0]!.msg).toMatch(/ECONNREFUSED/);
    expect(warnings[0]!.msg).toMatch(/retrying in \d+\.\d s/);
    expect(warnings[0]).toMatchObject({ endpoint: engine.base, attempts: 1 });

    await engine.restart();
    await started.ready;
    const connected = lines.filter((l) => l.level === INFO && l.msg.startsWith("connected to the engine"));
    expect(connected).toHaveLength(1);
    expect(connected[0]!.msg).toBe(`connected to the engine at ${engine.base} as runner "logging-e2e" (namespace "default"), serving counter`);
    expect(connected[0]).toMatchObject({ endpoint: engine.base, runnerName: "logging-e2e", actors: ["counter"], runnerId: started.runnerId });
    expect(connected[0]!.failedAttempts).toBeGreaterThanOrEqual(3);
  });
});
