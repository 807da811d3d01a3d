import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { checkConsistent, lastBatch } from "./crash-workload.js";
import { SqliteStorage } from "./sqlite.js";

const writer = fileURLToPath(new URL("./crash-writer.ts", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "actorwire-crash-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Starts the writer, lets it commit until it has acknowledged `acks` batches, then kills it
 * with SIGKILL while it is in the middle of the next one. Resolves with the batch it started
 * at and the last batch it acknowledged.
 */
function runAndKill(path: string, acks: number): Promise<{ first: number; lastAcked: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", writer, path], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let first = -1;
    let lastAcked = -1;
    let seen = 0;
    let buffered = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const [word, n] = line.split(" ");
        if (word === "ready") first = Number(n);
        else if (word === "ack") {
          lastAcked = Number(n);
          if (++seen === acks) child.kill("SIGKILL");
        }
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`writer exited with ${code} ${signal}: ${stderr}`));
      else resolve({ first, lastAcked });
    });
  });
}

describe("SqliteStorage durability", () => {
  it("keeps every acknowledged batch, and no part of an unacknowledged one, across kill -9", async () => {
    const path = join(root, "engine.sqlite");
    let expectedFirst = 0;
    for (const acks of [120, 200, 80]) {
      const { first, lastAcked } = await runAndKill(path, acks);
      // Each run continues exactly where the store says the previous one stopped.
      expect(first).toBe(expectedFirst);
      expect(lastAcked).toBeGreaterThanOrEqual(first + acks - 1);

      const storage = SqliteStorage.open(path);
      try {
        const last = lastBatch(storage);
        // Every acknowledged batch is there; at most the one in flight at the kill is too.
        expect(last).toBeGreaterThanOrEqual(lastAcked);
        expect(last).toBeLessThanOrEqual(lastAcked + 1);
        expect(checkConsistent(storage)).toEqual([]);
        expectedFirst = last + 1;
      } finally {
        storage.close();
      }
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      } finally {
        db.close();
      }
    }
  });
});
