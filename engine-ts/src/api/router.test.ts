import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog } from "../catalog/catalog.js";
import { MemoryStorage } from "../storage/memory.js";
import { createApiHandler } from "./router.js";

let server: Server;
let base: string;
const destroyed: string[] = [];

beforeAll(async () => {
  const catalog = new Catalog(new MemoryStorage(), { datacenter: "local" });
  catalog.ensureNamespace("default");
  const api = createApiHandler({ catalog, version: "test", onActorDestroyed: (id) => destroyed.push(id) });
  server = createServer((req, res) => {
    void api(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe("public API over HTTP", () => {
  it("lists the default namespace and creates others", async () => {
    const list = await call("GET", "/namespaces");
    expect(list.json.namespaces.map((n: { name: string }) => n.name)).toEqual(["default"]);
    expect(list.json.pagination).toEqual({ cursor: null });
    const created = await call("POST", "/namespaces", { name: "staging", display_name: "Staging" });
    expect(created.json.namespace).toMatchObject({ name: "staging", display_name: "Staging" });
    expect((await call("POST", "/namespaces", { name: "staging", display_name: "x" })).json.code).toBe("name_not_unique");
  });

  it("creates, gets-or-creates, lists and destroys actors with Rivet's shapes", async () => {
    const body = { name: "counter", key: "k1", input: null, runner_name_selector: "default", crash_policy: "sleep" };
    const created = await call("POST", "/actors?namespace=default", body);
    expect(created.status).toBe(200);
    const actor = created.json.actor;
    expect(actor).toMatchObject({ name: "counter", key: "k1", runner_name_selector: "default", crash_policy: "sleep" });
    expect(actor.actor_id).toMatch(/^[0-9a-z]{30}$/);
    expect(typeof actor.create_ts).toBe("number");

    const dup = await call("POST", "/actors?namespace=default", body);
    expect(dup.status).toBe(400);
    expect(dup.json).toMatchObject({ group: "actor", code: "duplicate_key", metadata: { existing_actor_id: actor.actor_id } });

    const got = await call("PUT", "/actors?namespace=default", body);
    expect(got.json).toEqual({ actor, created: false });
    const fresh = await call("PUT", "/actors?namespace=default", { ...body, key: "k2" });
    expect(fresh.json.created).toBe(true);

    const byKey = await call("GET", "/actors?namespace=default&name=counter&key=k1");
    expect(byKey.json.actors).toEqual([actor]);
    const byName = await call("GET", "/actors?namespace=default&name=counter");
    expect(byName.json.actors).toHaveLength(2);
    const byIds = await call("GET", `/actors?namespace=default&actor_id=${actor.actor_id}&actor_id=${fresh.json.actor.actor_id}`);
    expect(byIds.json.actors).toHaveLength(2);
    const byLegacyIds = await call("GET", `/actors?namespace=default&actor_ids=${actor.actor_id},${fresh.json.actor.actor_id}`);
    expect(byLegacyIds.json.actors).toHaveLength(2);

    const del = await call("DELETE", `/actors/${actor.actor_id}?namespace=default`);
    expect(del).toEqual({ status: 200, json: {} });
    expect(destroyed).toContain(actor.actor_id);
    expect((await call("DELETE", `/actors/${actor.actor_id}?namespace=default`)).json).toMatchObject({
      group: "actor",
      code: "not_found",
    });
    expect((await call("GET", "/actors?namespace=default&name=counter&key=k1")).json.actors).toEqual([]);
  });

  it("refuses bad input with typed errors", async () => {
    const bad = await call("POST", "/actors?namespace=default", { name: "x", runner_name_selector: "d", bogus: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ group: "api", code: "invalid_body", metadata: { field: "bogus" } });
    expect((await call("POST", "/actors?namespace=default", "{not json")).json.code).toBe("invalid_body");
    expect((await call("POST", "/actors?namespace=default", { name: 5, runner_name_selector: "d" })).json.code).toBe("invalid_body");
    expect((await call("POST", "/actors?namespace=default", { name: "x", runner_name_selector: "d", crash_policy: "explode" })).json.code).toBe(
      "invalid_body",
    );
    expect((await call("PUT", "/actors?namespace=default", { name: "x", runner_name_selector: "d" })).json.code).toBe("invalid_body");
    const unknownNs = await call("GET", "/actors?namespace=nope&name=x");
    expect(unknownNs.status).toBe(404);
    expect(unknownNs.json).toMatchObject({ group: "namespace", code: "not_found" });
    expect((await call("GET", "/actors?namespace=default&key=k")).json.code).toBe("invalid_query");
    expect((await call("GET", "/actors?namespace=default")).json.code).toBe("invalid_query");
    expect((await call("GET", "/actors?namespace=default&name=x&limit=0")).json.code).toBe("invalid_query");
    const tooLong = await call("POST", "/actors?namespace=default", { name: "n".repeat(65), runner_name_selector: "d" });
    expect(tooLong.json).toMatchObject({ group: "actor", code: "name_too_long", metadata: { limit: 64 } });
  });

  it("lists runners (none connected here) and refuses sleep without a lifecycle", async () => {
    expect((await call("GET", "/runners?namespace=default")).json).toEqual({ runners: [], pagination: { cursor: null } });
    expect((await call("GET", "/runners/names?namespace=default")).json).toEqual({ names: [], pagination: { cursor: null } });
    const actor = (await call("POST", "/actors?namespace=default", { name: "s", key: null, runner_name_selector: "d" })).json.actor;
    expect((await call("POST", `/actors/${actor.actor_id}/sleep?namespace=default`)).status).toBe(501);
    expect((await call("POST", "/actors/unknown/sleep?namespace=default")).json).toMatchObject({ group: "actor", code: "not_found" });
  });

  it("serves actor names and an OpenAPI document", async () => {
    expect((await call("GET", "/actors/names?namespace=default")).json).toEqual({ names: {}, pagination: { cursor: null } });
    const doc = await call("GET", "/openapi.json");
    expect(doc.json.openapi).toBe("3.1.0");
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(["/actors", "/namespaces", "/actors/{actor_id}"]));
  });
});
