import { ProtocolError } from "../errors.js";
import { isPlainObject } from "./compat.js";
import type { ActorSpecifier } from "./types.js";

/**
 * Checks of decoded json and cbor messages. Both encodings arrive as untyped trees, so every
 * field is checked before a value is handed out; a wrong shape is `protocol.malformed`.
 * Unknown extra fields are ignored, as rivetkit's zod schemas strip them.
 */

const U64_MAX = (1n << 64n) - 1n;

export function malformed(message: string): ProtocolError {
  return new ProtocolError("protocol.malformed", message);
}

export function invalid(message: string): ProtocolError {
  return new ProtocolError("protocol.invalid_value", message);
}

export function obj(value: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw malformed(`${what} must be an object`);
  return value;
}

export function str(value: unknown, what: string): string {
  if (typeof value !== "string") throw malformed(`${what} must be a string`);
  return value;
}

export function bool(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") throw malformed(`${what} must be a boolean`);
  return value;
}

export function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw malformed(`${what} must be an array`);
  return value;
}

/**
 * A `uint` field. rivetkit writes them as bigints (`["$BigInt","1"]` in json, a 64-bit
 * integer in cbor); plain non-negative safe integers are accepted as well.
 */
export function uint(value: unknown, what: string): bigint {
  if (typeof value === "bigint") {
    if (value < 0n || value > U64_MAX) throw malformed(`${what} is out of the u64 range`);
    return value;
  }
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw malformed(`${what} must be a non-negative integer`);
}

/** A finite, non-negative number of milliseconds (json and cbor carry queue timeouts as numbers). */
export function millis(value: unknown, what: string): number {
  if (typeof value === "bigint" && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  throw malformed(`${what} must be a non-negative number`);
}

/** Reads an actor specifier; `key` may be missing or null (rivetkit omits it). */
export function actorSpecifier(value: unknown, what: string): ActorSpecifier {
  const o = obj(value, what);
  const key = o.key === undefined || o.key === null ? null : str(o.key, `${what}.key`);
  return { actorId: str(o.actorId, `${what}.actorId`), generation: uint(o.generation, `${what}.generation`), key };
}

/** Checks a `uint` on the way out, so a wrong id never reaches the wire. */
export function checkUint(value: unknown, what: string): bigint {
  if (typeof value !== "bigint" || value < 0n || value > U64_MAX) throw invalid(`${what} must be a bigint in the u64 range`);
  return value;
}

/** Checks an array on the way out. */
export function checkList(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(`${what} must be an array`);
  return value;
}

/**
 * The json/cbor form of an actor specifier. rivetkit's reader (zod) requires `key` to be a
 * string or absent, never null, so a missing key is left out. The generation is a plain
 * number, as Rivet's server writes it (rivetkit reads a number or a bigint and hands its
 * callers a number); only one past 2^53 stays a bigint.
 */
export function actorSpecifierShape(actor: ActorSpecifier): Record<string, unknown> {
  const generation = checkUint(actor.generation, "actor.generation");
  const out: Record<string, unknown> = {
    actorId: actor.actorId,
    generation: generation <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(generation) : generation,
  };
  if (actor.key !== null && actor.key !== undefined) out.key = actor.key;
  return out;
}
