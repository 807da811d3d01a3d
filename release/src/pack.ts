import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
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
 * Packs every published package into `destination` with `npm pack`, so each one is built by
 * its own `prepack` exactly as a release would build it. Returns the tarballs by package name.
 */
export function packAll(destination: string, folders: readonly string[] = PUBLISHED_FOLDERS): Map<string, PackedPackage> {
  mkdirSync(destination, { recursive: true });
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
