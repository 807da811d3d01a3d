import { exactArrayBuffer, runner } from "@actorwire/protocol";
import { EngineProcess, ScriptedRunner, stoppedEvent } from "@actorwire/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The engine issue's end-to-end matrix: a runner that reconnects gets the commands it has not
// acknowledged again, right after its new `ToClientInit`, and not those it has. The runner
// here is testkit's scripted one on our own codecs, so that the test decides exactly what the engine has
// heard (acks, events) before the socket drops. The engine is the real binary.

const NAME = "raw-replay";
const KEY = "raw-replay-key";
let engine: EngineProcess;
const runners: ScriptedRunner[] = [];

/** A `KvKey`/`KvValue` from a string. */
function kvBytes(text: string): ArrayBuffer {
  return exactArrayBuffer(new TextEncoder().encode(text));
}

beforeAll(async () => {
  engine = await EngineProcess.start();
});

afterAll(async () => {
  for (const r of runners) await r.drop();
  await engine?.close();
});

async function connect(): Promise<ScriptedRunner> {
  const r = await ScriptedRunner.connect(engine.base, { name: NAME, key: KEY });
  runners.push(r);
  return r;
}

/** What a command is, in a form easy to compare. */
function summary(c: runner.v7.CommandWrapper) {
  return {
    actorId: c.checkpoint.actorId,
    generation: c.checkpoint.generation,
    index: Number(c.checkpoint.index),
    command: c.inner.tag,
    ...(c.inner.tag === "CommandStartActor" ? { name: c.inner.val.config.name, key: c.inner.val.config.key } : {}),
  };
}

describe("runner reconnect replays unacked commands", () => {
  it("replays after re-init exactly the commands not acked, explicitly or by an event", async () => {
    const first = await connect();
    expect(first.replayed).toEqual([]);

    const x = await engine.createActor({ key: "x", runnerName: NAME });
    const y = await engine.createActor({ key: "y", runnerName: NAME });
    const sent = await first.commands(2);
    expect(sent.map(summary)).toEqual(
      expect.arrayContaining([
        { actorId: x, generation: 0, index: 0, command: "CommandStartActor", name: "test", key: "x" },
        { actorId: y, generation: 0, index: 0, command: "CommandStartActor", name: "test", key: "y" },
      ]),
    );

    // X's start is acked with ToServerAckCommands; Y's is not acked at all. A KV round trip
    // makes sure the engine has handled the ack before the socket drops.
    first.ackCommands([{ actorId: x, generation: 0, index: 0 }]);
    expect((await first.kv(x, { tag: "KvPutRequest", val: { keys: [kvBytes("k")], values: [kvBytes("v")] } })).tag).toBe("KvPutResponse");
    await first.drop();

    const second = await connect();
    expect(second.runnerId).toBe(first.runnerId);
    expect(second.replayed.map(summary)).toEqual([{ actorId: y, generation: 0, index: 0, command: "CommandStartActor", name: "test", key: "y" }]);
    // The replay is the whole command as first sent.
    expect(second.replayed).toEqual(sent.filter((c) => c.checkpoint.actorId === y));

    // Both actors report running; an event of a generation counts as the ack of its start.
    second.running(x, 0);
    second.running(y, 0);
    await engine.transition(x, "running");
    await engine.transition(y, "running");
    const slept = await fetch(`${engine.base}/actors/${x}/sleep?namespace=default`, { method: "POST" });
    expect(slept.status).toBe(200);
    const [stop] = (await second.commands(1)).map(summary);
    expect(stop).toEqual({ actorId: x, generation: 0, index: 1, command: "CommandStopActor" });
    await second.drop();

    // Only the stop is outstanding: it is not acked and X has not reported stopped.
    const third = await connect();
    expect(third.runnerId).toBe(first.runnerId);
    expect(third.replayed.map(summary)).toEqual([{ actorId: x, generation: 0, index: 1, command: "CommandStopActor" }]);
    // Reporting stopped ends the generation and with it its stored commands.
    third.eventAt(x, 0, 1, stoppedEvent(runner.v7.StopCode.Error));
    await engine.transition(x, "sleeping");
    await third.drop();

    const fourth = await connect();
    expect(fourth.replayed).toEqual([]);
    // Y kept running across all of this and its KV answers on the new connection, with
    // missing keys left out of a get (Rivet's runner fills them in as null).
    await fourth.kv(y, { tag: "KvPutRequest", val: { keys: [kvBytes("a"), kvBytes("c")], values: [kvBytes("1"), kvBytes("3")] } });
    const got = await fourth.kv(y, { tag: "KvGetRequest", val: { keys: [kvBytes("a"), kvBytes("b"), kvBytes("c")] } });
    expect(got.tag).toBe("KvGetResponse");
    const decode = (b: ArrayBuffer) => new TextDecoder().decode(b);
    if (got.tag === "KvGetResponse") {
      expect(got.val.keys.map(decode)).toEqual(["a", "c"]);
      expect(got.val.values.map(decode)).toEqual(["1", "3"]);
      expect(got.val.metadata).toHaveLength(2);
    }
    // X sleeps, so its KV belongs to no runner until it is woken.
    expect(await fourth.kv(x, { tag: "KvGetRequest", val: { keys: [kvBytes("k")] } })).toEqual({
      tag: "KvErrorResponse",
      val: { message: "actor does not belong to runner" },
    });
  });
});
