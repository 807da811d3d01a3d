import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One published version of one schema family, as found on disk. */
export interface SchemaFile {
  readonly family: string;
  readonly version: number;
  /** Path relative to the `schemas/` folder, e.g. `runner/v7.bare`. */
  readonly relPath: string;
  readonly source: string;
  readonly sha256: string;
}

/** The families of this repository's schemas, in the order their code is generated. */
export const FAMILIES = ["runner", "client", "persist"] as const;

const VERSION_FILE = /^v(\d+)\.bare$/;

/** Hex SHA-256 of a schema's exact bytes; the lock file stores this. */
export function hashSource(source: string): string {
  return createHash("sha256").update(source, "utf8").digest("hex");
}

/**
 * The families of a schema tree: every folder holding at least one `vN.bare`, those of
 * {@link FAMILIES} first in that order, then any others by name. A family name becomes part of
 * identifiers in the generated index, so it must be one (letters and digits, a letter first).
 */
export function findFamilies(schemasDir: string): string[] {
  const found = readdirSync(schemasDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && readdirSync(join(schemasDir, e.name)).some((name) => VERSION_FILE.test(name)))
    .map((e) => e.name);
  for (const name of found) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new Error(`schema family folder ${JSON.stringify(name)} is not an identifier (letters and digits, a letter first)`);
  }
  const known: readonly string[] = FAMILIES;
  return [...known.filter((f) => found.includes(f)), ...found.filter((f) => !known.includes(f)).sort()];
}

/** Lists every `vN.bare` of every family, ordered by family (see {@link findFamilies}) then version. */
export function findSchemaFiles(schemasDir: string): SchemaFile[] {
  const files: SchemaFile[] = [];
  for (const family of findFamilies(schemasDir)) {
    const dir = join(schemasDir, family);
    const versions = readdirSync(dir)
      .map((name) => VERSION_FILE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const version of versions) {
      const relPath = `${family}/v${version}.bare`;
      const source = readFileSync(join(schemasDir, relPath), "utf8");
      files.push({ family, version, relPath, source, sha256: hashSource(source) });
    }
  }
  return files;
}
