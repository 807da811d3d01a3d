/**
 * A tracing BARE decoder: it walks a type description and the bytes together and records, for
 * every byte range, the field it encodes. The protocol pages use it to annotate the golden
 * vectors, so each example explains itself byte by byte. It is independent of the generated
 * codecs on purpose: the tests require both to agree on every golden vector, which checks the
 * descriptions the docs render as much as the tracer itself.
 *
 * It uses nothing but the language (no `Buffer`), so the browser can run it too.
 */
import type { NamedType, SchemaDescription, TypeDescription } from "./model.js";

/** The lossless JSON form of decoded values that the golden vectors use (`fixtures/README.md`). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One byte range and what it encodes. Ranges are leaves: they never overlap. */
export interface Span {
  readonly start: number;
  readonly end: number;
  /** Where the value sits in the decoded JSON, e.g. `val.events[0].checkpoint.index`. */
  readonly path: string;
  /** What the bytes say, e.g. `union tag 3 = ToServerStopping` or `u32 70000`. */
  readonly note: string;
}

/** The outcome of a trace that reached the end of the message. */
export interface Trace {
  readonly value: JsonValue;
  readonly spans: readonly Span[];
}

/** The bytes do not hold a value of the type; `offset` is where reading failed. */
export class TraceError extends Error {
  override readonly name = "TraceError";
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

const FIXED_WIDTH: Readonly<Record<string, number>> = { u8: 1, u16: 2, u32: 4, u64: 8, i8: 1, i16: 2, i32: 4, i64: 8, f32: 4, f64: 8 };
const MAX_VARINT_BYTES = 10;

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

function childPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

class Walker {
  private offset = 0;
  readonly spans: Span[] = [];
  private readonly view: DataView;
  private readonly utf8 = new TextDecoder("utf-8", { fatal: true });

  constructor(
    private readonly bytes: Uint8Array,
    private readonly types: ReadonlyMap<string, NamedType>,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.offset;
  }

  private need(n: number, what: string): number {
    if (this.offset + n > this.bytes.byteLength) {
      throw new TraceError(`${what} needs ${n} bytes, ${this.bytes.byteLength - this.offset} remain`, this.offset);
    }
    const start = this.offset;
    this.offset += n;
    return start;
  }

  private span(start: number, path: string, note: string): void {
    if (this.offset > start) this.spans.push({ start, end: this.offset, path: path === "" ? "(message)" : path, note });
  }

  /** An unsigned LEB128 varint, as BARE's `uint`. */
  private varint(): bigint {
    const start = this.offset;
    let result = 0n;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const byte = this.bytes[this.need(1, "a varint")] as number;
      result |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) {
        if (i > 0 && byte === 0) throw new TraceError("a varint with a redundant last byte", start);
        if (result > 0xffff_ffff_ffff_ffffn) throw new TraceError("a varint over 64 bits", start);
        return result;
      }
    }
    throw new TraceError(`a varint longer than ${MAX_VARINT_BYTES} bytes`, start);
  }

  /** A length or count: a `uint` that must fit the bytes left, so a hostile prefix fails fast. */
  private length(path: string, what: string): number {
    const start = this.offset;
    const n = this.varint();
    if (n > BigInt(this.bytes.byteLength)) throw new TraceError(`${what} ${n} is more than the message holds`, start);
    this.span(start, path, `${what} ${n}`);
    return Number(n);
  }

  read(type: TypeDescription, path: string): JsonValue {
    switch (type.kind) {
      case "ref": {
        const named = this.types.get(type.name);
        if (named === undefined) throw new TraceError(`no type named ${type.name}`, this.offset);
        return this.read(named.type, path);
      }
      case "void":
        return null;
      case "primitive":
        return this.primitive(type.name, path);
      case "data": {
        const n = type.length ?? this.length(path, "data length");
        const start = this.need(n, "data");
        this.span(start, path, `${n} bytes`);
        return { $hex: hex(this.bytes.subarray(start, start + n)) };
      }
      case "optional": {
        const start = this.need(1, "an optional's tag");
        const tag = this.bytes[start] as number;
        if (tag > 1) throw new TraceError(`optional tag ${tag} is neither 0 nor 1`, start);
        this.span(start, path, tag === 0 ? "absent" : "present");
        return tag === 0 ? null : this.read(type.of, path);
      }
      case "list": {
        const n = type.length ?? this.length(path, "list count");
        const out: JsonValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.read(type.of, `${path}[${i}]`));
        return out;
      }
      case "map": {
        const n = this.length(path, "map count");
        const entries: JsonValue[] = [];
        for (let i = 0; i < n; i++) {
          const key = this.read(type.key, `${path} key #${i}`);
          const label = typeof key === "string" ? JSON.stringify(key) : `#${i}`;
          entries.push([key, this.read(type.value, `${path}[${label}]`)]);
        }
        return { $map: entries };
      }
      case "enum": {
        const start = this.offset;
        const n = this.varint();
        const member = type.values.find((v) => BigInt(v.value) === n);
        if (member === undefined) throw new TraceError(`enum value ${n} is not defined`, start);
        this.span(start, path, `enum ${n} = ${member.name}`);
        return member.name;
      }
      case "union": {
        const start = this.offset;
        const tag = this.varint();
        const variant = type.variants.find((v) => BigInt(v.tag) === tag);
        if (variant === undefined) throw new TraceError(`union tag ${tag} is not defined`, start);
        const name = variant.type.kind === "ref" ? variant.type.name : String(variant.tag);
        this.span(start, childPath(path, "tag"), `union tag ${tag} = ${name}`);
        return { tag: name, val: this.read(variant.type, childPath(path, "val")) };
      }
      case "struct": {
        const out: { [key: string]: JsonValue } = {};
        for (const field of type.fields) out[field.name] = this.read(field.type, childPath(path, field.name));
        return out;
      }
    }
  }

  private primitive(name: string, path: string): JsonValue {
    switch (name) {
      case "bool": {
        const start = this.need(1, "a bool");
        const b = this.bytes[start] as number;
        if (b > 1) throw new TraceError(`bool byte ${b} is neither 0 nor 1`, start);
        this.span(start, path, `bool ${b === 1}`);
        return b === 1;
      }
      case "uint": {
        const start = this.offset;
        const n = this.varint();
        this.span(start, path, `uint ${n}`);
        return { $bigint: n.toString() };
      }
      case "int": {
        const start = this.offset;
        const z = this.varint();
        const n = (z >> 1n) ^ -(z & 1n);
        this.span(start, path, `int ${n}`);
        return { $bigint: n.toString() };
      }
      case "str": {
        const n = this.length(path, "str length");
        const start = this.need(n, "a string");
        let text: string;
        try {
          text = this.utf8.decode(this.bytes.subarray(start, start + n));
        } catch {
          throw new TraceError("a string that is not UTF-8", start);
        }
        this.span(start, path, `str ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`);
        return text;
      }
      default:
        return this.fixed(name, path);
    }
  }

  private fixed(name: string, path: string): JsonValue {
    const width = FIXED_WIDTH[name];
    if (width === undefined) throw new TraceError(`unknown primitive ${name}`, this.offset);
    const at = this.need(width, `a ${name}`);
    const v = this.view;
    let value: JsonValue;
    switch (name) {
      case "u8":
        value = v.getUint8(at);
        break;
      case "u16":
        value = v.getUint16(at, true);
        break;
      case "u32":
        value = v.getUint32(at, true);
        break;
      case "i8":
        value = v.getInt8(at);
        break;
      case "i16":
        value = v.getInt16(at, true);
        break;
      case "i32":
        value = v.getInt32(at, true);
        break;
      case "f32":
        value = v.getFloat32(at, true);
        break;
      case "f64":
        value = v.getFloat64(at, true);
        break;
      case "u64":
        value = { $bigint: v.getBigUint64(at, true).toString() };
        break;
      default:
        value = { $bigint: v.getBigInt64(at, true).toString() };
        break;
    }
    const shown = typeof value === "object" && value !== null && "$bigint" in value ? String(value.$bigint) : String(value);
    this.span(at, path, `${name} ${shown}`);
    return value;
  }
}

/**
 * Decodes `bytes` as one value of the root type `typeName` of `schema`, recording what every
 * byte range encodes. Throws {@link TraceError} with the offset where the bytes stop making
 * sense, including when bytes remain after the value.
 */
export function trace(schema: SchemaDescription, typeName: string, bytes: Uint8Array): Trace {
  const types = new Map(schema.types.map((t) => [t.name, t]));
  if (!types.has(typeName)) throw new TraceError(`${schema.family} v${schema.version} has no type ${typeName}`, 0);
  const walker = new Walker(bytes, types);
  const value = walker.read({ kind: "ref", name: typeName }, "");
  if (walker.position !== bytes.byteLength) {
    throw new TraceError(`${bytes.byteLength - walker.position} bytes remain after the message`, walker.position);
  }
  return { value, spans: walker.spans };
}
