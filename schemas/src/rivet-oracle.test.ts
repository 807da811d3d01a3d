import * as rivet from "@rivetkit/engine-runner-protocol";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbitraries } from "./gen/runner/v7.arbitraries.js";
import * as ours from "./gen/runner/v7.js";

/**
 * Rivet's own generated runner v7 codec (the copy @rivetkit/engine-runner@2.2.1 uses) is the
 * oracle: for generated values, both encoders must write the same bytes and each decoder
 * must read the other's bytes back to the same value.
 */
type Codec = { encode: (x: unknown) => Uint8Array; decode: (b: Uint8Array) => unknown };
const theirs = rivet as unknown as Record<string, (x: never) => unknown>;
const oursByName = ours as unknown as Record<string, (x: never) => unknown>;

function codecOf(mod: Record<string, (x: never) => unknown>, name: string): Codec {
  const encode = mod[`encode${name}`];
  const decode = mod[`decode${name}`];
  if (encode === undefined || decode === undefined) throw new Error(`no codec for ${name}`);
  return { encode: encode as Codec["encode"], decode: decode as Codec["decode"] };
}

const small = arbitraries();
// Strings up to 24k code points (up to ~96 KiB of UTF-8) and blobs up to 70 KiB cross the
// 16 KiB boundary where some @bare-ts/lib versions write wrong length prefixes.
const large = arbitraries({ maxDataBytes: 70_000, maxStringLength: 24_000, maxItems: 2 });

describe("runner v7: byte-for-byte agreement with Rivet's codec", () => {
  it("covers every root type Rivet's codec exports", () => {
    const rivetRoots = Object.keys(rivet)
      .filter((k) => k.startsWith("encode"))
      .map((k) => k.slice("encode".length))
      .sort();
    expect([...ours.ROOT_TYPES].sort()).toEqual(rivetRoots);
  });

  for (const name of ours.ROOT_TYPES) {
    const a = codecOf(oursByName, name);
    const b = codecOf(theirs, name);
    for (const [label, arbs, numRuns] of [
      ["small values", small, 300],
      ["payloads past 16 KiB", large, 25],
    ] as const) {
      it(`${name}, ${label}`, () => {
        fc.assert(
          fc.property((arbs as Record<string, fc.Arbitrary<unknown>>)[name] as fc.Arbitrary<unknown>, (x) => {
            const mine = a.encode(x);
            const rivets = b.encode(x);
            expect(Buffer.from(mine).equals(Buffer.from(rivets))).toBe(true);
            expect(b.decode(mine)).toEqual(x);
            expect(a.decode(rivets)).toEqual(x);
          }),
          { numRuns },
        );
      });
    }
  }

  it("matches the init frame Rivet's engine was seen to accept", () => {
    // From the live capture in the protocol reference (§1.2): a ToServerInit with one actor name.
    const init = ours.encodeToServer({
      tag: "ToServerInit",
      val: {
        name: "raw-runner",
        version: 1,
        totalSlots: 10,
        prepopulateActorNames: new Map([["counter", { metadata: "{}" }]]),
        metadata: "{}",
      },
    });
    const hex = Buffer.from(init).toString("hex");
    const expected =
      `00 0a ${Buffer.from("raw-runner").toString("hex")} 01000000 0a000000 01 01 07 ${Buffer.from("counter").toString("hex")} 02 7b7d 01 02 7b7d`;
    expect(hex).toBe(expected.replaceAll(" ", ""));
  });
});
