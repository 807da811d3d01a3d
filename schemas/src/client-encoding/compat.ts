import { ProtocolError } from "../errors.js";
import { base64ToBytes, bytesToBase64 } from "./base64.js";

/**
 * rivetkit's "JSON compat" form of user values (its `src/common/encoding.ts`): values that
 * JSON cannot hold become two-element arrays whose first element is a `$` tag:
 *
 * | value | compat form |
 * |---|---|
 * | `123n` | `["$BigInt", "123"]` |
 * | an ArrayBuffer | `["$ArrayBuffer", base64]` |
 * | a Uint8Array | `["$Uint8Array", base64]` |
 * | `undefined` | `["$Undefined", 0]` |
 * | a Set | `["$Set", [items in compat form]]` |
 *
 * A user array of exactly two elements whose first element is a string starting with `$` is
 * escaped by one more `$` (`["$x", 1]` becomes `["$$x", 1]`), so it is never taken for a tag.
 * Maps stay Maps (with keys and values in compat form); other typed arrays, Dates, RegExps
 * and Errors pass through. rivetkit uses this form inside every CBOR blob it writes (the
 * `bare` encoding's payloads, persisted state) and, through a `JSON.stringify` replacer, in the
 * `json` encoding.
 */

const TAG_BIGINT = "$BigInt";
const TAG_ARRAY_BUFFER = "$ArrayBuffer";
const TAG_UINT8_ARRAY = "$Uint8Array";
const TAG_UNDEFINED = "$Undefined";
const TAG_SET = "$Set";

/** True for the objects rivetkit treats as records: prototype Object.prototype or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True for typed arrays other than Uint8Array, which rivetkit passes through untouched. */
function isOtherTypedArray(value: object): boolean {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof Uint8Array);
}

/** True for the objects rivetkit passes through to cbor-x as they are. */
function isPassThroughObject(value: object): boolean {
  return value instanceof Date || value instanceof RegExp || value instanceof Error || isOtherTypedArray(value);
}

/** Whether `value` is an array that needs the extra `$` so that it is not read as a tag. */
function needsEscape(value: readonly unknown[]): boolean {
  return value.length === 2 && typeof value[0] === "string" && value[0].startsWith("$");
}

function unsupported(value: unknown, path: string, encoding: string): ProtocolError {
  const kind =
    typeof value === "object" && value !== null
      ? ((value as { constructor?: { name?: string } }).constructor?.name ?? "object")
      : typeof value;
  return new ProtocolError("protocol.invalid_value", `value at ${path || "root"} of type ${kind} cannot be carried in the ${encoding} encoding`);
}

/** Sets `key` on `target` as an own property, even when the key is `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

interface CompatOptions {
  /** Maps have no JSON form; in json they are refused instead of silently becoming `{}`. */
  readonly json: boolean;
}

/** Converts a user value to compat form (rivetkit's `encodeJsonCompatValue`). */
export function toCompat(value: unknown, options: CompatOptions = { json: false }, path = ""): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case "undefined":
      return [TAG_UNDEFINED, 0];
    case "string":
    case "number":
    case "boolean":
      return value;
    case "bigint":
      return [TAG_BIGINT, value.toString()];
    case "object":
      break;
    default:
      throw unsupported(value, path, options.json ? "json" : "cbor");
  }
  if (value instanceof ArrayBuffer) return [TAG_ARRAY_BUFFER, bytesToBase64(new Uint8Array(value))];
  if (value instanceof Uint8Array) return [TAG_UINT8_ARRAY, bytesToBase64(value)];
  if (isPassThroughObject(value)) return value;
  if (value instanceof Set) {
    let i = 0;
    const items: unknown[] = [];
    for (const item of value) items.push(toCompat(item, options, `${path || "root"}.set[${i++}]`));
    return [TAG_SET, items];
  }
  if (value instanceof Map) {
    if (options.json) throw unsupported(value, path, "json");
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value) {
      out.set(toCompat(k, options, `${path || "root"}.key`), toCompat(v, options, `${path || "root"}.value`));
    }
    return out;
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => toCompat(item, options, `${path || "root"}[${i}]`));
    if (needsEscape(items)) items[0] = `$${items[0] as string}`;
    return items;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, toCompat(v, options, path ? `${path}.${k}` : k));
    return out;
  }
  throw unsupported(value, path, options.json ? "json" : "cbor");
}

/**
 * Reads compat form back into user values (rivetkit's `reviveJsonCompatValue`, except that an
 * unknown `$` tag is kept as a plain array instead of being an error). Native values
 * (bigints, Maps, byte arrays, Sets, Dates from CBOR tags) are accepted as they are, so the
 * same function reads rivetkit's json, its inline cbor and its CBOR blobs. Byte strings that
 * cbor-x hands back as Node Buffers become plain Uint8Arrays.
 */
export function fromCompat(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Uint8Array) {
    return Object.getPrototypeOf(value) === Uint8Array.prototype ? value : new Uint8Array(value);
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value) out.set(fromCompat(k), fromCompat(v));
    return out;
  }
  if (Array.isArray(value)) {
    if (needsEscape(value)) return fromTagged(value[0] as string, value[1]);
    return value.map(fromCompat);
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, fromCompat(v));
    return out;
  }
  return value;
}

function fromTagged(tag: string, payload: unknown): unknown {
  switch (tag) {
    case TAG_BIGINT:
      if (typeof payload !== "string" || !/^-?[0-9]+$/.test(payload)) {
        throw new ProtocolError("protocol.malformed", `${TAG_BIGINT} must carry a decimal integer string`);
      }
      return BigInt(payload);
    case TAG_ARRAY_BUFFER: {
      if (typeof payload !== "string") throw new ProtocolError("protocol.malformed", `${TAG_ARRAY_BUFFER} must carry base64`);
      const bytes = base64ToBytes(payload);
      return bytes.buffer;
    }
    case TAG_UINT8_ARRAY:
      if (typeof payload !== "string") throw new ProtocolError("protocol.malformed", `${TAG_UINT8_ARRAY} must carry base64`);
      return base64ToBytes(payload);
    case TAG_UNDEFINED:
      return undefined;
    case TAG_SET:
      if (!Array.isArray(payload)) throw new ProtocolError("protocol.malformed", `${TAG_SET} must carry an array`);
      return new Set(payload.map(fromCompat));
    default:
      if (tag.startsWith("$$")) return [tag.slice(1), fromCompat(payload)];
      // rivetkit's reader throws here, but its cbor writer does not escape user arrays, so a
      // rivetkit client sending `["$x", 1]` in cbor would otherwise be unreadable. An unknown
      // tag can only be such an array, so it is kept as one.
      return [tag, fromCompat(payload)];
  }
}

/**
 * rivetkit's JSON compat text for a value (its `jsonStringifyCompat`): bigints, byte arrays,
 * `undefined` and Sets in compat form, `$` arrays escaped. For every value rivetkit itself
 * can represent the text is identical to rivetkit's. Where rivetkit loses data this writes
 * the compat form instead, which rivetkit's reader understands: `undefined` (rivetkit drops it
 * from objects and writes `null` in arrays) and Sets (rivetkit writes `{}`). Maps have no
 * JSON form and are refused with `protocol.invalid_value`.
 */
export function jsonStringifyCompat(value: unknown): string {
  return guard("invalid_value", () => JSON.stringify(toCompat(value, { json: true })));
}

/** Parses rivetkit's JSON compat text (its `jsonParseCompat`). */
export function jsonParseCompat(text: string): unknown {
  return guard("malformed", () => fromCompat(JSON.parse(text)));
}

/**
 * Runs `f`, turning anything it throws that is not already a ProtocolError (a SyntaxError
 * from JSON.parse, a RangeError from a value nested too deeply or a cycle) into one.
 */
export function guard<T>(code: "malformed" | "invalid_value", f: () => T): T {
  try {
    return f();
  } catch (thrown) {
    if (thrown instanceof ProtocolError) throw thrown;
    const reason = thrown instanceof RangeError ? "value is nested too deeply (or is cyclic)" : String((thrown as Error)?.message ?? thrown);
    throw new ProtocolError(`protocol.${code}`, code === "malformed" ? `malformed input: ${reason}` : `cannot encode value: ${reason}`, { cause: thrown });
  }
}
