import * as bare from "@bare-ts/lib";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbitraryFactories } from "./gen/arbitraries.js";
import { codecModules } from "./gen/codecs.js";
import { typeDescriptions } from "./gen/descriptions.js";

type AnyModule = Record<string, unknown>;
type Read = (bc: bare.ByteCursor) => unknown;
type Write = (bc: bare.ByteCursor, x: unknown) => void;

const config = bare.Config({});

/** Writes a value with the type's own writer and returns exactly the bytes written. */
function writeValue(write: Write, x: unknown): Uint8Array {
  const bc = new bare.ByteCursor(new Uint8Array(16), config);
  write(bc, x);
  return bc.bytes.slice(0, bc.offset);
}

for (const family of ["runner", "client"] as const) {
  for (const [version, mod] of Object.entries(codecModules[family]) as [string, AnyModule][]) {
    const factory = (arbitraryFactories[family] as Record<string, () => Record<string, fc.Arbitrary<unknown>>>)[version];
    const description = (typeDescriptions[family] as Record<string, { types: { name: string; type: { kind: string } }[]; roots: string[] }>)[version];
    if (factory === undefined || description === undefined) throw new Error(`missing generated modules for ${family} v${version}`);
    const arbs = factory();
    // A void type has no bytes and no codec functions; its only value is null.
    const encodable = description.types.filter((t) => t.type.kind !== "void");
    const voids = description.types.filter((t) => t.type.kind === "void");

    describe(`${family} v${version}: every type round trips`, () => {
      it("has an arbitrary, a reader and a writer for every type in the schema", () => {
        for (const { name } of encodable) {
          expect(arbs[name], name).toBeDefined();
          expect(typeof mod[`read${name}`], name).toBe("function");
          expect(typeof mod[`write${name}`], name).toBe("function");
        }
        for (const { name } of voids) {
          fc.assert(fc.property(arbs[name] as fc.Arbitrary<unknown>, (x) => x === null));
        }
      });

      for (const { name } of encodable) {
        const read = mod[`read${name}`] as Read;
        const write = mod[`write${name}`] as Write;
        it(name, () => {
          fc.assert(
            fc.property(arbs[name] as fc.Arbitrary<unknown>, (x) => {
              const bytes = writeValue(write, x);
              const bc = new bare.ByteCursor(bytes, config);
              const back = read(bc);
              expect(bc.offset).toBe(bytes.byteLength);
              expect(back).toEqual(x);
              expect(writeValue(write, back)).toEqual(bytes);
            }),
            { numRuns: 40 },
          );
        });
      }

      for (const name of description.roots) {
        const encode = mod[`encode${name}`] as (x: unknown) => Uint8Array;
        const decode = mod[`decode${name}`] as (b: Uint8Array) => unknown;
        it(`${name} through encode/decode`, () => {
          fc.assert(
            fc.property(arbs[name] as fc.Arbitrary<unknown>, (x) => {
              const bytes = encode(x);
              expect(decode(bytes)).toEqual(x);
              expect(encode(decode(bytes))).toEqual(bytes);
            }),
            { numRuns: 150 },
          );
        });
      }
    });
  }
}
