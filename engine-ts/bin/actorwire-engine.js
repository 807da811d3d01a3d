#!/usr/bin/env node
// The `actorwire-engine` command. Installed from a package it runs the built engine in this
// process. In the repository checkout (recognised by the tsconfig.json that is never
// published) it runs the TypeScript sources under tsx instead, so the command always matches
// the code being edited and needs no build step after `npm install`.
//
// Either way the engine runs in this very process, never in a child: a `kill -9` of this pid
// must take the engine (and the lock on its data dir) with it, not leave it orphaned.
import { existsSync } from "node:fs";

if (existsSync(new URL("../tsconfig.json", import.meta.url))) {
  const { register } = await import("node:module");
  // What `--conditions=source` does on the command line: workspace packages resolve to their
  // TypeScript sources rather than to a possibly stale build.
  const addSourceCondition = `export async function resolve(specifier, context, next) {
    return next(specifier, context.conditions.includes("source") ? context : { ...context, conditions: [...context.conditions, "source"] });
  }`;
  register(`data:text/javascript,${encodeURIComponent(addSourceCondition)}`);
  const tsx = await import("tsx/esm/api");
  tsx.register();
  await import("../src/bin.ts");
} else {
  await import("../dist/bin.js");
}
