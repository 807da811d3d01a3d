import type { AddressInfo } from "node:net";
import { eventually } from "@actorwire/testkit";
import { pino } from "pino";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Engine, createEngine, listen } from "../src/server.js";
import { RawRunner, type SeenKv, VERSIONS, type Version, isMk1 } from "./runners-versions-raw-runner.js";

// Every runner protocol version, v1 to v7, against one real engine (in process, on a random
// loopback port, in-memory storage): a raw runner built on that version's own codec connects,
// is sent a start for an actor the public API creates, reports running, reads and writes the
// actor's KV, answers a gateway HTTP request through the tunnel, and is sent a stop when the
// API puts the actor to sleep. v1-v3 runners are served through the engine's mk1 bridge;
// nothing else in the engine knows they are not v7.

process.env.ACTORWIRE_LOG_LEVEL ??= "warn";

let engine: Engine;
let base: string;

beforeAll(async () => {
  engine = createEngine({ runners: { logger: pino({ level: "silent" }) } });
  const { port } = (await listen(engine.server, { host: "127.0.0.1", port: 0 })) as AddressInfo;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await engine.close();
});

async function createActor(runnerName: string, key: string): Promise<string> {
  const res = await fetch(`${base}/actors?namespace=default`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "counter", key, runner_name_selector: runnerName, crash_policy: "sleep" }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { actor: { actor_id: string } }).actor.actor_id;
}


function entries(kv: SeenKv): [string, string][] {
  if (!("ok" in kv) || (kv.ok !== "get" && kv.ok !== "list")) throw new Error(`expected entries, got ${JSON.stringify(kv)}`);
  return kv.entries.map((e) => [e.key, e.value]);
}

describe.each(VERSIONS.map((v) => [v] as const))("runner protocol v%i", (version: Version) => {
  it("starts, serves KV and gateway HTTP, and stops an actor created through the API", async () => {
    const name = `raw-v${version}`;
    const { runner: r, init, commands } = await RawRunner.connect({ base, version, name, key: `key-v${version}` });
    try {
      expect(init.runnerId).toMatch(/^[0-9a-z]{30}$/);
      expect(init.runnerLostThreshold).toBe(15_000n);
      // mk1 tells the runner the last event index it processed: none yet.
      expect(init.lastEventIdx).toBe(isMk1(version) ? -1n : undefined);
      expect(commands).toEqual([]);
      expect(engine.runners.connection(init.runnerId)).toMatchObject({ protocolVersion: version, name });

      // Start: the first command on a fresh runner has index 0 in both families.
      const actorId = await createActor(name, `k${version}`);
      const start = await r.take("commands");
      expect(start.commands).toEqual([
        {
          index: 0n,
          actorId,
          generation: 0,
          kind: "start",
          name: "counter",
          key: `k${version}`,
          // v1 and v2 have no hibernating requests in their start command.
          ...(version >= 3 ? { hibernatingRequests: 0 } : {}),
        },
      ]);
      r.sendEvents([{ actorId, generation: 0, index: 0n, body: { state: "running" } }]);
      await eventually("running", () => engine.lifecycle.state(actorId)?.phase === "running");

      // KV round trips, answered in the version's own KvResponse shape.
      expect(await r.kv(actorId, { put: [["a", "1"], ["b", "2"], ["c", "3"], ["d/x", "4"]] })).toEqual({ ok: "put" });
      const got = await r.kv(actorId, { get: ["a", "zz", "c"] });
      // Missing keys are left out, as Rivet's engine does.
      expect(entries(got)).toEqual([["a", "1"], ["c", "3"]]);
      if ("ok" in got && got.ok === "get") {
        for (const e of got.entries) {
          expect(e.version).toBe("0.1.0");
          expect(e.ts).toBeGreaterThan(1_600_000_000_000n);
        }
      }
      expect(entries(await r.kv(actorId, { listAll: true }))).toEqual([["a", "1"], ["b", "2"], ["c", "3"], ["d/x", "4"]]);
      expect(entries(await r.kv(actorId, { listPrefix: "d/" }))).toEqual([["d/x", "4"]]);
      // A range includes its end unless exclusive.
      expect(entries(await r.kv(actorId, { listRange: ["a", "c"], reverse: true }))).toEqual([["c", "3"], ["b", "2"], ["a", "1"]]);
      expect(entries(await r.kv(actorId, { listRange: ["a", "c"], exclusive: true }))).toEqual([["a", "1"], ["b", "2"]]);
      expect(entries(await r.kv(actorId, { listAll: true, reverse: true, limit: 2 }))).toEqual([["d/x", "4"], ["c", "3"]]);
      expect(await r.kv(actorId, { delete: ["b", "nope"] })).toEqual({ ok: "delete" });
      expect(entries(await r.kv(actorId, { listAll: true }))).toEqual([["a", "1"], ["c", "3"], ["d/x", "4"]]);
      // The engine checks ownership through the bridge like for any runner.
      expect(await r.kv("00000000000000000000000000000x", { get: ["a"] })).toEqual({ error: "actor does not exist" });

      // Gateway HTTP through the tunnel, in the version's tunnel shape (UUIDs in v1 and v2).
      const pending = fetch(`${base}/gateway/${actorId}/x?y=${version}`, { method: "POST", headers: { "x-test": "yes" }, body: "ping" });
      const { request } = await r.take("request");
      expect(request).toMatchObject({ actorId, method: "POST", path: `/x?y=${version}`, body: "ping" });
      expect(request.headers.get("x-test")).toBe("yes");
      expect("requestUuid" in request.address).toBe(version <= 2);
      const messageId = r.respond(request, 201, { "content-type": "text/plain", "x-runner": `v${version}` }, `pong from v${version}`);
      const res = await pending;
      expect(res.status).toBe(201);
      expect(res.headers.get("x-runner")).toBe(`v${version}`);
      expect(await res.text()).toBe(`pong from v${version}`);
      if (version <= 2) {
        // v1 and v2 runners get every tunnel message they send acknowledged with their own IDs.
        const ack = await r.take("tunnelAck");
        expect(ack.messageId).toEqual(messageId);
        expect(ack.requestId).toEqual((request.address as { requestUuid: ArrayBuffer }).requestUuid);
      } else {
        expect(r.log.some((s) => s.tag === "tunnelAck")).toBe(false);
      }

      // A gateway WebSocket through the tunnel: open, a message each way, close.
      const client = new WebSocket(`${base.replace(/^http/, "ws")}/gateway/${actorId}/ws`);
      client.on("error", () => {});
      const received: string[] = [];
      client.on("message", (data) => received.push(String(data)));
      const clientClosed = new Promise<number>((resolve) => client.once("close", (code) => resolve(code)));
      // The gateway completes the client's upgrade before it asks the runner.
      const clientOpen = new Promise<void>((resolve, reject) => {
        client.once("open", () => resolve());
        client.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      });
      const open = await r.take("wsOpen");
      expect(open).toMatchObject({ actorId, path: "/ws" });
      r.wsAccept(open.address);
      await clientOpen;
      client.send(`hello v${version}`);
      const message = await r.take("wsMessage");
      expect(message).toMatchObject({ data: `hello v${version}`, binary: false });
      // The gateway's index of its first message after the open; v1 does not carry it.
      expect(message.index).toBe(version === 1 ? undefined : 1);
      r.wsSend(open.address, `echo v${version}`);
      await eventually("echo", () => received.length > 0);
      expect(received).toEqual([`echo v${version}`]);
      client.close(1000, "bye");
      expect(await r.take("wsClose")).toMatchObject({ code: 1000, reason: "bye" });
      expect(await clientClosed).toBe(1000);
      if (version <= 2) {
        // Open and message were both acknowledged.
        expect((await r.drain("tunnelAck", 50)).length).toBe(2);
      }

      // Sleep through the API: a stop command, then the runner reports stopped.
      const slept = await fetch(`${base}/actors/${actorId}/sleep?namespace=default`, { method: "POST" });
      expect(slept.status).toBe(200);
      const stop = await r.take("commands");
      expect(stop.commands).toEqual([{ index: 1n, actorId, generation: 0, kind: "stop" }]);
      r.sendEvents([{ actorId, generation: 0, index: 1n, body: { state: "stopped", ok: false } }]);
      await eventually("sleeping", () => engine.lifecycle.state(actorId)?.phase === "sleeping");
      expect(engine.lifecycle.state(actorId)).toMatchObject({ phase: "sleeping", generation: 0, runnerId: null });
      // mk1 runners ping the engine; the engine never pings them.
      if (isMk1(version)) expect(r.pings).toBe(0);
    } finally {
      await r.close();
    }
  });
});
