import type { AddressInfo } from "node:net";
import { ScriptedEnvoy, eventually } from "@actorwire/testkit";
import { Runner } from "@rivetkit/engine-runner";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Engine, createEngine, listen } from "../src/server.js";
import { checkJsonSchema } from "./support/json-schema-check.js";

// Real answers of a real engine (with an admin token and Rivet's own runner connected), each
// checked against the response schema `/openapi.json` gives for its route and status. The
// document is read as JSON Schema by a checker that knows nothing of zod, as a client
// generated from it would read it.

const TOKEN = "s3cret";
const silent = pino({ level: "silent" });

let engine: Engine;
let base: string;
let runner: Runner;
let doc: OpenApi;
/** `METHOD /template` of every operation answered 200 and checked. */
const checked = new Set<string>();

interface OpenApi {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>>;
}

beforeAll(async () => {
  engine = createEngine({ adminToken: TOKEN, runners: { logger: silent }, envoys: { logger: silent } });
  const { port } = (await listen(engine.server, { host: "127.0.0.1", port: 0 })) as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  let connected!: () => void;
  const ready = new Promise<void>((r) => {
    connected = r;
  });
  runner = new Runner({
    version: 1,
    endpoint: base,
    token: TOKEN,
    namespace: "default",
    totalSlots: 4,
    runnerName: "schemas",
    prepopulateActorNames: { counter: { metadata: { kind: "test" } } },
    noAutoShutdown: true,
    onConnected: () => connected(),
    onDisconnected: () => {},
    onShutdown: () => {},
    onActorStart: async () => {},
    onActorStop: async () => {},
    fetch: async () => new Response("unused"),
    websocket: async () => {},
    hibernatableWebSocket: { canHibernate: () => false },
    logger: silent,
  });
  await runner.start();
  await ready;
  const res = await fetch(`${base}/openapi.json`, { headers: { authorization: `Bearer ${TOKEN}` } });
  doc = (await res.json()) as OpenApi;
});

afterAll(async () => {
  await runner?.shutdown(true).catch(() => {});
  await engine?.close();
});

/**
 * Calls a route (`template` with `{name}` filled from `params`) and checks the answer against
 * the document's schema for its status. Returns the parsed body.
 */
async function call(
  method: string,
  template: string,
  options: { params?: Record<string, string>; query?: string; body?: unknown; token?: string | null; status?: number } = {},
): Promise<any> {
  const path = template.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeURIComponent(options.params?.[name] ?? ""));
  const token = options.token === undefined ? TOKEN : options.token;
  const res = await fetch(`${base}${path}${options.query !== undefined ? `?${options.query}` : ""}`, {
    method,
    headers: {
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = (await res.json()) as unknown;
  expect(res.status, JSON.stringify(body)).toBe(options.status ?? 200);
  const operation = doc.paths[template]?.[method.toLowerCase()];
  expect(operation, `${method} ${template} is in the document`).toBeDefined();
  const schema = operation?.responses[String(res.status)]?.content?.["application/json"]?.schema;
  expect(schema, `${method} ${template} documents status ${res.status}`).toBeDefined();
  expect(checkJsonSchema(doc, schema as Record<string, unknown>, body)).toEqual([]);
  if (res.status === 200) checked.add(`${method} ${template}`);
  return body;
}

describe("answers match the response schemas of /openapi.json", () => {
  it("for the engine's own routes and the document itself", async () => {
    await call("GET", "/metadata", { token: null });
    await call("GET", "/health", { token: null });
    await call("GET", "/openapi.json");
  });

  it("for namespaces", async () => {
    await call("POST", "/namespaces", { body: { name: "schemas-ns", display_name: "Schemas" } });
    const list = await call("GET", "/namespaces");
    expect(list.namespaces.map((n: { name: string }) => n.name)).toContain("schemas-ns");
  });

  it("for runners and actor names, with a runner connected", async () => {
    const runners = await call("GET", "/runners", { query: "namespace=default" });
    expect(runners.runners).toHaveLength(1);
    expect((await call("GET", "/runners/names", { query: "namespace=default" })).names).toEqual(["schemas"]);
    expect((await call("GET", "/actors/names", { query: "namespace=default" })).names).toEqual({ counter: { metadata: { kind: "test" } } });
  });

  it("for runner configs and datacenters", async () => {
    const { datacenters } = await call("GET", "/datacenters", { query: "namespace=default" });
    const dc = datacenters[0].name as string;
    await call("PUT", "/runner-configs/{runner_name}", { params: { runner_name: "declared" }, query: "namespace=default", body: { datacenters: { [dc]: { drain_on_version_upgrade: true, normal: {}, metadata: { a: 1 } } } } });
    const { runner_configs } = await call("GET", "/runner-configs", { query: "namespace=default" });
    expect(Object.keys(runner_configs)).toEqual(["declared"]);
    await call("DELETE", "/runner-configs/{runner_name}", { params: { runner_name: "declared" }, query: "namespace=default" });
    await call("PUT", "/runner-configs/{runner_name}", { params: { runner_name: "x" }, query: "namespace=default", body: { datacenters: { elsewhere: { normal: {} } } }, status: 400 });
  });

  it("for envoys, with a raw envoy connected to a declared pool", async () => {
    const { datacenters } = await call("GET", "/datacenters", { query: "namespace=default" });
    await call("PUT", "/runner-configs/{runner_name}", { params: { runner_name: "envoys" }, query: "namespace=default", body: { datacenters: { [datacenters[0].name]: { normal: {} } } } });
    const peer = await ScriptedEnvoy.connect(base, { poolName: "envoys", token: TOKEN });
    await peer.next("ToEnvoyInit");
    peer.send({ tag: "ToRivetMetadata", val: { prepopulateActorNames: null, metadata: JSON.stringify({ rivetkit: { version: "test" } }) } });
    await eventually("the envoy's metadata recorded", () => engine.envoys.connections()[0]?.metadata !== null);
    const { envoys } = await call("GET", "/envoys", { query: "namespace=default" });
    expect(envoys).toHaveLength(1);
    await peer.close();
    await call("DELETE", "/runner-configs/{runner_name}", { params: { runner_name: "envoys" }, query: "namespace=default" });
  });

  it("for actors through their lifecycle", async () => {
    const body = { name: "counter", key: "a", input: "AAEC", runner_name_selector: "schemas", crash_policy: "sleep" };
    const { actor } = await call("POST", "/actors", { query: "namespace=default", body });
    await call("PUT", "/actors", { query: "namespace=default", body: { ...body, key: "b" } });
    // The records change as the runner starts the actor; check them once it has.
    await eventually("the runner starts the actor", async () => {
      const listed = await call("GET", "/actors", { query: `namespace=default&actor_id=${actor.actor_id}` });
      return listed.actors[0].connectable_ts !== null;
    });
    await call("GET", "/actors", { query: "namespace=default&name=counter&limit=1" });
    await call("POST", "/actors/{actor_id}/sleep", { params: { actor_id: actor.actor_id }, query: "namespace=default" });
    await call("DELETE", "/actors/{actor_id}", { params: { actor_id: actor.actor_id }, query: "namespace=default" });
    const destroyed = await call("GET", "/actors", { query: "namespace=default&name=counter&key=a&include_destroyed=true" });
    expect(destroyed.actors[0].destroy_ts).not.toBeNull();
  });

  it("for errors, which the document lists for each route that answers them", async () => {
    await call("GET", "/actors", { query: "namespace=default&name=counter", token: null, status: 401 });
    await call("GET", "/actors", { query: "namespace=default&name=counter", token: "wrong", status: 403 });
    await call("GET", "/actors", { query: "namespace=nope&name=counter", status: 404 });
    await call("GET", "/actors", { query: "namespace=default&name=counter&limit=0", status: 400 });
    await call("POST", "/actors", { query: "namespace=default", body: { name: "counter", bogus: 1 }, status: 400 });
    await call("PUT", "/actors", { query: "namespace=default", body: { name: "counter", runner_name_selector: "schemas" }, status: 400 });
    await call("DELETE", "/actors/{actor_id}", { params: { actor_id: "missing" }, query: "namespace=default", status: 404 });
    await call("POST", "/namespaces", { body: { name: "schemas-ns", display_name: "again" }, status: 400 });
  });

  it("for every operation of the document", () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect([...checked].sort()).toEqual(operations.sort());
  });
});
