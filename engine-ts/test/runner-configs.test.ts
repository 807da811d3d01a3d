import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineProcess } from "@actorwire/testkit";
import { RivetEngineProcess } from "@actorwire/testkit/rivet-engine";

// Runner configs (pools) and datacenters, the API rivetkit's registry calls before its runners
// connect: the same calls on our engine and on Rivet's 2.3.19 binary must answer alike, with
// the datacenter's name and URL (each engine's own) taken out.

interface Answer {
  readonly status: number | "4xx";
  readonly body: unknown;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: "Bearer dev" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** The script both engines run; `dc` is the engine's own datacenter name from `GET /datacenters`. */
async function script(base: string): Promise<Answer[]> {
  const dcs = await call(base, "GET", "/datacenters?namespace=default");
  const dc = (dcs.body as { datacenters: { name: string }[] }).datacenters[0]!.name;
  const normal = { datacenters: { [dc]: { drain_on_version_upgrade: true, normal: {} } } };
  const answers = [
    { status: dcs.status, body: { ...(dcs.body as object), datacenters: "(the engine's own)" } },
    await call(base, "GET", "/runner-configs?namespace=default"),
    await call(base, "PUT", "/runner-configs/pool-a?namespace=default", normal),
    // Idempotent: the same PUT again.
    await call(base, "PUT", "/runner-configs/pool-a?namespace=default", normal),
    await call(base, "PUT", "/runner-configs/pool-b?namespace=default", {
      datacenters: { [dc]: { normal: { actor_eviction_rate: 2 }, metadata: { team: "x" } } },
    }),
    await call(base, "GET", "/runner-configs?namespace=default"),
    await call(base, "GET", "/runner-configs?namespace=default&runner_names=pool-b"),
    await call(base, "PUT", "/runner-configs/bad?namespace=default", { datacenters: { "no-such-dc": { normal: {} } } }),
    await call(base, "PUT", "/runner-configs/bad?namespace=missing", normal),
    await call(base, "DELETE", "/runner-configs/pool-b?namespace=default"),
    // Deleting what is not there is not an error.
    await call(base, "DELETE", "/runner-configs/pool-b?namespace=default"),
    await call(base, "GET", "/runner-configs?namespace=default"),
  ];
  // Refusals are compared by their ids: Rivet's messages for a wrong body come from its JSON
  // deserializer, and it answers an unknown namespace with 400 where every route of ours
  // answers 404.
  return answers.map((a) => (typeof a.status === "number" && a.status >= 400 && a.status < 500 ? { status: "4xx", body: pick(a.body, ["group", "code"]) } : a));
}

function pick(body: unknown, keys: readonly string[]): unknown {
  const o = body as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

/** Renames the engine's datacenter to `DC` so the two engines' answers compare. */
function normalize(answers: readonly Answer[], dc: string): unknown {
  return JSON.parse(JSON.stringify(answers).replaceAll(`"${dc}":`, '"DC":'));
}

describe("runner configs and datacenters, ours against Rivet's engine", () => {
  let ours: EngineProcess;
  let rivet: RivetEngineProcess;

  beforeAll(async () => {
    [ours, rivet] = await Promise.all([EngineProcess.start(), RivetEngineProcess.start()]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([ours?.close(), rivet?.close()]);
  });

  it("answers the registry's calls as Rivet's engine does", async () => {
    const [mine, theirs] = await Promise.all([script(ours.base), script(rivet.base)]);
    const dcOf = async (base: string) => ((await call(base, "GET", "/datacenters")).body as { datacenters: { name: string }[] }).datacenters[0]!.name;
    expect(normalize(mine, await dcOf(ours.base))).toEqual(normalize(theirs, await dcOf(rivet.base)));
  });

  it("lists itself as the one datacenter, at the URL the request addressed", async () => {
    const { status, body } = await call(ours.base, "GET", "/datacenters");
    expect(status).toBe(200);
    expect(body).toEqual({ datacenters: [{ label: 1, name: "local", url: `${ours.base}/` }], pagination: { cursor: null } });
  });

  it("lets actors be created for a declared pool before any runner of it connects, and not after the config is deleted", async () => {
    const create = () => call(ours.base, "POST", "/actors?namespace=default", { name: "counter", key: null, runner_name_selector: "declared", crash_policy: "sleep" });
    const before = await create();
    expect(before.status).toBe(400);
    expect(before.body).toMatchObject({ group: "actor", code: "no_runner_config_configured" });
    expect((before.body as { message: string }).message).toContain("PUT /runner-configs/declared");
    expect((await call(ours.base, "PUT", "/runner-configs/declared", { datacenters: { local: { normal: {} } } })).status).toBe(200);
    const after = await create();
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ actor: { runner_name_selector: "declared" } });
    await call(ours.base, "DELETE", "/runner-configs/declared");
    expect((await create()).status).toBe(400);
  });

  it("refuses a serverless pool and names at the 128-byte limit plus one, and keeps configs across a restart", async () => {
    const serverless = await call(ours.base, "PUT", "/runner-configs/sl", { datacenters: { local: { serverless: { url: "http://127.0.0.1:1/api" } } } });
    expect(serverless).toMatchObject({ status: 400, body: { group: "runner_config", code: "serverless_unsupported" } });
    const atLimit = "p".repeat(128);
    expect((await call(ours.base, "PUT", `/runner-configs/${atLimit}`, { datacenters: { local: { normal: {} } } })).status).toBe(200);
    const over = await call(ours.base, "PUT", `/runner-configs/${atLimit}p`, { datacenters: { local: { normal: {} } } });
    expect(over).toMatchObject({ status: 400, body: { group: "runner_config", code: "invalid_name", metadata: { bytes: 129, limit: 128 } } });
    const noKind = await call(ours.base, "PUT", "/runner-configs/nokind", { datacenters: { local: {} } });
    expect(noKind).toMatchObject({ status: 400, body: { group: "api", code: "invalid_body" } });
    await ours.kill();
    await ours.restart();
    const list = await call(ours.base, "GET", `/runner-configs?runner_names=${atLimit}`);
    expect(Object.keys((list.body as { runner_configs: object }).runner_configs)).toEqual([atLimit]);
  });
});
