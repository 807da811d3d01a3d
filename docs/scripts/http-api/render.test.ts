import { ENGINE_VERSION, openApiDocument } from "@actorwire/engine";
import { describe, expect, it } from "vitest";
import { type OpenApiDoc, renderHttpApi, schemaBlock, tagPage, typeText } from "./render.js";

const doc = openApiDocument({ version: ENGINE_VERSION, auth: true }) as unknown as OpenApiDoc;
const pages = renderHttpApi(doc);

/** The anchors a page defines: explicit `{#id}`s, and the plain slug of headings without one. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, "");
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const explicit = /\{#([^}]+)\}\s*$/.exec(heading as string);
    anchors.add(explicit !== null ? (explicit[1] as string) : (heading as string).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""));
  }
  return anchors;
}

describe("the HTTP API pages", () => {
  it("are an overview, one page per tag and a schemas page, the same every time", () => {
    expect([...pages.keys()]).toEqual(["index.md", ...doc.tags.map((t) => tagPage(t.name)), "schemas.md"]);
    expect(renderHttpApi(doc)).toEqual(pages);
  });

  it("list every operation on its tag's page with its route and operation ID", () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const page = pages.get(tagPage(op.tags[0] as string)) ?? "";
        expect(page).toContain(`\`${method.toUpperCase()} ${path}\` · operation ID \`${op.operationId}\``);
        expect(pages.get("index.md")).toContain(`#${op.operationId.toLowerCase()})`);
      }
    }
  });

  it("give every component schema a section", () => {
    const anchors = anchorsOf(pages.get("schemas.md") ?? "");
    for (const name of Object.keys(doc.components.schemas)) expect(anchors).toContain(`schema-${name.toLowerCase()}`);
  });

  it("link only to pages and anchors that exist", () => {
    for (const [name, text] of pages) {
      for (const [, target, anchor] of text.matchAll(/\]\(\.\/([^)#]+)(?:#([^)]+))?\)/g)) {
        expect(pages.has(target as string), `${name} links to ${target}`).toBe(true);
        if (anchor !== undefined) expect(anchorsOf(pages.get(target as string) ?? ""), `${name} links to ${target}#${anchor}`).toContain(anchor);
      }
    }
  });

  it("show a curl example with the token and an example body", () => {
    const actors = pages.get("actors.md") ?? "";
    expect(actors).toContain('curl -X POST "$ENGINE/actors?namespace=default" \\\n  -H "Authorization: Bearer $TOKEN"');
    expect(actors).toMatch(/-d '\{"name":"counter",/);
    expect(pages.get("engine.md")).toContain('curl "$ENGINE/health"\n```');
  });
});

describe("schema rendering", () => {
  it("names types readably and links named schemas", () => {
    expect(typeText({ type: ["string", "null"] })).toBe("string | null");
    expect(typeText({ type: "array", items: { $ref: "#/components/schemas/Actor" } })).toBe("[Actor](./schemas.md#schema-actor)[]");
    expect(typeText({ anyOf: [{ $ref: "#/components/schemas/CrashPolicy" }, { type: "null" }] })).toBe("[CrashPolicy](./schemas.md#schema-crashpolicy) | null");
    expect(typeText({ type: "object", additionalProperties: { type: "integer" } })).toBe("map of string to integer");
    expect(typeText({ enum: ["a", "b"] })).toBe('`"a"` | `"b"`');
    expect(typeText({})).toBe("any JSON");
  });

  it("flattens inline objects into dotted rows and escapes pipes in cells", () => {
    const block = schemaBlock({
      type: "object",
      properties: {
        names: { type: "object", additionalProperties: { type: "object", properties: { metadata: { description: "What | for" } }, required: ["metadata"] } },
      },
      required: ["names"],
    });
    expect(block).toContain("| `names.<key>.metadata` | any JSON | yes | What \\| for |");
  });
});
