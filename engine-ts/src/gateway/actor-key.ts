/**
 * The one-string form of a compound actor key, as rivetkit writes it and Rivet's guard
 * rebuilds it from `rvt-key`: parts joined with `/`, `\` and `/` inside a part escaped with
 * `\`, an empty part written `\0`, and the empty key written `/`. The engine stores keys as
 * opaque strings, so this must match byte for byte or a query would miss its actor.
 */
export function serializeActorKey(parts: readonly string[]): string {
  if (parts.length === 0) return "/";
  return parts.map((part) => (part === "" ? "\\0" : part.replace(/\\/g, "\\\\").replace(/\//g, "\\/"))).join("/");
}

/** `rvt-key` holds the parts joined with `,`; an empty or missing value is the empty key. */
export function splitQueryKey(raw: string | undefined): string[] {
  if (raw === undefined || raw === "") return [];
  return raw.split(",");
}
