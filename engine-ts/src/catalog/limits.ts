import { EngineError } from "../errors.js";

/** Rivet's documented input limits, checked when an actor is created. */
export const ACTOR_LIMITS = {
  /** Characters in an actor name. */
  maxNameLength: 64,
  /** Bytes of one key component (after unescaping). */
  maxKeyComponentBytes: 128,
  /** Bytes of the whole serialized key. */
  maxKeyBytes: 1024,
  /** Bytes of the creation input. */
  maxInputBytes: 4 * 1024 * 1024,
} as const;

const encoder = new TextEncoder();

/**
 * Splits a serialized key into its components: parts are joined with `/`, inside a part `\\`
 * and `\/` escape a backslash and a slash, `\0` is an empty part, and `/` alone is the empty
 * key. This is how rivetkit serializes key arrays; the engine itself treats keys as opaque
 * strings and only needs the components to check their size.
 */
export function keyComponents(key: string): string[] {
  if (key === "/") return [];
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === "\\" && i + 1 < key.length) {
      const next = key[i + 1];
      i++;
      current += next === "0" ? "" : next;
    } else if (c === "/") {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

function invalid(code: string, message: string, metadata: Record<string, unknown>): EngineError {
  return new EngineError("actor", code, message, 400, metadata);
}

/** Throws a 400 `actor.*` error naming the limit a create request breaks. */
export function checkActorInput(name: string, key: string | null, inputBytes: number): void {
  if (name.length === 0) throw invalid("invalid_name", "Actor name must not be empty.", { name });
  if (name.length > ACTOR_LIMITS.maxNameLength) {
    throw invalid("name_too_long", `Actor name is longer than ${ACTOR_LIMITS.maxNameLength} characters.`, {
      length: name.length,
      limit: ACTOR_LIMITS.maxNameLength,
    });
  }
  if (key !== null) {
    const total = encoder.encode(key).byteLength;
    if (total > ACTOR_LIMITS.maxKeyBytes) {
      throw invalid("key_too_long", `Actor key is longer than ${ACTOR_LIMITS.maxKeyBytes} bytes.`, {
        bytes: total,
        limit: ACTOR_LIMITS.maxKeyBytes,
      });
    }
    for (const part of keyComponents(key)) {
      const bytes = encoder.encode(part).byteLength;
      if (bytes > ACTOR_LIMITS.maxKeyComponentBytes) {
        throw invalid("key_component_too_long", `An actor key component is longer than ${ACTOR_LIMITS.maxKeyComponentBytes} bytes.`, {
          bytes,
          limit: ACTOR_LIMITS.maxKeyComponentBytes,
        });
      }
    }
  }
  if (inputBytes > ACTOR_LIMITS.maxInputBytes) {
    throw invalid("input_too_large", `Actor input is larger than ${ACTOR_LIMITS.maxInputBytes} bytes.`, {
      bytes: inputBytes,
      limit: ACTOR_LIMITS.maxInputBytes,
    });
  }
}
