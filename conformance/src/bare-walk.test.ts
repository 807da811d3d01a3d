/**
 * The schema walk against every golden vector: it must read each one to its last byte, and
 * the sites it reports must be where the bytes say they are.
 */
import { describe, expect, it } from "vitest";
import { firstUnused, uleb128, walk, WalkError } from "./bare-walk.js";
import { DEFAULT_VECTORS_DIR, loadVectorCases, suiteVersions } from "./vectors.js";

describe("uleb128", () => {
  it("encodes like BARE", () => {
    expect(uleb128(0)).toEqual([0]);
    expect(uleb128(127)).toEqual([0x7f]);
    expect(uleb128(128)).toEqual([0x80, 0x01]);
    expect(uleb128(16385)).toEqual([0x81, 0x80, 0x01]);
    expect(uleb128(0xffff_ffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it("firstUnused finds the smallest gap", () => {
    expect(firstUnused([0, 1, 2])).toBe(3);
    expect(firstUnused([1, 2])).toBe(0);
  });
});

describe("walk", () => {
  for (const { family, version, schema } of suiteVersions()) {
    it(`reads every ${family} v${version} vector exactly, with sites that match the bytes`, () => {
      for (const type of schema.roots) {
        for (const vector of loadVectorCases(DEFAULT_VECTORS_DIR, schema, type)) {
          const bytes = new Uint8Array(Buffer.from(vector.hex, "hex"));
          const sites = walk(schema, type, bytes);
          let last = -1;
          for (const site of sites) {
            expect(site.offset, `${type} ${vector.name}`).toBeGreaterThanOrEqual(last);
            last = site.offset;
            if (site.kind === "bool" || site.kind === "optional") expect(bytes[site.offset]! <= 1).toBe(true);
            if (site.kind === "length") expect([...bytes.subarray(site.offset, site.offset + site.size)]).toEqual(uleb128(site.value));
            if (site.kind === "union-tag") expect(site.validTags).toContain(site.tag);
          }
          if (vector.name.startsWith("union ")) expect(sites.some((s) => s.kind === "union-tag"), `${type} ${vector.name}`).toBe(true);
        }
      }
    });
  }

  it("refuses bytes that are not one message", () => {
    const [{ schema }] = suiteVersions().filter((v) => v.family === "runner" && v.version === 7) as [ReturnType<typeof suiteVersions>[number]];
    const [vector] = loadVectorCases(DEFAULT_VECTORS_DIR, schema, "ToServer");
    const bytes = new Uint8Array(Buffer.from(vector!.hex, "hex"));
    expect(() => walk(schema, "ToServer", bytes.subarray(0, bytes.byteLength - 1))).toThrow(WalkError);
    expect(() => walk(schema, "ToServer", new Uint8Array([...bytes, 0]))).toThrow(/remain/);
    expect(() => walk(schema, "ToServer", new Uint8Array([0x7f]))).toThrow(/union tag 127/);
  });
});
