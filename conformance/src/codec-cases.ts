/**
 * The codec suite's cases, built from the golden vectors of one root type: a decode and an
 * encode case for every vector, and negative cases derived from the vectors' bytes with the
 * help of the schema walk. Names are paths:
 *
 *   codec/<family>/v<N>/<Type>/<vector case>/decode
 *   codec/<family>/v<N>/<Type>/<vector case>/encode
 *   codec/<family>/v<N>/<Type>/<vector case>/reject-<what>   (bytes derived from that vector)
 */
import { firstUnused, uleb128, walk, type SchemaDescription, type Site } from "./bare-walk.js";
import type { DecodeRequest, EncodeRequest, JsonValue } from "./testee-protocol.js";
import type { VectorCase } from "./vectors.js";

/** Required cases must pass; recommended ones are reported but do not decide the exit code. */
export type Level = "required" | "recommended";

/** What a case's answer must be. */
export type Expectation =
  | { kind: "value"; value: JsonValue }
  | { kind: "hex"; hex: string }
  /** `ok: false`; `mutation` says how the bytes were broken. */
  | { kind: "reject"; mutation: string };

/** One case of the codec suite. */
export interface CodecCase {
  name: string;
  family: string;
  version: number;
  type: string;
  level: Level;
  request: Omit<DecodeRequest, "id"> | Omit<EncodeRequest, "id">;
  expect: Expectation;
}

/** The name components every case of a root type starts with. */
export function typePrefix(family: string, version: number, type: string): string[] {
  return ["codec", family, `v${version}`, type];
}

/** A vector case name as one path component (no vector name has a `/` today; keep it so). */
function component(name: string): string {
  return name.replaceAll("/", "%2F");
}

/** A derived malformed message. */
interface Mutation {
  bytes: Uint8Array;
  /** How the vector was changed, for failure reports. */
  mutation: string;
}

/** A kind of negative case: its name, its level and how it breaks a vector (if it can). */
interface NegativeKind {
  name: string;
  level: Level;
  /** Only vectors with a site this accepts are candidates; undefined means any non-empty vector. */
  site?: (site: Site) => boolean;
  derive(bytes: Uint8Array, site: Site | undefined): Mutation;
}

function splice(bytes: Uint8Array, offset: number, size: number, replacement: readonly number[]): Uint8Array {
  const out = new Uint8Array(bytes.byteLength - size + replacement.length);
  out.set(bytes.subarray(0, offset), 0);
  out.set(replacement, offset);
  out.set(bytes.subarray(offset + size), offset + replacement.length);
  return out;
}

const hex = (bytes: readonly number[]): string => Buffer.from(bytes).toString("hex");

/**
 * The negative cases, in the order they run. Every mutation makes the message invalid for
 * any correct BARE decoder of the type: BARE has no "read to the end" field, so a message cut
 * short always runs out of bytes before its end; decoding must consume the whole input; and
 * the rest break a rule of the BARE specification at a place the schema walk located.
 */
export const NEGATIVE_KINDS: readonly NegativeKind[] = [
  {
    name: "reject-truncated",
    level: "required",
    derive: (bytes) => ({ bytes: bytes.subarray(0, bytes.byteLength - 1), mutation: `the last byte removed (${bytes.byteLength} → ${bytes.byteLength - 1} bytes)` }),
  },
  {
    name: "reject-trailing-byte",
    level: "recommended",
    derive: (bytes) => ({ bytes: splice(bytes, bytes.byteLength, 0, [0]), mutation: `one 00 byte appended (${bytes.byteLength} → ${bytes.byteLength + 1} bytes)` }),
  },
  {
    name: "reject-invalid-union-tag",
    level: "recommended",
    site: (s) => s.kind === "union-tag",
    derive(bytes, site) {
      const s = site as Extract<Site, { kind: "union-tag" }>;
      const tag = firstUnused(s.validTags);
      return { bytes: splice(bytes, s.offset, s.size, uleb128(tag)), mutation: `union tag ${s.tag} at byte ${s.offset} replaced by ${tag}, which the union does not have (valid: ${s.validTags.join(", ")})` };
    },
  },
  {
    name: "reject-invalid-enum",
    level: "recommended",
    site: (s) => s.kind === "enum",
    derive(bytes, site) {
      const s = site as Extract<Site, { kind: "enum" }>;
      const value = firstUnused(s.validValues);
      return { bytes: splice(bytes, s.offset, s.size, uleb128(value)), mutation: `enum value ${s.value} at byte ${s.offset} replaced by ${value}, which the enum does not have` };
    },
  },
  {
    name: "reject-invalid-bool",
    level: "recommended",
    site: (s) => s.kind === "bool",
    derive: (bytes, site) => ({ bytes: splice(bytes, site!.offset, 1, [2]), mutation: `bool at byte ${site!.offset} set to 02` }),
  },
  {
    name: "reject-invalid-optional-flag",
    level: "recommended",
    site: (s) => s.kind === "optional",
    derive: (bytes, site) => ({ bytes: splice(bytes, site!.offset, 1, [2]), mutation: `optional flag at byte ${site!.offset} set to 02` }),
  },
  {
    name: "reject-non-canonical-uint",
    level: "recommended",
    site: (s) => s.kind === "union-tag" || s.kind === "length" || s.kind === "enum",
    derive(bytes, site) {
      const s = site as Extract<Site, { kind: "union-tag" | "length" | "enum" }>;
      const minimal = uleb128(s.kind === "union-tag" ? s.tag : s.value);
      const padded = [...minimal.slice(0, -1), minimal.at(-1)! | 0x80, 0x00];
      return { bytes: splice(bytes, s.offset, s.size, padded), mutation: `${s.kind === "length" ? `${s.of} length` : s.kind} at byte ${s.offset} written as ${hex(padded)} instead of the minimal ${hex(minimal)}` };
    },
  },
  {
    name: "reject-oversized-length",
    level: "recommended",
    site: (s) => s.kind === "length" && (s.of === "str" || s.of === "data"),
    derive(bytes, site) {
      const s = site as Extract<Site, { kind: "length" }>;
      const huge = uleb128(0xffff_ffff);
      return { bytes: splice(bytes, s.offset, s.size, huge), mutation: `${s.of} length ${s.value} at byte ${s.offset} replaced by 4294967295 (${hex(huge)}), far past the end of the message` };
    },
  },
  {
    name: "reject-invalid-utf8",
    level: "recommended",
    site: (s) => s.kind === "str" && s.length > 0,
    derive: (bytes, site) => ({ bytes: splice(bytes, site!.offset, 1, [0xff]), mutation: `first byte of the string at byte ${site!.offset} set to ff, which is never valid UTF-8` }),
  },
];

/** The vector negative cases start from: `all-present` when there is one, else the first non-empty one. */
function preferredOrder(vectors: readonly VectorCase[]): VectorCase[] {
  const nonEmpty = vectors.filter((v) => v.hex.length > 0);
  const first = nonEmpty.find((v) => v.name === "all-present") ?? nonEmpty[0];
  return first === undefined ? [] : [first, ...nonEmpty.filter((v) => v !== first)];
}

/** Every case of one root type, given its vectors. */
export function* typeCases(schema: SchemaDescription, type: string, vectors: readonly VectorCase[]): Generator<CodecCase> {
  const { family, version } = schema;
  const prefix = typePrefix(family, version, type).join("/");
  const common = { family, version, type };
  for (const vector of vectors) {
    const name = `${prefix}/${component(vector.name)}`;
    yield {
      ...common,
      name: `${name}/decode`,
      level: "required",
      request: { op: "decode", ...common, hex: vector.hex },
      expect: { kind: "value", value: vector.value },
    };
    yield {
      ...common,
      name: `${name}/encode`,
      level: "required",
      request: { op: "encode", ...common, value: vector.value },
      expect: { kind: "hex", hex: vector.hex },
    };
  }

  const candidates = preferredOrder(vectors);
  const sitesOf = new Map<VectorCase, { bytes: Uint8Array; sites: Site[] }>();
  const walked = (vector: VectorCase): { bytes: Uint8Array; sites: Site[] } => {
    let entry = sitesOf.get(vector);
    if (entry === undefined) {
      const bytes = new Uint8Array(Buffer.from(vector.hex, "hex"));
      entry = { bytes, sites: walk(schema, type, bytes) };
      sitesOf.set(vector, entry);
    }
    return entry;
  };
  for (const kind of NEGATIVE_KINDS) {
    for (const vector of candidates) {
      const { bytes, sites } = walked(vector);
      const site = kind.site === undefined ? undefined : sites.find(kind.site);
      if (kind.site !== undefined && site === undefined) continue;
      const { bytes: broken, mutation } = kind.derive(bytes, site);
      yield {
        ...common,
        name: `${prefix}/${component(vector.name)}/${kind.name}`,
        level: kind.level,
        request: { op: "decode", ...common, hex: Buffer.from(broken).toString("hex") },
        expect: { kind: "reject", mutation },
      };
      break;
    }
  }
}
