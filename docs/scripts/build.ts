/**
 * Builds the site: runs every generator (`scripts/gen-*.ts`, in name order), each of which
 * writes pages under `src/` from the code (schemas, vectors, limits, error codes, the engine's
 * OpenAPI document, the packages' declarations), then `vitepress build` into `dist/` (or
 * `vitepress dev` with `--dev`).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { dev: { type: "boolean", default: false } }, strict: true });
const docs = join(import.meta.dirname, "..");

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: docs, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed with exit code ${String(result.status ?? result.signal)}`);
}

const started = performance.now();
for (const name of readdirSync(join(docs, "scripts")).filter((f) => /^gen-.+\.ts$/.test(f)).sort()) {
  const t0 = performance.now();
  run(process.execPath, ["--import", "tsx", "--conditions=source", join("scripts", name)]);
  console.log(`${name}: ${Math.round(performance.now() - t0)} ms`);
}
const vitepress = join(docs, "../node_modules/vitepress/bin/vitepress.js");
run(process.execPath, [vitepress, values.dev ? "dev" : "build", "."]);
console.log(`docs built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
