/**
 * Writes the HTTP API section under `src/http-api/` from the engine's OpenAPI document: the
 * same function that serves `/openapi.json` is called here, with the admin token on so the
 * pages show which routes need it. No engine is started.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENGINE_VERSION, openApiDocument } from "@actorwire/engine";
import { type OpenApiDoc, renderHttpApi } from "./http-api/render.js";

const out = join(import.meta.dirname, "../src/http-api");

// The folder is generated, so it is rebuilt whole: a page for a tag that is gone must not linger.
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const pages = renderHttpApi(openApiDocument({ version: ENGINE_VERSION, auth: true }) as unknown as OpenApiDoc);
for (const [name, text] of pages) writeFileSync(join(out, name), text);
console.log(`http-api: ${pages.size} pages`);
