/**
 * The one-string form of a compound actor key, as rivetkit writes it (`src/actor/keys.ts`) and
 * Rivet's engine stores it: parts joined with `/`, `\` and `/` inside a part escaped with `\`,
 * an empty part written `\0`, and the empty key written `/`. The engine treats the string as
 * opaque, so the engine, the runner and the client must all write it byte for byte alike, or a
 * lookup by key would miss the actor another side created.
 */

/** The string form of the key with no parts. */
export const EMPTY_ACTOR_KEY = "/";

/** The separator between key parts, in the string form. */
const SEPARATOR = "/";

/** The engine's one-string form of `parts`; `[]` is {@link EMPTY_ACTOR_KEY}. */
export function serializeActorKey(parts: readonly string[]): string {
  if (parts.length === 0) return EMPTY_ACTOR_KEY;
  return parts.map((part) => (part === "" ? "\\0" : part.replace(/\\/g, "\\\\").replace(/\//g, "\\/"))).join(SEPARATOR);
}

/**
 * The parts of a key string; the inverse of {@link serializeActorKey}. It reads strings the way
 * rivetkit's `deserializeActorKey` does, including those no serializer writes: a missing key,
 * `""` and `/` are all the empty key (so `""` is `[]`, not `[""]`, which is written `\0`), and a
 * trailing lone `\` is kept as a literal backslash.
 */
export function deserializeActorKey(key: string | null | undefined): string[] {
  if (key === null || key === undefined || key === EMPTY_ACTOR_KEY) return [];
  const parts: string[] = [];
  let current = "";
  let escaped = false;
  let emptyMarker = false;
  for (const ch of key) {
    if (escaped) {
      if (ch === "0") emptyMarker = true;
      else current += ch;
      escaped = false;
    } else if (ch === "\\") {
      escaped = true;
    } else if (ch === SEPARATOR) {
      parts.push(emptyMarker ? "" : current);
      current = "";
      emptyMarker = false;
    } else {
      current += ch;
    }
  }
  if (escaped) parts.push(`${current}\\`);
  else if (emptyMarker) parts.push("");
  else if (current !== "" || parts.length > 0) parts.push(current);
  return parts;
}

/**
 * The parts of a gateway query's `rvt-key`, which rivetkit writes as the parts joined with `,`
 * (so a part holding `,` cannot be addressed this way). A missing or empty value is the empty
 * key.
 */
export function splitQueryKey(raw: string | null | undefined): string[] {
  if (raw === null || raw === undefined || raw === "") return [];
  return raw.split(",");
}

/** The `rvt-key` value of `parts`; the inverse of {@link splitQueryKey} for parts without `,`. */
export function joinQueryKey(parts: readonly string[]): string {
  return parts.join(",");
}
