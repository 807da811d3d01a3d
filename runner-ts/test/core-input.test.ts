import { createClient } from "@actorwire/client";
import { EngineProcess } from "@actorwire/testkit";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actor, setup } from "../src/index.js";

// An input near the engine's 4 MiB limit, end to end: the engine accepts it, the runner starts
// the actor with it (it used to fail the first save with state.too_large, leaving the caller to
// wait 60 s), and the actor wakes again after a sleep without it.

const big = actor({
  createState: (_c, input: { text: string }): { length: number } => ({ length: input.text.length }),
  actions: { length: (c) => c.state.length, sleep: (c) => c.sleep() },
});

describe("a 4 MiB input on our engine", () => {
  let engine: EngineProcess;
  let registry: ReturnType<typeof setup<{ big: typeof big }>>;

  beforeAll(async () => {
    engine = await EngineProcess.start();
    registry = setup({ use: { big }, endpoint: engine.base, runnerName: "input-e2e", handleSignals: false, logger: pino({ level: "silent" }) });
    await registry.start().ready;
  });

  afterAll(async () => {
    await registry?.current?.shutdown();
    await engine?.close();
  });

  it("creates the actor with it and keeps working across a sleep", async () => {
    const client = createClient<typeof registry>({ endpoint: engine.base, poolName: "input-e2e", disableMetadataLookup: true });
    try {
      // 4 MiB of CBOR less the map and string headers.
      const text = "z".repeat(4 * 1024 * 1024 - 64);
      const handle = client.big.getOrCreate(["large"], { createWithInput: { text } });
      expect(await handle.length()).toBe(text.length);
      await handle.sleep();
      expect(await handle.length()).toBe(text.length);
    } finally {
      await client.dispose();
    }
  });
});
