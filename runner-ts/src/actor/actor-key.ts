/**
 * Compound actor keys in the engine's one-string form, written exactly as rivetkit writes them
 * (parts joined with `/`, `\` and `/` inside a part escaped with `\`, an empty part written
 * `\0`, the empty key written `/`), so `c.key` matches what a rivetkit client asked for.
 */

/** The parts of an engine key string (`[]` for none). */
export function parseActorKey(key: string | null | undefined): string[] {
  if (key === null || key === undefined || key === "/") return [];
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
    } else if (ch === "/") {
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

/** The engine's one-string form of `parts`; the inverse of {@link parseActorKey}. */
export function serializeActorKey(parts: readonly string[]): string {
  if (parts.length === 0) return "/";
  return parts.map((part) => (part === "" ? "\\0" : part.replace(/\\/g, "\\\\").replace(/\//g, "\\/"))).join("/");
}
