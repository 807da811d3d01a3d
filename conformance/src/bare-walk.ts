/**
 * A small BARE reader driven by the machine-readable type descriptions
 * (`@actorwire/protocol/descriptions`) instead of generated code. It does not build values:
 * it walks one valid message and reports where its structural bytes sit (union tags, enum
 * values, bools, optional flags, length prefixes, string bodies). The suite uses those sites
 * to derive malformed messages from the golden vectors, so the negative cases follow the
 * schema without being written per type.
 *
 * Being independent of the generated codecs matters: a site list computed by the codec under
 * test could not catch that codec's mistakes.
 */

/** One type in a schema description. */
export type TypeDesc =
  | { kind: "primitive"; name: string }
  | { kind: "data"; length: number | null }
  | { kind: "void" }
  | { kind: "ref"; name: string }
  | { kind: "optional"; of: TypeDesc }
  | { kind: "list"; of: TypeDesc; length: number | null }
  | { kind: "map"; key: TypeDesc; value: TypeDesc }
  | { kind: "union"; variants: { tag: number; type: TypeDesc }[] }
  | { kind: "enum"; values: { name: string; value: number }[] }
  | { kind: "struct"; fields: { name: string; type: TypeDesc }[] };

/** The description of one schema version, as the protocol package publishes it. */
export interface SchemaDescription {
  family: string;
  version: number;
  sha256: string;
  roots: string[];
  types: { name: string; type: TypeDesc }[];
}

/** A structural byte range found while walking a message. */
export type Site =
  | { kind: "union-tag"; offset: number; size: number; tag: number; validTags: number[] }
  | { kind: "enum"; offset: number; size: number; value: number; validValues: number[] }
  | { kind: "bool"; offset: number }
  | { kind: "optional"; offset: number; present: boolean }
  /** The ULEB128 length or count in front of a `str`, a `data`, a `list` or a `map`. */
  | { kind: "length"; offset: number; size: number; value: number; of: "str" | "data" | "list" | "map" }
  /** The UTF-8 body of a `str`. */
  | { kind: "str"; offset: number; length: number };

/** The bytes do not form a valid message of the type (only for vectors that are meant to be valid). */
export class WalkError extends Error {
  override readonly name = "WalkError";
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const FIXED_WIDTH: Record<string, number> = {
  u8: 1, u16: 2, u32: 4, u64: 8, i8: 1, i16: 2, i32: 4, i64: 8, f32: 4, f64: 8,
};

/**
 * Walks one complete message of `root` and returns its sites in byte order. Throws
 * {@link WalkError} if the bytes are not exactly one valid message.
 */
export function walk(schema: SchemaDescription, root: string, bytes: Uint8Array): Site[] {
  const types = new Map(schema.types.map((t) => [t.name, t.type]));
  const sites: Site[] = [];
  let offset = 0;

  const need = (n: number): void => {
    if (offset + n > bytes.byteLength) throw new WalkError(`need ${n} bytes, ${bytes.byteLength - offset} left`, offset);
  };
  const readUleb = (): { value: number; size: number } => {
    const start = offset;
    let value = 0;
    let scale = 1;
    for (;;) {
      need(1);
      const byte = bytes[offset++]!;
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) break;
      if (offset - start >= 10) throw new WalkError("ULEB128 longer than 10 bytes", start);
    }
    // BARE requires the shortest encoding: a last byte of 0 after a continuation is padding.
    if (offset - start > 1 && bytes[offset - 1] === 0) throw new WalkError("non-canonical ULEB128", start);
    return { value, size: offset - start };
  };

  const visit = (t: TypeDesc): void => {
    switch (t.kind) {
      case "void":
        return;
      case "ref": {
        const target = types.get(t.name);
        if (target === undefined) throw new WalkError(`unknown type ${t.name}`, offset);
        return visit(target);
      }
      case "primitive": {
        const width = FIXED_WIDTH[t.name];
        if (width !== undefined) {
          need(width);
          offset += width;
          return;
        }
        if (t.name === "uint" || t.name === "int") {
          readUleb();
          return;
        }
        if (t.name === "bool") {
          need(1);
          if (bytes[offset]! > 1) throw new WalkError(`bool byte ${bytes[offset]}`, offset);
          sites.push({ kind: "bool", offset });
          offset += 1;
          return;
        }
        if (t.name === "str") {
          const start = offset;
          const { value, size } = readUleb();
          sites.push({ kind: "length", offset: start, size, value, of: "str" });
          need(value);
          try {
            UTF8.decode(bytes.subarray(offset, offset + value));
          } catch {
            throw new WalkError("invalid UTF-8", offset);
          }
          sites.push({ kind: "str", offset, length: value });
          offset += value;
          return;
        }
        throw new WalkError(`unknown primitive ${t.name}`, offset);
      }
      case "data": {
        if (t.length !== null) {
          need(t.length);
          offset += t.length;
          return;
        }
        const start = offset;
        const { value, size } = readUleb();
        sites.push({ kind: "length", offset: start, size, value, of: "data" });
        need(value);
        offset += value;
        return;
      }
      case "optional": {
        need(1);
        const flag = bytes[offset]!;
        if (flag > 1) throw new WalkError(`optional flag ${flag}`, offset);
        sites.push({ kind: "optional", offset, present: flag === 1 });
        offset += 1;
        if (flag === 1) visit(t.of);
        return;
      }
      case "list": {
        let count = t.length;
        if (count === null) {
          const start = offset;
          const { value, size } = readUleb();
          sites.push({ kind: "length", offset: start, size, value, of: "list" });
          count = value;
        }
        for (let i = 0; i < count; i++) visit(t.of);
        return;
      }
      case "map": {
        const start = offset;
        const { value, size } = readUleb();
        sites.push({ kind: "length", offset: start, size, value, of: "map" });
        for (let i = 0; i < value; i++) {
          visit(t.key);
          visit(t.value);
        }
        return;
      }
      case "union": {
        const start = offset;
        const { value, size } = readUleb();
        const variant = t.variants.find((v) => v.tag === value);
        if (variant === undefined) throw new WalkError(`union tag ${value}`, start);
        sites.push({ kind: "union-tag", offset: start, size, tag: value, validTags: t.variants.map((v) => v.tag) });
        return visit(variant.type);
      }
      case "enum": {
        const start = offset;
        const { value, size } = readUleb();
        if (!t.values.some((v) => v.value === value)) throw new WalkError(`enum value ${value}`, start);
        sites.push({ kind: "enum", offset: start, size, value, validValues: t.values.map((v) => v.value) });
        return;
      }
      case "struct":
        for (const field of t.fields) visit(field.type);
        return;
    }
  };

  visit({ kind: "ref", name: root });
  if (offset !== bytes.byteLength) throw new WalkError(`${bytes.byteLength - offset} bytes remain after the message`, offset);
  return sites;
}

/** ULEB128 encoding of a non-negative integer (exact up to 2^53). */
export function uleb128(n: number): number[] {
  const out: number[] = [];
  let x = n;
  do {
    let byte = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) byte |= 0x80;
    out.push(byte);
  } while (x > 0);
  return out;
}

/** The smallest non-negative integer not in `used`. */
export function firstUnused(used: readonly number[]): number {
  const set = new Set(used);
  let n = 0;
  while (set.has(n)) n++;
  return n;
}
