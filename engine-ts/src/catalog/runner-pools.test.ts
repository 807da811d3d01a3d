import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { Subspace, subspacePrefix } from "../storage/keyspace.js";
import { MemoryStorage } from "../storage/memory.js";
import { type ActorCreateInput, Catalog } from "./catalog.js";
import { type LiveRunner, RunnerPools } from "./runner-pools.js";
import { tupleKey } from "./tuple-key.js";

function setup(live: LiveRunner[] = []) {
  const storage = new MemoryStorage();
  const pools = new RunnerPools(storage, () => live);
  const catalog = new Catalog(storage, { datacenter: "local", admit: (ns, input) => pools.admit(ns, input) });
  const ns = catalog.ensureNamespace("default");
  return { storage, pools, catalog, ns, live };
}

function input(over: Partial<ActorCreateInput> = {}): ActorCreateInput {
  return { name: "counter", key: `k-${Math.random()}`, input: null, runnerNameSelector: "pool", crashPolicy: "sleep", ...over };
}

function refusal(f: () => unknown): EngineError {
  try {
    f();
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("admission of new actors by runner pool", () => {
  it("refuses a runner name the namespace has never seen, listing the names it has", () => {
    const { pools, catalog, ns } = setup();
    pools.record(ns, "other", []);
    const e = refusal(() => catalog.createActor(ns, input({ runnerNameSelector: "typo" })));
    expect(e.id).toBe("actor.no_runner_config_configured");
    expect(e.status).toBe(400);
    expect(e.message).toContain('"typo"');
    expect(e.message).toContain("other");
    expect(e.metadata).toMatchObject({ namespace: "default", pool_name: "typo", known_pool_names: ["other"] });
    // get-or-create refuses the same way, and nothing was stored.
    expect(refusal(() => catalog.getOrCreateActor(ns, { ...input({ runnerNameSelector: "typo" }), key: "k" })).id).toBe(
      "actor.no_runner_config_configured",
    );
    expect(catalog.listActors(ns, { name: "counter" }).actors).toEqual([]);
  });

  it("takes a runner name that is connected now or was recorded before (also by the runner IDs of older data)", () => {
    const { storage, pools, catalog, ns, live } = setup();
    live.push({ namespaceId: ns.namespace_id, name: "live", actorNames: [] });
    expect(() => catalog.createActor(ns, input({ runnerNameSelector: "live" }))).not.toThrow();
    pools.record(ns, "recorded", []);
    expect(() => catalog.createActor(ns, input({ runnerNameSelector: "recorded" }))).not.toThrow();
    storage.write([{ op: "put", key: tupleKey(subspacePrefix(Subspace.runnerId), [ns.namespace_id, "older", "runner-key"]), value: new Uint8Array(1) }]);
    expect(() => catalog.createActor(ns, input({ runnerNameSelector: "older" }))).not.toThrow();
    expect(refusal(() => catalog.createActor(ns, input({ runnerNameSelector: "olde" }))).id).toBe("actor.no_runner_config_configured");
  });

  it("refuses an actor name the pool does not announce, naming the names it serves", () => {
    const { pools, catalog, ns } = setup();
    pools.record(ns, "pool", ["counter", "chatRoom"]);
    expect(() => catalog.createActor(ns, input({ name: "counter" }))).not.toThrow();
    const e = refusal(() => catalog.createActor(ns, input({ name: "nope" })));
    expect(e.id).toBe("actor.name_not_served");
    expect(e.message).toContain('"nope"');
    expect(e.message).toContain("chatRoom, counter");
    expect(e.metadata).toMatchObject({ name: "nope", pool_name: "pool", served_names: ["chatRoom", "counter"] });
  });

  it("does not enforce names when the pool's latest runner, or any connected one, announced none", () => {
    const { pools, catalog, ns, live } = setup();
    pools.record(ns, "pool", ["counter"]);
    pools.record(ns, "pool", []);
    expect(() => catalog.createActor(ns, input({ name: "anything" }))).not.toThrow();
    pools.record(ns, "pool", ["counter"]);
    live.push({ namespaceId: ns.namespace_id, name: "pool", actorNames: [] });
    expect(() => catalog.createActor(ns, input({ name: "anything" }))).not.toThrow();
  });

  it("takes a name a connected runner of the pool still serves during a rolling upgrade", () => {
    const { pools, catalog, ns, live } = setup();
    live.push({ namespaceId: ns.namespace_id, name: "pool", actorNames: ["counter", "old"] });
    pools.record(ns, "pool", ["counter", "new"]);
    expect(() => catalog.createActor(ns, input({ name: "old" }))).not.toThrow();
    expect(() => catalog.createActor(ns, input({ name: "new" }))).not.toThrow();
    expect(refusal(() => catalog.createActor(ns, input({ name: "gone" }))).metadata).toMatchObject({ served_names: ["counter", "new", "old"] });
  });

  it("returns an existing actor from get-or-create even if its name is no longer served", () => {
    const { pools, catalog, ns } = setup();
    pools.record(ns, "pool", []);
    const first = catalog.getOrCreateActor(ns, { ...input({ name: "legacy" }), key: "k" });
    pools.record(ns, "pool", ["counter"]);
    expect(catalog.getOrCreateActor(ns, { ...input({ name: "legacy" }), key: "k" })).toEqual({ actor: first.actor, created: false });
  });
});
