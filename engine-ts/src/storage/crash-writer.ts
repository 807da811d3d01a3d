/**
 * A child process for the durability test: opens the SQLite store at `argv[2]`, continues the
 * crash workload after the last batch it finds, and prints `ack <i>` after each commit until
 * it is killed. The ack is written with a synchronous write to fd 1, so nothing acknowledges
 * a batch before its commit has returned.
 *
 * Run: node --import tsx --conditions=source crash-writer.ts <file>
 */

import { writeSync } from "node:fs";
import { lastBatch, writeBatch } from "./crash-workload.js";
import { SqliteStorage } from "./sqlite.js";

const path = process.argv[2];
if (path === undefined) throw new Error("usage: crash-writer.ts <database file>");
const storage = SqliteStorage.open(path);
let i = lastBatch(storage) + 1;
writeSync(1, `ready ${i}\n`);
// The parent kills us; until then, write as fast as commits allow.
for (;;) {
  const durable = writeBatch(storage, i);
  if (durable !== undefined) await durable;
  writeSync(1, `ack ${i}\n`);
  i++;
}
