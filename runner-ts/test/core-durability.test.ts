import { describe, expect, it } from "vitest";
import { ENGINES, useStack } from "./support/stack.js";

// Durability of the actor core under kill -9, on both engines: an action's reply is sent only
// once its state change is durable, so a runner SIGKILLed right after replying loses nothing it
// reported; and an actor whose runner dies mid-traffic comes back on a new runner with its
// state as of its last save and its scheduled work still firing.
//
// ACTORWIRE_SOAK=1 runs 20 kill rounds instead of 4.

const ROUNDS = process.env.ACTORWIRE_SOAK === "1" ? 20 : 4;
const CALLS_PER_ROUND = 20;

describe.each(ENGINES)("durability of the actor core on %s's engine", (engine) => {
  const stack = useStack({ engine, fixture: "core-actors.ts" });

  it(`keeps every acknowledged change when the runner is SIGKILLed right after a reply (${ROUNDS} rounds)`, async () => {
    const s = stack.get();
    for (let round = 0; round < ROUNDS; round++) {
      const counter = s.client.counter.getOrCreate(["durable", String(round)]);
      await counter.get();
      const acked: number[] = [];
      let killed: Promise<void> | undefined;
      const calls = Array.from({ length: CALLS_PER_ROUND }, (_, i) => {
        const value = round * 1_000 + i;
        return counter.append(value).then(
          () => {
            acked.push(value);
            // The first reply kills the runner at once (SIGKILL is sent synchronously here),
            // while the other calls are still in flight.
            killed ??= s.killRunner();
          },
          () => {},
        );
      });
      // Every call either answers or fails once the runner is gone; wait for the first reply.
      while (killed === undefined) await Promise.race([...calls, new Promise((r) => setTimeout(r, 10))]);
      await killed;
      const acknowledgedBeforeRestart = [...acked];
      await s.startRunner();
      const state = await counter.get();
      for (const value of acknowledgedBeforeRestart) expect(state.values).toContain(value);
      expect(acknowledgedBeforeRestart.length).toBeGreaterThan(0);
      void Promise.allSettled(calls);
    }
  });

  it("brings an actor back on a new runner after a SIGKILL mid-traffic, with its state and its schedules", async () => {
    const s = stack.get();
    const sched = s.client.scheduler.getOrCreate(["survivor"]);
    const schedId = await sched.resolve();
    await sched.scheduleAfter(3_000, "after-kill");
    const counter = s.client.counter.getOrCreate(["traffic"]);
    let lastAcked = 0;
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        try {
          lastAcked = await counter.increment(1);
        } catch {
          return;
        }
      }
    })();
    while (lastAcked < 20) await new Promise((r) => setTimeout(r, 10));
    await s.killRunner();
    stop = true;
    const ackedAtKill = lastAcked;
    await s.startRunner();
    const pid = s.runnerPid;
    expect((await counter.get()).count).toBeGreaterThanOrEqual(ackedAtKill);
    await traffic;
    const fired = await s.waitFor("fired", (l) => l.actorId === schedId && l.tag === "after-kill", { timeoutMs: 60_000 });
    expect(fired.pid).toBe(pid);
    expect(await sched.fired()).toEqual(["after-kill"]);
    expect(await sched.list()).toEqual([]);
  });
});
