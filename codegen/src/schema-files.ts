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

/** The schema families, in the order their code is generated. */
export const FAMILIES = ["runner", "client", "persist"] as const;

/** Hex SHA-256 of a schema's exact bytes; the lock file stores this. */
export function hashSource(source: string): string {
  return createHash("sha256").update(source, "utf8").digest("hex");
}

/** Lists every `vN.bare` of every family, ordered by family then version. */
export function findSchemaFiles(schemasDir: string): SchemaFile[] {
  const files: SchemaFile[] = [];
  for (const family of FAMILIES) {
    const dir = join(schemasDir, family);
    const versions = readdirSync(dir)
      .map((name) => /^v(\d+)\.bare$/.exec(name))
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
