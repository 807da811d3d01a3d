import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { createActorRequest, createNamespaceRequest, getOrCreateActorRequest, listActorsQuery } from "./schemas.js";
import { parseBody, parseQuery } from "./validate.js";

/** The error a parse throws, as the API would answer it. */
function refusal(parse: () => unknown): { status: number; body: ReturnType<EngineError["toBody"]> } {
  try {
    parse();
  } catch (thrown) {
    if (thrown instanceof EngineError) return { status: thrown.status, body: thrown.toBody() };
    throw thrown;
  }
  throw new Error("expected the parse to refuse its input");
}

const ALLOWED = ["name", "key", "input", "runner_name_selector", "crash_policy", "datacenter"];

describe("request bodies", () => {
  it("accept a valid create body and fill in the crash policy's default", () => {
    expect(parseBody(createActorRequest, { name: "counter", runner_name_selector: "default" })).toEqual({
      name: "counter",
      runner_name_selector: "default",
      crash_policy: "destroy",
    });
    expect(parseBody(createActorRequest, { name: "c", key: null, input: null, runner_name_selector: "d", crash_policy: null })).toMatchObject({
      key: null,
      crash_policy: null,
    });
  });

  it("refuse an unknown field before anything else, naming it and the allowed fields", () => {
    expect(refusal(() => parseBody(createActorRequest, { name: 5, bogus: 1, other: 2 }))).toEqual({
      status: 400,
      body: { group: "api", code: "invalid_body", message: 'Unknown field "bogus".', metadata: { field: "bogus", allowed: ALLOWED } },
    });
  });

  it("name the first wrong field in the order the fields are defined, with what it must be", () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ runner_name_selector: "d" }, "name", "a string"],
      [{ name: 5, key: 5, runner_name_selector: "d" }, "name", "a string"],
      [{ name: "x", key: 5, input: 5 }, "key", "a string or null"],
      [{ name: "x", input: [], runner_name_selector: 1 }, "input", "a string or null"],
      [{ name: "x", crash_policy: "explode" }, "runner_name_selector", "a string"],
      [{ name: "x", runner_name_selector: "d", crash_policy: "explode" }, "crash_policy", "one of restart, sleep, destroy"],
      [{ name: "x", runner_name_selector: "d", datacenter: 3 }, "datacenter", "a string or null"],
    ];
    for (const [body, field, expected] of cases) {
      expect(refusal(() => parseBody(createActorRequest, body)).body).toEqual({
        group: "api",
        code: "invalid_body",
        message: `Field "${field}" must be ${expected}.`,
        metadata: { field },
      });
    }
  });

  it("refuse a get-or-create body without a key only once every field has its type", () => {
    for (const key of [undefined, null]) {
      expect(refusal(() => parseBody(getOrCreateActorRequest, { name: "x", key, runner_name_selector: "d" })).body).toEqual({
        group: "api",
        code: "invalid_body",
        message: 'Field "key" is required.',
        metadata: { field: "key" },
      });
    }
    expect(refusal(() => parseBody(getOrCreateActorRequest, { name: "x", crash_policy: "explode" })).body.message).toBe(
      'Field "runner_name_selector" must be a string.',
    );
    expect(refusal(() => parseBody(getOrCreateActorRequest, { name: "x", key: 5, runner_name_selector: "d" })).body.message).toBe(
      'Field "key" must be a string or null.',
    );
  });

  it("check namespace bodies the same way", () => {
    expect(refusal(() => parseBody(createNamespaceRequest, { name: "a" })).body.message).toBe('Field "display_name" must be a string.');
    expect(refusal(() => parseBody(createNamespaceRequest, { name: "a", display_name: "A", x: 1 })).body.metadata).toEqual({
      field: "x",
      allowed: ["name", "display_name"],
    });
  });
});

describe("query parameters", () => {
  const query = (text: string) => parseQuery(listActorsQuery, new URLSearchParams(text));

  it("read declared parameters, every occurrence of a list, and default the namespace", () => {
    expect(query("name=a&actor_id=x&actor_id=y&limit=5&ignored=1")).toEqual({ namespace: "default", name: "a", actor_id: ["x", "y"], limit: 5 });
  });

  it("read `limit` as a number, as the engine always has", () => {
    expect(query("limit=1e2").limit).toBe(100);
    expect(query("limit=5000").limit).toBe(5000);
  });

  it("refuse a `limit` that is not a positive integer with the parameter's message and value", () => {
    for (const limit of ["0", "-1", "1.5", "abc", "", "Infinity"]) {
      expect(refusal(() => query(`name=a&limit=${limit}`))).toEqual({
        status: 400,
        body: { group: "api", code: "invalid_query", message: "`limit` must be a positive integer.", metadata: { limit } },
      });
    }
  });
});
