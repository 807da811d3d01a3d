#!/usr/bin/env -S npx tsx
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateAll } from "./generate.js";
import { checkLock, readLock, renderLock } from "./lock.js";
import { findSchemaFiles } from "./schema-files.js";

/**
 * `npm run codegen` regenerates every codec, arbitrary and description from the schemas and
 * locks newly added versions. `npm run codegen -- --check` changes nothing and fails when a
 * published schema changed or a committed generated file differs from what would be generated.
 */
function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const schemasDir = join(root, "schemas");
  const lockPath = join(schemasDir, "schemas.lock.json");
  const files = findSchemaFiles(schemasDir);
  const { problems, unlocked } = checkLock(readLock(lockPath), files);
  if (check && unlocked.length > 0) {
    problems.push(...unlocked.map((f) => `schemas/${f.relPath} is not in schemas.lock.json: run npm run codegen`));
  }
  if (problems.length > 0) {
    for (const p of problems) console.error(`codegen: ${p}`);
    return 1;
  }
  const outputs = generateAll(files);
  const genDir = join(schemasDir, "src/gen");
  const wanted = new Set(outputs.map((o) => join(schemasDir, o.path)));
  const stale = existsSync(genDir) ? listFiles(genDir).filter((p) => !wanted.has(p)) : [];
  if (check) {
    const differing = outputs.filter((o) => {
      const path = join(schemasDir, o.path);
      return !existsSync(path) || readFileSync(path, "utf8") !== o.content;
    });
    for (const o of differing) console.error(`codegen: schemas/${o.path} is not what the generator produces`);
    for (const p of stale) console.error(`codegen: ${relative(root, p)} is not produced by the generator`);
    if (differing.length + stale.length > 0) {
      console.error("codegen: run `npm run codegen` and commit the result");
      return 1;
    }
    console.log(`codegen: ${files.length} schema versions and ${outputs.length} generated files are up to date`);
    return 0;
  }
  for (const p of stale) rmSync(p);
  for (const o of outputs) {
    const path = join(schemasDir, o.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, o.content);
  }
  writeFileSync(lockPath, renderLock(files));
  console.log(`codegen: wrote ${outputs.length} files from ${files.length} schema versions`);
  for (const f of unlocked) console.log(`codegen: published schemas/${f.relPath} (now locked)`);
  return 0;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

process.exitCode = main(process.argv.slice(2));
