/**
 * The `actorwire-codegen` command (in this repository, `npm run codegen`).
 *
 * It regenerates every codec, arbitrary and description from the schemas and locks newly added
 * versions; with `--check` it changes nothing and fails when a published schema changed or a
 * committed generated file differs from what would be generated.
 *
 * Exit status: 0 when done (with --check: when everything is up to date); 1 when a schema, the
 * lock or a generated file is wrong; 2 for a usage error (one line on stderr and a hint).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_RUNTIME } from "./compile-codec.js";
import { generateAll, type OutputFile } from "./generate.js";
import { checkLock, readLock, renderLock } from "./lock.js";
import { findSchemaFiles, type SchemaFile } from "./schema-files.js";

const COMMAND = "actorwire-codegen";

/** The runtime the generated code imports when the schema tree has no `src/runtime/` of its own. */
export const PACKAGE_RUNTIME = "@actorwire/protocol/runtime";

/** This package's directory: `src/cli.ts` and the built `dist/cli.js` are both one level below it. */
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

/** In the repository checkout (the published package has no tsconfig.json) the schemas are beside this package. */
const IN_REPOSITORY = existsSync(join(PACKAGE_DIR, "tsconfig.json"));

const USAGE = `Usage: ${COMMAND} [--check] [--schemas <dir>] [--runtime <module>]

Compiles every <family>/vN.bare of a schema tree into <schemas>/src/gen/: per version a codec
(vN.ts), fast-check arbitraries (vN.arbitraries.ts) and a type description (vN.types.json),
plus registries by family and version. Keeps <schemas>/schemas.lock.json: a published schema
version may never change, so a locked file that differs is an error.

Options:
  --check             change nothing; fail if a published schema changed, a version is not
                      locked yet or a generated file differs from what would be generated
  --schemas <dir>     the schema tree (default: ${IN_REPOSITORY ? "this repository's schemas/" : "./schemas"})
  --runtime <module>  where generated code imports its runtime (root-codec.js, assert.js,
                      arbitrary-kit.js) from: a path relative to src/gen/<family>/, or a
                      package path (default: ${DEFAULT_RUNTIME} when <schemas>/src/runtime/
                      exists, otherwise ${PACKAGE_RUNTIME})
  -h, --help          this text
  -V, --version       print the version

Exit status: 0 done or up to date, 1 a schema, the lock or a generated file is wrong, 2 usage.`;

/** A bad command line: one line on stderr, exit 2. */
class UsageError extends Error {}

/** Runs the command; returns the exit code. */
export function main(argv: readonly string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        check: { type: "boolean" },
        schemas: { type: "string" },
        runtime: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const option = /'([^']*)'/.exec((error as Error).message)?.[1];
      return usageError(option !== undefined ? `unknown option ${option}` : (error as Error).message);
    }
    if (code?.startsWith("ERR_PARSE_ARGS_")) return usageError((error as Error).message);
    throw error;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  let schemasDir: string;
  let files: SchemaFile[];
  let runtime: string;
  try {
    schemasDir = resolve(values.schemas ?? (IN_REPOSITORY ? join(PACKAGE_DIR, "../schemas") : "schemas"));
    if (!existsSync(schemasDir) || !statSync(schemasDir).isDirectory()) {
      throw new UsageError(values.schemas !== undefined ? `--schemas: no such directory ${JSON.stringify(values.schemas)}` : `no schemas directory at ${schemasDir}: pass --schemas <dir>`);
    }
    try {
      files = findSchemaFiles(schemasDir);
    } catch (error) {
      throw new UsageError(`--schemas: ${(error as Error).message}`);
    }
    if (files.length === 0) throw new UsageError(`--schemas: no <family>/vN.bare under ${schemasDir}`);
    runtime = (values.runtime ?? (existsSync(join(schemasDir, "src/runtime")) ? DEFAULT_RUNTIME : PACKAGE_RUNTIME)).replace(/\/+$/, "");
    if (runtime === "" || /["\\\s]/.test(runtime)) throw new UsageError(`--runtime needs a module path, not ${JSON.stringify(values.runtime)}`);
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    throw error;
  }
  return run(schemasDir, files, runtime, values.check === true);
}

function usageError(message: string): 2 {
  process.stderr.write(`${COMMAND}: ${message}\nTry '${COMMAND} --help'.\n`);
  return 2;
}

function run(schemasDir: string, files: SchemaFile[], runtime: string, check: boolean): number {
  // Paths in messages are relative to where the command runs: `schemas/runner/v7.bare` from the repository root.
  const shown = (path: string): string => relative(process.cwd(), path) || ".";
  const rerun = IN_REPOSITORY ? "npm run codegen" : COMMAND;
  const lockPath = join(schemasDir, "schemas.lock.json");
  const { problems, unlocked } = checkLock(readLock(lockPath), files);
  if (check && unlocked.length > 0) {
    problems.push(...unlocked.map((f) => `${shown(join(schemasDir, f.relPath))} is not in schemas.lock.json: run ${rerun}`));
  }
  if (problems.length > 0) {
    for (const p of problems) console.error(`codegen: ${p}`);
    return 1;
  }
  let outputs: OutputFile[];
  try {
    outputs = generateAll(files, { runtime });
  } catch (error) {
    // A schema the generator refuses (a syntax error, a list of zero-byte items, …).
    console.error(`codegen: ${(error as Error).message}`);
    return 1;
  }
  const genDir = join(schemasDir, "src/gen");
  const wanted = new Set(outputs.map((o) => join(schemasDir, o.path)));
  const stale = existsSync(genDir) ? listFiles(genDir).filter((p) => !wanted.has(p)) : [];
  if (check) {
    const differing = outputs.filter((o) => {
      const path = join(schemasDir, o.path);
      return !existsSync(path) || readFileSync(path, "utf8") !== o.content;
    });
    for (const o of differing) console.error(`codegen: ${shown(join(schemasDir, o.path))} is not what the generator produces`);
    for (const p of stale) console.error(`codegen: ${shown(p)} is not produced by the generator`);
    if (differing.length + stale.length > 0) {
      console.error(`codegen: run \`${rerun}\` and commit the result`);
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
  for (const f of unlocked) console.log(`codegen: published ${shown(join(schemasDir, f.relPath))} (now locked)`);
  return 0;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

// Run when started as a program (`tsx codegen/src/cli.ts`, the in-repository launcher); the
// launcher of the published package imports this module and calls main itself.
if (startedAsProgram()) process.exitCode = main(process.argv.slice(2));

function startedAsProgram(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
