/**
 * Which source files the API reference documents: the public entry points each package
 * declares in its package.json `exports`, read through the `source` condition (the
 * TypeScript the workspace builds from), so a new public subpath shows up without a change
 * here and an internal one stays out.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One package of the API reference. */
export interface ApiPackage {
  /** The workspace folder, relative to the repository root. */
  readonly dir: string;
  /** The folder its pages go in, under `docs/src/api/`. */
  readonly slug: string;
}

/** The packages the API reference covers, in the order the index lists them. */
export const API_PACKAGES: readonly ApiPackage[] = [
  { dir: "runner-ts", slug: "runner" },
  { dir: "client-ts", slug: "client" },
  { dir: "schemas", slug: "protocol" },
  { dir: "engine-ts", slug: "engine" },
];

/**
 * Subpaths that are exported but are not public API: `@actorwire/protocol/internal` is
 * documented in its own file as shared helpers that are not semver.
 */
export const NON_PUBLIC_SUBPATHS: ReadonlySet<string> = new Set(["./internal", "./package.json"]);

/** One public entry point: a module as users import it, and the file it is written in. */
export interface EntryPoint {
  /** The import specifier, e.g. `@actorwire/protocol/descriptions`. */
  readonly name: string;
  /** The package it belongs to. */
  readonly pkg: ApiPackage;
  /** Absolute path of the TypeScript source. */
  readonly file: string;
}

type ExportTarget = string | { readonly [condition: string]: ExportTarget } | null;

/** The file a subpath's `source` condition names, or undefined when it has none. */
function sourceOf(target: ExportTarget): string | undefined {
  if (target === null || typeof target === "string") return undefined;
  const source = target["source"];
  return typeof source === "string" ? source : undefined;
}

/**
 * Every public entry point of a package, sorted by name. A wildcard subpath
 * (`./runtime/*.js` → `./src/runtime/*.ts`) stands for each matching file that is not a test.
 */
export function entryPointsOf(root: string, pkg: ApiPackage): EntryPoint[] {
  const dir = join(root, pkg.dir);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; exports?: Record<string, ExportTarget> };
  const out: EntryPoint[] = [];
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (NON_PUBLIC_SUBPATHS.has(subpath)) continue;
    const source = sourceOf(target);
    if (source === undefined) continue;
    const name = (s: string): string => (s === "." ? manifest.name : `${manifest.name}/${s.slice(2)}`);
    if (!subpath.includes("*")) {
      out.push({ name: name(subpath), pkg, file: join(dir, source) });
      continue;
    }
    const [before, after] = source.split("*") as [string, string];
    const slash = before.lastIndexOf("/");
    const folder = before.slice(0, slash);
    const prefix = before.slice(slash + 1);
    for (const file of readdirSync(join(dir, folder)).sort()) {
      if (!file.startsWith(prefix) || !file.endsWith(after) || file.endsWith(`.test${after}`)) continue;
      const stem = file.slice(prefix.length, file.length - after.length);
      out.push({ name: name(subpath.replace("*", stem)), pkg, file: join(dir, folder, file) });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
