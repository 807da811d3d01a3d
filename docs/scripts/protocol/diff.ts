/**
 * What changed between two versions of a schema, type by type, and whether each change keeps
 * the wire compatible. The rule (also printed on every diff page, from {@link DIFF_RULE}):
 *
 * A change is **wire-compatible** when every message the older version can write still
 * decodes under the newer version to the same fields (names aside, since BARE puts no names
 * on the wire). Anything else is **breaking**.
 *
 * So: a new type, a new union variant or enum value, and a renamed field, variant type or
 * enum member are compatible; a field added, removed or retyped, a variant or enum value
 * removed or renumbered, and a removed type are breaking (BARE structs have no optional
 * trailing fields, so even an appended field shifts every byte after it).
 */
import type { NamedType, SchemaDescription, TypeDescription } from "./model.js";

export type Compatibility = "wire-compatible" | "breaking";

/** One change to one type. */
export interface Change {
  readonly what: string;
  readonly compatibility: Compatibility;
}

/** Everything that changed about one named type. */
export interface TypeDiff {
  readonly name: string;
  readonly status: "added" | "removed" | "changed";
  readonly changes: readonly Change[];
  /** The worst of its changes. */
  readonly compatibility: Compatibility;
}

/** The classification rule, in words, for the diff pages. */
export const DIFF_RULE =
  "A change is **wire-compatible** when every message the older version can write still decodes under the newer version to the same fields (field names aside: BARE puts no names on the wire). Anything else is **breaking**. So a new type, a new union variant or enum value, and a renamed field, variant type or enum member are wire-compatible; a field added, removed or retyped, a union variant or enum value removed or renumbered, and a removed type are breaking (BARE structs have no optional trailing fields, so even an appended field moves every byte after it).";

/** A type expression as the schema language writes it, with references by name. */
export function typeText(t: TypeDescription): string {
  switch (t.kind) {
    case "ref":
      return t.name;
    case "primitive":
      return t.name;
    case "void":
      return "void";
    case "data":
      return t.length === null ? "data" : `data[${t.length}]`;
    case "optional":
      return `optional<${typeText(t.of)}>`;
    case "list":
      return t.length === null ? `list<${typeText(t.of)}>` : `list<${typeText(t.of)}>[${t.length}]`;
    case "map":
      return `map<${typeText(t.key)}><${typeText(t.value)}>`;
    case "enum":
      return "enum";
    case "struct":
      return "struct";
    case "union":
      return "union";
  }
}

/**
 * Whether two type expressions put the same bytes on the wire. A reference with the same name
 * on both sides counts as the same (if the named type changed, that type's own entry says so);
 * references with different names are compared by what they resolve to.
 */
function sameWire(a: TypeDescription, b: TypeDescription, from: Map<string, NamedType>, to: Map<string, NamedType>, seen = new Set<string>()): boolean {
  if (a.kind === "ref" && b.kind === "ref" && a.name === b.name) return true;
  if (a.kind === "ref" || b.kind === "ref") {
    const key = `${typeText(a)}|${typeText(b)}`;
    // A recursive pair already being compared is assumed equal; any difference shows elsewhere.
    if (seen.has(key)) return true;
    seen.add(key);
    const ra = a.kind === "ref" ? from.get(a.name)?.type : a;
    const rb = b.kind === "ref" ? to.get(b.name)?.type : b;
    return ra !== undefined && rb !== undefined && sameWire(ra, rb, from, to, seen);
  }
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "primitive":
      return a.name === (b as typeof a).name;
    case "void":
      return true;
    case "data":
      return a.length === (b as typeof a).length;
    case "optional":
      return sameWire(a.of, (b as typeof a).of, from, to, seen);
    case "list":
      return a.length === (b as typeof a).length && sameWire(a.of, (b as typeof a).of, from, to, seen);
    case "map":
      return sameWire(a.key, (b as typeof a).key, from, to, seen) && sameWire(a.value, (b as typeof a).value, from, to, seen);
    case "enum": {
      const bv = (b as typeof a).values;
      return a.values.length === bv.length && a.values.every((v, i) => v.value === bv[i]?.value);
    }
    case "struct": {
      const bf = (b as typeof a).fields;
      return a.fields.length === bf.length && a.fields.every((f, i) => sameWire(f.type, (bf[i] as (typeof bf)[number]).type, from, to, seen));
    }
    case "union": {
      const bv = (b as typeof a).variants;
      return a.variants.length === bv.length && a.variants.every((v, i) => v.tag === bv[i]?.tag && sameWire(v.type, (bv[i] as (typeof bv)[number]).type, from, to, seen));
    }
  }
}

function variantName(v: { tag: number; type: TypeDescription }): string {
  return typeText(v.type);
}

function compareTypes(a: TypeDescription, b: TypeDescription, from: Map<string, NamedType>, to: Map<string, NamedType>): Change[] {
  const changes: Change[] = [];
  const add = (what: string, compatibility: Compatibility): void => void changes.push({ what, compatibility });
  if (a.kind === "struct" && b.kind === "struct") {
    const n = Math.max(a.fields.length, b.fields.length);
    for (let i = 0; i < n; i++) {
      const fa = a.fields[i];
      const fb = b.fields[i];
      if (fa === undefined && fb !== undefined) add(`field \`${fb.name}: ${typeText(fb.type)}\` added at position ${i + 1}`, "breaking");
      else if (fb === undefined && fa !== undefined) add(`field \`${fa.name}: ${typeText(fa.type)}\` removed from position ${i + 1}`, "breaking");
      else if (fa !== undefined && fb !== undefined) {
        const same = sameWire(fa.type, fb.type, from, to);
        const retyped = typeText(fa.type) !== typeText(fb.type);
        if (fa.name !== fb.name && !retyped) add(`field ${i + 1} renamed \`${fa.name}\` → \`${fb.name}\``, same ? "wire-compatible" : "breaking");
        else if (fa.name !== fb.name || retyped) {
          add(`field ${i + 1} \`${fa.name}: ${typeText(fa.type)}\` became \`${fb.name}: ${typeText(fb.type)}\``, same ? "wire-compatible" : "breaking");
        }
      }
    }
    return changes;
  }
  if (a.kind === "union" && b.kind === "union") {
    for (const va of a.variants) {
      const vb = b.variants.find((v) => v.tag === va.tag);
      if (vb === undefined) add(`variant ${va.tag} \`${variantName(va)}\` removed`, "breaking");
      else if (variantName(va) !== variantName(vb)) {
        const same = sameWire(va.type, vb.type, from, to);
        add(`variant ${va.tag} \`${variantName(va)}\` became \`${variantName(vb)}\`${same ? " (same encoding)" : ""}`, same ? "wire-compatible" : "breaking");
      }
    }
    for (const vb of b.variants) if (!a.variants.some((v) => v.tag === vb.tag)) add(`variant ${vb.tag} \`${variantName(vb)}\` added`, "wire-compatible");
    return changes;
  }
  if (a.kind === "enum" && b.kind === "enum") {
    for (const ea of a.values) {
      const eb = b.values.find((v) => v.value === ea.value);
      if (eb === undefined) add(`value ${ea.value} \`${ea.name}\` removed`, "breaking");
      else if (eb.name !== ea.name) add(`value ${ea.value} renamed \`${ea.name}\` → \`${eb.name}\``, "wire-compatible");
    }
    for (const eb of b.values) if (!a.values.some((v) => v.value === eb.value)) add(`value ${eb.value} \`${eb.name}\` added`, "wire-compatible");
    return changes;
  }
  if (typeText(a) !== typeText(b) || a.kind !== b.kind) {
    const same = sameWire(a, b, from, to);
    add(`\`${typeText(a)}\` became \`${typeText(b)}\``, same ? "wire-compatible" : "breaking");
  }
  return changes;
}

function worst(changes: readonly Change[]): Compatibility {
  return changes.some((c) => c.compatibility === "breaking") ? "breaking" : "wire-compatible";
}

/** Every type added, removed or changed from `from` to `to`, in the newer version's order (removed types last). */
export function diffSchemas(from: SchemaDescription, to: SchemaDescription): TypeDiff[] {
  const a = new Map(from.types.map((t) => [t.name, t]));
  const b = new Map(to.types.map((t) => [t.name, t]));
  const out: TypeDiff[] = [];
  for (const tb of to.types) {
    const ta = a.get(tb.name);
    if (ta === undefined) {
      out.push({ name: tb.name, status: "added", changes: [{ what: "new type", compatibility: "wire-compatible" }], compatibility: "wire-compatible" });
      continue;
    }
    const changes = compareTypes(ta.type, tb.type, a, b);
    if (changes.length > 0) out.push({ name: tb.name, status: "changed", changes, compatibility: worst(changes) });
  }
  for (const ta of from.types) {
    if (!b.has(ta.name)) {
      out.push({ name: ta.name, status: "removed", changes: [{ what: "type removed", compatibility: "breaking" }], compatibility: "breaking" });
    }
  }
  return out;
}
