/**
 * Compound actor keys. The engine stores a key as one opaque string, so the client must
 * write it exactly as rivetkit does or a lookup would miss the actor rivetkit created:
 * parts joined with `/`, `\` and `/` inside a part escaped with `\`, an empty part written
 * `\0`, and the empty key written `/`.
 */
import { ClientConfigError } from "./errors.js";

/** A key as callers pass it: one string or its parts. */
export type ActorKey = string | readonly string[];

/**
 * The parts of a key (`"a"` is `["a"]`, nothing is `[]`). Untyped callers can pass
 * anything, and a number or an object would otherwise fail deep inside with a bare
 * `TypeError` (or be written as `"[object Object]"`), so anything but a string or an array
 * of strings is refused with an error that names the call and what it was given.
 */
export function keyParts(key: unknown, call = "key"): string[] {
  if (key === undefined) return [];
  if (typeof key === "string") return [key];
  if (Array.isArray(key)) {
    key.forEach((part: unknown, index) => {
      if (typeof part !== "string") {
        throw new ClientConfigError(`${call}: every part of an actor key must be a string, but part ${index} is ${describeValue(part)}`, {
          metadata: { argument: "key", index, received: describeValue(part) },
        });
      }
    });
    return [...(key as string[])];
  }
  throw new ClientConfigError(`${call}: an actor key must be a string or an array of strings, got ${describeValue(key)}`, {
    metadata: { argument: "key", received: describeValue(key) },
  });
}

/** A short description of a value for error messages: its type and, briefly, the value. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  if (typeof value === "function" || typeof value === "symbol" || typeof value === "undefined") return typeof value;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? "";
  } catch {
    text = "";
  }
  return text === "" ? "an object" : `object ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

/** The engine's one-string form of `parts`. */
export function serializeActorKey(parts: readonly string[]): string {
  if (parts.length === 0) return "/";
  return parts.map((part) => (part === "" ? "\\0" : part.replace(/\\/g, "\\\\").replace(/\//g, "\\/"))).join("/");
}

/** The parts of an engine key string; the inverse of {@link serializeActorKey}. */
export function deserializeActorKey(key: string | null | undefined): string[] {
  if (key === null || key === undefined || key === "/") return [];
  const parts: string[] = [];
  let current = "";
  let escaped = false;
  let sawEmptyMarker = false;
  for (const ch of key) {
    if (escaped) {
      if (ch === "0") sawEmptyMarker = true;
      else current += ch;
      escaped = false;
    } else if (ch === "\\") {
      escaped = true;
    } else if (ch === "/") {
      parts.push(sawEmptyMarker ? "" : current);
      current = "";
      sawEmptyMarker = false;
    } else {
      current += ch;
    }
  }
  if (escaped) current += "\\";
  parts.push(sawEmptyMarker ? "" : current);
  return parts;
}
