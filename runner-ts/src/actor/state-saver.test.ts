import pino from "pino";
import { describe, expect, it } from "vitest";
import { MemoryKv } from "../testing/memory-runner.js";
import { KEY_ACTOR } from "./keys.js";
import { StateSaver } from "./state-saver.js";

function setup(interval = 60_000) {
  const kv = new MemoryKv();
  let state = 0;
  let tooLarge = false;
  const saver = new StateSaver(
    {
      actorId: "a1",
      kv,
      log: pino({ level: "silent" }),
      encodeActorRecord: () => {
        if (tooLarge) throw Object.assign(new Error("too large"), { code: "too_large" });
        return [KEY_ACTOR, Uint8Array.of(state)];
      },
    },
    interval,
  );
  const stored = async () => (await kv.get("a1", [KEY_ACTOR]))[0]?.[0];
  return {
    kv,
    saver,
    stored,
    set: (v: number) => {
      state = v;
      saver.markStateDirty();
    },
    setTooLarge: (v: boolean) => void (tooLarge = v),
  };
}

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("StateSaver", () => {
  it("sends nothing when nothing changed", async () => {
    const { kv, saver } = setup();
    await saver.flush();
    expect(kv.puts).toHaveLength(0);
  });

  it("makes a change durable before flush resolves", async () => {
    const { saver, stored, set } = setup();
    set(7);
    await saver.flush();
    expect(await stored()).toBe(7);
    expect(saver.hasPending).toBe(false);
  });

  it("coalesces changes made while a batch is in flight into one next batch", async () => {
    const { kv, saver, stored, set } = setup();
    const g = gate();
    kv.gate = g.promise;
    set(1);
    const first = saver.flush();
    const later: Promise<void>[] = [];
    for (let i = 2; i <= 50; i++) {
      set(i);
      later.push(saver.flush());
    }
    g.open();
    kv.gate = undefined;
    await Promise.all([first, ...later]);
    expect(kv.puts).toHaveLength(2);
    expect(await stored()).toBe(50);
  });

  it("a flush whose changes are already in the in-flight batch waits for that batch only", async () => {
    const { kv, saver, set } = setup();
    const g = gate();
    kv.gate = g.promise;
    set(1);
    const a = saver.flush();
    const b = saver.flush();
    g.open();
    await Promise.all([a, b]);
    expect(kv.puts).toHaveLength(1);
  });

  it("puts record writes and deletes in the same batch as the state, last write per key winning", async () => {
    const { kv, saver, set } = setup();
    await kv.put("a1", [[Uint8Array.of(8, 1), Uint8Array.of(1)]]);
    kv.puts.length = 0;
    set(3);
    saver.addWrite({ puts: [[Uint8Array.of(8, 2), Uint8Array.of(2)]] });
    saver.addWrite({ deletes: [Uint8Array.of(8, 1)] });
    saver.addWrite({ puts: [[Uint8Array.of(8, 3), Uint8Array.of(3)]], deletes: [Uint8Array.of(8, 3)] });
    await saver.flush();
    expect(kv.puts).toEqual([{ actorId: "a1", entries: 2 }]);
    const keys = (await kv.list("a1", { kind: "all" })).map(([k]) => [...k]);
    expect(keys).toEqual([[1], [8, 2]]);
  });

  it("splits a batch over the engine's 128-key limit into several puts", async () => {
    const { kv, saver } = setup();
    const puts = Array.from({ length: 300 }, (_, i) => [Uint8Array.of(9, i >> 8, i & 255), Uint8Array.of(i & 255)] as const);
    saver.addWrite({ puts });
    await saver.flush();
    expect(kv.puts.map((p) => p.entries)).toEqual([128, 128, 44]);
    expect(await kv.list("a1", { kind: "all" })).toHaveLength(300);
  });

  it("a failed batch rejects its waiters and its changes are retried by the next flush", async () => {
    const { kv, saver, stored, set } = setup();
    kv.failNextPut = new Error("engine down");
    set(4);
    await expect(saver.flush()).rejects.toThrow("engine down");
    expect(saver.hasPending).toBe(true);
    await saver.flush();
    expect(await stored()).toBe(4);
  });

  it("a state that cannot be encoded fails the flush but the other writes still land", async () => {
    const { kv, saver, set, setTooLarge } = setup();
    setTooLarge(true);
    set(5);
    saver.addWrite({ puts: [[Uint8Array.of(8, 9), Uint8Array.of(9)]] });
    await expect(saver.flush()).rejects.toMatchObject({ code: "too_large" });
    expect((await kv.get("a1", [Uint8Array.of(8, 9)]))[0]).toEqual(Uint8Array.of(9));
    setTooLarge(false);
    await saver.flush();
    expect((await kv.get("a1", [KEY_ACTOR]))[0]).toEqual(Uint8Array.of(5));
  });

  it("saves an unflushed change in the background after the interval", async () => {
    const { saver, stored, set } = setup(5);
    set(9);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await stored()).toBe(9);
    expect(saver.hasPending).toBe(false);
  });

  it("after close, nothing more is written and a flush of new changes fails", async () => {
    const { kv, saver, set } = setup(5);
    saver.close();
    await saver.flush();
    set(1);
    await expect(saver.flush()).rejects.toMatchObject({ code: "stopping" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(kv.puts).toHaveLength(0);
  });
});
