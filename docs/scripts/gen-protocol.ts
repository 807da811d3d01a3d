/**
 * Writes the protocol reference under `src/protocol/` from the code: a page per family and
 * version, a diff per pair of consecutive versions, an overview per family and for the whole
 * section, and the limits and error-code pages. Families and versions are discovered from
 * `typeDescriptions` and the vectors folder, so a new one needs no change here.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONVERSION_LOSSES, ERROR_CODES, LIMITS } from "@actorwire/protocol";
import { typeDescriptions } from "@actorwire/protocol/descriptions";
import { discoverFamilies } from "./protocol/model.js";
import { diffPage, familyPage, indexPage, versionPage } from "./protocol/pages.js";
import { errorsPage, limitsPage, readTestFiles } from "./protocol/tables.js";
import { readVectors } from "./protocol/vectors.js";

const docs = join(import.meta.dirname, "..");
const out = join(docs, "src/protocol");
const root = join(docs, "..");

// The folder is generated, so it is rebuilt whole: a page for a type or version that is gone
// must not linger.
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
let pages = 0;
const write = (path: string, text: string): void => {
  mkdirSync(join(out, path, ".."), { recursive: true });
  writeFileSync(join(out, path), text);
  pages++;
};

const families = discoverFamilies(typeDescriptions);
write("index.md", indexPage(families));
for (const family of families) {
  write(join(family.name, "index.md"), familyPage(family));
  family.versions.forEach((schema, i) => {
    write(join(family.name, `v${schema.version}.md`), versionPage(family, schema, readVectors(family.name, schema.version)));
    const prev = family.versions[i - 1];
    if (prev !== undefined) write(join(family.name, `v${prev.version}-to-v${schema.version}.md`), diffPage(family, prev, schema, CONVERSION_LOSSES));
  });
}
write("limits.md", limitsPage(LIMITS, readTestFiles(root)));
write("errors.md", errorsPage(ERROR_CODES));
console.log(`gen-protocol: ${pages} pages for ${families.map((f) => `${f.name} v${f.versions.map((s) => s.version).join(",")}`).join("; ")}`);
