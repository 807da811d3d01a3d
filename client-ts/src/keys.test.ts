import { describe, expect, it } from "vitest";
import { createClient } from "./client.js";
import { ClientConfigError } from "./errors.js";
import { deserializeActorKey, serializeActorKey } from "@actorwire/protocol";
import { keyParts } from "./keys.js";

/** The error `fn` throws (fails when it throws nothing). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("keys", () => {
  it("takes a string, an array of strings or nothing", () => {
    expect(keyParts(undefined)).toEqual([]);
    expect(keyParts("a")).toEqual(["a"]);
    expect(keyParts(["a", ""])).toEqual(["a", ""]);
  });

  it("round-trips rivetkit's one-string form", () => {
    for (const parts of [[], ["a"], ["a/b", "", "c\\d"], [""]]) {
      expect(deserializeActorKey(serializeActorKey(parts))).toEqual(parts);
    }
  });

  it("refuses a key that is not a string or string[] with a typed error naming the call and the value", () => {
    const client = createClient({ endpoint: "http://127.0.0.1:9", disableMetadataLookup: true });
    const untyped = client as unknown as Record<string, { getOrCreate(key: unknown): unknown; get(key: unknown): unknown; getForId(id: unknown): unknown }>;
    const err = thrown(() => untyped["counter"]!.getOrCreate(42));
    expect(err).toBeInstanceOf(ClientConfigError);
    expect(err).toMatchObject({ group: "client", code: "invalid_config", metadata: { argument: "key", received: "number 42" } });
    expect((err as Error).message).toBe("counter.getOrCreate(key): an actor key must be a string or an array of strings, got number 42");

    const part = thrown(() => untyped["counter"]!.get(["a", { b: 1 }]));
    expect(part).toBeInstanceOf(ClientConfigError);
    expect((part as Error).message).toBe('counter.get(key): every part of an actor key must be a string, but part 1 is object {"b":1}');
    expect(thrown(() => untyped["counter"]!.getOrCreate(null))).toBeInstanceOf(ClientConfigError);
    expect(thrown(() => client.getOrCreate("counter", [1 as unknown as string]))).toBeInstanceOf(ClientConfigError);

    const id = thrown(() => untyped["counter"]!.getForId(7));
    expect(id).toBeInstanceOf(ClientConfigError);
    expect((id as Error).message).toContain("counter.getForId(actorId): the actor ID must be a non-empty string, got number 7");
  });

  it("rejects create() with a bad key before any request", async () => {
    const client = createClient({ endpoint: "http://127.0.0.1:9", disableMetadataLookup: true });
    await expect(client.create("counter", { a: 1 } as unknown as string)).rejects.toBeInstanceOf(ClientConfigError);
  });
});
