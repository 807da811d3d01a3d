import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, "../..");

/**
 * Every package we publish, by folder. They share one version number (`npm run
 * version:set`), and each depends on the others by a caret range of it. The order is the
 * order of dependencies, which is also the order a release publishes in.
 */
export const PUBLISHED_FOLDERS = ["schemas", "fixtures", "codegen", "client-ts", "runner-ts", "engine-ts", "testkit", "conformance"] as const;

export interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}

export function readPackageJson(folder: string): PackageJson {
  return JSON.parse(readFileSync(join(ROOT, folder, "package.json"), "utf8")) as PackageJson;
}
