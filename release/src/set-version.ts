/**
 * `npm run version:set -- <version>`: gives every package of the repository the same version
 * and points every dependency between them at a caret range of it, then refreshes the lock.
 * One number for all packages means a user never has to work out which engine goes with
 * which runner. Prints what changed; changes nothing when the version is already set.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./packages.js";

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Sets `version` in every workspace package; returns the package.json files it changed. */
export function setVersion(version: string, root = ROOT): string[] {
  if (!SEMVER.test(version)) throw new Error(`"${version}" is not a semantic version (like 0.2.0 or 1.0.0-rc.1)`);
  const workspaces = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces: string[] }).workspaces;
  const changed: string[] = [];
  for (const folder of workspaces) {
    const path = join(root, folder, "package.json");
    const before = readFileSync(path, "utf8");
    const pkg = JSON.parse(before) as Record<string, unknown> & { version: string };
    pkg.version = version;
    for (const field of ["dependencies", "devDependencies", "peerDependencies"] as const) {
      const deps = pkg[field] as Record<string, string> | undefined;
      for (const name of Object.keys(deps ?? {})) if (name.startsWith("@actorwire/") && deps) deps[name] = `^${version}`;
    }
    const after = `${JSON.stringify(pkg, null, 2)}\n`;
    if (after !== before) {
      writeFileSync(path, after);
      changed.push(join(folder, "package.json"));
    }
  }
  return changed;
}

if (import.meta.filename === process.argv[1]) {
  const { positionals } = parseArgs({ allowPositionals: true, strict: true });
  const [version] = positionals;
  if (positionals.length !== 1 || version === undefined) {
    console.error("usage: npm run version:set -- <version>");
    process.exit(2);
  }
  try {
    const changed = setVersion(version);
    for (const file of changed) console.log(`version:set: ${file} → ${version}`);
    if (changed.length > 0) execFileSync("npm", ["install", "--package-lock-only", "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
  } catch (error) {
    console.error(`version:set: ${(error as Error).message}`);
    process.exit(2);
  }
}
