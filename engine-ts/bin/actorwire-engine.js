#!/usr/bin/env node
// The `actorwire-engine` command. Installed from a package it runs the built engine in this
// process. In the repository checkout (recognised by the tsconfig.json that is never
// published) it runs the TypeScript sources under tsx instead, so the command always matches
// the code being edited and needs no build step after `npm install`.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

if (existsSync(new URL("../tsconfig.json", import.meta.url))) {
  const entry = fileURLToPath(new URL("../src/bin.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), "--conditions=source", entry, ...process.argv.slice(2)], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal !== null ? 1 : 0)));
} else {
  await import("../dist/bin.js");
}
