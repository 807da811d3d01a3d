/**
 * Compound actor keys. The engine stores a key as one opaque string, so the client must
 * write it exactly as rivetkit does or a lookup would miss the actor rivetkit created:
 * parts joined with `/`, `\` and `/` inside a part escaped with `\`, an empty part written
 * `\0`, and the empty key written `/`.
 */

/** A key as callers pass it: one string or its parts. */
export type ActorKey = string | readonly string[];

/** The parts of a key (`"a"` is `["a"]`, nothing is `[]`). */
export function keyParts(key: ActorKey | undefined): string[] {
  if (key === undefined) return [];
  return typeof key === "string" ? [key] : [...key];
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
