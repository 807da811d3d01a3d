#!/usr/bin/env node
// The `actorwire-codegen` command.
//
// In the repository checkout (a tsconfig.json beside package.json, which the published package
// does not ship) it starts the TypeScript CLI (src/cli.ts) under tsx, with the "source" export
// condition, as everywhere else in the repository. Installed from the registry it runs the built
// dist/cli.js in this process, with plain node.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
if (existsSync(new URL("../tsconfig.json", import.meta.url))) {
  const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
  const tsx = import.meta.resolve("tsx");
  const child = spawn(process.execPath, ["--import", tsx, "--conditions=source", cli, ...args], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal !== null ? 1 : 0)));
} else {
  const { main } = await import("../dist/cli.js");
  process.exitCode = main(args);
}
