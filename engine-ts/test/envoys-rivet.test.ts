import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineProcess, ScriptedEnvoy, type ScriptedEnvoyOptions } from "@actorwire/testkit";
import { RivetEngineProcess } from "@actorwire/testkit/rivet-engine";

// The envoy endpoint's handshake and refusals, the same raw envoy against our engine and
// against Rivet's 2.3.19 binary: what arrives first and with which values, and how each bad
// connect URL is closed. Where we differ on purpose the case says so and checks ours alone.

interface Outcome {
  /** The first message's tag, or "closed". */
  readonly first: string;
  /** `group.code` of the close reason (its `#ray_id` is each engine's own), or "open". */
  readonly close: string;
  readonly code: number | null;
}

/** Connects, waits for the first message or the close (whichever comes), and reports it. */
async function outcome(base: string, options: ScriptedEnvoyOptions): Promise<Outcome> {
  const peer = await ScriptedEnvoy.connect(base, { ...options, pong: true });
  const first = await Promise.race([peer.next("ToEnvoyInit").then((m) => m.tag as string), peer.closed.then(() => "closed")]);
  // A refusal comes right after the upgrade; an accepted socket stays open past this.
  const closed = await Promise.race([peer.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 1500))]);
  if (closed === undefined) await peer.close();
  return { first, close: closed === undefined ? "open" : closed.reason.replace(/#.*$/, ""), code: closed?.code ?? null };
}

const CASES: readonly (readonly [string, ScriptedEnvoyOptions])[] = [
  ["a declared pool at v8", {}],
  ["a declared pool at v2 (the oldest version the engines accept)", { protocolVersion: 2 }],
  ["protocol_version 1", { raw: { protocol_version: "1" } }],
  ["protocol_version 9", { raw: { protocol_version: "9" } }],
  ["an undeclared pool", { poolName: "nope" }],
  ["an unknown namespace", { namespace: "nope" }],
  ["pool_name of 128 bytes", { poolName: "p".repeat(128) }],
  ["pool_name of 129 bytes", { poolName: "p".repeat(129) }],
  ["envoy_key of 3 characters", { envoyKey: "abc" }],
  ["envoy_key of 2 characters", { envoyKey: "ab" }],
  ["envoy_key of 128 characters", { envoyKey: "k".repeat(128) }],
  ["envoy_key of 129 characters", { envoyKey: "k".repeat(129) }],
  ["no envoy_key", { raw: { envoy_key: null } }],
  ["no pool_name", { raw: { pool_name: null } }],
  ["no version", { raw: { version: null } }],
];

async function declare(base: string, pool: string): Promise<void> {
  const dcs = (await (await fetch(`${base}/datacenters`, { headers: { authorization: "Bearer dev" } })).json()) as { datacenters: { name: string }[] };
  const res = await fetch(`${base}/runner-configs/${pool}?namespace=default`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: "Bearer dev" },
    body: JSON.stringify({ datacenters: { [dcs.datacenters[0]!.name]: { drain_on_version_upgrade: true, normal: {} } } }),
  });
  expect(res.status).toBe(200);
}

describe("/envoys/connect, ours against Rivet's engine", () => {
  let ours: EngineProcess;
  let rivet: RivetEngineProcess;

  beforeAll(async () => {
    [ours, rivet] = await Promise.all([EngineProcess.start(), RivetEngineProcess.start()]);
    for (const base of [ours.base, rivet.base]) {
      await declare(base, "default");
      await declare(base, "p".repeat(128));
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([ours?.close(), rivet?.close()]);
  });

  for (const [what, options] of CASES) {
    it(`answers ${what} as Rivet's engine does`, async () => {
      const [mine, theirs] = await Promise.all([outcome(ours.base, options), outcome(rivet.base, options)]);
      expect(mine).toEqual(theirs);
    });
  }

  it("sends the same ToEnvoyInit values as Rivet's engine", async () => {
    const init = async (base: string) => {
      const peer = await ScriptedEnvoy.connect(base);
      const message = await peer.next("ToEnvoyInit");
      await peer.close();
      return message.val;
    };
    expect(await init(ours.base)).toEqual(await init(rivet.base));
  });

  it("refuses protocol_version 7, which Rivet accepts: no public source gives v7's layout, and a guess would misread frames", async () => {
    expect(await outcome(ours.base, { raw: { protocol_version: "7" } })).toEqual({ first: "closed", close: "ws.invalid_request", code: 1011 });
  });
});
