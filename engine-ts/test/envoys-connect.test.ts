import type { AddressInfo } from "node:net";
import { envoy } from "@actorwire/protocol";
import { ScriptedEnvoy, eventually } from "@actorwire/testkit";
import { pino } from "pino";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Engine, createEngine, listen } from "../src/server.js";

// Raw envoys built on our own codecs against our engine's `/envoys/connect`, at every envoy
// protocol version the engine speaks. The ping interval is short so liveness is seen quickly;
// nothing here measures time, only what arrives and how sockets close.

const silent = pino({ level: "silent" });
const POOL = "envoy-pool";
const SUPPORTED = [2, 3, 4, 5, 6, 8] as const;

let engine: Engine;
let base: string;

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as unknown;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

beforeAll(async () => {
  engine = createEngine({ runners: { logger: silent }, envoys: { logger: silent, pingIntervalMs: 50, pingJitterMs: 1, pingTimeoutMs: 400 } });
  const { port } = (await listen(engine.server, { host: "127.0.0.1", port: 0 })) as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  await api("PUT", `/runner-configs/${POOL}?namespace=default`, { datacenters: { local: { drain_on_version_upgrade: true, normal: {} } } });
});

afterAll(async () => {
  await engine?.close();
});

/** The group.code of a close reason `<group>.<code>#<ray_id>`. */
function reasonId(reason: string): string {
  return reason.split("#", 1)[0] as string;
}

describe.each(SUPPORTED)("envoy protocol v%i", (version) => {
  it("gets ToEnvoyInit first, unprompted, then pings; its metadata registers actor names", async () => {
    const peer = await ScriptedEnvoy.connect(base, { protocolVersion: version, poolName: POOL });
    await peer.next("ToEnvoyInit");
    expect(peer.received[0]).toEqual({
      tag: "ToEnvoyInit",
      val: { metadata: { envoyLostThreshold: 15_000n, actorStopThreshold: 1_800_000n, maxResponsePayloadSize: 20_971_520n } },
    });
    await peer.next("ToEnvoyPing");
    const name = `counter-v${version}`;
    peer.metadata({ [name]: JSON.stringify({ v: version }) }, JSON.stringify({ rivetkit: { version: "test" } }));
    const names = await eventually("the actor name registered", async () => {
      const { names } = await api("GET", "/actors/names?namespace=default");
      return names[name] !== undefined && names;
    });
    expect(names[name]).toEqual({ metadata: { v: version } });
    const key = new URL(peer.ws.url).searchParams.get("envoy_key") as string;
    const { envoys } = await api("GET", `/envoys?namespace=default&envoy_key=${key}`);
    expect(envoys).toHaveLength(1);
    expect(envoys[0]).toMatchObject({ envoy_key: key, pool_name: POOL, version: 1, stop_ts: null, metadata: { rivetkit: { version: "test" } } });
    await peer.close();
  });

  it("stays connected while it answers pings, and ignores text and undecodable frames", async () => {
    const peer = await ScriptedEnvoy.connect(base, { protocolVersion: version, poolName: POOL });
    await peer.next("ToEnvoyInit");
    peer.sendRaw("a text frame");
    peer.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    // A 2-byte version prefix, which envoy frames do not have, before a valid pong.
    peer.sendRaw(new Uint8Array([version, 0, ...envoy.versioned.ToRivet.encode({ tag: "ToRivetPong", val: { ts: 1n } }, version)]));
    // Well past the pong timeout in pings; the socket must still be open and answered.
    const pings = (): number => peer.received.filter((m) => m.tag === "ToEnvoyPing").length;
    await eventually("20 pings", () => pings() >= 20, { timeoutMs: 20_000 });
    expect(peer.open).toBe(true);
    const key = new URL(peer.ws.url).searchParams.get("envoy_key");
    const connection = engine.envoys.connections().find((c) => c.envoyKey === key);
    expect(connection !== undefined && connection.lastPongAt > connection.connectedAt).toBe(true);
    await peer.close();
  });

  it("is closed with ws.timed_out when it stops answering pings", async () => {
    const peer = await ScriptedEnvoy.connect(base, { protocolVersion: version, poolName: POOL, pong: false });
    await peer.next("ToEnvoyInit");
    const { code, reason } = await peer.closed;
    expect([code, reasonId(reason)]).toEqual([1011, "ws.timed_out"]);
  });
});

describe("bad connect URLs", () => {
  const cases: [string, Record<string, string | null>, string][] = [
    ["protocol_version 1", { protocol_version: "1" }, "ws.invalid_request"],
    ["protocol_version 7 (no published layout)", { protocol_version: "7" }, "ws.invalid_request"],
    ["protocol_version 9", { protocol_version: "9" }, "ws.invalid_request"],
    ["protocol_version not a number", { protocol_version: "x" }, "ws.invalid_request"],
    ["protocol_version missing", { protocol_version: null }, "ws.invalid_request"],
    ["namespace missing", { namespace: null }, "ws.invalid_request"],
    ["namespace unknown", { namespace: "no-such-namespace" }, "namespace.not_found"],
    ["pool_name missing", { pool_name: null }, "ws.invalid_request"],
    ["pool_name of 129 bytes", { pool_name: "p".repeat(129) }, "ws.invalid_request"],
    ["pool_name of 128 bytes, undeclared", { pool_name: "p".repeat(128) }, "ws.no_runner_config"],
    ["pool_name of 127 bytes and a 2-byte character, undeclared", { pool_name: `${"p".repeat(126)}é` }, "ws.no_runner_config"],
    ["pool_name of 128 bytes and a 2-byte character", { pool_name: `${"p".repeat(127)}é` }, "ws.invalid_request"],
    ["pool undeclared", { pool_name: "undeclared" }, "ws.no_runner_config"],
    ["envoy_key missing", { envoy_key: null }, "ws.invalid_request"],
    ["envoy_key of 2 characters", { envoy_key: "ab" }, "ws.invalid_request"],
    ["envoy_key of 129 characters", { envoy_key: "k".repeat(129) }, "ws.invalid_request"],
    ["envoy_key with a space", { envoy_key: "a b c" }, "ws.invalid_request"],
    ["version missing", { version: null }, "ws.invalid_request"],
    ["version -1", { version: "-1" }, "ws.invalid_request"],
    ["version 2^32", { version: "4294967296" }, "ws.invalid_request"],
  ];
  it.each(cases)("%s closes with the documented reason", async (_label, raw, expected) => {
    const peer = await ScriptedEnvoy.connect(base, { poolName: POOL, raw });
    const { code, reason } = await peer.closed;
    expect([code, reasonId(reason)]).toEqual([1011, expected]);
    expect(reason).toMatch(/#[0-9a-f-]{36}$/);
    expect(peer.received).toEqual([]);
  });

  const limits: [string, Record<string, string>][] = [
    ["envoy_key of 3 characters", { envoy_key: "abc" }],
    ["envoy_key of 128 characters", { envoy_key: "k".repeat(128) }],
    ["version 2^32 - 1", { version: "4294967295" }],
    ["version 0", { version: "0" }],
  ];
  it.each(limits)("%s is accepted", async (_label, raw) => {
    const peer = await ScriptedEnvoy.connect(base, { poolName: POOL, raw });
    await peer.next("ToEnvoyInit");
    await peer.close();
  });

  it("a pool declared under another namespace does not count", async () => {
    await api("POST", "/namespaces", { name: "envoy-other", display_name: "Other" });
    const peer = await ScriptedEnvoy.connect(base, { namespace: "envoy-other", poolName: POOL });
    expect(reasonId((await peer.closed).reason)).toBe("ws.no_runner_config");
  });
});

describe("connections", () => {
  it("a second connection with the same key evicts the first with 1000 ws.eviction", async () => {
    const first = await ScriptedEnvoy.connect(base, { poolName: POOL, envoyKey: "same-key" });
    await first.next("ToEnvoyInit");
    const second = await ScriptedEnvoy.connect(base, { poolName: POOL, envoyKey: "same-key" });
    await second.next("ToEnvoyInit");
    const { code, reason } = await first.closed;
    expect([code, reasonId(reason)]).toEqual([1000, "ws.eviction"]);
    const { envoys } = await api("GET", "/envoys?namespace=default&envoy_key=same-key");
    expect(envoys).toHaveLength(1);
    await second.close();
    await eventually("the envoy unlisted", async () => (await api("GET", "/envoys?namespace=default&envoy_key=same-key")).envoys.length === 0);
  });

  it("/metadata reports envoy protocol 8 and the versions the endpoint accepts", async () => {
    const metadata = await api("GET", "/metadata");
    expect(metadata).toMatchObject({ envoy_protocol_version: 8, envoy_protocol_versions: [...SUPPORTED] });
  });

  it("other paths under /envoys are not the endpoint", async () => {
    const ws = new WebSocket(`${base.replace("http", "ws")}/envoys/connectx?protocol_version=8`, ["rivet"]);
    const status = await new Promise<number>((resolve) => {
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
      ws.on("error", () => {});
    });
    ws.terminate();
    expect(status).toBe(404);
  });
});

describe("with an admin token and on shutdown", () => {
  it("refuses an envoy without the token, accepts one with it, and closes it with ws.going_away on shutdown", async () => {
    const secured = createEngine({ adminToken: "tok", runners: { logger: silent }, envoys: { logger: silent } });
    const { port } = (await listen(secured.server, { host: "127.0.0.1", port: 0 })) as AddressInfo;
    const securedBase = `http://127.0.0.1:${port}`;
    const put = await fetch(`${securedBase}/runner-configs/${POOL}?namespace=default`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: "Bearer tok" },
      body: JSON.stringify({ datacenters: { local: { normal: {} } } }),
    });
    expect(put.status).toBe(200);
    await expect(ScriptedEnvoy.connect(securedBase, { poolName: POOL })).rejects.toThrow(/401/);
    await expect(ScriptedEnvoy.connect(securedBase, { poolName: POOL, token: "wrong" })).rejects.toThrow(/403/);
    const peer = await ScriptedEnvoy.connect(securedBase, { poolName: POOL, token: "tok" });
    await peer.next("ToEnvoyInit");
    const closing = secured.close();
    const { code, reason } = await peer.closed;
    await closing;
    expect([code, reasonId(reason)]).toEqual([1011, "ws.going_away"]);
  });
});
