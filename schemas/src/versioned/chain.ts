import { readEmbeddedVersion, withEmbeddedVersion } from "../embedded-version.js";
import { VersionError } from "../errors.js";
import type * as bare from "@bare-ts/lib";
import { type DecodeOptions, encodeRoot } from "../runtime/root-codec.js";

/** Encode and decode of one message type at one version. */
export interface LayoutCodec<T> {
  readonly encode: (value: T) => Uint8Array;
  readonly decode: (bytes: Uint8Array, options?: DecodeOptions) => T;
  /** The layout's writer, so that a version-prefixed message is written in one pass. */
  readonly write?: (bc: bare.ByteCursor, value: T) => void;
}

/**
 * One message type across every version of a family, read and written through the latest
 * version's type. Reading runs explicit one-step upgrade converters; writing runs one-step
 * downgrade converters, each of which either keeps the value, loses what the older version
 * cannot hold (only where the lossy table says so) or throws a VersionError.
 */
export interface VersionedCodec<Latest> {
  readonly family: string;
  readonly type: string;
  /** The versions this type exists in, ascending. */
  readonly versions: readonly number[];
  readonly latest: number;
  /** Reads bytes written at `version` and upgrades them to the latest type. */
  decode(bytes: Uint8Array, version: number, options?: DecodeOptions): Latest;
  /** Downgrades a latest value to `version` and writes it. */
  encode(value: Latest, version: number): Uint8Array;
  /** Reads a message that starts with its 2-byte little-endian version. */
  decodeWithEmbeddedVersion(bytes: Uint8Array, options?: DecodeOptions): { version: number; value: Latest };
  /** Writes a message at `version`, prefixed with that version. */
  encodeWithEmbeddedVersion(value: Latest, version: number): Uint8Array;
  /** Moves a value of version `from` to version `to` one step at a time, in memory. */
  convert(value: unknown, from: number, to: number): unknown;
  /** Encodes a value of the given version's own type. */
  encodeAt(value: unknown, version: number): Uint8Array;
  /** Decodes bytes into the given version's own type, without upgrading. */
  decodeAt(bytes: Uint8Array, version: number, options?: DecodeOptions): unknown;
}

interface Step {
  readonly up: (x: unknown) => unknown;
  readonly down: (x: unknown) => unknown;
}

/** Builds a {@link VersionedCodec} version by version, with typed converters between neighbours. */
export class ChainBuilder<T> {
  private constructor(
    private readonly family: string,
    private readonly type: string,
    private readonly versions: readonly number[],
    private readonly layouts: readonly LayoutCodec<unknown>[],
    private readonly steps: readonly Step[],
  ) {}

  /** Starts a chain at the first version in which `type` exists. */
  static start<T>(family: string, type: string, version: number, codec: LayoutCodec<T>): ChainBuilder<T> {
    return new ChainBuilder<T>(family, type, [version], [codec as LayoutCodec<unknown>], []);
  }

  /**
   * Adds the next version with its one-step upgrade and downgrade converters. The next version
   * is normally `last + 1`; a family may skip a version whose layout is not known (the envoy
   * family has no v7), and then the step joins the two neighbours that do exist.
   */
  next<U>(version: number, codec: LayoutCodec<U>, up: (x: T) => U, down: (x: U) => T): ChainBuilder<U> {
    const last = this.versions[this.versions.length - 1] as number;
    if (!Number.isInteger(version) || version <= last) throw new Error(`${this.type}: version ${version} does not follow ${last}`);
    return new ChainBuilder<U>(
      this.family,
      this.type,
      [...this.versions, version],
      [...this.layouts, codec as LayoutCodec<unknown>],
      [...this.steps, { up: up as (x: unknown) => unknown, down: down as (x: unknown) => unknown }],
    );
  }

  /**
   * Finishes the chain. `familyVersions` are all versions of the family, so that asking for
   * a version in which this type does not exist yet is told apart from an unknown version.
   */
  build(familyVersions: readonly number[]): VersionedCodec<T> {
    const { family, type, versions, layouts, steps } = this;
    const latest = versions[versions.length - 1] as number;
    const indexOf = (version: number): number => {
      const index = versions.indexOf(version);
      if (index >= 0) return index;
      if (familyVersions.includes(version)) {
        throw new VersionError(
          "version.type_missing",
          `${type} does not exist in ${family} protocol v${version}`,
          { details: { family, type, to: version } },
        );
      }
      throw new VersionError(
        "version.unknown_version",
        `${family} protocol v${version} is not a known version (known: ${familyVersions.join(", ")})`,
        { details: { family, type, to: version } },
      );
    };
    const convert = (value: unknown, from: number, to: number): unknown => {
      let i = indexOf(from);
      const j = indexOf(to);
      let x = value;
      for (; i < j; i++) x = (steps[i] as Step).up(x);
      for (; i > j; i--) x = (steps[i - 1] as Step).down(x);
      return x;
    };
    const codec: VersionedCodec<T> = {
      family,
      type,
      versions,
      latest,
      decode: (bytes, version, options) =>
        convert((layouts[indexOf(version)] as LayoutCodec<unknown>).decode(bytes, options), version, latest) as T,
      encode: (value, version) => (layouts[indexOf(version)] as LayoutCodec<unknown>).encode(convert(value, latest, version)),
      decodeWithEmbeddedVersion: (bytes, options) => {
        const { version, body } = readEmbeddedVersion(bytes);
        return { version, value: codec.decode(body, version, options) };
      },
      encodeWithEmbeddedVersion: (value, version) => {
        const layout = layouts[indexOf(version)] as LayoutCodec<unknown>;
        const converted = convert(value, latest, version);
        return layout.write !== undefined ? encodeRoot(converted, layout.write, version) : withEmbeddedVersion(version, layout.encode(converted));
      },
      convert,
      encodeAt: (value, version) => (layouts[indexOf(version)] as LayoutCodec<unknown>).encode(value),
      decodeAt: (bytes, version, options) => (layouts[indexOf(version)] as LayoutCodec<unknown>).decode(bytes, options),
    };
    return codec;
  }
}

/** Throws the VersionError a downgrade raises for a value the older version cannot express. */
export function notExpressible(family: string, type: string, from: number, to: number, what: string): never {
  throw new VersionError(
    "version.not_expressible",
    `${what} cannot be expressed in ${family} protocol v${to}`,
    { details: { family, type, from, to } },
  );
}
