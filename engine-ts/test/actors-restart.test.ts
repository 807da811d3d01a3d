import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runner } from "@actorwire/protocol";
import { ScriptedRunner, type ScriptedRunnerOptions } from "@actorwire/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { SqliteStorage } from "../src/storage/sqlite.js";
import { type Harness, startHarness } from "./actors-harness.js";

// Everything the lifecycle knows lives in storage: an engine restarted on the same SQLite file
// continues where the last one stopped.

const scratch = mkdtempSync(join(tmpdir(), "actorwire-actors-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function engineOn(path: string, runnerIds: Map<string, string>): Promise<Harness> {
  const h = await startHarness({ storage: SqliteStorage.open(path), runnerIds });
  let closed = false;
  cleanup.push(async () => {
    if (!closed) await h.close({ closeStorage: true });
  });
  const close = h.close.bind(h);
  return {
    ...h,
    async close(options) {
      closed = true;
      await close(options);
    },
  };
}

async function connect(h: Harness, options: ScriptedRunnerOptions = {}): Promise<ScriptedRunner> {
  const r = await ScriptedRunner.connect(h.endpoint, options);
  cleanup.push(() => r.ws.terminate());
  return r;
}

describe("lifecycle across an engine restart", () => {
  it("an alarm set before the restart wakes the sleeping actor after it", async () => {
    const path = join(scratch, "alarm.db");
    const runnerIds = new Map<string, string>();
    const before = await engineOn(path, runnerIds);
    const r = await connect(before);
    const id = before.createActor();
    await r.commands();
    r.running(id, 0);
    await before.reach(id, "running", 0);
    const alarmTs = Date.now() + 700;
    r.setAlarm(id, 0, alarmTs);
    r.sleepIntent(id, 0);
    await r.commands();
    r.stopped(id, 0);
    await before.reach(id, "sleeping", 0);
    await before.close({ closeStorage: true });

    const after = await engineOn(path, runnerIds);
    expect(after.lifecycle.state(id)).toMatchObject({ phase: "sleeping", generation: 0, alarmTs });
    const r2 = await connect(after);
    const [start] = await r2.commands(1, 5_000);
    expect(Date.now()).toBeGreaterThanOrEqual(alarmTs);
    expect(start?.checkpoint).toEqual({ actorId: id, generation: 1, index: 0n });
    expect(start?.inner.tag).toBe("CommandStartActor");
    r2.running(id, 1);
    await after.reach(id, "running", 1);
    expect(after.catalog.getActor(id)?.generation).toBe(1);
  });

  it("keeps generations, unacked commands, event indices and pending actors", async () => {
    const path = join(scratch, "state.db");
    const runnerIds = new Map<string, string>();
    const before = await engineOn(path, runnerIds);
    const k = await connect(before, { key: "K" });
    // a: started but never answered. b: running, then asked to sleep. d: waits for a runner named "late".
    const a = before.createActor();
    await k.commands();
    const b = before.createActor();
    await k.commands();
    k.running(b, 0);
    k.sleepIntent(b, 0);
    await k.commands();
    const d = before.createActor({ runnerName: "late" });
    expect(before.lifecycle.state(b)).toMatchObject({ phase: "stopping", lastEventIndex: 1, nextCommandIndex: 2 });
    await before.close({ closeStorage: true });

    const after = await engineOn(path, runnerIds);
    expect(after.lifecycle.state(a)).toMatchObject({ phase: "starting", generation: 0, runnerId: k.runnerId });
    expect(after.lifecycle.state(b)).toMatchObject({ phase: "stopping", stopReason: "sleep", lastEventIndex: 1 });
    expect(after.lifecycle.state(d)).toMatchObject({ phase: "pending" });

    // The same runner key gets the same runner ID, and every command it has not acked.
    const k2 = await connect(after, { key: "K" });
    expect(k2.runnerId).toBe(k.runnerId);
    expect(k2.replayed.map((c) => [c.checkpoint.actorId, c.checkpoint.generation, c.checkpoint.index, c.inner.tag])).toEqual(
      [
        [a, 0, 0n, "CommandStartActor"],
        [b, 0, 1n, "CommandStopActor"],
      ].sort((x, y) => ((x[0] as string) < (y[0] as string) ? -1 : 1)),
    );
    // A runner resending its unacked events: the ones processed before the restart are dropped.
    k2.eventAt(b, 0, 0, { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateRunning", val: null } } });
    k2.eventAt(b, 0, 1, { tag: "EventActorIntent", val: { intent: { tag: "ActorIntentSleep", val: null } } });
    k2.eventAt(b, 0, 2, {
      tag: "EventActorStateUpdate",
      val: { state: { tag: "ActorStateStopped", val: { code: runner.v7.StopCode.Error, message: null } } },
    });
    await after.reach(b, "sleeping", 0);
    await k2.expectNo("ToClientCommands", 100);

    k2.running(a, 0);
    await after.reach(a, "running", 0);
    const late = await connect(after, { name: "late" });
    const [start] = await late.commands();
    expect(start?.checkpoint).toEqual({ actorId: d, generation: 0, index: 0n });
  });

  it("reschedules the actors of a runner that does not come back after the restart", async () => {
    const path = join(scratch, "lost.db");
    const runnerIds = new Map<string, string>();
    const before = await engineOn(path, runnerIds);
    const gone = await connect(before, { key: "gone" });
    const id = before.createActor();
    await gone.commands();
    gone.running(id, 0);
    await before.reach(id, "running", 0);
    await before.close({ closeStorage: true });

    const after = await engineOn(path, runnerIds);
    const other = await connect(after, { key: "other" });
    const [start] = await other.commands(1, 5_000);
    expect(start?.checkpoint).toEqual({ actorId: id, generation: 1, index: 0n });
  });
});
