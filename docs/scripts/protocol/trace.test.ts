import { hexToBytes, toJsonValue } from "@actorwire/fixtures";
import { typeDescriptions } from "@actorwire/protocol/descriptions";
import { codecModules } from "@actorwire/protocol/internal";
import { describe, expect, it } from "vitest";
import { discoverFamilies, schemaOf } from "./model.js";
import { trace, TraceError } from "./trace.js";
import { readVectors } from "./vectors.js";

const families = discoverFamilies(typeDescriptions);
const codecs = codecModules as unknown as Record<string, Record<number, Record<string, unknown>>>;

describe("the tracing decoder", () => {
  for (const family of families) {
    for (const schema of family.versions) {
      it(`reads every golden vector of ${family.name} v${schema.version} to its end, as the codec does`, () => {
        const files = readVectors(family.name, schema.version, { large: true });
        // Every root type has vectors (fixtures' coverage test), so none may be missing here.
        expect([...new Set(files.map((f) => f.type))].sort()).toEqual([...schema.roots].sort());
        let cases = 0;
        for (const file of files) {
          const decode = codecs[family.name]?.[schema.version]?.[`decode${file.type}`] as (b: Uint8Array) => unknown;
          for (const c of file.cases) {
            const bytes = hexToBytes(c.hex);
            const traced = trace(schema, file.type, bytes);
            expect(traced.value, `${file.type} ${c.name}`).toEqual(toJsonValue(decode(bytes)));
            expect(traced.value, `${file.type} ${c.name}`).toEqual(c.value);
            // The spans are leaves in order, never overlapping, and cover every byte.
            let at = 0;
            for (const span of traced.spans) {
              expect(span.start, `${file.type} ${c.name} ${span.path}`).toBe(at);
              expect(span.end).toBeGreaterThan(span.start);
              at = span.end;
            }
            expect(at).toBe(bytes.byteLength);
            cases++;
          }
        }
        expect(cases).toBeGreaterThan(0);
      });
    }
  }

  const runner7 = schemaOf(families, "runner", 7);

  it("labels each byte range with the field it encodes", () => {
    const t = trace(runner7, "ToServer", hexToBytes("040000000000000000"));
    expect(t.value).toEqual({ tag: "ToServerPong", val: { ts: { $bigint: "0" } } });
    expect(t.spans).toEqual([
      { start: 0, end: 1, path: "tag", note: "union tag 4 = ToServerPong" },
      { start: 1, end: 9, path: "val.ts", note: "i64 0" },
    ]);
  });

  it("fails with the offset of the first byte that does not fit", () => {
    expect(() => trace(runner7, "ToServer", hexToBytes("63"))).toThrow(new TraceError("union tag 99 is not defined", 0));
    expect(() => trace(runner7, "ToServer", hexToBytes("0400"))).toThrow(TraceError);
    try {
      trace(runner7, "ToServer", hexToBytes("030000"));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TraceError);
      expect((error as TraceError).offset).toBe(1);
    }
  });
});
