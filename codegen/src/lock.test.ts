import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkLock, readLock } from "./lock.js";
import { findSchemaFiles } from "./schema-files.js";

const schemasDir = resolve(import.meta.dirname, "../../schemas");
const lockPath = join(schemasDir, "schemas.lock.json");

describe("the lock of published schema versions", () => {
  it("holds exactly the hash of every published schema file", () => {
    const files = findSchemaFiles(schemasDir);
    const { problems, unlocked } = checkLock(readLock(lockPath), files);
    expect(problems).toEqual([]);
    expect(unlocked.map((f) => f.relPath)).toEqual([]);
    expect(files.map((f) => f.relPath)).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7].map((v) => `runner/v${v}.bare`),
      ...[1, 2, 3, 4].map((v) => `client/v${v}.bare`),
      "persist/v1.bare",
      // The envoy family has no v7: its layout is not published, so there is no file to lock.
      ...[1, 2, 3, 4, 5, 6, 8].map((v) => `envoy/v${v}.bare`),
    ]);
  });

  const scratch = mkdtempSync(join(tmpdir(), "actorwire-lock-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("reports a published file that changed, even by one comment", () => {
    cpSync(schemasDir, scratch, { recursive: true, filter: (p) => !p.includes("node_modules") && !p.includes("/src") });
    writeFileSync(join(scratch, "runner/v7.bare"), `${findSchemaFiles(schemasDir)[6]?.source}\n# an innocent comment\n`);
    const { problems } = checkLock(readLock(lockPath), findSchemaFiles(scratch));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("runner/v7.bare changed after it was published");
  });

  it("reports a published file that disappeared, and treats a new file as unpublished", () => {
    const lock = readLock(lockPath);
    const files = findSchemaFiles(schemasDir).filter((f) => f.relPath !== "client/v1.bare");
    expect(checkLock(lock, files).problems).toEqual(["schemas/client/v1.bare is published but missing"]);
    const { [`runner/v7.bare`]: _dropped, ...withoutV7 } = lock;
    expect(checkLock(withoutV7, findSchemaFiles(schemasDir)).unlocked.map((f) => f.relPath)).toEqual(["runner/v7.bare"]);
  });
});
