/**
 * The generated case list: its names, its levels, and that every negative case really is
 * malformed (our reference codec refuses each one, and the schema walk does too).
 */
import { describe, expect, it } from "vitest";
import { walk } from "./bare-walk.js";
import { NEGATIVE_KINDS, typeCases, type CodecCase } from "./codec-cases.js";
import { referenceCodec } from "./reference-codec.js";
import { DEFAULT_VECTORS_DIR, loadVectorCases, suiteVersions } from "./vectors.js";

const all: CodecCase[] = [];
for (const { schema } of suiteVersions()) {
  for (const type of schema.roots) all.push(...typeCases(schema, type, loadVectorCases(DEFAULT_VECTORS_DIR, schema, type)));
}

describe("codec cases", () => {
  it("have unique hierarchical names", () => {
    const names = all.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^codec\/(runner|client|persist|envoy)\/v[1-9][0-9]*\/[A-Za-z0-9_]+\/[^/]+\/(decode|encode|reject-[a-z0-9-]+)$/);
  });

  it("make decode, encode and truncation required, the other negatives recommended", () => {
    for (const c of all) {
      const last = c.name.split("/").at(-1)!;
      expect(c.level, c.name).toBe(last === "decode" || last === "encode" || last === "reject-truncated" ? "required" : "recommended");
    }
  });

  it("derive a truncated and a trailing-byte case for every root type, and the others where the type has the construct", () => {
    const types = new Set(all.map((c) => c.name.split("/").slice(0, 4).join("/")));
    const count = (kind: string): number => all.filter((c) => c.name.endsWith(`/${kind}`)).length;
    expect(count("reject-truncated")).toBe(types.size);
    expect(count("reject-trailing-byte")).toBe(types.size);
    for (const kind of NEGATIVE_KINDS) expect(count(kind.name), kind.name).toBeGreaterThan(0);
  });

  it("are all malformed: the reference codec and the schema walk refuse every negative case", () => {
    const schemas = new Map(suiteVersions().map((v) => [`${v.family}/${v.version}`, v.schema]));
    for (const c of all.filter((x) => x.expect.kind === "reject")) {
      const answer = referenceCodec.handle({ id: 1, ...c.request } as Parameters<typeof referenceCodec.handle>[0]);
      expect(answer, c.name).toMatchObject({ ok: false, error: { code: "protocol.malformed" } });
      const hex = (c.request as { hex: string }).hex;
      expect(() => walk(schemas.get(`${c.family}/${c.version}`)!, c.type, new Uint8Array(Buffer.from(hex, "hex"))), c.name).toThrow();
    }
  });
});
