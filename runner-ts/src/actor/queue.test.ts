import { describe, expect, it } from "vitest";
import { MemoryKv, TestHost } from "./surfaces-test-host.js";
import { encodeValue } from "./cbor.js";
import { DurableQueue } from "./queue.js";

async function queueOn(kv = new MemoryKv(), options: Record<string, unknown> = {}): Promise<{ q: DurableQueue; host: TestHost; kv: MemoryKv }> {
  const host = new TestHost({ options }, kv);
  const q = new DurableQueue(host);
  await q.load();
  return { q, host, kv };
}

describe("DurableQueue", () => {
  it("delivers in order, filters by name, and stores each message under [5,1,2]+id", async () => {
    const { q, kv } = await queueOn();
    await q.send("a", { n: 1 });
    await q.send("b", { n: 2 });
    await q.send("a", { n: 3 });
    expect(kv.keysWithPrefix([5, 1, 2])).toEqual(["050102" + "0000000000000001", "050102" + "0000000000000002", "050102" + "0000000000000003"]);
    const first = await q.tryNext({ names: ["b"] });
    expect(first?.body).toEqual({ n: 2 });
    expect(first?.id).toBe(2n);
    const batch = await q.tryNextBatch({ count: 5 });
    expect(batch.map((m) => m.body)).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it("keeps a non-completable message until the next receive, then deletes it", async () => {
    const { q, kv } = await queueOn();
    await q.send("a", 1);
    const m = await q.tryNext();
    expect(m?.body).toBe(1);
    expect(kv.keysWithPrefix([5, 1, 2])).toHaveLength(1);
    expect(await q.tryNext()).toBeUndefined();
    expect(kv.keysWithPrefix([5, 1, 2])).toHaveLength(0);
  });

  it("redelivers what was not done after a restart, counting deliveries", async () => {
    const kv = new MemoryKv();
    const first = await queueOn(kv);
    await first.q.send("jobs", "x");
    await first.q.send("jobs", "y");
    const taken = await first.q.tryNext({ completable: true });
    expect(taken?.deliveries).toBe(1);
    // The process dies here: nothing was completed.
    const second = await queueOn(kv);
    const again = await second.q.tryNextBatch({ count: 2, completable: true });
    expect(again.map((m) => [m.body, m.deliveries])).toEqual([
      ["x", 2],
      ["y", 1],
    ]);
    await again[0]?.complete?.();
    await again[1]?.complete?.();
    expect(kv.keysWithPrefix([5, 1, 2])).toHaveLength(0);
    // Ids keep growing after a restart.
    await second.q.send("jobs", "z");
    const third = await queueOn(kv);
    expect((await third.q.tryNext())?.id).toBe(3n);
  });

  it("completes once and refuses a second completion and a receive while one is open", async () => {
    const { q } = await queueOn();
    await q.send("a", 1);
    await q.send("a", 2);
    const m = await q.tryNext({ completable: true });
    await expect(q.tryNext()).rejects.toMatchObject({ group: "queue", code: "previous_message_not_completed" });
    await m?.complete?.("done");
    await expect(m?.complete?.("again")).rejects.toMatchObject({ group: "queue", code: "already_completed" });
    expect((await q.tryNext())?.body).toBe(2);
  });

  it("delivers again a completable message its consumer released without completing it", async () => {
    const { q } = await queueOn();
    await q.send("a", 1);
    const action = {};
    const m = await q.tryNext({ completable: true }, action);
    expect(m?.deliveries).toBe(1);
    // Another consumer is not blocked by it, and does not get it while it is open.
    expect(await q.tryNext({ completable: true }, {})).toBeUndefined();
    q.release(action);
    const again = await q.tryNext({ completable: true }, {});
    expect(again).toMatchObject({ id: m?.id, body: 1, deliveries: 2 });
  });

  it("answers a send-and-wait with the completion response, or timedOut", async () => {
    const { q } = await queueOn();
    const waiting = q.enqueueAndWait("jobs", { n: 5 }, { timeout: 10_000 });
    const m = await q.next({ completable: true, timeout: 5_000 });
    await m?.complete?.({ ok: true, n: 5 });
    await expect(waiting).resolves.toEqual({ status: "completed", response: { ok: true, n: 5 } });
    await expect(q.enqueueAndWait("jobs", 1, { timeout: 20 })).resolves.toEqual({ status: "timedOut" });
  });

  it("wakes a waiting receiver on send and reports waiting and queued work", async () => {
    const { q } = await queueOn();
    const pending = q.next({ names: ["b"] });
    await new Promise((r) => setImmediate(r));
    expect(q.isWaiting()).toBe(true);
    await q.send("a", "not for it");
    expect(q.hasQueuedWork()).toBe(false);
    await q.send("b", "for it");
    await expect(pending).resolves.toMatchObject({ name: "b", body: "for it" });
    expect(q.isWaiting()).toBe(false);
    expect(q.hasQueuedWork()).toBe(true);
  });

  it("returns nothing on timeout, rejects with actor.aborted on a signal (even one aborted before), and ends iter when the actor aborts", async () => {
    const { q, host } = await queueOn();
    await expect(q.next({ timeout: 10 })).resolves.toBeUndefined();
    const ac = new AbortController();
    const bySignal = q.nextBatch({ signal: ac.signal });
    ac.abort();
    await expect(bySignal).rejects.toMatchObject({ group: "actor", code: "aborted" });
    await expect(q.next({ signal: ac.signal })).rejects.toMatchObject({ group: "actor", code: "aborted" });
    await expect(q.next({ signal: ac.signal, timeout: 0 })).rejects.toMatchObject({ group: "actor", code: "aborted" });
    const iterated: unknown[] = [];
    const loop = (async () => {
      for await (const m of q.iter()) iterated.push(m.body);
    })();
    await q.send("a", 1);
    await new Promise((r) => setTimeout(r, 10));
    host.abort.abort();
    await loop;
    expect(iterated).toEqual([1]);
  });

  it("enforces maxQueueSize and maxQueueMessageSize at the limit and one over", async () => {
    const body = "x".repeat(90);
    const size = encodeValue(body).byteLength;
    const { q } = await queueOn(new MemoryKv(), { maxQueueSize: 2, maxQueueMessageSize: size });
    await q.send("a", body);
    await expect(q.send("a", body + "x")).rejects.toMatchObject({ group: "queue", code: "message_too_large" });
    await q.send("a", body);
    await expect(q.send("a", 1)).rejects.toMatchObject({ group: "queue", code: "full" });
    expect(q.size).toBe(2);
  });

  it("acks the last message when an iterator loop breaks", async () => {
    const { q, kv } = await queueOn();
    await q.send("a", 1);
    await q.send("a", 2);
    for await (const m of q.iter()) {
      if (m.body === 1) break;
    }
    expect(kv.keysWithPrefix([5, 1, 2])).toHaveLength(1);
  });
});
