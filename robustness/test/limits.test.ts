/**
 * Limits at the limit and one over, through the real client paths: `@actorwire/client`
 * against a real engine and runner, the numbers taken from the limits table (LIMITS.md). Each
 * refusal must name the limit and the value that broke it. Limits checked elsewhere the same
 * way: KV (runner-ts/test/runner-scenarios.ts, on both engines), queue sizes and action bodies
 * (runner-ts/test/surfaces-e2e.test.ts), the client's message check (client-ts), state
 * (runner-ts/src/actor/instance.test.ts), API body sizes (engine-ts/test/http-edge.test.ts).
 */
import { limit } from "@actorwire/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LONGEST_NAME } from "../src/counter-runner.js";
import { FuzzStack } from "../src/stack.js";

let stack: FuzzStack;

beforeAll(async () => {
  stack = await FuzzStack.start();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** The error a call rejects with, as the client surfaces it (`group`, `code`, `message`, `metadata`). */
async function refusal(call: Promise<unknown>): Promise<{ group?: string; code?: string; message: string; metadata?: unknown }> {
  try {
    await call;
  } catch (error) {
    return error as { group?: string; code?: string; message: string; metadata?: unknown };
  }
  throw new Error("the call succeeded; it should have been refused");
}

describe("limits through the client", () => {
  it(`actor name: ${limit("actor.name")} characters work, one more is refused naming both`, async () => {
    const client = stack.client() as unknown as Record<string, { getOrCreate(key: string[]): { action(o: { name: string; args: unknown[] }): Promise<unknown> } }>;
    expect(LONGEST_NAME).toHaveLength(limit("actor.name"));
    expect(await client[LONGEST_NAME]?.getOrCreate(["limit"]).action({ name: "increment", args: [1] })).toBe(1);
    const error = await refusal(client[`${LONGEST_NAME}x`]!.getOrCreate(["limit"]).action({ name: "increment", args: [1] }));
    expect(`${error.group}.${error.code}`).toBe("actor.name_too_long");
    expect(error.metadata).toMatchObject({ length: limit("actor.name") + 1, limit: limit("actor.name") });
  });

  it(`actor key: ${limit("actor.key")} bytes and ${limit("actor.key_component")}-byte components work, one more of either is refused`, async () => {
    const client = stack.client();
    const part = (n: number, c: string): string => c.repeat(n);
    // Seven components of 127 bytes and one of 128, joined by seven slashes: 1024 bytes.
    const atLimit = [...Array.from({ length: 7 }, (_, i) => part(127, String.fromCharCode(97 + i))), part(128, "z")];
    expect(atLimit.join("/")).toHaveLength(limit("actor.key"));
    expect(await client.counter.getOrCreate(atLimit).increment(1)).toBe(1);
    const tooLong = await refusal(client.counter.getOrCreate([...atLimit.slice(0, 7), part(127, "z"), "q"]).increment(1));
    expect(`${tooLong.group}.${tooLong.code}`).toBe("actor.key_too_long");
    expect(tooLong.metadata).toMatchObject({ bytes: limit("actor.key") + 1, limit: limit("actor.key") });
    const component = await refusal(client.counter.getOrCreate([part(limit("actor.key_component") + 1, "c")]).increment(1));
    expect(`${component.group}.${component.code}`).toBe("actor.key_component_too_long");
    expect(component.metadata).toMatchObject({ bytes: limit("actor.key_component") + 1, limit: limit("actor.key_component") });
    await client.dispose();
  });

  it(`creation input: ${limit("actor.input") / 1024 / 1024} MiB works, one byte more is refused naming both`, async () => {
    const client = stack.client();
    // An ASCII text of n characters is n + 5 bytes of CBOR once n needs a 4-byte length. (A
    // Uint8Array would not do: the client encodes bytes in rivetkit's JSON-compatible form.)
    const header = 5;
    const atLimit = "i".repeat(limit("actor.input") - header);
    expect(await client.counter.getOrCreate(["input-at-limit"], { createWithInput: atLimit }).increment(1)).toBe(1);
    const over = "i".repeat(limit("actor.input") - header + 1);
    const error = await refusal(client.counter.getOrCreate(["input-over"], { createWithInput: over }).increment(1));
    expect(`${error.group}.${error.code}`).toBe("actor.input_too_large");
    expect(error.metadata).toMatchObject({ bytes: limit("actor.input") + 1, limit: limit("actor.input") });
    await client.dispose();
  }, 120_000);

  it(`request body to an actor: ${limit("gateway.request_body") / 1024 / 1024} MiB reaches it, one byte more is 413 naming both`, async () => {
    const client = stack.client();
    const handle = client.sink.getOrCreate(["body"]);
    const ok = await handle.fetch("/body", { method: "POST", body: new Uint8Array(limit("gateway.request_body")) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ bytes: limit("gateway.request_body") });
    const over = await handle.fetch("/body", { method: "POST", body: new Uint8Array(limit("gateway.request_body") + 1) });
    expect(over.status).toBe(413);
    const text = await over.text();
    expect(text).toContain(String(limit("gateway.request_body")));
    expect(text).toContain(String(limit("gateway.request_body") + 1));
    await client.dispose();
  }, 120_000);
});
