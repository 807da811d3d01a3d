/**
 * The shape of codegen's type descriptions (`@actorwire/protocol/descriptions`) and the
 * discovery of every family and version in them. Nothing here names a family: a family added
 * to the schemas appears in the docs because it appears in `typeDescriptions`.
 */

/** One type expression, as codegen describes it (`codegen/src/describe.ts`). */
export type TypeDescription =
  | { readonly kind: "ref"; readonly name: string }
  | { readonly kind: "primitive"; readonly name: string }
  | { readonly kind: "void" }
  | { readonly kind: "data"; readonly length: number | null }
  | { readonly kind: "optional"; readonly of: TypeDescription }
  | { readonly kind: "list"; readonly of: TypeDescription; readonly length: number | null }
  | { readonly kind: "map"; readonly key: TypeDescription; readonly value: TypeDescription }
  | { readonly kind: "enum"; readonly values: readonly { readonly name: string; readonly value: number; readonly comment: string }[] }
  | { readonly kind: "struct"; readonly fields: readonly { readonly name: string; readonly type: TypeDescription; readonly comment: string }[] }
  | { readonly kind: "union"; readonly variants: readonly { readonly tag: number; readonly type: TypeDescription; readonly comment: string }[] };

/** One named type of a schema version. */
export interface NamedType {
  readonly name: string;
  readonly comment: string;
  readonly type: TypeDescription;
}

/** The whole description of one schema version. */
export interface SchemaDescription {
  readonly family: string;
  readonly version: number;
  readonly schema: string;
  readonly sha256: string;
  readonly roots: readonly string[];
  readonly types: readonly NamedType[];
}

/** One family with its versions, oldest first. */
export interface Family {
  readonly name: string;
  readonly versions: readonly SchemaDescription[];
}

/**
 * Every family and version in a `typeDescriptions`-shaped object, families in the order the
 * object lists them (codegen's order) and versions in ascending order.
 */
export function discoverFamilies(descriptions: Readonly<Record<string, Readonly<Record<number | string, unknown>>>>): Family[] {
  return Object.entries(descriptions).map(([name, byVersion]) => ({
    name,
    versions: Object.keys(byVersion)
      .map(Number)
      .sort((a, b) => a - b)
      .map((v) => byVersion[v] as SchemaDescription),
  }));
}

/** The named types of a version by name, for resolving references. */
export function typesByName(schema: SchemaDescription): Map<string, NamedType> {
  return new Map(schema.types.map((t) => [t.name, t]));
}

/** The description of one family and version; throws when there is none. */
export function schemaOf(families: readonly Family[], family: string, version: number): SchemaDescription {
  const found = families.find((f) => f.name === family)?.versions.find((s) => s.version === version);
  if (found === undefined) throw new Error(`no schema ${family} v${version}`);
  return found;
}
