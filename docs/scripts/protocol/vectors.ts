/**
 * Reads the golden vectors (`fixtures/vectors/<family>/v<N>/<Type>.json[.large.json.gz]`),
 * whose format `fixtures/README.md` describes. The folder is discovered, not listed: a family
 * or version with vectors on disk is read without a change here.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { VECTORS_DIR } from "@actorwire/fixtures";
import type { JsonValue } from "./trace.js";

/** One case of a vector file. */
export interface VectorCase {
  readonly name: string;
  readonly value: JsonValue;
  readonly hex: string;
}

/** One vector file. */
export interface VectorFile {
  readonly family: string;
  readonly version: number;
  readonly type: string;
  readonly schemaSha256: string;
  readonly cases: readonly VectorCase[];
}

/** The vector files of one family and version (`large` adds the gzipped long cases). */
export function readVectors(family: string, version: number, options: { large?: boolean } = {}): VectorFile[] {
  const dir = join(VECTORS_DIR, family, `v${version}`);
  if (!existsSync(dir)) return [];
  const out: VectorFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith(".large.json.gz")) {
      if (options.large === true) out.push(JSON.parse(gunzipSync(readFileSync(join(dir, name))).toString("utf8")) as VectorFile);
    } else if (name.endsWith(".json")) {
      out.push(JSON.parse(readFileSync(join(dir, name), "utf8")) as VectorFile);
    }
  }
  return out;
}

