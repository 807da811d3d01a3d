/**
 * The differential test against one of Rivet's own generated codecs, as one suite that each
 * family's oracle test runs: for generated values of every root type, both encoders must
 * write the same bytes and each decoder must read the other's bytes back to the same value.
 */
import * as fc from "fast-check";
import { expect, it } from "vitest";

type Module = Record<string, unknown>;
type Codec = { encode: (x: unknown) => Uint8Array; decode: (b: Uint8Array) => unknown };
type Arbitraries = Record<string, fc.Arbitrary<unknown>>;

/** One family version as both sides see it. */
export interface OracleSuiteOptions {
  /** Our generated module (`gen/<family>/vN.js`). */
  readonly ours: Module & { readonly ROOT_TYPES: readonly string[] };
  /** Rivet's published module for the same version. */
  readonly theirs: Module;
  /** Our generated arbitraries factory for the version. */
  readonly arbitraries: (options?: { maxDataBytes?: number; maxStringLength?: number; maxItems?: number }) => unknown;
  /** Turns one of our values into the shape Rivet's encoder takes, where the two differ. */
  readonly toTheirs?: (x: unknown) => unknown;
  /** Turns a value Rivet's decoder returned into our shape, where the two differ. */
  readonly fromTheirs?: (x: unknown) => unknown;
}

function codecOf(mod: Module, name: string): Codec {
  const encode = mod[`encode${name}`];
  const decode = mod[`decode${name}`];
  if (typeof encode !== "function" || typeof decode !== "function") throw new Error(`no codec for ${name}`);
  return { encode: encode as Codec["encode"], decode: decode as Codec["decode"] };
}

/** Defines the agreement tests in the calling `describe`. */
export function oracleAgreementSuite(options: OracleSuiteOptions): void {
  const { ours, theirs } = options;
  const toTheirs = options.toTheirs ?? ((x: unknown) => x);
  const fromTheirs = options.fromTheirs ?? ((x: unknown) => x);
  const small = options.arbitraries() as Arbitraries;
  // Strings up to 24k code points (up to ~96 KiB of UTF-8) and blobs up to 70 KiB cross the
  // 16 KiB boundary where some @bare-ts/lib versions write wrong length prefixes.
  const large = options.arbitraries({ maxDataBytes: 70_000, maxStringLength: 24_000, maxItems: 2 }) as Arbitraries;

  it("covers every root type Rivet's codec exports", () => {
    const rivetRoots = Object.keys(theirs)
      .filter((k) => k.startsWith("encode"))
      .map((k) => k.slice("encode".length))
      .sort();
    expect([...ours.ROOT_TYPES].sort()).toEqual(rivetRoots);
  });

  for (const name of ours.ROOT_TYPES) {
    const a = codecOf(ours, name);
    const b = codecOf(theirs, name);
    for (const [label, arbs, numRuns] of [
      ["small values", small, 300],
      ["payloads past 16 KiB", large, 25],
    ] as const) {
      it(`${name}, ${label}`, () => {
        fc.assert(
          fc.property(arbs[name] as fc.Arbitrary<unknown>, (x) => {
            const mine = a.encode(x);
            const rivets = b.encode(toTheirs(x));
            expect(Buffer.from(mine).equals(Buffer.from(rivets))).toBe(true);
            expect(fromTheirs(b.decode(mine))).toEqual(x);
            expect(a.decode(rivets)).toEqual(x);
          }),
          { numRuns },
        );
      });
    }
  }
}
