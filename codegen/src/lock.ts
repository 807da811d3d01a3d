import { existsSync, readFileSync } from "node:fs";
import type { SchemaFile } from "./schema-files.js";

/** Maps `family/vN.bare` to the SHA-256 it had when it was published. */
export type SchemaLock = Record<string, string>;

export function readLock(path: string): SchemaLock {
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, "utf8")) as SchemaLock;
}

/**
 * Compares the schemas on disk with the lock.
 *
 * A published version never changes, so a locked file whose hash differs, or a locked file
 * that disappeared, is an error. A file the lock does not know yet is new: it becomes
 * published the next time the lock is written.
 */
export function checkLock(lock: SchemaLock, files: readonly SchemaFile[]): { problems: string[]; unlocked: SchemaFile[] } {
  const problems: string[] = [];
  const unlocked: SchemaFile[] = [];
  for (const file of files) {
    const locked = lock[file.relPath];
    if (locked === undefined) unlocked.push(file);
    else if (locked !== file.sha256) {
      problems.push(
        `schemas/${file.relPath} changed after it was published (lock ${locked.slice(0, 12)}…, now ${file.sha256.slice(0, 12)}…): ` +
          "restore it and put the change in a new version with converters",
      );
    }
  }
  for (const relPath of Object.keys(lock)) {
    if (!files.some((f) => f.relPath === relPath)) problems.push(`schemas/${relPath} is published but missing`);
  }
  return { problems, unlocked };
}

export function renderLock(files: readonly SchemaFile[]): string {
  const lock: SchemaLock = {};
  for (const f of files) lock[f.relPath] = f.sha256;
  return `${JSON.stringify(lock, null, 2)}\n`;
}
