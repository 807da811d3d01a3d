import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { MemoryStorage } from "../storage/memory.js";
import { SqliteStorage } from "../storage/sqlite.js";
import type { Storage } from "../storage/storage.js";
import { type ActorCreateInput, Catalog } from "./catalog.js";
import { ACTOR_LIMITS } from "./limits.js";
import { readTupleKey, tupleKey } from "./tuple-key.js";

const scratch = mkdtempSync(join(tmpdir(), "actorwire-catalog-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const backends: [string, () => Storage][] = [
  ["memory", () => new MemoryStorage()],
  ["sqlite", () => SqliteStorage.open(join(scratch, `${Math.random().toString(36).slice(2)}.db`))],
];

function input(over: Partial<ActorCreateInput> = {}): ActorCreateInput {
  return { name: "counter", key: "a", input: null, runnerNameSelector: "default", crashPolicy: "sleep", ...over };
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof EngineError) return e.id;
    throw e;
  }
  return "no error";
}

for (const [backend, open] of backends) {
  describe(`catalog on ${backend} storage`, () => {
    it("creates namespaces once and refuses a taken name", () => {
      const catalog = new Catalog(open(), { datacenter: "local" });
      const ns = catalog.ensureNamespace("default");
      expect(catalog.ensureNamespace("default")).toEqual(ns);
      expect(ns.namespace_id).toMatch(/^[0-9a-z]{30}$/);
      expect(codeOf(() => catalog.createNamespace("default", "Default"))).toBe("namespace.name_not_unique");
      expect(codeOf(() => catalog.createNamespace("Bad Name", "x"))).toBe("namespace.invalid_name");
      // The display name's limit, at the limit and one over.
      expect(catalog.createNamespace("long-display", "d".repeat(255)).display_name).toHaveLength(255);
      expect(codeOf(() => catalog.createNamespace("too-long-display", "d".repeat(256)))).toBe("namespace.invalid_display_name");
      catalog.createNamespace("staging", "Staging");
      expect(catalog.listNamespaces().map((n) => n.name).sort()).toEqual(["default", "long-display", "staging"]);
      expect(codeOf(() => catalog.requireNamespace("nope"))).toBe("namespace.not_found");
    });

    it("keeps one live actor per name and key, and frees the key on destroy", () => {
      const catalog = new Catalog(open(), { datacenter: "local" });
      const ns = catalog.ensureNamespace("default");
      const a = catalog.createActor(ns, input());
      expect(a).toMatchObject({ name: "counter", key: "a", namespace_id: ns.namespace_id, crash_policy: "sleep", destroy_ts: null });
      expect(codeOf(() => catalog.createActor(ns, input()))).toBe("actor.duplicate_key");
      expect(catalog.getOrCreateActor(ns, { ...input(), key: "a" })).toEqual({ actor: a, created: false });
      const b = catalog.getOrCreateActor(ns, { ...input(), key: "b" });
      expect(b.created).toBe(true);
      // Keyless actors never collide.
      catalog.createActor(ns, input({ key: null }));
      catalog.createActor(ns, input({ key: null }));
      expect(catalog.listActors(ns, { name: "counter" }).actors).toHaveLength(4);
      expect(catalog.listActors(ns, { name: "counter", key: "a" }).actors.map((x) => x.actor_id)).toEqual([a.actor_id]);

      const destroyed = catalog.destroyActor(ns, a.actor_id);
      expect(destroyed.destroy_ts).toEqual(expect.any(Number));
      expect(codeOf(() => catalog.destroyActor(ns, a.actor_id))).toBe("actor.not_found");
      expect(catalog.listActors(ns, { name: "counter", key: "a" }).actors).toEqual([]);
      expect(catalog.listActors(ns, { name: "counter", key: "a", includeDestroyed: true }).actors).toHaveLength(1);
      const again = catalog.getOrCreateActor(ns, { ...input(), key: "a" });
      expect(again.created).toBe(true);
      expect(again.actor.actor_id).not.toBe(a.actor_id);
      expect(catalog.listActors(ns, { actorIds: [a.actor_id, again.actor.actor_id] }).actors.map((x) => x.actor_id)).toEqual([
        again.actor.actor_id,
      ]);
    });

    it("pages through listings with a cursor", () => {
      const catalog = new Catalog(open(), { datacenter: "local" });
      const ns = catalog.ensureNamespace("default");
      for (let i = 0; i < 7; i++) catalog.createActor(ns, input({ key: `k${i}` }));
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = catalog.listActors(ns, { name: "counter", limit: 3, cursor });
        seen.push(...page.actors.map((a) => a.actor_id));
        if (page.cursor === null) break;
        cursor = page.cursor;
      }
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
      expect([...seen].sort()).toEqual(seen);
    });

    it("keeps namespaces apart", () => {
      const catalog = new Catalog(open(), { datacenter: "local" });
      const one = catalog.ensureNamespace("default");
      const two = catalog.createNamespace("other", "Other");
      const a = catalog.createActor(one, input());
      expect(catalog.createActor(two, input()).actor_id).not.toBe(a.actor_id);
      expect(catalog.listActors(two, { actorIds: [a.actor_id] }).actors).toEqual([]);
      expect(codeOf(() => catalog.destroyActor(two, a.actor_id))).toBe("actor.not_found");
    });

    it("records actor names with their metadata", () => {
      const catalog = new Catalog(open(), { datacenter: "local" });
      const ns = catalog.ensureNamespace("default");
      catalog.registerActorNames(ns, new Map([["counter", '{"icon":"x"}'], ["chat", "{}"]]));
      expect(catalog.actorNames(ns)).toEqual({ counter: { metadata: { icon: "x" } }, chat: { metadata: {} } });
    });
  });
}

describe("actor input limits, at the limit and one over", () => {
  const catalog = new Catalog(new MemoryStorage(), { datacenter: "local" });
  const ns = catalog.ensureNamespace("default");
  const cases: [string, Partial<ActorCreateInput>, Partial<ActorCreateInput>, string][] = [
    ["name", { name: "n".repeat(64) }, { name: "n".repeat(65) }, "actor.name_too_long"],
    ["key", { key: `${"k".repeat(127)}/`.repeat(8).slice(0, 1024) }, { key: `${"k".repeat(127)}/`.repeat(8).slice(0, 1023) + "kk" }, "actor.key_too_long"],
    ["key component", { key: "c".repeat(128) }, { key: "c".repeat(129) }, "actor.key_component_too_long"],
    [
      "input",
      { input: Buffer.alloc(ACTOR_LIMITS.maxInputBytes).toString("base64") },
      { input: Buffer.alloc(ACTOR_LIMITS.maxInputBytes + 1).toString("base64") },
      "actor.input_too_large",
    ],
  ];
  for (const [what, atLimit, over, code] of cases) {
    it(what, () => {
      expect(() => catalog.createActor(ns, input({ key: null, ...atLimit }))).not.toThrow();
      expect(codeOf(() => catalog.createActor(ns, input({ key: null, ...over })))).toBe(code);
    });
  }

  it("orders tuple keys part by part and reads them back", () => {
    const p = Uint8Array.of(9);
    const a = tupleKey(p, ["a", "b\u0000c"]);
    expect(readTupleKey(a, 1)).toEqual(["a", "b\u0000c"]);
    expect(Buffer.compare(tupleKey(p, ["a", "z"]), tupleKey(p, ["ab", ""]))).toBe(-1);
  });
});

describe("strings without a UTF-8 form and inputs that are not base64", () => {
  const catalog = new Catalog(new MemoryStorage(), { datacenter: "local" });
  const ns = catalog.ensureNamespace("default");

  // The API refuses these in its bodies; the catalog refuses them for every other way in.
  for (const [field, over] of [
    ["name", { name: "a\ud800" }],
    ["key", { key: "\udfff" }],
    ["runner_name_selector", { runnerNameSelector: "pool\ud83d" }],
  ] as const) {
    it(`refuses a lone surrogate in ${field}, naming the field`, () => {
      let thrown: unknown;
      try {
        catalog.createActor(ns, input(over));
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(EngineError);
      expect((thrown as EngineError).id).toBe("api.invalid_unicode");
      expect((thrown as EngineError).metadata).toMatchObject({ field });
    });
  }

  it("refuses a lone surrogate in a namespace's display name", () => {
    expect(codeOf(() => catalog.createNamespace("lone", "\ud800"))).toBe("api.invalid_unicode");
  });

  it("takes padded and unpadded base64 input and refuses anything else", () => {
    for (const ok of ["", "AQ==", "AQ", "AQI=", "AQI", "AQID", "+/+/"]) {
      expect(codeOf(() => catalog.createActor(ns, input({ key: null, input: ok })))).toBe("no error");
    }
    for (const bad of ["A", "AQ=", "AQ===", "not base64!", "AQ==AQ==", "-_-_", "AQID\n"]) {
      expect(codeOf(() => catalog.createActor(ns, input({ key: null, input: bad })))).toBe("actor.invalid_input");
    }
  });
});
