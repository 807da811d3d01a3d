import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { runner } from "@actorwire/protocol";
import { eventually } from "@actorwire/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { RunnerEndpointOptions } from "../src/runners/index.js";
import { type Engine, createEngine, listen } from "../src/server.js";
import { SqliteStorage } from "../src/storage/sqlite.js";
import type { Storage } from "../src/storage/storage.js";
import { RawRunner, type RawRunnerOptions } from "./runners-versions-raw-runner.js";

// What is particular to runner protocol v1-v3 ("mk1") served through the engine's bridge:
// one runner-wide command index and one runner-wide event index, acks that cover
// "everything up to here", `lastCommandIdx` and `lastEventIdx` at the handshake, runner
// pings. The engine behind the bridge sees v7 per-actor checkpoints, observed here through
// the runner endpoint's `message` events.

process.env.ACTORWIRE_LOG_LEVEL ??= "warn";
const silent = pino({ level: "silent" });

interface TestEngine {
  readonly engine: Engine;
  readonly base: string;
  /** Every v7 message the engine received, by runner ID. */
  readonly seen: Map<string, runner.v7.ToServer[]>;
}

const engines: Engine[] = [];

async function startEngine(options: { storage?: Storage; runners?: Partial<RunnerEndpointOptions> } = {}): Promise<TestEngine> {
  const engine = createEngine({ ...(options.storage ? { storage: options.storage } : {}), runners: { logger: silent, ...options.runners } });
  engines.push(engine);
  const seen = new Map<string, runner.v7.ToServer[]>();
  engine.runners.on("message", (c, m) => {
    const list = seen.get(c.runnerId) ?? [];
    list.push(m);
    seen.set(c.runnerId, list);
  });
  const { port } = (await listen(engine.server, { host: "127.0.0.1", port: 0 })) as AddressInfo;
  return { engine, base: `http://127.0.0.1:${port}`, seen };
}

let t: TestEngine;

beforeAll(async () => {
  t = await startEngine();
});

afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

let keys = 0;
function unique(prefix: string): string {
  keys += 1;
  return `${prefix}-${keys}-${Math.random().toString(36).slice(2, 8)}`;
}

async function createActor(on: TestEngine, runnerName: string, key: string): Promise<string> {
  const res = await fetch(`${on.base}/actors?namespace=default`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "counter", key, runner_name_selector: runnerName, crash_policy: "sleep" }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { actor: { actor_id: string } }).actor.actor_id;
}

async function sleepActor(on: TestEngine, actorId: string): Promise<void> {
  expect((await fetch(`${on.base}/actors/${actorId}/sleep?namespace=default`, { method: "POST" })).status).toBe(200);
}


async function phase(on: TestEngine, actorId: string, want: string): Promise<void> {
  await eventually(`${actorId} ${want}`, () => on.engine.lifecycle.state(actorId)?.phase === want);
}

/** The v7 events the engine received from a runner: actor, generation, index and what. */
function v7Events(on: TestEngine, runnerId: string): { actorId: string; generation: number; index: bigint; what: string }[] {
  return (on.seen.get(runnerId) ?? []).flatMap((m) =>
    m.tag === "ToServerEvents"
      ? m.val.map((e) => ({
          ...e.checkpoint,
          what:
            e.inner.tag === "EventActorStateUpdate"
              ? e.inner.val.state.tag
              : e.inner.tag === "EventActorIntent"
                ? e.inner.val.intent.tag
                : e.inner.tag,
        }))
      : [],
  );
}

/** The v7 command acks the engine received from a runner. */
function v7Acks(on: TestEngine, runnerId: string): runner.v7.ActorCheckpoint[] {
  return (on.seen.get(runnerId) ?? []).flatMap((m) => (m.tag === "ToServerAckCommands" ? m.val.lastCommandCheckpoints : []));
}

function connect(on: TestEngine, options: Omit<RawRunnerOptions, "base">) {
  return RawRunner.connect({ base: on.base, ...options });
}

describe.each([[1], [2], [3]] as const)("runner protocol v%i through the mk1 bridge", (version) => {
  it("numbers commands and events runner-wide across actors while the engine sees per-generation checkpoints", async () => {
    const name = unique(`wide-v${version}`);
    const { runner: r, init } = await connect(t, { version, name, key: unique("k") });
    try {
      const a = await createActor(t, name, unique("a"));
      expect((await r.take("commands")).commands).toMatchObject([{ index: 0n, actorId: a, generation: 0, kind: "start" }]);
      const b = await createActor(t, name, unique("b"));
      expect((await r.take("commands")).commands).toMatchObject([{ index: 1n, actorId: b, generation: 0, kind: "start" }]);

      r.sendEvents([
        { actorId: a, generation: 0, index: 0n, body: { state: "running" } },
        { actorId: b, generation: 0, index: 1n, body: { state: "running" } },
      ]);
      await phase(t, a, "running");
      await phase(t, b, "running");

      await sleepActor(t, a);
      expect((await r.take("commands")).commands).toEqual([{ index: 2n, actorId: a, generation: 0, kind: "stop" }]);
      await sleepActor(t, b);
      expect((await r.take("commands")).commands).toEqual([{ index: 3n, actorId: b, generation: 0, kind: "stop" }]);
      r.sendEvents([{ actorId: b, generation: 0, index: 2n, body: { state: "stopped", ok: false } }]);
      r.sendEvents([{ actorId: a, generation: 0, index: 3n, body: { state: "stopped", ok: false } }]);
      await phase(t, a, "sleeping");
      await phase(t, b, "sleeping");

      // A request wakes `a` in a new generation: its start takes the next runner-wide index,
      // and its events start again at 0 on the v7 side.
      const pending = fetch(`${t.base}/gateway/${a}/wake`);
      expect((await r.take("commands")).commands).toMatchObject([{ index: 4n, actorId: a, generation: 1, kind: "start" }]);
      r.sendEvents([{ actorId: a, generation: 1, index: 4n, body: { state: "running" } }]);
      const { request } = await r.take("request");
      r.respond(request, 200, {}, "awake");
      expect(await (await pending).text()).toBe("awake");

      expect(v7Events(t, init.runnerId)).toEqual([
        { actorId: a, generation: 0, index: 0n, what: "ActorStateRunning" },
        { actorId: b, generation: 0, index: 0n, what: "ActorStateRunning" },
        { actorId: b, generation: 0, index: 1n, what: "ActorStateStopped" },
        { actorId: a, generation: 0, index: 1n, what: "ActorStateStopped" },
        { actorId: a, generation: 1, index: 0n, what: "ActorStateRunning" },
      ]);
    } finally {
      await r.close();
    }
  });
});

describe("runner protocol v3 through the mk1 bridge", () => {
  it("resends only the commands after lastCommandIdx when the runner reconnects with its key, and acks the rest", async () => {
    const name = unique("resend");
    const key = unique("k");
    const first = await connect(t, { version: 3, name, key });
    const runnerId = first.init.runnerId;
    const a = await createActor(t, name, unique("a"));
    const b = await createActor(t, name, unique("b"));
    const starts = [...(await first.runner.take("commands")).commands, ...(await first.runner.take("commands")).commands];
    expect(starts).toMatchObject([
      { index: 0n, actorId: a, kind: "start" },
      { index: 1n, actorId: b, kind: "start" },
    ]);
    // The runner saw both but processed only the first before its connection dropped.
    await first.runner.close();

    const second = await connect(t, { version: 3, name, key, lastCommandIdx: 0n });
    expect(second.init.runnerId).toBe(runnerId);
    expect(second.init.lastEventIdx).toBe(-1n);
    expect(second.commands).toMatchObject([{ index: 1n, actorId: b, generation: 0, kind: "start" }]);
    // What the runner had seen reached the engine as a v7 ack of `a`'s start.
    await eventually("v7 ack", () => v7Acks(t, runnerId).length > 0);
    expect(v7Acks(t, runnerId)).toEqual([{ actorId: a, generation: 0, index: 0n }]);
    await second.runner.close();

    // Having seen both, the runner is sent nothing again, and `b`'s start is acked for it.
    const third = await connect(t, { version: 3, name, key, lastCommandIdx: 1n });
    expect(third.commands).toEqual([]);
    await eventually("second v7 ack", () => v7Acks(t, runnerId).length > 1);
    const r = third.runner;
    try {
      r.sendEvents([
        { actorId: a, generation: 0, index: 0n, body: { state: "running" } },
        { actorId: b, generation: 0, index: 1n, body: { state: "running" } },
      ]);
      await phase(t, a, "running");
      await phase(t, b, "running");
      // New commands continue the runner-wide count.
      await sleepActor(t, a);
      expect((await r.take("commands")).commands).toEqual([{ index: 2n, actorId: a, generation: 0, kind: "stop" }]);
      // An explicit ack (Rivet's runner sends one every 5 minutes) becomes per-generation v7 acks.
      r.ackCommands(2n);
      await eventually("stop ack", () => v7Acks(t, runnerId).some((c) => c.index === 1n));
      expect(v7Acks(t, runnerId)).toEqual([
        { actorId: a, generation: 0, index: 0n },
        { actorId: b, generation: 0, index: 0n },
        { actorId: a, generation: 0, index: 1n },
      ]);
    } finally {
      await r.close();
    }
    // Nothing unacked remains: even a runner claiming to have seen nothing is sent nothing.
    const fourth = await connect(t, { version: 3, name, key, lastCommandIdx: null });
    expect(fourth.commands).toEqual([]);
    await fourth.runner.close();
  });

  it("ignores duplicate and resent events, reports the last processed index at reconnect, and acks", async () => {
    const name = unique("dups");
    const key = unique("k");
    const first = await connect(t, { version: 3, name, key });
    const runnerId = first.init.runnerId;
    const a = await createActor(t, name, unique("a"));
    expect((await first.runner.take("commands")).commands).toMatchObject([{ index: 0n, kind: "start" }]);
    first.runner.sendEvents([{ actorId: a, generation: 0, index: 0n, body: { state: "running" } }]);
    await phase(t, a, "running");
    // The same index again, even with other content, is a duplicate.
    first.runner.sendEvents([{ actorId: a, generation: 0, index: 0n, body: { intent: "stop" } }]);
    // A runner resending handled events has missed an ack: it gets one.
    expect((await first.runner.take("ackEvents")).lastEventIdx).toBe(0n);
    expect(t.engine.lifecycle.state(a)?.phase).toBe("running");
    // Resent history followed by a new event: only the new one counts.
    first.runner.sendEvents([
      { actorId: a, generation: 0, index: 0n, body: { state: "running" } },
      { actorId: a, generation: 0, index: 1n, body: { intent: "sleep" } },
    ]);
    expect((await first.runner.take("commands")).commands).toEqual([{ index: 1n, actorId: a, generation: 0, kind: "stop" }]);
    await first.runner.close();

    const second = await connect(t, { version: 3, name, key, lastCommandIdx: 1n });
    expect(second.init.lastEventIdx).toBe(1n);
    const r = second.runner;
    try {
      // Rivet's runner resends what is after `lastEventIdx`; one that resends more is ignored too.
      r.sendEvents([
        { actorId: a, generation: 0, index: 0n, body: { state: "running" } },
        { actorId: a, generation: 0, index: 1n, body: { intent: "sleep" } },
        { actorId: a, generation: 0, index: 2n, body: { state: "stopped", ok: false } },
      ]);
      await phase(t, a, "sleeping");
      expect(v7Events(t, runnerId)).toEqual([
        { actorId: a, generation: 0, index: 0n, what: "ActorStateRunning" },
        { actorId: a, generation: 0, index: 1n, what: "ActorIntentSleep" },
        { actorId: a, generation: 0, index: 2n, what: "ActorStateStopped" },
      ]);
    } finally {
      await r.close();
    }
  });

  it("acknowledges events with the runner-wide index once they are handled", async () => {
    const name = unique("ack");
    const { runner: r, init } = await connect(t, { version: 3, name, key: unique("k") });
    try {
      const a = await createActor(t, name, unique("a"));
      await r.take("commands");
      const alarms = Array.from({ length: 600 }, (_, i) => ({
        actorId: a,
        generation: 0,
        index: BigInt(i + 1),
        body: { alarmTs: BigInt(Date.now() + 3_600_000 + i) },
      }));
      r.sendEvents([{ actorId: a, generation: 0, index: 0n, body: { state: "running" } }, ...alarms]);
      // The lifecycle acks per actor after 250 events; the bridge turns that into one ack of
      // everything handled, written after its own record.
      expect((await r.take("ackEvents")).lastEventIdx).toBe(600n);
      expect(t.engine.lifecycle.state(a)).toMatchObject({ phase: "running", lastEventIndex: 600, lastAckedEventIndex: 600 });
      expect(v7Events(t, init.runnerId).map((e) => e.index)).toEqual(Array.from({ length: 601 }, (_, i) => BigInt(i)));
      expect(await r.drain("ackEvents", 50)).toEqual([]);
    } finally {
      await r.close();
    }
  });

  it("counts a fresh runner process's events from 0 again when it reuses a key", async () => {
    const name = unique("fresh");
    const key = unique("k");
    const first = await connect(t, { version: 3, name, key });
    const a = await createActor(t, name, unique("a"));
    await first.runner.take("commands");
    first.runner.sendEvents([
      { actorId: a, generation: 0, index: 0n, body: { state: "running" } },
      { actorId: a, generation: 0, index: 1n, body: { alarmTs: null } },
    ]);
    await phase(t, a, "running");
    await eventually("watermark", () => v7Events(t, first.init.runnerId).length === 2);
    await first.runner.close();

    // A new process has seen no command (`lastCommandIdx` absent), so it hosts nothing and
    // numbers its events from 0; the engine forgets the old watermark for it.
    const second = await connect(t, { version: 3, name, key, lastCommandIdx: null });
    expect(second.init.runnerId).toBe(first.init.runnerId);
    expect(second.init.lastEventIdx).toBe(-1n);
    const r = second.runner;
    try {
      const b = await createActor(t, name, unique("b"));
      const start = (await r.take("commands", (s) => s.commands.some((c) => c.actorId === b))).commands.find((c) => c.actorId === b);
      expect(start?.index).toBeGreaterThanOrEqual(1n);
      r.sendEvents([{ actorId: b, generation: 0, index: 0n, body: { state: "running" } }]);
      await phase(t, b, "running");
    } finally {
      await r.close();
    }
  });

  it("drains an mk1 runner that sends ToServerStopping", async () => {
    const name = unique("drain");
    const { runner: r } = await connect(t, { version: 3, name, key: unique("k") });
    try {
      const a = await createActor(t, name, unique("a"));
      await r.take("commands");
      r.sendEvents([{ actorId: a, generation: 0, index: 0n, body: { state: "running" } }]);
      await phase(t, a, "running");
      r.sendStopping();
      expect((await r.take("commands")).commands).toEqual([{ index: 1n, actorId: a, generation: 0, kind: "stop" }]);
      r.sendEvents([{ actorId: a, generation: 0, index: 1n, body: { state: "stopped", ok: true } }]);
      // Stopped by a draining runner: rescheduled, and pending since no other runner of its name exists.
      await phase(t, a, "pending");
    } finally {
      await r.close();
    }
  });
});

describe("WebSocket hibernation through the mk1 bridge", () => {
  // v3 start commands list hibernating requests, so a v3 runner can restore a socket after a
  // sleep; v2 start commands cannot, so the bridge never lets a v2 socket hibernate: its
  // client is closed when the actor stops instead of waiting on a tunnel that cannot resume.
  it.each([
    [2, "closed"],
    [3, "hibernating"],
  ] as const)("a v%i runner's hibernatable socket is %s when its actor sleeps", async (version, outcome) => {
    const name = unique(`hws-v${version}`);
    const { runner: r } = await connect(t, { version, name, key: unique("k") });
    try {
      const a = await createActor(t, name, unique("a"));
      await r.take("commands");
      r.sendEvents([{ actorId: a, generation: 0, index: 0n, body: { state: "running" } }]);
      await phase(t, a, "running");
      const client = new WebSocket(`${t.base.replace(/^http/, "ws")}/gateway/${a}/ws`);
      client.on("error", () => {});
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        client.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      const open = await r.take("wsOpen");
      r.wsAccept(open.address, true);
      if (client.readyState !== WebSocket.OPEN) await new Promise((resolve) => client.once("open", resolve));

      await sleepActor(t, a);
      await r.take("commands");
      r.sendEvents([{ actorId: a, generation: 0, index: 1n, body: { state: "stopped", ok: false } }]);
      await phase(t, a, "sleeping");
      if (outcome === "closed") {
        const timeout = new Promise((resolve) => setTimeout(() => resolve("still open after 5 s"), 5000));
        expect(await Promise.race([closed, timeout])).toEqual({ code: 1000, reason: "actor.stopped" });
      } else {
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(client.readyState).toBe(WebSocket.OPEN);
        expect(t.engine.gateway.hibernatingRequests(a)).toHaveLength(1);
        client.terminate();
      }
    } finally {
      await r.close();
    }
  });
});

describe("mk1 liveness", () => {
  let fast: TestEngine;
  beforeAll(async () => {
    fast = await startEngine({ runners: { pingIntervalMs: 50, pingJitterMs: 1, pingTimeoutMs: 400 } });
  });

  it("takes the runner's pings as liveness, never pings it, and drops it when they stop", async () => {
    const { runner: r } = await connect(fast, { version: 3, name: unique("ping"), key: unique("k"), ping: false });
    const started = Date.now();
    while (Date.now() - started < 1000) {
      r.sendAlive(BigInt(Date.now()));
      await new Promise((res) => setTimeout(res, 100));
    }
    // Alive a second and a half past the timeout, and sent nothing: mk1 has no engine ping.
    expect(r.ws.readyState).toBe(r.ws.OPEN);
    expect(r.log.map((s) => s.tag)).toEqual(["init", "commands"]);
    const closed = await r.closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(/^ws\.ping_timed_out#/);
  });
});

describe("mk1 bridge records across an engine restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "actorwire-mk1-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps the runner-wide indices and the processed event index in the engine's storage", async () => {
    const path = join(dir, "engine.db");
    const name = unique("restart");
    const key = unique("k");
    const one = await startEngine({ storage: SqliteStorage.open(path) });
    const first = await connect(one, { version: 3, name, key });
    const a = await createActor(one, name, unique("a"));
    expect((await first.runner.take("commands")).commands).toMatchObject([{ index: 0n, actorId: a, kind: "start" }]);
    first.runner.sendEvents([{ actorId: a, generation: 0, index: 0n, body: { state: "running" } }]);
    await phase(one, a, "running");
    await first.runner.close();
    await one.engine.close();
    engines.splice(engines.indexOf(one.engine), 1);

    const two = await startEngine({ storage: SqliteStorage.open(path) });
    const second = await connect(two, { version: 3, name, key, lastCommandIdx: 0n });
    expect(second.init.runnerId).toBe(first.init.runnerId);
    expect(second.init.lastEventIdx).toBe(0n);
    expect(second.commands).toEqual([]);
    const r = second.runner;
    try {
      await phase(two, a, "running");
      await sleepActor(two, a);
      expect((await r.take("commands")).commands).toEqual([{ index: 1n, actorId: a, generation: 0, kind: "stop" }]);
      // Index 0 again would be a duplicate of the event handled before the restart.
      r.sendEvents([
        { actorId: a, generation: 0, index: 0n, body: { state: "stopped", ok: false } },
        { actorId: a, generation: 0, index: 1n, body: { state: "stopped", ok: false } },
      ]);
      await phase(two, a, "sleeping");
      expect(v7Events(two, second.init.runnerId)).toEqual([{ actorId: a, generation: 0, index: 1n, what: "ActorStateStopped" }]);
    } finally {
      await r.close();
    }
  });
});
