/**
 * Compound actor keys as callers pass them. The engine stores a key as one opaque string,
 * written exactly as rivetkit writes it; that string form is `@actorwire/protocol`'s
 * `serializeActorKey`/`deserializeActorKey`, which the engine and the runner use too.
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
