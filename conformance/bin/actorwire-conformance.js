#!/usr/bin/env node
// Starts the TypeScript CLI (src/cli.ts) under tsx, with the "source" export condition so that
// the workspace packages it imports resolve to their sources, as everywhere else in this repo.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const tsx = import.meta.resolve("tsx");
const child = spawn(process.execPath, ["--import", tsx, "--conditions=source", cli, ...process.argv.slice(2)], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal !== null ? 1 : 0)));
