import { deserializeActorKey } from "@actorwire/protocol";
import { EngineError } from "../errors.js";

/** Characters in a namespace's display name (ours: Rivet documents no limit). */
export const MAX_NAMESPACE_DISPLAY_NAME = 255;

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

function invalid(code: string, message: string, metadata: Record<string, unknown>): EngineError {
  return new EngineError(`actor.${code}`, message, { status: 400, metadata });
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
    // The protocol's key parser: the same one the runner and the client use.
    for (const part of deserializeActorKey(key)) {
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

/** Whether a character code is in the standard base64 alphabet (A-Z, a-z, 0-9, + and /). */
function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

/** Standard base64, padded or not (rivetkit pads; Rivet's API decodes either). A loop, not a regular expression, because inputs run to megabytes. */
function isBase64(text: string): boolean {
  let end = text.length;
  if (text.endsWith("==")) end -= 2;
  else if (text.endsWith("=")) end -= 1;
  const rest = end % 4;
  if (rest === 1) return false;
  // Padding, when present, must complete the last group of four.
  if (end !== text.length && (rest === 0 || (text.length - end) + rest !== 4)) return false;
  for (let i = 0; i < end; i++) if (!isBase64Char(text.charCodeAt(i))) return false;
  return true;
}

export function checkBase64Input(input: string): void {
  if (isBase64(input)) return;
  throw invalid("invalid_input", "Actor input must be standard base64 (A-Z, a-z, 0-9, + and /, optionally padded with =).", {
    field: "input",
    length: input.length,
  });
}
