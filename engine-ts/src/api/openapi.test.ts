import { describe, expect, it } from "vitest";
import { API_ROUTES, API_TAGS } from "./definitions.js";
import { openApiDocument } from "./openapi.js";

type Operation = { operationId: string; tags: string[]; security?: unknown[]; responses: Record<string, unknown> };

function operations(doc: Record<string, unknown>): [string, Operation][] {
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  return Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => [`${m.toUpperCase()} ${path}`, op] as [string, Operation]));
}

/** Every `$ref` string anywhere in a value. */
function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === "$ref" && typeof v === "string" ? [v] : refs(v)));
}

describe("the OpenAPI document", () => {
  const doc = openApiDocument({ version: "1.2.3", auth: true });

  it("has one operation per route definition, each with a unique ID, a declared tag and a 200 schema", () => {
    const ops = operations(doc);
    expect(ops.map(([, op]) => op.operationId).sort()).toEqual(Object.keys(API_ROUTES).sort());
    for (const [name, op] of ops) {
      expect(Object.keys(API_TAGS), name).toContain(op.tags[0]);
      expect(op.responses["200"], name).toMatchObject({ content: { "application/json": { schema: { $ref: expect.any(String) } } } });
    }
  });

  it("resolves every $ref to a component schema", () => {
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    for (const ref of refs(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[ref.slice("#/components/schemas/".length)], ref).toBeDefined();
    }
  });

  it("declares the bearer scheme and asks for it on the routes that need the admin token", () => {
    expect((doc.components as { securitySchemes: unknown }).securitySchemes).toMatchObject({ bearerAuth: { type: "http", scheme: "bearer" } });
    for (const [name, op] of operations(doc)) {
      const needsToken = !["GET /metadata", "GET /health"].includes(name);
      expect(op.security !== undefined, name).toBe(needsToken);
      expect(op.responses["401"] !== undefined, name).toBe(needsToken);
    }
  });

  it("asks for no token when the engine has none", () => {
    for (const [name, op] of operations(openApiDocument({ version: "1.2.3", auth: false }))) {
      expect(op.security, name).toBeUndefined();
      expect(op.responses["401"], name).toBeUndefined();
    }
  });

  it("is the same document every time (the docs site is generated from it)", () => {
    expect(JSON.stringify(openApiDocument({ version: "1.2.3", auth: true }))).toBe(JSON.stringify(doc));
  });
});
