/**
 * Reading the golden vectors (`fixtures/vectors/<family>/v<N>/<Type>.json` and
 * `<Type>.large.json.gz`; `fixtures/README.md` describes them) and the type descriptions the
 * suite walks them with.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { VECTORS_DIR } from "@actorwire/fixtures";
import { typeDescriptions } from "@actorwire/protocol/descriptions";
import type { SchemaDescription } from "./bare-walk.js";
import type { JsonValue } from "./testee-protocol.js";

/** One golden case: a value and the exact bytes it encodes to. */
export interface VectorCase {
  name: string;
  value: JsonValue;
  hex: string;
}

interface VectorFile {
  family: string;
  version: number;
  type: string;
  schemaSha256: string;
  cases: VectorCase[];
}

/** The golden vectors `@actorwire/fixtures` ships (in the repository, `fixtures/vectors/`). */
export const DEFAULT_VECTORS_DIR = VECTORS_DIR;

/** Every family and version the suite has cases for, with its description. */
export function suiteVersions(): { family: string; version: number; schema: SchemaDescription }[] {
  const out: { family: string; version: number; schema: SchemaDescription }[] = [];
  for (const [family, versions] of Object.entries(typeDescriptions)) {
    for (const [version, schema] of Object.entries(versions)) {
      out.push({ family, version: Number(version), schema: schema as unknown as SchemaDescription });
    }
  }
  return out;
}

/**
 * The cases of one root type, ordinary ones first, then the long ones. Throws when the
 * plain file is missing or was recorded from another schema than the one described.
 */
export function loadVectorCases(dir: string, schema: SchemaDescription, type: string): VectorCase[] {
  const base = join(dir, schema.family, `v${schema.version}`, type);
  const files: VectorFile[] = [JSON.parse(readFileSync(`${base}.json`, "utf8")) as VectorFile];
  if (existsSync(`${base}.large.json.gz`)) {
    files.push(JSON.parse(gunzipSync(readFileSync(`${base}.large.json.gz`)).toString("utf8")) as VectorFile);
  }
  for (const file of files) {
    if (file.family !== schema.family || file.version !== schema.version || file.type !== type || file.schemaSha256 !== schema.sha256) {
      throw new Error(`${base}: vectors of ${file.family} v${file.version} ${file.type} (schema ${file.schemaSha256.slice(0, 12)}…) do not belong to ${schema.family} v${schema.version} ${type} (schema ${schema.sha256.slice(0, 12)}…)`);
    }
  }
  return files.flatMap((file) => file.cases);
}
