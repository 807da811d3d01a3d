import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PUBLISHED_FOLDERS, readPackageJson, ROOT } from "./packages.js";

/** One packed package: its name and the tarball `npm pack` wrote. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  readonly tarball: string;
  readonly bytes: number;
  readonly files: number;
}

/**
 * Deletes the build outputs of source files that no longer exist. `tsc -b` never removes the
 * output of a deleted source, so without this a checkout that built before a file was deleted
 * would publish its stale `.js`, `.d.ts` and a map pointing at nothing. Each output is found
 * through its source map's `sources`. Returns the outputs removed.
 */
export function pruneStaleOutputs(folder: string): string[] {
  const dist = join(ROOT, folder, "dist");
  if (!existsSync(dist)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".js.map")) continue;
    const map = join(entry.parentPath, entry.name);
    const { sources } = JSON.parse(readFileSync(map, "utf8")) as { sources: string[] };
    if (sources.every((source) => existsSync(resolve(dirname(map), source)))) continue;
    const base = map.slice(0, -".js.map".length);
    for (const output of [`${base}.js`, map, `${base}.d.ts`, `${base}.d.ts.map`]) {
      if (existsSync(output)) {
        rmSync(output);
        removed.push(output);
      }
    }
  }
  return removed;
}

/**
 * Packs every published package into `destination` with `npm pack`, so each one is built by
 * its own `prepack` exactly as a release would build it. Returns the tarballs by package name.
 */
export function packAll(destination: string, folders: readonly string[] = PUBLISHED_FOLDERS): Map<string, PackedPackage> {
  mkdirSync(destination, { recursive: true });
  for (const folder of folders) pruneStaleOutputs(folder);
  const args = ["pack", "--json", "--pack-destination", resolve(destination), ...folders.flatMap((f) => ["--workspace", f])];
  const out = execFileSync("npm", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 });
  // npm prints the prepack scripts' output before the JSON report on the same stream.
  const report = JSON.parse(out.slice(out.indexOf("\n[") + 1 || out.indexOf("["))) as { name: string; version: string; filename: string; size: number; entryCount: number }[];
  const packed = new Map<string, PackedPackage>();
  for (const entry of report) {
    packed.set(entry.name, { name: entry.name, version: entry.version, tarball: join(resolve(destination), entry.filename), bytes: entry.size, files: entry.entryCount });
  }
  for (const folder of folders) {
    const name = readPackageJson(folder).name;
    if (!packed.has(name)) throw new Error(`npm pack wrote no tarball for ${name}`);
  }
  return packed;
}

// `npm run pack -- [--out <dir>]` writes the tarballs a release would publish.
if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({ options: { out: { type: "string", default: join(ROOT, ".pack") } }, strict: true });
  for (const p of packAll(values.out).values()) {
    console.log(`${p.tarball}  ${(p.bytes / 1024).toFixed(1)} KiB, ${p.files} files`);
  }
}
